"""The housekeeping step that signs PDFs withheld for want of a time stamp (issue 12; the
jobs and their backoff: `ecert.services.pdfjobs`). Each due job is made again through
`issuing.document`, which keeps the PDF, closes the job and audits it in one transaction, or
counts the failed attempt and pushes the next one back."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ecert.errors import PdfPending
from ecert.services import issuing, pdfjobs
from formats.errors import DomainError

if TYPE_CHECKING:
    from ecert.platform import Platform

log = logging.getLogger("ecert.pdfjobs")


def run(p: Platform, limit: int = pdfjobs.BATCH) -> tuple[int, int]:
    """Retry the due jobs (a housekeeping step); returns (signed, still pending)."""
    now = p.now()
    with p.store.transaction() as uow:
        due = uow.pdf_jobs.due(now, limit)
    signed = failed = 0
    for job in due:
        try:
            issuing.document(p, None, job.identifier, job.what)
        except PdfPending:
            failed += 1
            continue
        except DomainError as exc:  # e.g. the department has no key now: retried later too
            pdfjobs.retry_later(p, job, str(exc))
            log.warning("PDF job %s failed: %s", job.key, exc)
            failed += 1
            continue
        with p.writing() as uow:  # a newer version superseded it: nothing left to sign
            if uow.pdf_jobs.close(job.key, "obsolete", p.now()) is not None:
                log.info("PDF job %s closed: the certificate has a newer version", job.key)
        signed += 1
    return signed, failed
