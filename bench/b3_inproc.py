"""B3's requests in one process, one at a time, for CPU profiles and CPU seconds per request.

    PYTHONPATH=TREE .venv/bin/python bench/b3_inproc.py [--n 300]
    py-spy record -f raw -o out.txt -- .venv/bin/python bench/b3_inproc.py   (a profile)

A fresh PostgreSQL world (bench/http_world.py), the app built as `ecert serve` builds it, and
Starlette's TestClient calling verify by identifier and issue `n` times each: the CPU a request
costs the server, without wrk or a second process competing for it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import http_world as hw  # noqa: E402


def _print_statements(client: object, verify: str, auth: dict[str, str]) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen: list[str] = []

    def log(conn, cursor, statement, params, context, executemany):  # noqa: ANN001
        seen.append(" ".join(statement.split())[:150])

    event.listen(Engine, "before_cursor_execute", log)
    for name, call in (("verify", lambda: client.get(verify, headers=auth)),  # type: ignore[attr-defined]
                       ("issue", lambda: client.post("/api/v1/certificates", headers=auth,  # type: ignore[attr-defined]
                                                     json=hw.issue_body(999)))):
        seen.clear()
        call().raise_for_status()
        print(f"---- {name}: {len(seen)} statements")
        for line in seen:
            print("   ", line)
    event.remove(Engine, "before_cursor_execute", log)


def _gc_pauses() -> list[float]:
    """Durations of the garbage collections from now on (gc.callbacks)."""
    import gc

    pauses: list[float] = []
    started = [0.0]

    def cb(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses.append(time.perf_counter() - started[0])

    gc.callbacks.append(cb)
    return pauses


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--statements", action="store_true",
                    help="print the SQL statements of one request of each kind")
    ap.add_argument("--freeze", action="store_true",
                    help="gc.freeze() after start-up (what a server could do)")
    a = ap.parse_args()
    with hw.world(5) as w:
        os.environ.update(w.env)
        from fastapi.testclient import TestClient

        from ecert.asgi import create

        auth = {"Authorization": f"Bearer {w.token}"}
        verify = f"/api/v1/verify/{w.identifiers[0]}?purpose=bench"
        with TestClient(create()) as client:
            for _ in range(20):  # warm-up
                client.get(verify, headers=auth).raise_for_status()
            if a.statements:
                _print_statements(client, verify, auth)
            if a.freeze:
                import gc

                gc.collect()
                gc.freeze()
            pauses = _gc_pauses()
            out = {}
            for name, call in (
                ("verify", lambda i: client.get(verify, headers=auth)),
                ("issue", lambda i: client.post("/api/v1/certificates", headers=auth,
                                                json=hw.issue_body(1000 + i))),
            ):
                t, c = time.perf_counter(), time.process_time()
                for i in range(a.n):
                    call(i).raise_for_status()
                out[name] = ((time.process_time() - c) / a.n * 1000,
                             (time.perf_counter() - t) / a.n * 1000)
        for name, (cpu, wall) in out.items():
            print(f"{name}: {cpu:.2f} ms CPU, {wall:.2f} ms wall per request (client included)")
        print(f"gc: {len(pauses)} collections, {sum(pauses) * 1000:.0f} ms in all, "
              f"longest {max(pauses, default=0) * 1000:.1f} ms, generation-2: "
              f"{sum(1 for p in pauses if p > 0.005)} over 5 ms")


if __name__ == "__main__":
    main()
