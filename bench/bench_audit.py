"""Audit-log throughput on SQLite: appends/s and inclusion proofs/s at 10k and 100k entries.

Each figure is also given as a ratio to the SHA-256 speed over the same leaf bytes, measured in
the same run, so results compare across machines. Proof generation should stay flat as the log
grows (O(log n) node lookups fetched in one query).

    .venv/bin/python bench/bench_audit.py [--sizes 10000 100000] [--batch 500]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import certificate_store.models.audit as m  # noqa: E402
from audit_log import AuditLog, merkle  # noqa: E402
from audit_log.append import AuditEntryInput  # noqa: E402
from certificate_store.db import Store, sqlite_url  # noqa: E402
from certificate_store.models.base import Base  # noqa: E402

T0 = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
TABLES = [
    t.__table__
    for t in (m.AuditEntryRow, m.AuditTileRow, m.AuditTreeHeadRow, m.AuditCosignatureRow)
]
LOG = AuditLog()


def entry(i: int) -> AuditEntryInput:
    return AuditEntryInput(
        now=T0 + dt.timedelta(seconds=i),
        actor=f"user{i % 97}",
        actor_dept=f"{i % 31:04d}",
        role="issuer",
        action="certificate.issue",
        cert_identifier=f"11100000MB0000{i:08d}",
        purpose="批量签发",
        request_id=f"req-{i}",
        details={"n": i, "type": "营业执照"},
    )


def append(store: Store, start: int, n: int, batch: int) -> float:
    """Appends/s: `batch` entries per transaction through `AuditLog.record_many` (the batched
    path bulk imports use), or one `record` per transaction when batch is 1."""
    return append_timed(store, start, n, batch)[0]


def append_timed(store: Store, start: int, n: int, batch: int) -> tuple[float, float]:
    """`append`'s rate per wall second and per CPU-second of this process (on SQLite the
    database works in this process too; on a loaded machine wall time counts others' work)."""
    t, c = time.perf_counter(), time.process_time()
    i = start
    while i < start + n:
        k = min(batch, start + n - i)
        with store.transaction() as uow:
            if batch == 1:
                e = entry(i)
                LOG.record(uow, now=e.now, actor=e.actor, actor_dept=e.actor_dept, role=e.role,
                           action=e.action, cert_identifier=e.cert_identifier,
                           purpose=e.purpose, request_id=e.request_id, details=e.details)
            else:
                LOG.record_many(uow, [entry(j) for j in range(i, i + k)])
        i += k
    return n / (time.perf_counter() - t), n / (time.process_time() - c)


def proofs(store: Store, size: int, count: int) -> float:
    rnd = random.Random(size)
    with store.transaction() as uow:
        root = LOG.root(uow, size)
        t = time.perf_counter()
        for _ in range(count):
            idx = rnd.randrange(size)
            p = LOG.inclusion_proof(uow, idx, size)
        rate = count / (time.perf_counter() - t)
        merkle.verify_inclusion(idx, size, p.leaf_hash, p.audit_path, root)
    return rate


def sha_rate(store: Store, size: int) -> float:
    with store.transaction() as uow:
        leaves = [e.leaf_input for e in LOG.entries(uow, 0, min(size, 20_000))]
    reps = max(1, 200_000 // len(leaves))
    t = time.perf_counter()
    for _ in range(reps):
        for li in leaves:
            hashlib.sha256(b"\x00" + li).digest()
    return reps * len(leaves) / (time.perf_counter() - t)


class _NoHeads:
    def verify(self, data: bytes, signature: bytes) -> bool:
        return False


def verify_seconds(store: Store) -> float:
    """`ecert audit verify`'s work (audit_log.verify.verify_log) over the whole log."""
    from audit_log.verify import verify_log

    t = time.perf_counter()
    with store.transaction() as uow:
        result = verify_log(uow, _NoHeads(), T0)
    if not result.ok:
        raise SystemExit(f"audit log does not verify: {result.findings[:3]}")
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument(
        "--batch", type=int, default=5000, help="entries per transaction in the bulk load"
    )
    ap.add_argument(
        "--single", type=int, default=2000, help="one-entry transactions timed at each size"
    )
    ap.add_argument("--proofs", type=int, default=2000)
    ap.add_argument("--json", action="store_true", help="print one JSON object (bench/run.py)")
    ap.add_argument("--db", help="a database URL instead of a temporary SQLite file")
    a = ap.parse_args()
    out: dict[str, object] = {"sizes": []}
    with tempfile.TemporaryDirectory() as d:
        store = Store(a.db or sqlite_url(Path(d) / "bench.db"))
        Base.metadata.create_all(store.engine)
        size = 0
        out["dialect"] = store.dialect
        print(
            f"{'entries':>8} {'bulk app/s':>11} {'1-tx app/s':>11} {'proofs/s':>9} "
            f"{'sha256/s':>10} {'bulk/sha':>9} {'1tx/sha':>8} {'proof/sha':>9}"
        )
        for target in sorted(a.sizes):
            bulk, bulk_cpu = append_timed(store, size, target - a.single - size, a.batch)
            single = append(store, target - a.single, a.single, 1)
            size = target
            pr = proofs(store, size, a.proofs)
            sh = sha_rate(store, size)
            print(
                f"{size:>8} {bulk:>11,.0f} {single:>11,.0f} {pr:>9,.0f} {sh:>10,.0f} "
                f"{bulk / sh:>9.4f} {single / sh:>8.4f} {pr / sh:>9.4f}"
            )
            out["sizes"].append({"size": size, "bulk": bulk, "single": single,  # type: ignore[attr-defined]
                                 "proof_ms": 1000 / pr, "sha": sh, "bulk_cpu": bulk_cpu})
            print(f"{'':>8} bulk appends per CPU-second of this process: {bulk_cpu:,.0f}")
        out["verify_s"] = verify_seconds(store)
        out["verified_size"] = size
        store.dispose()
    if a.json:
        print(json.dumps(out))


if __name__ == "__main__":
    main()
