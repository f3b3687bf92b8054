"""Periodic work of a running server: sign tree heads on time, lapse expired certificates.

Each run is its own short transaction, so several workers may run it at once: signing is
serialised by the audit log's lock and lapsing by optimistic concurrency. A running server
calls `run_once` from `ecert.http.lifespan.periodic`.
"""

from __future__ import annotations

from typing import Any

from verifier import objections


def run_once(platform: Any) -> None:
    """One round: tree head on time, lapses (Art. 9), expiry reminders (Art. 16), overdue
    objections flagged to the supervising department (Art. 17)."""
    now = platform.now()
    with platform.store.transaction() as uow:
        platform.after_write(uow)
    platform.auth_failures.flush(platform.store, now)  # summaries of closed windows
    platform.issuance.lapse_due(now)
    platform.issuance.queue_expiry_reminders(now)
    with platform.store.transaction() as uow:
        objections.recompute_provisional(uow, now, audit=platform.audit)
        objections.flag_overdue(uow, now, audit=platform.audit)
