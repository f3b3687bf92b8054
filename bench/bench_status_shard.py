"""Size of one status-list shard (verifier.bitstring) at 1M certificates (issue #9 §2).

Random indexes, statuses drawn at 10 % not valid ("high", well above what a register sees)
and 3 % ("typical"). Two geometries: as the allocator places them (shards at most half full,
``MAX_FILL`` = 2: 1M certificates over 16 shards) and the worst case of full shards (8).
Two wire forms, both signed for real by a generated root (P-256, x5c = its certificate):

* ``/1``: the gzip bytes base64url-encoded inside the JSON payload of a compact JWS (what
  ``/pki/status/<n>`` served before): base64 inside base64;
* ``/2`` (served now): the gzip bytes as the body, the root-signed description (digest,
  times) as a compact JWS in the ``Ecert-Shard-Signature`` header.

A phone checking one certificate offline fetches one shard: the figure is body + header.

    python bench/bench_status_shard.py [--certificates 1000000]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ca.cert_profiles import issue_root_ca  # noqa: E402
from ca.documents import sign_document  # noqa: E402
from ca.signer import MemorySigner  # noqa: E402
from certificate_store.repos.status_index import MAX_FILL  # noqa: E402
from verifier.bitstring import SHARD_SIZE, build_shard  # noqa: E402

RATES = {"high": (("02", 0.02), ("07", 0.03), ("04", 0.05)),     # 10 % not valid
         "typical": (("02", 0.005), ("07", 0.01), ("04", 0.015))}  # 3 % not valid
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def status_of(rng: random.Random, rates: tuple[tuple[str, float], ...]) -> str:
    x = rng.random()
    for code, rate in rates:
        if x < rate:
            return code
        x -= rate
    return "01"


def sizes(n: int, shards: int, rates: tuple[tuple[str, float], ...],
          root: tuple[MemorySigner, bytes]) -> tuple[int, int, int]:
    """(largest gzip body, largest /2 header JWS, largest /1 compact JWS) in bytes."""
    rng = random.Random(9)
    by_shard: dict[int, list[tuple[int, str]]] = {}
    for slot in rng.sample(range(shards * SHARD_SIZE), n):  # random index, not issuance order
        by_shard.setdefault(slot // SHARD_SIZE, []).append((slot % SHARD_SIZE,
                                                            status_of(rng, rates)))
    body = header = old = 0
    for number, entries in sorted(by_shard.items()):
        made = build_shard(number, entries, NOW, dt.timedelta(hours=1))
        jws = sign_document(made.meta, *root)
        legacy = {k: v for k, v in made.meta.items() if k != "sha256"} | {
            "spec": "ecert/status-shard/1",
            "encoded_list": "u" + base64.urlsafe_b64encode(made.gz).rstrip(b"=").decode()}
        body, header = max(body, len(made.gz)), max(header, len(jws))
        old = max(old, len(sign_document(legacy, *root)))
    return body, header, old


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--certificates", type=int, default=1_000_000)
    args = ap.parse_args()
    n = args.certificates
    signer = MemorySigner.generate("bench-root")
    root = (signer, issue_root_ca(signer, "bench root", NOW - dt.timedelta(days=1)))
    placed = max(1, math.ceil(n * MAX_FILL / SHARD_SIZE))
    full = max(1, math.ceil(n / SHARD_SIZE))
    print(f"{n} certificates, {SHARD_SIZE} entries of 2 bits per shard; sizes in bytes, "
          "largest shard")
    print(f"{'geometry':<28}{'rates':<18}{'gzip body':>10}{'sig header':>11}{'/2 total':>10}"
          f"{'/1 JWS':>9}")
    rows = []
    for label, shards in ((f"allocator ({placed} shards)", placed),
                          (f"full shards ({full})", full)):
        for rate in ("typical", "high"):
            body, header, old = sizes(n, shards, RATES[rate], root)
            pct = "3 % not valid" if rate == "typical" else "10 % not valid"
            rows.append({"geometry": label, "rates": pct, "body": body, "header": header,
                         "total": body + header, "v1": old})
            print(f"{label:<28}{pct:<18}{body:>10}{header:>11}{body + header:>10}{old:>9}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
