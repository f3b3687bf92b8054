"""The full run's large world: a platform on PostgreSQL with a million certificates, built once
by the platform's own bulk path (`ecert import`) and reused by later runs (issue 11).

    .venv/bin/python bench/big_world.py [--size 1000000] [--json]   # build or grow, then report

The database (`ecert_bench_big`) and the platform's data dir (`~/.cache/ecert-bench/big-world`
or `$BENCH_BIG_WORLD`: keys encrypted with a generated passphrase kept beside them, as in demo
mode) survive between runs and checkouts. A reused world is first migrated to this checkout's
schema (`ecert upgrade`); a world short of the wanted size (an interrupted build, or a larger
--size) is grown from where it stopped: the import is idempotent by `source_key`, and rows are
generated deterministically per chunk. The build's own figures (rows/s of `ecert import`, that
processes' peak RSS, raw ES256 signing measured beside it, the commit and the date) are kept in
`world.json`: they are B1's PostgreSQL figures at 1M when the world is built in the run, and
are reported with their date when it is reused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import http_world as hw  # noqa: E402

# outside the checkout: every clone on this machine reuses the one world
HOME = Path(os.environ.get("BENCH_BIG_WORLD", Path.home() / ".cache" / "ecert-bench" / "big-world"))
DB_NAME = "ecert_bench_big"
CHUNK = 50_000  # rows per generated file: bounded memory in this process


def _url() -> str:
    return hw.PG_SERVER.replace("postgresql://", "postgresql+psycopg://") + "/" + DB_NAME


def _db_exists() -> bool:
    import psycopg

    with psycopg.connect(f"{hw.PG_SERVER}/postgres", autocommit=True) as c:
        return c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone() \
            is not None


def _count(env: dict[str, str]) -> int:
    import psycopg

    with psycopg.connect(env["ECERT_DATABASE_URL"].replace("+psycopg", "")) as c:
        return int(c.execute("SELECT count(*) FROM certificates").fetchone()[0])  # type: ignore[index]


def _commit() -> str:
    r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=hw.REPO, capture_output=True,
                       text=True)
    return r.stdout.strip() or "unknown"


def _create() -> dict[str, Any]:
    """A new platform (the same shape as http_world.world) on a new `ecert_bench_big`."""
    from producers import vocational_training as vt
    from producers._common import DEPARTMENTS

    if _db_exists():
        hw._admin(f"DROP DATABASE {DB_NAME} WITH (FORCE)")
    hw._admin(f"CREATE DATABASE {DB_NAME}")
    HOME.mkdir(parents=True, exist_ok=True)
    env = {"ECERT_DATABASE_URL": _url(), "ECERT_DATA_DIR": str(HOME / "data"),
           "ECERT_KEY_PASSPHRASE": "bench-big-" + secrets.token_hex(12),
           "ECERT_RATE_LIMIT_PER_MINUTE": "100000000", "ECERT_STH_EVERY_N": "1000"}
    full = _env(env)
    hw.ecert(full, "init")
    code, name = DEPARTMENTS["hrss"]
    hw.ecert(full, "dept", "add", "--code", code, "--name", name)
    (HOME / "type.json").write_text(json.dumps(vt.DEFINITION, ensure_ascii=False))
    hw.ecert(full, "catalog", "add", str(HOME / "type.json"))
    token = hw.ecert(full, "token", "create", "--role", "issuer", "--dept", code).strip()
    meta = {"env": env, "token": token, "type_code": vt.TYPE_CODE, "dept": code, "builds": []}
    _save(meta)
    return meta


def _env(own: dict[str, str]) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("ECERT_")}, **own}


def _save(meta: dict[str, Any]) -> None:
    (HOME / "world.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n")


def _raw_sign_rate() -> float:
    from bench_issue import sign_rate

    from ca.signer import MemorySigner

    return sign_rate(MemorySigner.generate("raw"), 2.0)


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants (an import may draft in a child)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += next(int(ln.split()[1]) for ln in status.splitlines()
                          if ln.startswith("VmRSS:"))
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue  # exited between the reads
    return total / 1024


def _import_chunk(env: dict[str, str], meta: dict[str, Any], path: Path) -> tuple[float, float]:
    """One `ecert import` process over the whole file: (seconds, peak RSS in MB of the import
    and any child process it runs, sampled every half second)."""
    t = time.perf_counter()
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: nobody reads while it runs
        proc = subprocess.Popen([sys.executable, "-m", "ecert", "import", str(path), "--type",
                                 meta["type_code"], "--dept", meta["dept"]], env=env,
                                cwd=hw.REPO, stdout=subprocess.DEVNULL, stderr=err)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, _tree_rss_mb(proc.pid))
            time.sleep(0.5)
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"ecert import failed ({proc.returncode}): {tail}")
    return time.perf_counter() - t, peak


def _write_rows(path: Path, start: int, stop: int) -> None:
    from producers import vocational_training as vt

    with path.open("w", encoding="utf-8") as f:
        for base in range(start - start % CHUNK, stop, CHUNK):  # deterministic per chunk
            events = vt.sample_events(CHUNK, seed=1_000_003 + base // CHUNK)
            for i, event in enumerate(events):
                if start <= base + i < stop:
                    data, _src = vt.to_request(event)
                    f.write(json.dumps({**data, "source_key": f"big{base + i}"},
                                       ensure_ascii=False) + "\n")


def ensure(size: int) -> dict[str, Any]:
    """The world at `size` certificates or more: reused (and migrated), grown, or built."""
    sys.path.insert(0, str(hw.REPO))
    meta = json.loads((HOME / "world.json").read_text()) if (HOME / "world.json").exists() else None
    if meta is None or not _db_exists():
        meta = _create()
    env = _env(meta["env"])
    hw.ecert(env, "upgrade")  # a world built by an older checkout: this schema
    have = _count(env)
    if have < size:
        raw_before = _raw_sign_rate()
        with tempfile.TemporaryDirectory(prefix="ecert-big-") as d:
            path = Path(d) / "rows.jsonl"
            _write_rows(path, have, size)  # ~0.5 KB a row: 500 MB for a million
            seconds, rss = _import_chunk(env, meta, path)
        raw = (raw_before + _raw_sign_rate()) / 2
        added = _count(env) - have
        meta["builds"].append({"from": have, "to": have + added, "seconds": round(seconds, 1),
                               "rate": added / seconds, "raw_sign": raw,
                               "ratio": added / seconds / raw, "rss_mb": round(rss, 1),
                               "commit": _commit(), "load_before": os.getloadavg()[0],
                               "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
        _save(meta)
    meta["size"] = _count(env)
    return meta


def world(meta: dict[str, Any]) -> hw.World:
    """The world as `http_world.World` (identifiers: a sample, for the latency rows)."""
    import psycopg

    env = _env(meta["env"])
    with psycopg.connect(env["ECERT_DATABASE_URL"].replace("+psycopg", "")) as c:
        idents = [r[0] for r in c.execute(
            "SELECT identifier FROM certificate_versions ORDER BY random() LIMIT 20").fetchall()]
    ca_pem = HOME / "ca.pem"
    if not ca_pem.exists():
        with hw.serve(env, 1) as base:
            import httpx

            ca_pem.write_bytes(httpx.get(base + "/pki/ca.pem").content)
    return hw.World(env, meta["token"], meta["type_code"], tuple(idents), ca_pem)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    meta = ensure(a.size)
    out = {"size": meta["size"], "builds": meta["builds"]}
    print(json.dumps(out) if a.json else json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
