"""`ecert audit verify` catches tampering done behind the platform's back, in the database
itself, and names the damaged row (SQLite demo data dir, and PostgreSQL)."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import drop_pg_schema, pg_schema_url
from tests.e2e.conftest import PASSPHRASE, ecert
from tests.inprocess_cli import ecert_in_process


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("demo") / "d"
    r = ecert("demo", "--no-serve", "--per-type", "2", "--data-dir", d)
    assert r.returncode == 0, r.stdout + r.stderr
    return d


def copy_of(demo_dir: Path, tmp: Path) -> Path:
    d = tmp / "copy"
    shutil.copytree(demo_dir, d)
    return d


def change_one_char(text: str) -> str:
    i = next(i for i, ch in enumerate(text) if ch.isascii() and ch.isalnum())
    return text[:i] + ("X" if text[i] != "X" else "Y") + text[i + 1:]


def verify(d: Path) -> tuple[int, str]:
    # `ecert audit verify`'s main() in this process: its verdict, message and exit code are
    # what is checked, not the interpreter start (the demo data comes from the real command).
    r = ecert_in_process({}, "audit", "verify", "--data-dir", str(d), "--demo")
    return r.returncode, r.stdout + r.stderr


def test_untouched_copy_passes(demo_dir: Path, tmp_path: Path) -> None:
    rc, out = verify(copy_of(demo_dir, tmp_path))
    assert rc == 0, out
    assert "audit log and library verified" in out


def _canonical(db: sqlite3.Connection) -> str:
    vid, ident, canon = db.execute("SELECT id, identifier, canonical FROM certificate_versions "
                                   "ORDER BY id LIMIT 1 OFFSET 1").fetchone()
    raw = bytearray(canon)
    i = raw.index(b'"', 10) + 1  # first byte of some string value: ASCII, stays valid UTF-8
    raw[i] = ord("Z") if raw[i] != ord("Z") else ord("Q")
    db.execute("UPDATE certificate_versions SET canonical = ? WHERE id = ?", (bytes(raw), vid))
    return f"version {ident}"


def _reason(db: sqlite3.Connection) -> str:
    eid, reason = db.execute("SELECT id, reason FROM status_events WHERE reason <> '' "
                             "ORDER BY id LIMIT 1").fetchone()
    # one character of a Chinese reason swapped for another: 1 UTF-8 sequence differs
    new = reason.replace("吊销", "撤销", 1) if "吊销" in reason else reason[:-1] + "。"
    if new == reason:
        new = reason + "!"
    db.execute("UPDATE status_events SET reason = ? WHERE id = ?", (new, eid))
    return f"status event {eid} "


def _actor(db: sqlite3.Connection) -> str:
    idx, actor = db.execute("SELECT idx, actor FROM audit_entries WHERE idx = 7").fetchone()
    db.execute("UPDATE audit_entries SET actor = ? WHERE idx = ?", (change_one_char(actor), idx))
    return "entry 7:"


def _delete(db: sqlite3.Connection) -> str:
    db.execute("DELETE FROM audit_entries WHERE idx = 12")
    return "entry 12 missing"


COLS = ("created_at", "actor", "actor_dept", "role", "action", "cert_identifier", "purpose",
        "request_id", "details_hash", "details", "leaf_input", "leaf_hash")


def _swap(db: sqlite3.Connection) -> str:
    a = db.execute(f"SELECT {', '.join(COLS)} FROM audit_entries WHERE idx = 20").fetchone()
    b = db.execute(f"SELECT {', '.join(COLS)} FROM audit_entries WHERE idx = 21").fetchone()
    sets = ", ".join(f"{c} = ?" for c in COLS)
    db.execute(f"UPDATE audit_entries SET {sets} WHERE idx = 20", b)
    db.execute(f"UPDATE audit_entries SET {sets} WHERE idx = 21", a)
    return "entry 20"


TAMPERS: dict[str, Callable[[sqlite3.Connection], str]] = {
    "version canonical byte": _canonical, "status event reason": _reason,
    "audit entry actor": _actor, "audit entry deleted": _delete,
    "audit entries swapped": _swap,
}


@pytest.mark.parametrize("what", list(TAMPERS))
def test_tampering_is_found_and_named(what: str, demo_dir: Path, tmp_path: Path) -> None:
    d = copy_of(demo_dir, tmp_path)
    with sqlite3.connect(d / "ecert.db") as db:
        expected = TAMPERS[what](db)
    rc, out = verify(d)
    assert rc != 0, out
    assert "audit verification FAILED" in out
    assert expected in out, f"{what}: expected {expected!r} in:\n{out}"
    if what == "audit entries swapped":
        assert "entry 21" in out, out


def _produce(p: Any, actor: Any) -> None:
    """The producers' samples, each through the API with its department's token."""
    from fastapi.testclient import TestClient

    from ecert.http.app import create_app
    from producers._common import DEPARTMENTS
    from producers.client import PlatformClient
    from producers.demo import producer_departments, run_producers

    for code, name in DEPARTMENTS.values():
        p.add_department(code, name, None, actor)
    with TestClient(create_app(p.settings, p), base_url="https://ecert.test") as tc:
        clients = {key: PlatformClient(tc, p.create_token(
            role="issuer", dept_code=code, holder_code=None, label="tamper", ttl_days=1,
            actor=actor).secret) for key, code in producer_departments().items()}
        authority = PlatformClient(tc, p.create_token(
            role="authority", dept_code=None, holder_code=None, label="tamper", ttl_days=1,
            actor=actor).secret)
        run_producers(clients, per_type=1, authority=authority)


# -- PostgreSQL ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pg_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    try:
        schema, url = pg_schema_url()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 unavailable: {exc}")
    d = tmp_path_factory.mktemp("pgdata") / "d"
    env = {"ECERT_DATABASE_URL": url, "ECERT_KEY_PASSPHRASE": PASSPHRASE}
    try:
        r = ecert_in_process(env, "init", "--data-dir", str(d))
        assert r.returncode == 0, r.stdout + r.stderr
        from ecert.cli.common import cli_actor
        from ecert.platform import Platform
        from ecert.settings import load_settings
        p = Platform(load_settings(env, data_dir=d))
        _produce(p, cli_actor())
        with p.store.transaction() as uow:
            p.audit.sign_head(uow, p.head_signer(uow), p.now())
        p.store.dispose()
        yield d, env
    finally:
        drop_pg_schema(schema)


@pytest.mark.postgres
def test_tampering_on_postgresql(pg_data_dir: tuple[Path, dict[str, str]]) -> None:
    import psycopg

    d, env = pg_data_dir
    r = ecert_in_process(env, "audit", "verify", "--data-dir", str(d))
    assert r.returncode == 0, r.stdout + r.stderr
    url = env["ECERT_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as c:
        actor = c.execute("SELECT actor FROM audit_entries WHERE idx = 9").fetchone()[0]
        c.execute("UPDATE audit_entries SET actor = %s WHERE idx = 9", (change_one_char(actor),))
        eid = c.execute("SELECT min(id) FROM status_events").fetchone()[0]
        c.execute("UPDATE status_events SET reason = reason || '.' WHERE id = %s", (eid,))
    r = ecert_in_process(env, "audit", "verify", "--data-dir", str(d))
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "entry 9:" in out, out
    assert f"status event {eid} " in out, out
