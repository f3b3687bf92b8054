"""Appends from 4 processes on PostgreSQL serialise: indexes 0..199, no gaps, tree verifies."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp

import pytest

from audit_log import AuditLog
from audit_log.verify import verify_log
from certificate_store.db import Store
from certificate_store.models.base import Base

from .conftest import _PG, AUDIT_TABLES, T0, HmacSigner, drop_pg_schema, make_pg_schema

WORKERS, PER_WORKER = 4, 50


def append_worker(url: str, worker: int, start: mp.synchronize.Event) -> None:  # type: ignore[name-defined]
    store = Store(url)
    log = AuditLog()
    start.wait(30)
    for i in range(PER_WORKER):
        with store.transaction() as uow:
            log.record(
                uow,
                now=T0 + dt.timedelta(seconds=i),
                actor=f"w{worker}",
                actor_dept="d",
                role="system",
                action="certificate.issue",
                details={"worker": worker, "i": i},
            )
    store.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not _PG, reason="no PostgreSQL")
def test_four_processes_append_without_gaps() -> None:
    schema, url = make_pg_schema()
    store = Store(url)
    try:
        Base.metadata.create_all(store.engine, tables=AUDIT_TABLES)
        ctx = mp.get_context("spawn")
        start = ctx.Event()
        procs = [ctx.Process(target=append_worker, args=(url, w, start)) for w in range(WORKERS)]
        for p in procs:
            p.start()
        start.set()
        for p in procs:
            p.join(60)
        assert [p.exitcode for p in procs] == [0] * WORKERS
        signer = HmacSigner(b"k")
        with store.transaction() as uow:
            entries = AuditLog().entries(uow, 0, 10_000)
            assert [e.idx for e in entries] == list(range(WORKERS * PER_WORKER))
            assert sorted((e.actor, e.details) for e in entries) == sorted(
                (f"w{w}", f'{{"i":{i},"worker":{w}}}')
                for w in range(WORKERS)
                for i in range(PER_WORKER)
            )
            AuditLog().sign_head(uow, signer, T0 + dt.timedelta(hours=1))
        with store.transaction() as uow:
            res = verify_log(uow, signer, T0 + dt.timedelta(hours=2))
        assert res.ok, res.findings
        assert res.tree_size == 200
    finally:
        store.dispose()
        drop_pg_schema(schema)
