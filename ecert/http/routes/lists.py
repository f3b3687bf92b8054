"""Root-signed trust list and status list for offline verifiers (docs/formats.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request, Response

from ecert.http.auth import public
from ecert.http.deps import PlatformDep
from ecert.services import verification
from formats.statuslist import SIGNATURE_HEADER

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


@router.get("/status/{shard}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}},
            summary="One bitstring status list shard: gzip body, root-signed description in "
                    "the Ecert-Shard-Signature header (compact JWS), ETag")
def status_shard(request: Request, platform: PlatformDep,
                 shard: int = Path(ge=0, le=1_000_000)) -> Response:
    signed = verification.signed_shard(platform, shard)
    headers = {"ETag": signed.etag, SIGNATURE_HEADER: signed.jws,
               "Cache-Control": f"public, max-age={verification.LIST_CACHE_SECONDS}"}
    if signed.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(signed.gz, media_type="application/octet-stream", headers=headers)
