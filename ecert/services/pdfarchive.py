"""The batch job that keeps archived copies (PAdES B-LTA) of the kept PDFs (issue 11).

Archive time stamps are added here, off the request path (`issuer.pdfarchive` says what is
due: kept B-LT PDFs with no copy, copies whose last stamp is old or whose TSA certificate
nears its end). Each document is one unit: its input is read in one transaction, the TSA is
asked with none open, and the copy is stored with its audit entry
(`certificate.pdf-archived`) in a second — so a run killed at any point loses at most the
document in flight, which the next run finds still due. Runs are idempotent (nothing due,
nothing done) and safe beside another worker's (a copy changed meanwhile is left alone). A
document that fails for another reason than the TSA gets a retry job with backoff
(`ecert.services.pdfjobs`, retried by `pdfretry` through the request path) and is passed by
meanwhile, so it cannot hold up the batch.
The housekeeping round runs one batch (`run`); `ecert pdf archive` runs until nothing is due.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from audit_log.actor import Actor
from ca.errors import TimestampUnavailable
from ecert.services import pdfjobs
from formats.errors import DomainError
from issuer.pdfarchive import ArchivePolicy, ArchiveTask

if TYPE_CHECKING:
    from ecert.platform import Platform

log = logging.getLogger("ecert.pdfarchive")
WORKER = Actor(name="system:pdf-archiver", role="system")
BATCH = 20


@dataclass(frozen=True)
class ArchiveRun:
    """What one run did: copies made, copies stamped again, failures (retried next run),
    documents skipped (gone, or done by another worker meanwhile)."""

    archived: int = 0
    restamped: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def done(self) -> int:
        return self.archived + self.restamped

    def __add__(self, other: ArchiveRun) -> ArchiveRun:
        return ArchiveRun(*(a + b for a, b in zip(dataclasses.astuple(self),
                                                  dataclasses.astuple(other), strict=True)))


def _one(p: Platform, task: ArchiveTask) -> ArchiveRun:
    archiver = p.documents.archiver
    now = p.now()
    with p.store.transaction() as uow:
        stamping = archiver.prepare(uow, task, now)
    if stamping is None:
        return ArchiveRun(skipped=1)
    stamp = stamping()  # asks the TSA: no transaction open
    try:
        with p.writing() as uow:
            if not archiver.keep(uow, task, stamp, now):
                return ArchiveRun(skipped=1)
            p.audit.record(uow, now=now, actor=WORKER.name, actor_dept=None, role=WORKER.role,
                           action="certificate.pdf-archived", cert_identifier=task.identifier,
                           details={"stamps": stamp.stamps,
                                    "stamped_at": stamp.stamped_at.isoformat(),
                                    "tsa_not_after": stamp.tsa_not_after.isoformat()})
    except Exception:  # another worker stored the same copy first (PostgreSQL: unique key)
        with p.store.transaction() as uow:
            other = uow.pdf_archives.get(task.key)
        if other is None or other.stamps <= task.stamps:
            raise
        return ArchiveRun(skipped=1)
    return ArchiveRun(archived=1) if task.stamps == 0 else ArchiveRun(restamped=1)


def run(p: Platform, limit: int = BATCH, policy: ArchivePolicy | None = None) -> ArchiveRun:
    """One batch of due documents (a housekeeping step)."""
    policy = policy or ArchivePolicy()
    with p.store.transaction() as uow:
        due = p.documents.archiver.due(uow, p.now(), policy, limit)
    total = ArchiveRun()
    for task in due:
        try:
            total += _one(p, task)
        except TimestampUnavailable as exc:  # the rest would wait for it too: next round
            log.warning("archived copies wait for the time-stamping service: %s", exc)
            return total + ArchiveRun(failed=1)
        except (DomainError, ValueError) as exc:  # a department without a key, say
            log.warning("archived copy %s not made: %s", task.key, exc)
            _failed(p, task, str(exc))
            total += ArchiveRun(failed=1)
    return total


def _failed(p: Platform, task: ArchiveTask, error: str) -> None:
    """A retry job (`pdf_jobs`, what ``pdf-archived``) with backoff: the batch passes the
    document by until `pdfretry` has made the copy through the request path."""
    now = p.now()
    with p.writing() as uow:
        prev = uow.pdf_jobs.get(task.key)
        attempts = (prev.attempts if prev is not None and prev.state == "pending" else 0) + 1
        uow.pdf_jobs.failed(task.key, task.identifier, "pdf-archived", error, now,
                            now + pdfjobs.backoff(attempts))


def run_all(p: Platform, policy: ArchivePolicy | None = None, batch: int = BATCH,
            progress: Callable[[ArchiveRun], None] | None = None) -> ArchiveRun:
    """Batches until nothing is due, or a batch makes no progress (all failed: the TSA is
    down, say — the next run retries); ``progress`` gets the running totals."""
    total = ArchiveRun()
    while True:
        step = run(p, batch, policy)
        total += step
        if progress is not None:
            progress(total)
        if step.done == 0 or step.done + step.failed + step.skipped < batch:
            return total
