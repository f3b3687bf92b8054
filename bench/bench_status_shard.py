"""Size of one status-list shard (verifier.bitstring) at 1M certificates.

Random indexes over ceil(N / 131072) shards, statuses drawn at rates well above what a
register sees ("high": 10 % not valid) and at 3 % ("typical"); a phone checking one
certificate offline fetches one shard. The signed size is the compact JWS: the payload JSON
base64url-encoded once more, plus a header carrying the root certificate and the signature.

    python bench/bench_status_shard.py [--certificates 1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from verifier.bitstring import SHARD_SIZE, build_shard  # noqa: E402

HEADER_AND_SIG = 1100  # base64url header with x5c = root certificate (~700 B DER), signature
RATES = {"high": (("02", 0.02), ("07", 0.03), ("04", 0.05)),     # 10 % not valid
         "typical": (("02", 0.005), ("07", 0.01), ("04", 0.015))}  # 3 % not valid


def status_of(rng: random.Random, rates: tuple[tuple[str, float], ...]) -> str:
    x = rng.random()
    for code, rate in rates:
        if x < rate:
            return code
        x -= rate
    return "01"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--certificates", type=int, default=1_000_000)
    ap.add_argument("--rates", choices=sorted(RATES), default="high")
    args = ap.parse_args()
    n, rates = args.certificates, RATES[args.rates]
    rng = random.Random(9)
    shards = math.ceil(n / SHARD_SIZE)
    slots = rng.sample(range(shards * SHARD_SIZE), n)  # random index, not issuance order
    by_shard: dict[int, list[tuple[int, str]]] = {}
    for slot in slots:
        by_shard.setdefault(slot // SHARD_SIZE, []).append((slot % SHARD_SIZE, status_of(rng, rates)))
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    payloads = [build_shard(s, e, now, dt.timedelta(hours=1)) for s, e in sorted(by_shard.items())]
    sizes = [len(p["encoded_list"]) for p in payloads]
    signed = [math.ceil(len(json.dumps(p, separators=(",", ":"))) * 4 / 3) + HEADER_AND_SIG
              for p in payloads]
    print(f"{n} certificates ({args.rates} rates), {shards} shards of {SHARD_SIZE} entries")
    print(f"encoded list per shard: max {max(sizes)} B, mean {sum(sizes) // len(sizes)} B")
    print(f"signed shard (compact JWS): max {max(signed)} B")


if __name__ == "__main__":
    main()
