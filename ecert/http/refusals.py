"""Art. 21 at the HTTP edge: every 403 answer is logged (`ecert.services.accesslog`) with the
authenticated actor (`allow` keeps it on ``request.state``), the route template attempted and
the error's slug — never the raw path or body the caller sent."""

from __future__ import annotations

import logging

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from ecert.http.deps import get_platform
from ecert.services.accesslog import already_audited, record_refusal

log = logging.getLogger("ecert.http")


async def audit_refusal(request: Request, status: int, slug: str, exc: BaseException) -> None:
    if status != 403 or already_audited(exc):
        return
    template = getattr(request.scope.get("route"), "path", None) or "(unrouted)"
    identifier = request.path_params.get("identifier")
    try:
        await run_in_threadpool(record_refusal, get_platform(request),
                                getattr(request.state, "actor", None),
                                f"{request.method} {template}", slug, status,
                                identifier if isinstance(identifier, str) else None)
    except Exception:  # the refusal stands even if the log is down; the log line says so
        log.exception("could not audit a refusal", extra={
            "request_id": getattr(request.state, "request_id", "")})
