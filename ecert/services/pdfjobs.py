"""PDFs withheld while the time-stamping service is unreachable (issue 12).

A PDF is served only complete (PAdES B-LT with its RFC 3161 time stamp): when the TSA
(`ECERT_TSA_URL`) does not answer, `issuing.document` records a job (`pdf_jobs`: state,
attempts, last error, next attempt; audited `certificate.pdf-pending` the first time) and
answers 503 `pdf-pending` with Retry-After. The certificate itself is issued, its signed
record and QR verify meanwhile. Requests before the job's next attempt are answered from the
job without asking the TSA again; the housekeeping round (`run`) retries due jobs with
exponential backoff (30 s doubling, at most 30 minutes), and the render that succeeds keeps
the PDF, closes the job and writes `certificate.pdf-signed` in one transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import TYPE_CHECKING

from audit_log.actor import Actor
from ca.errors import TimestampUnavailable
from certificate_store import UnitOfWork
from certificate_store.repos.pdfjobs import PdfJobRecord
from ecert.errors import PdfPending
from issuer.documents import Pending
from issuer.views import CertificateView, PdfState

if TYPE_CHECKING:
    from ecert.platform import Platform

log = logging.getLogger("ecert.pdfjobs")
WORKER = Actor(name="system:pdf-signer", role="system")
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(minutes=30)
BATCH = 20


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the `attempts`-th failure: 30 s, 60 s, 120 s … at most 30 minutes."""
    delay: dt.timedelta = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)
    return delay


def _audit(p: Platform, uow: UnitOfWork, action: str, job: PdfJobRecord,
           now: dt.datetime) -> None:
    p.audit.record(uow, now=now, actor=WORKER.name, actor_dept=None, role=WORKER.role,
                   action=action, cert_identifier=job.identifier,
                   details={"what": job.what, "attempts": job.attempts,
                            "last_error": job.last_error[:200]})


def waiting(uow: UnitOfWork, pending: Pending, now: dt.datetime) -> PdfJobRecord | None:
    """The job of a PDF that is not due for another attempt yet (then don't ask the TSA)."""
    if pending.key is None or pending.data is not None:
        return None
    job = uow.pdf_jobs.get(pending.key)
    if job is None or job.state != "pending" or job.next_attempt_at <= now:
        return None
    return job


def withheld(p: Platform, pending: Pending, what: str, exc: TimestampUnavailable,
             now: dt.datetime) -> PdfPending:
    """Record the failed attempt (its own transaction: nothing else was written) and return
    the error to raise."""
    assert pending.key is not None
    with p.writing() as uow:
        prev = uow.pdf_jobs.get(pending.key)
        attempts = (prev.attempts if prev is not None and prev.state == "pending" else 0) + 1
        job = uow.pdf_jobs.failed(pending.key, pending.identifier, what, str(exc), now,
                                  now + backoff(attempts))
        if job.attempts == 1:
            _audit(p, uow, "certificate.pdf-pending", job, now)
    log.warning("PDF of %s withheld: %s (attempt %d)", pending.identifier, exc, job.attempts)
    return pending_error(job)


def pending_error(job: PdfJobRecord) -> PdfPending:
    return PdfPending(
        "证照已签发，可在线或扫码核验；时间戳服务暂不可用，PDF 待加盖时间戳后自动生成 / the "
        "certificate is issued and verifiable; its PDF waits for the time-stamping service "
        f"(attempts {job.attempts}, next attempt {job.next_attempt_at.isoformat()}, "
        f"last error: {job.last_error[:120]})")


def completed(p: Platform, uow: UnitOfWork, pending: Pending, now: dt.datetime) -> None:
    """In the transaction that keeps the PDF: close its job, if it had one, and audit it."""
    if pending.key is None:
        return
    job = uow.pdf_jobs.done(pending.key, now)
    if job is not None:
        _audit(p, uow, "certificate.pdf-signed", job, now)


def with_state(uow: UnitOfWork, view: CertificateView) -> CertificateView:
    """The view with its PDFs' time-stamp waits (what the issuer sees)."""
    jobs = uow.pdf_jobs.of(view.identifier)
    if not jobs:
        return view
    return dataclasses.replace(view, pdf=tuple(
        PdfState(j.what, j.state, j.attempts, j.last_error, j.created_at,
                 j.next_attempt_at if j.state == "pending" else None, j.completed_at)
        for j in jobs))


def retry_later(p: Platform, job: PdfJobRecord, error: str) -> None:
    """A retry that failed for another reason than the TSA: counted, pushed back."""
    now = p.now()
    with p.writing() as uow:
        uow.pdf_jobs.failed(job.key, job.identifier, job.what, error, now,
                            now + backoff(job.attempts + 1))
