"""Bulk issuance throughput: `python bench/bench_issue.py [rows] [--db URL]`.

Imports `rows` (default 20,000) CSV rows into a fresh SQLite database (or a given URL) and
reports rows/s, and that figure as a ratio of raw ECDSA P-256 signing speed measured in the
same run (each issued certificate costs one signature plus the database work).

Wall-clock figures swing with other load on a shared machine; the CPU-time figures
(`time.process_time` of this process and of the import's child processes: Python, SQLite,
signing; not a PostgreSQL server's work) are steadier for before/after comparisons.
`--processes 1` imports in this process alone (the default is `ecert import`'s).
`--profile FILE` writes a cProfile of the import alone (read it with `python -m pstats FILE`).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import hashlib
import json
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audit_log.actor import Actor  # noqa: E402
from audit_log.log import AuditLog  # noqa: E402
from ca import cert_profiles  # noqa: E402
from ca.jws import b64url  # noqa: E402
from ca.signer import MemorySigner, Signer  # noqa: E402
from certificate_store.db import Store, UnitOfWork  # noqa: E402
from certificate_store.models import Base  # noqa: E402
from ecert.services.importing import default_processes, drive_import  # noqa: E402
from formats.idnumber import make_citizen_id  # noqa: E402
from formats.uscc import make_uscc  # noqa: E402
from issuer.catalog import CatalogService  # noqa: E402
from issuer.issuance import IssuanceService  # noqa: E402

NOW = dt.datetime.now(dt.UTC)
DEPT = make_uscc("11540000MB0000001")


@dataclass(frozen=True)
class Key:
    signer: Signer
    cert_der: bytes
    x5t_s256: str


class Keys:
    def __init__(self) -> None:
        root = MemorySigner.generate("root")
        root_der = cert_profiles.issue_root_ca(root, "Bench Root", NOW - dt.timedelta(days=1))
        s = MemorySigner.generate("dept")
        der = cert_profiles.issue_department_cert(root, root_der, s.public_key_der, "测试厅", DEPT,
                                                  "https://ecert.test", None,
                                                  NOW - dt.timedelta(days=1))
        self.key = Key(s, der, b64url(hashlib.sha256(der).digest()))

    def signing_key(self, uow: UnitOfWork, dept_code: str) -> Key:
        return self.key


def sign_rate(signer: Signer, seconds: float = 2.0) -> float:
    data = b"x" * 200
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(100):
            signer.sign(data)
        n += 100
    return n / (time.perf_counter() - t0)


def _children_cpu() -> float:
    """CPU seconds of the import's child processes (reaped when the import ends)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", nargs="?", type=int, default=20_000)
    ap.add_argument("--db")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--profile", help="write a cProfile of the import to this file")
    ap.add_argument("--pyinstrument", help="write a pyinstrument text profile of the import")
    ap.add_argument("--json", action="store_true", help="print one JSON object (bench/run.py)")
    ap.add_argument("--processes", type=int, default=default_processes(),
                    help="processes in all, as `ecert import --processes` (default: its default)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ecert-bench-"))
    store = Store(args.db or f"sqlite:///{tmp / 'bench.db'}")
    Base.metadata.create_all(store.engine)
    keys = Keys()
    audit = AuditLog()
    svc = IssuanceService(keys, audit)
    definition = {
        "type_code": DEPT + "001", "name": "测试许可证", "defining_dept": DEPT,
        "holder_kind": "111",
        "fields": {"type": "object", "required": ["area", "level"],
                   "properties": {"area": {"type": "string", "title": "经营范围"},
                                  "level": {"type": "integer", "title": "等级"}}},
        "validity": {"years": 3}, "face": {"title": "测试", "rows": [
            {"label": "经营范围", "field": "area"}]}, "seal": "测试章"}
    with store.transaction() as uow:
        uow.departments.add(DEPT, "测试厅", None, NOW)
        CatalogService(audit).add(uow, definition, Actor("bench", "admin"), NOW)
    src = tmp / "rows.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["source_key", "holder_name", "holder_code", "area", "level"])
        for i in range(args.rows):
            w.writerow([f"b{i}", "扎西", make_citizen_id(f"54010219900101{i % 1000:03d}"),
                        "餐饮服务", i % 5 + 1])
    c0 = time.process_time()
    raw = sign_rate(keys.key.signer)
    raw_cpu = raw * 2.0 / max(time.process_time() - c0, 1e-9)  # sign_rate runs ~2 s of wall
    actor = Actor("bench", "issuer", DEPT)
    prof: Any = None
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    elif args.pyinstrument:
        from pyinstrument import Profiler

        prof = Profiler(interval=0.0005)
        prof.start()
    gc.freeze()  # as `ecert import` does before importing
    t0, c0, p0 = time.perf_counter(), time.process_time() - _children_cpu(), time.process_time()
    r = drive_import(store.transaction, svc, src, DEPT + "001", actor,
                     lambda: dt.datetime.now(dt.UTC), batch_size=args.batch,
                     processes=args.processes)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0 + _children_cpu()
    parent_cpu = time.process_time() - p0  # the critical path when the children keep up
    if args.profile:
        prof.disable()
        prof.dump_stats(args.profile)
    elif args.pyinstrument:
        prof.stop()
        Path(args.pyinstrument).write_text(prof.output_text(unicode=True, show_all=False),
                                           encoding="utf-8")
    rate = r.issued / secs
    raw_after = sign_rate(keys.key.signer, 1.0)  # raw measured either side: the machine is shared
    raw = (raw + raw_after) / 2
    if args.json:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(json.dumps({"rows": r.issued, "rate": rate, "raw": raw, "ratio": rate / raw,
                          "cpu_ratio": r.issued / cpu / raw_cpu, "rss_mb": rss,
                          "parent_cpu_ratio": r.issued / parent_cpu / raw_cpu,
                          "child_rss_mb": child_rss, "processes": args.processes,
                          "dialect": store.dialect}))
        store.dispose()
        return
    print(f"database           {store.dialect}")
    print(f"rows issued        {r.issued} (rejected {r.rejected}) in {secs:.1f} s")
    print(f"import rate        {rate:,.0f} rows/s")
    print(f"raw ECDSA signing  {raw:,.0f} signatures/s (same process, same key)")
    print(f"ratio              {rate / raw:.3f} of raw signing speed")
    print(f"CPU time           import {cpu:.1f} s: {r.issued / cpu:,.0f} rows per CPU-second; "
          f"raw signing {raw_cpu:,.0f}/CPU-s; ratio {r.issued / cpu / raw_cpu:.3f}")
    print(f"parent CPU         {parent_cpu:.1f} s: ratio {r.issued / parent_cpu / raw_cpu:.3f} "
          f"(the children's work excluded: the rate with a core to spare for them)")
    store.dispose()


if __name__ == "__main__":
    main()
