"""Periodic work of a running server: sign tree heads on time, lapse expired certificates.

Each run is its own short transaction, so several workers may run it at once: signing is
serialised by the audit log's lock and lapsing by optimistic concurrency.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool

from verifier import objections

log = logging.getLogger("ecert.housekeeping")


def run_once(platform: Any) -> None:
    """One round: tree head on time, lapses (Art. 9), expiry reminders (Art. 16), overdue
    objections flagged to the supervising department (Art. 17)."""
    now = platform.now()
    with platform.store.transaction() as uow:
        platform.after_write(uow)
    platform.issuance.lapse_due(now)
    platform.issuance.queue_expiry_reminders(now)
    with platform.store.transaction() as uow:
        objections.recompute_provisional(uow, now, audit=platform.audit)
        objections.flag_overdue(uow, now, audit=platform.audit)


@contextlib.asynccontextmanager
async def periodic(platform: Any, interval: float) -> AsyncIterator[None]:
    async def loop() -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await run_in_threadpool(run_once, platform)
            except Exception:  # keep serving; the next run retries
                log.exception("housekeeping failed")

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
