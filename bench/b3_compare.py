"""B3 before/after in one run: the same world served by two source trees, interleaved.

    .venv/bin/python bench/b3_compare.py --trees /tmp/base /work/wt/x [--workers 1 2]
        [--seconds 5] [--rounds 2] [--profile DIR]

Each tree's `ecert serve` runs with PYTHONPATH set to that tree (the same database, the same
token and certificates); per round and worker count it measures `/healthz`, verify by
identifier and issue with wrk (bench/http_world.py), and prints the best of the rounds. With
--profile, py-spy records the 1-worker server of each tree under the verify and issue loads
(`py-spy record -f raw`; read with bench/pyspy_top.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import http_world as hw  # noqa: E402

PG_STATES = False  # --pg-states: sample pg_stat_activity under the verify load
SPY_ARGS: list[str] = []  # e.g. ["--gil"]: only the thread holding the GIL (CPU work)


@contextlib.contextmanager
def _spy(pid: int, out: Path, seconds: float) -> Iterator[None]:
    spy = str(Path(sys.executable).parent / "py-spy")
    proc = subprocess.Popen([spy, "record", "-f", "raw", "-r", "200", *SPY_ARGS, "-d",
                             f"{seconds:.0f}", "-p", str(pid), "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        yield
    finally:
        proc.wait(timeout=seconds + 60)


@contextlib.contextmanager
def _pg_states(url: str, into: dict[str, float]) -> Iterator[None]:
    """Sample pg_stat_activity of the bench database every 10 ms while the block runs: the
    mean number of its backends per state (waiting on the audit append lock, running a
    statement, idle in a transaction = waiting for the server's Python)."""
    import threading

    import psycopg

    stop = threading.Event()
    counts: dict[str, int] = {}
    n = [0]

    def sample() -> None:
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        db = dsn.rsplit("/", 1)[1]
        with psycopg.connect(dsn.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
            while not stop.is_set():
                rows = c.execute(
                    "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()", (db,)).fetchall()
                n[0] += 1
                for state, wtype, wevent in rows:
                    key = ("lock:" + str(wevent) if wtype == "Lock"
                           else f"{state}:{wevent}" if wtype else str(state))
                    counts[key] = counts.get(key, 0) + 1
                time.sleep(0.01)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join()
        into.update({k: v / max(1, n[0]) for k, v in sorted(counts.items())})


def _cpu(pids: list[int]) -> float:
    """User + system CPU seconds of the server's processes so far."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _tree_pids(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-g", str(os.getpgid(pid))], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


def _server_pid(base: str) -> int:
    port = base.rsplit(":", 1)[1]
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True)
    return int(out.stdout.split("pid=", 1)[1].split(",", 1)[0])


def measure(w: hw.World, tree: str, workers: int, seconds: float,
            profile: Path | None) -> dict[str, dict[str, float]]:
    env = {**w.env, "PYTHONPATH": tree}
    hw.REPO = Path(tree)  # `python -m` puts its working directory first on the path
    auth = {"Authorization": f"Bearer {w.token}"}
    verify = f"/api/v1/verify/{w.identifiers[0]}?purpose=bench"
    with hw.serve(env, workers) as base:
        hw.wrk(base + verify, 1, headers=auth)  # warm-up: imports, caches, connections
        health = hw.wrk(base + "/healthz", seconds)
        spy = profile is not None and workers == 1
        tag = Path(tree).name
        with _spy(_server_pid(base), profile / f"{tag}-verify.txt", seconds) if spy \
                else contextlib.nullcontext():
            pids = _tree_pids(_server_pid(base))
        c0 = _cpu(pids)
        ver_pg: dict[str, float] = {}
        with _pg_states(w.env["ECERT_DATABASE_URL"], ver_pg) if PG_STATES \
                else contextlib.nullcontext():
            ver = hw.wrk(base + verify, seconds, headers=auth)
        ver_cpu = (_cpu(pids) - c0) / max(1.0, ver.rps * seconds)
        with _spy(_server_pid(base), profile / f"{tag}-issue.txt", seconds) if spy \
                else contextlib.nullcontext():
            c0 = _cpu(pids)
            iss = hw.wrk(base + "/api/v1/certificates", seconds, method="POST",
                         body=hw.issue_body(7), headers=auth)
            iss_cpu = (_cpu(pids) - c0) / max(1.0, iss.rps * seconds)
    out = {name: {**vars(load), "ratio": load.rps / health.rps if health.rps else 0.0}
           for name, load in (("healthz", health), ("verify", ver), ("issue", iss))}
    if ver_pg:
        out["verify_pg"] = ver_pg
    out["verify"]["cpu_ms"] = ver_cpu * 1000  # server CPU per request (all its processes)
    out["issue"]["cpu_ms"] = iss_cpu * 1000
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trees", nargs="+", required=True)
    ap.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--profile", type=Path)
    ap.add_argument("--pg-states", action="store_true")
    ap.add_argument("--gil", action="store_true", help="profile only GIL-holding threads")
    a = ap.parse_args()
    if a.pg_states:
        global PG_STATES
        PG_STATES = True
    if a.gil:
        SPY_ARGS.append("--gil")
    if a.profile:
        a.profile.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, list[dict[str, dict[str, float]]]]] = {}
    hw.REPO = Path(a.trees[0])  # the world is made by the first (older) tree's code
    with hw.world(20) as w:
        for r in range(a.rounds):
            for workers in a.workers:
                for tree in a.trees:
                    got = measure(w, tree, workers, a.seconds, a.profile if r == 0 else None)
                    results.setdefault(tree, {}).setdefault(str(workers), []).append(got)
                    print(json.dumps({"tree": tree, "workers": workers, "round": r, **got}),
                          flush=True)
    print(json.dumps({"uptime": os.getloadavg()}))


if __name__ == "__main__":
    main()
