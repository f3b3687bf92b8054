from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from issuer_helpers import (
    NOW,
    TYPE_A,
    World,
    issuer_actor,
    make_world,
    person,
    run_import,
    sqlite_store,
)

from issuer.imports import ImportProgress

A = issuer_actor()
HERE = Path(__file__).parent


def write_csv(path: Path, n: int, bad_rows: tuple[int, ...] = ()) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["source_key", "holder_name", "holder_code", "area", "level", "address"])
        for i in range(1, n + 1):
            p = person(i)
            level = "x" if i in bad_rows else str(i % 5 + 1)
            w.writerow([f"old-{i}", p["name"], p["code"], "餐饮", level, f"拉萨{i}号"])


def test_csv_import_rejects_and_idempotent(tmp_path: Path) -> None:
    world: World = make_world(sqlite_store(tmp_path / "db.sqlite"))
    src = tmp_path / "in.csv"
    write_csv(src, 60, bad_rows=(7, 33))
    seen: list[ImportProgress] = []
    r = run_import(world, src, TYPE_A, A, lambda: NOW, progress=seen.append,
                    rejects_path=tmp_path / "rej.csv", batch_size=25)
    assert (r.rows_done, r.issued, r.skipped, r.rejected) == (60, 58, 0, 2)
    assert [p.rows_done for p in seen] == [25, 50, 60] and seen[-1].rows_total == 60
    with (tmp_path / "rej.csv").open(encoding="utf-8") as f:
        rej = list(csv.DictReader(f))
    assert [x["row"] for x in rej] == ["7", "33"] and "level" in rej[0]["reason"]
    again = run_import(world, src, TYPE_A, A, lambda: NOW, batch_size=25)
    assert again.already_done and again.issued == 58
    # the same rows in another file are skipped, not issued twice
    src2 = tmp_path / "in2.csv"
    write_csv(src2, 61)
    r2 = run_import(world, src2, TYPE_A, A, lambda: NOW, batch_size=25)
    assert (r2.issued, r2.skipped) == (3, 58)  # rows 7, 33 (now valid) and 61


def test_jsonl_import_without_source_key(tmp_path: Path) -> None:
    world: World = make_world(sqlite_store(tmp_path / "db.sqlite"))
    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"holder": person(i), "fields": {"area": "种植", "level": 1}},
                        ensure_ascii=False) for i in range(1, 6)]
    lines.insert(2, "{not json")
    lines.append(json.dumps({"holder_name": "次仁", "holder_code": person(9)["code"],
                             "area": "养殖", "level": "3"}, ensure_ascii=False))
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run_import(world, src, TYPE_A, A, lambda: NOW, rejects_path=tmp_path / "r.jsonl")
    assert (r.issued, r.rejected) == (6, 1)
    rej = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert rej[0]["row"] == 3 and "JSON" in rej[0]["reason"]
    src.write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")  # other file, same rows
    r2 = run_import(world, src, TYPE_A, A, lambda: NOW)
    assert (r2.issued, r2.skipped, r2.rejected) == (0, 6, 1)


def _count(db: Path) -> int:
    import sqlite3
    try:
        with sqlite3.connect(db, timeout=30) as c:
            return c.execute("select count(*) from certificates").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_killed_import_resumes_exactly_once(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    make_world(sqlite_store(db))
    src = tmp_path / "in.csv"
    n = 1500
    write_csv(src, n, bad_rows=(10, 1400))
    rejects = tmp_path / "rej.csv"
    cmd = [sys.executable, str(HERE / "import_child.py"), str(db), str(src), str(rejects), "50"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while _count(db) < 300 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, "the child finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = _count(db)
    assert 0 < killed_at < n
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=True)
    rows_done, issued, skipped, rejected, resumed_from = map(int, out.stdout.split())
    assert rows_done == n and rejected == 2 and resumed_from > 0
    assert issued + skipped == n - 2 and skipped == 0  # resumed at a batch boundary
    import sqlite3
    with sqlite3.connect(db) as c:
        total, distinct = c.execute(
            "select count(*), count(distinct source_key) from certificates").fetchone()
        versions = c.execute("select count(*) from certificate_versions").fetchone()[0]
    assert total == distinct == versions == n - 2
    with rejects.open(encoding="utf-8") as f:
        assert [x["row"] for x in csv.DictReader(f)] == ["10", "1400"]


def _last_analyze(store: Any, table: str) -> Any:
    from sqlalchemy import text

    with store.engine.connect() as c:
        return c.execute(text("SELECT last_analyze FROM pg_stat_user_tables "
                              "WHERE schemaname = current_schema() AND relname = :t"),
                         {"t": table}).scalar()


@pytest.mark.postgres
def test_large_import_refreshes_the_planner_statistics(tmp_path: Path) -> None:
    """After a bulk load PostgreSQL must plan for the grown register (a lookup by certificate
    is an index probe, not a parallel scan chosen for an empty table): the import ANALYZEs
    the tables it grew once it issued `analyze_after` rows; a small import leaves them."""
    from issuer_helpers import drop_pg_schema, pg_schema_store
    from sqlalchemy import text

    store, schema = pg_schema_store()
    try:
        world = make_world(store)
        small, big = tmp_path / "small.csv", tmp_path / "big.csv"
        write_csv(small, 5)
        run_import(world, small, TYPE_A, A, lambda: NOW, analyze_after=50)
        assert _last_analyze(store, "certificates") is None
        write_csv(big, 80)  # rows 1-5 skipped: 75 issued
        r = run_import(world, big, TYPE_A, A, lambda: NOW, analyze_after=50)
        assert r.issued == 75
        for table in ("certificates", "certificate_versions", "status_events", "audit_entries"):
            assert _last_analyze(store, table) is not None, table
        with store.engine.connect() as c:  # the planner knows the register's size now
            rows = c.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'certificates' "
                                  "AND relnamespace = current_schema()::regnamespace")).scalar()
        assert rows == 80
    finally:
        drop_pg_schema(store, schema)


def test_sqlite_import_optimizes_without_error(tmp_path: Path) -> None:
    world: World = make_world(sqlite_store(tmp_path / "db.sqlite"))
    src = tmp_path / "in.csv"
    write_csv(src, 12)
    r = run_import(world, src, TYPE_A, A, lambda: NOW, analyze_after=10)
    assert r.issued == 12
    import sqlite3

    with sqlite3.connect(tmp_path / "db.sqlite") as c:  # PRAGMA optimize gathered statistics
        assert c.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0] > 0
