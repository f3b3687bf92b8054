"""`/healthz` (the process answers) and `/readyz` (it can serve: database, keys, lists).
Public, unaudited and cheap; not in the API document."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from ecert.http import problems
from ecert.http.auth import public
from ecert.http.deps import PlatformDep
from ecert.services import health

router = APIRouter(tags=["health"], include_in_schema=False, dependencies=[Depends(public())])
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
async def healthz() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json", headers=NO_STORE)


@router.get("/readyz")
def readyz(request: Request, platform: PlatformDep) -> JSONResponse:
    result = health.readiness(platform)
    checks = {c.name: ("ok" if c.ok else c.reason) for c in result.checks}
    if result.ready:
        return JSONResponse({"status": "ready", "checks": checks}, headers=NO_STORE)
    return problems.problem(request, 503, "not-ready", "the platform cannot serve yet",
                            headers={"Retry-After": "5", **NO_STORE}, checks=checks)
