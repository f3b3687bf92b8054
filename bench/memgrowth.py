"""Where a long-running process grows: the soak's mix (issue / lookup / verify / PDF) in ONE
process through the real app (FastAPI TestClient, SQLite), with tracemalloc snapshots after a
warm-up and at the end; prints the allocation sites that grew most.

    .venv/bin/python bench/memgrowth.py --rounds 300 [--top 15]

A cache that fills once shows in the warm-up, not in the diff; what keeps growing with the
number of requests (or of distinct clients, certificates, tokens) is what the diff shows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--top", type=int, default=15)
    a = ap.parse_args()

    from fastapi.testclient import TestClient

    from ecert.cli.common import cli_actor
    from ecert.http.app import create_app
    from ecert.platform import Platform
    from tests.api.helpers import setup_training, training_request
    from tests.conftest import Clock, auth, platform_settings

    root = Path(tempfile.mkdtemp(prefix="ecert-mem-"))
    clock = Clock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    settings = platform_settings(f"sqlite:///{root / 'ecert.db'}", root / "data",
                                 {"ECERT_HOUSEKEEPING": "off"})
    p = Platform(settings, clock=clock)
    p.initialise(cli_actor())
    client = TestClient(create_app(settings, p), base_url="https://ecert.test")
    admin = p.create_token(role="admin", dept_code=None, holder_code=None, label="mem",
                           ttl_days=1, actor=cli_actor()).secret
    w = setup_training(client, admin)
    rng = random.Random(7)
    ids: list[str] = []

    def one(i: int) -> None:
        op = rng.choice(["issue"] * 30 + ["lookup"] * 33 + ["verify"] * 32 + ["pdf"] * 5)
        if op == "issue" or not ids:
            r = client.post("/api/v1/certificates", json=training_request(10_000 + i),
                            headers=auth(w["issuer"]))
            ids.append(r.json()["identifier"])
        elif op == "lookup":
            client.get(f"/api/v1/certificates/{rng.choice(ids)}", headers=auth(w["issuer"]))
        elif op == "verify":
            client.get(f"/api/v1/verify/{rng.choice(ids)}", headers=auth(w["user"]),
                       params={"purpose": "核验"})
        else:
            client.get(f"/api/v1/certificates/{rng.choice(ids)}/pdf", headers=auth(w["issuer"]))

    warm = max(a.rounds // 3, 1)
    for i in range(warm):
        one(i)
    tracemalloc.start(8)
    first = tracemalloc.take_snapshot()
    for i in range(warm, warm + a.rounds):
        one(i)
    last = tracemalloc.take_snapshot()
    grown = last.compare_to(first, "traceback")
    total = sum(s.size_diff for s in grown)
    print(f"{a.rounds} requests after a warm-up of {warm}: traced memory "
          f"{total / 1024:+.0f} KiB ({total / a.rounds:.0f} B per request)")
    for stat in grown[:a.top]:
        frames = [f"{f.filename.split('site-packages/')[-1]}:{f.lineno}"
                  for f in stat.traceback if "tracemalloc" not in f.filename][-4:]
        print(f"{stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+6d} blocks  "
              + " <- ".join(reversed(frames)))
    p.store.dispose()


if __name__ == "__main__":
    main()
