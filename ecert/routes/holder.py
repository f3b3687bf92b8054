"""Holder API (Art. 15-16) and objections (Art. 17)."""

from __future__ import annotations

import dataclasses

from fastapi import APIRouter, Depends, Request, Response

from audit_log.actor import Actor
from ecert import verification
from ecert.auth import allow
from ecert.schemas_verify import (
    AccessOut,
    AnswerIn,
    HolderCertificateOut,
    ObjectionIn,
    ObjectionOut,
    OwnCertificateOut,
    PresentationOut,
)

router = APIRouter(prefix="/api/v1", tags=["holder"])
HOLDER = Depends(allow("holder"))


@router.get("/holder/certificates", response_model=list[OwnCertificateOut])
def own_certificates(request: Request, actor: Actor = HOLDER) -> list[OwnCertificateOut]:
    """The holder's certificates (current versions), each verified."""
    found = verification.holder_certificates(request.app.state.platform, actor)
    return [OwnCertificateOut(**{**dataclasses.asdict(c), "verdict": c.verdict.value})
            for c in found]


@router.get("/holder/certificates/{identifier}", response_model=HolderCertificateOut)
def own_certificate(identifier: str, request: Request,
                    actor: Actor = HOLDER) -> HolderCertificateOut:
    """Full details of one own certificate (unmasked: the holder's own data)."""
    return HolderCertificateOut.model_validate(
        verification.holder_certificate(request.app.state.platform, actor, identifier))


@router.get("/holder/certificates/{identifier}/accesses", response_model=list[AccessOut])
def accesses(identifier: str, request: Request, actor: Actor = HOLDER) -> list[AccessOut]:
    """Who looked the certificate up or used it, and why (from the audit log), newest first."""
    found = verification.holder_accesses(request.app.state.platform, actor, identifier)
    return [AccessOut(**dataclasses.asdict(a)) for a in found]


@router.post("/holder/certificates/{identifier}/presentation", response_model=PresentationOut)
def presentation(identifier: str, request: Request, actor: Actor = HOLDER) -> PresentationOut:
    """亮证: a token valid for 2 minutes; its URL /p/{token} shows the certificate to staff."""
    t = verification.present(request.app.state.platform, actor, identifier)
    return PresentationOut(token=t.token, url=t.url, expires_at=t.expires_at)


@router.post("/holder/certificates/{identifier}/presentation.png", response_class=Response,
             responses={200: {"content": {"image/png": {}}}})
def presentation_png(identifier: str, request: Request, actor: Actor = HOLDER) -> Response:
    """The same as a QR image (a new token each call)."""
    png = verification.presentation_qr_png(request.app.state.platform, actor, identifier)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.post("/objections", status_code=201, response_model=ObjectionOut)
def file_objection(body: ObjectionIn, request: Request,
                   actor: Actor = Depends(allow("holder", "user"))) -> ObjectionOut:
    """File an objection (异议); answered within 5 working days."""
    v = verification.file_objection(request.app.state.platform, actor, body.identifier,
                                    body.reason, body.evidence)
    return ObjectionOut(**dataclasses.asdict(v))


@router.post("/objections/{objection_id}/answer", response_model=ObjectionOut)
def answer_objection(objection_id: int, body: AnswerIn, request: Request,
                     actor: Actor = Depends(allow("issuer"))) -> ObjectionOut:
    """The issuing department of the certificate (or its successor) answers."""
    v = verification.answer_objection(request.app.state.platform, actor, objection_id,
                                      body.answer, body.upheld)
    return ObjectionOut(**dataclasses.asdict(v))


@router.get("/objections", response_model=list[ObjectionOut])
def list_objections(request: Request, actor: Actor = Depends(allow("holder", "user", "issuer"))
                    ) -> list[ObjectionOut]:
    """Own objections: filed by the holder / the department; for issuers, on its certificates."""
    return [ObjectionOut(**dataclasses.asdict(v))
            for v in verification.list_objections(request.app.state.platform, actor)]
