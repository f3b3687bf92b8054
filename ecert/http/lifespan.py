"""The server's background loop: housekeeping (`ecert.services.housekeeping.run_once`) every
`interval` seconds, off the event loop, for as long as the app runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool

from ecert.services import status_backfill
from ecert.services.housekeeping import run_once

log = logging.getLogger("ecert.housekeeping")


@contextlib.asynccontextmanager
async def periodic(platform: Any, interval: float) -> AsyncIterator[None]:
    async def loop() -> None:
        try:  # at start-up: status indexes of certificates issued before they existed
            await run_in_threadpool(status_backfill.run, platform)
        except Exception:
            log.exception("status index backfill failed")
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
