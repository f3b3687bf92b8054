"""Root-signed trust list and status list for offline verifiers (docs/formats.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response

from ecert.http.auth import public
from ecert.http.deps import PlatformDep
from ecert.services import verification

router = APIRouter(prefix="/pki", tags=["pki"], dependencies=[Depends(public())])
JOSE: dict[int | str, dict[str, Any]] = {200: {"content": {"application/jose": {}}}}


def _jose(jws: str) -> Response:
    return Response(jws, media_type="application/jose",
                    headers={"Cache-Control": f"public, max-age={verification.LIST_CACHE_SECONDS}"})


@router.get("/trust-list", response_class=Response, responses=JOSE,
            summary="Trust list of department signing keys (compact JWS signed by the root)")
def trust_list(platform: PlatformDep) -> Response:
    return _jose(verification.signed_list(platform, "trust"))


@router.get("/status-list", response_class=Response, responses=JOSE,
            summary="Status of every certificate (compact JWS signed by the root)")
def status_list(platform: PlatformDep) -> Response:
    return _jose(verification.signed_list(platform, "status"))
