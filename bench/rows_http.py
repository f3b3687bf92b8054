"""B2, B3 and B7 (HTTP against `ecert serve` on PostgreSQL; wrk as the load generator).

    .venv/bin/python bench/rows_http.py [--quick] [--json]

Measured interleaved in one run on one platform: B2 `/pki/ca.pem` against a bare FastAPI app
returning the same bytes on the same uvicorn; B3 issue and verify-by-identifier against the
server's own `/healthz`, with 1 and 2 workers; B7 verify and lookup latency with the database
at a small and a large size (built by `ecert import`, the platform's bulk path; the full run's
million-certificate world is built once and reused: bench/big_world.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import http_world as hw  # noqa: E402

BIG = 1_000_000


def _auth(w: hw.World) -> dict[str, str]:
    return {"Authorization": f"Bearer {w.token}"}


def b2(w: hw.World, seconds: float) -> dict[str, float]:
    best = {"ecert": 0.0, "bare": 0.0}
    for _ in range(2):  # interleaved, best of two: the machine is shared
        with hw.serve(w.env, 1) as base:
            best["ecert"] = max(best["ecert"], hw.wrk(base + "/pki/ca.pem", seconds).rps)
        with hw.serve_bare(w.ca_pem) as base:
            best["bare"] = max(best["bare"], hw.wrk(base + "/pki/ca.pem", seconds).rps)
    return best


def b3(w: hw.World, seconds: float) -> dict[str, object]:
    out: dict[str, object] = {}
    verify = f"/api/v1/verify/{w.identifiers[0]}?purpose=bench"
    for workers in (1, 2):
        with hw.serve(w.env, workers) as base:
            health = hw.wrk(base + "/healthz", seconds)
            ver = hw.wrk(base + verify, seconds, headers=_auth(w))
            iss = hw.wrk(base + "/api/v1/certificates", seconds, method="POST",
                         body=hw.issue_body(7), headers=_auth(w))
        out[str(workers)] = {name: vars(load) for name, load in
                             (("healthz", health), ("verify", ver), ("issue", iss))}
    return out


def _import(w: hw.World, start: int, count: int) -> float:
    """`ecert import` of `count` generated training certificates; returns rows/s."""
    sys.path.insert(0, str(hw.REPO))
    from producers import vocational_training as vt
    from producers._common import DEPARTMENTS

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "rows.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for i, event in enumerate(vt.sample_events(count, seed=start)):
                data, _src = vt.to_request(event)
                f.write(json.dumps({**data, "source_key": f"g{start + i}"}, ensure_ascii=False))
                f.write("\n")
        t = time.perf_counter()
        hw.ecert(w.env, "import", str(path), "--type", w.type_code, "--dept",
                 DEPARTMENTS["hrss"][0], timeout=None)  # a million rows take hours
        return count / (time.perf_counter() - t)


def _sample_identifiers(w: hw.World, n: int) -> list[str]:
    import psycopg

    url = w.env["ECERT_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as c:
        rows = c.execute("SELECT identifier FROM certificate_versions ORDER BY random() LIMIT %s",
                         (n,)).fetchall()
    return [r[0] for r in rows]


def _latency(w: hw.World, seconds: float) -> dict[str, float]:
    idents = _sample_identifiers(w, 500)
    with hw.serve(w.env, 1) as base:
        ver = hw.wrk_paths(base, [f"/api/v1/verify/{i}?purpose=bench" for i in idents], seconds,
                           headers=_auth(w))
        look = hw.wrk_paths(base, [f"/api/v1/certificates/{i}" for i in idents], seconds,
                            headers=_auth(w))
    return {"verify_p50": ver.p50, "lookup_p50": look.p50, "verify_p99": ver.p99}


def b7(w: hw.World, small: int, large: int, seconds: float) -> dict[str, object]:
    have = len(w.identifiers)
    rate_small = _import(w, have, small - have)
    at_small = _latency(w, seconds)
    if large >= BIG:  # the full run: the million-certificate world, built once and reused
        import big_world

        meta = big_world.ensure(large)
        at_large = _latency(big_world.world(meta), seconds)
        return {"small": small, "large": meta["size"], "at_small": at_small,
                "at_large": at_large, "import_rate": [rate_small], "big_builds": meta["builds"]}
    rate_large = _import(w, small, large - small)
    at_large = _latency(w, seconds)
    return {"small": small, "large": large, "at_small": at_small, "at_large": at_large,
            "import_rate": [rate_small, rate_large]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rows", default="B2,B3,B7")
    a = ap.parse_args()
    seconds = 5.0 if a.quick else 15.0
    rows = set(a.rows.split(","))
    out: dict[str, object] = {"cpus": os.cpu_count()}
    with hw.world(20) as w:
        if "B2" in rows:
            out["B2"] = b2(w, seconds)
        if "B3" in rows:
            out["B3"] = b3(w, seconds)
        if "B7" in rows:
            out["B7"] = b7(w, 10_000, 100_000 if a.quick else 1_000_000, seconds)
    print(json.dumps(out) if a.json else json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
