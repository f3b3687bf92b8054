"""The import driver (digitising certificates in force, Art. 9): `issuer.imports.ImportRun`
does the work, this module owns its transactions.

An import may run for minutes, so it commits in batches: one transaction to start (or find)
the job, one per batch of rows (the certificates and the job's progress commit together, so a
crash loses at most the batch in flight and a rerun resumes after it), one to finish. Each
takes its tree-head decision before it commits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from audit_log.actor import Actor
from certificate_store import UnitOfWork
from certificate_store.records import ImportJobRecord
from issuer.imports import ImportProgress, ImportResult, ImportRun, ImportSource
from issuer.issuance import IssuanceService

if TYPE_CHECKING:
    from ecert.platform import Platform

UnitsOfWork = Callable[[], AbstractContextManager[UnitOfWork]]
"""Opens one transaction per call: `Platform.writing` (or `Store.transaction`)."""

ANALYZE_AFTER = 1_000
"""Rows issued by one import from which the grown tables' statistics are refreshed (seconds
at any size; a small import does not move the planner's picture of the register)."""


def drive_import(units: UnitsOfWork, service: IssuanceService, path: Path | str,
                 type_code: str, actor: Actor, now_fn: Callable[[], dt.datetime],
                 progress: Callable[[ImportProgress], None] | None = None,
                 rejects_path: Path | str | None = None, batch_size: int = 500,
                 analyze_after: int = ANALYZE_AFTER, processes: int = 1) -> ImportResult:
    """Import `path` as certificates of `type_code` issued by the actor's department.

    `processes` > 1: rows are validated and their records drafted in `processes - 1` child
    processes while this one signs and writes (`ImportRun.batches`); the result is the same.
    An import that issued `analyze_after` rows or more refreshes the planner's statistics."""
    t0 = time.perf_counter()
    run = ImportRun(service, ImportSource.read(path, rejects_path), type_code, actor,
                    processes)
    with units() as uow:
        run.start(uow, now_fn())
    if run.done:
        return run.result(time.perf_counter() - t0)
    try:
        with contextlib.closing(run.batches(batch_size, now_fn)) as batches:
            for batch in batches:
                with units() as uow:
                    seen = run.run_batch(uow, batch, now_fn())
                if progress is not None:
                    progress(seen)
        with units() as uow:
            run.finish(uow, now_fn())
    finally:
        run.close()
    result = run.result(time.perf_counter() - t0)
    if result.issued >= analyze_after:
        with units() as uow:
            uow.refresh_statistics()
    return result


def default_processes() -> int:
    """`ecert import`'s process count: 2 (one drafting, one signing and writing) where a core
    is idle, else 1. On a host whose cores are busy with other work a child process adds no
    CPU — Linux shares the CPU between sessions, and the child's share comes out of the
    parent's — and only costs its start-up and the drafts' transfer (docs/performance.md, B1)."""
    cores = os.cpu_count() or 1
    return 2 if cores >= 2 and os.getloadavg()[0] <= cores - 1 else 1


def run_import(p: Platform, path: Path, type_code: str, actor: Actor) -> ImportResult:
    """An uploaded file (`POST /api/v1/imports`); rejected rows go beside it."""
    return drive_import(p.writing, p.issuance, path, type_code, actor, p.now,
                        rejects_path=path.with_name(path.name + ".rejects" + path.suffix))


def import_job(p: Platform, dept_code: str, type_code: str,
               source_sha256: str) -> ImportJobRecord | None:
    with p.store.transaction() as uow:
        return uow.imports.find(dept_code, type_code, source_sha256)
