"""Periodic work of a running server: sign tree heads on time, lapse expired certificates.

Each step is its own short transaction that takes its tree-head decision before it commits
(`Platform.writing`), so several workers may run it at once: signing is serialised by the
audit log's lock and lapsing by optimistic concurrency. A running server calls `run_once`
from `ecert.http.lifespan.periodic`.
"""

from __future__ import annotations

from typing import Any

from ecert.services import pdfarchive, pdfretry, resign, status_backfill
from ecert.services.objections import escalate_due
from verifier import objections

LAPSE_BATCH = 500


def run_once(platform: Any) -> None:
    """One round: tree head on time, lapses (Art. 9), expiry reminders (Art. 16), overdue
    objections flagged to the supervising department and escalated to the supervising
    authority's queue (Art. 17), what a compromised key sealed re-signed, and PDFs withheld
    for want of a time stamp signed, and a batch of archive time stamps (B-LTA) on kept PDFs."""
    now = platform.now()
    status_backfill.run(platform)  # status indexes of certificates issued before they existed
    with platform.writing():
        pass  # a head on time (T seconds) even when nothing else is written
    platform.auth_failures.flush(platform.store, now)  # summaries of closed windows
    while True:  # one transaction per batch of lapses
        with platform.writing() as uow:
            lapsed = platform.issuance.lapse_due(uow, now, LAPSE_BATCH)
        if lapsed < LAPSE_BATCH:
            break
    with platform.writing() as uow:
        platform.issuance.queue_expiry_reminders(uow, now)
    with platform.writing() as uow:
        objections.recompute_provisional(uow, now, audit=platform.audit)
        objections.flag_overdue(uow, now, audit=platform.audit)
    escalate_due(platform)  # unanswered after 5 working days: the authority's queue
    resign.run(platform)  # resumes re-signing after a key compromise (usually nothing left)
    pdfretry.run(platform)  # PDFs withheld while the time-stamping service was unreachable
    pdfarchive.run(platform)  # archived copies of kept PDFs, off the request path
