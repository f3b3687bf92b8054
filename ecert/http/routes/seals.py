"""Seal images (印章图样) uploaded by each department, and specimen faces (样本) per type."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from audit_log.actor import Actor
from ecert.http.auth import allow, public
from ecert.http.deps import PlatformDep
from ecert.http.routes.verifying import client_limit
from ecert.services import seals

router = APIRouter(tags=["seals"])  # under /api/v1: included by routes/admin.py
ISSUER = Depends(allow("issuer", "admin"))
PNG: dict[int | str, dict[str, Any]] = {200: {"content": {"image/png": {}}}}


@router.put("/departments/{code}/seal", responses=PNG, response_class=Response,
            openapi_extra={"requestBody": {"required": True,
                                           "content": {"image/png": {"schema": {
                                               "type": "string", "format": "binary"}}}}})
async def upload_seal(code: str, request: Request, p: PlatformDep,
                      actor: Actor = ISSUER) -> Response:
    """Upload the department's seal image: a PNG with a transparent background, 200–3000 px,
    about square (checked by content). An issuer uploads its own department's; the next PDF
    of its certificates carries it. Answers the stored (re-encoded) PNG."""
    data = await request.body()
    up = seals.upload_seal(p, actor, code, data)
    return Response(seals.current_seal(p, up.dept_code), media_type="image/png",
                    headers={"ETag": f'"{up.sha256}"', "Cache-Control": "no-store"})


@router.get("/departments/{code}/seal", responses=PNG, response_class=Response)
def get_seal(code: str, p: PlatformDep, actor: Actor = ISSUER) -> Response:
    """The department's uploaded seal image (404 when none: faces then draw one)."""
    return Response(seals.current_seal(p, code), media_type="image/png",
                    headers={"Cache-Control": "no-store"})


@router.get("/catalog/types/{type_code}/specimen.pdf", response_class=Response,
            dependencies=[Depends(public()), Depends(client_limit)],
            responses={200: {"content": {"application/pdf": {}}}})
def specimen(type_code: str, p: PlatformDep) -> Response:
    """The type's specimen face (样本, Art. 8): placeholders, watermarked, unsigned — it is
    not a certificate and never verifies."""
    return Response(seals.specimen_pdf(p, type_code), media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="specimen.pdf"'})
