"""Signing API for issuing departments (Art. 9, 10): catalog, issue, change, status, documents."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Body, Depends, Header, Request, Response

from audit_log.actor import Actor
from ecert.http.auth import allow
from ecert.http.deps import PlatformDep
from ecert.http.schemas import (
    CertificateIn,
    CertificateOut,
    CertificateTypeOut,
    ChangeIn,
    IssuedOut,
    StatusIn,
)
from ecert.services.accesslog import record_view

router = APIRouter(prefix="/api/v1", tags=["issuing"])
ISSUER = Depends(allow("issuer"))


def _issued(p: Any, issued: Any) -> IssuedOut:
    p.sign_head_if_due()
    now = p.now()
    return IssuedOut(identifier=issued.identifier, base_identifier=issued.base_identifier,
                     version=issued.version, status=issued.status, sha256=issued.sha256,
                     jws=issued.jws, record=dict(issued.record),
                     qr_url=p.documents.qr_url(issued.identifier, now),
                     pdf_url=f"{p.settings.base_url}/api/v1/certificates/{issued.identifier}/pdf",
                     skipped=issued.skipped)


def _view(view: Any) -> CertificateOut:
    return CertificateOut.model_validate(dataclasses.asdict(view))


@router.get("/catalog/types", response_model=list[CertificateTypeOut])
def list_types(platform: PlatformDep, actor: Actor = Depends(allow("issuer", "user", "admin",
                                                              "auditor"))) -> list[CertificateTypeOut]:
    return [CertificateTypeOut(type_code=t.type_code, version=t.version, name=t.name,
                               defining_dept=t.defining_dept, definition=dict(t.definition))
            for t in platform.list_types()]


@router.get("/catalog/types/{type_code}", response_model=CertificateTypeOut)
def get_type(type_code: str, platform: PlatformDep,
             actor: Actor = Depends(allow("issuer", "user", "admin", "auditor"))) -> CertificateTypeOut:
    t = platform.get_type(type_code)
    return CertificateTypeOut(type_code=t.type_code, version=t.version, name=t.name,
                              defining_dept=t.defining_dept, definition=dict(t.definition))


@router.post("/catalog/types", status_code=201, response_model=CertificateTypeOut)
def add_type(platform: PlatformDep, definition: dict[str, Any] = Body(...),
             actor: Actor = Depends(allow("issuer", "admin"))) -> CertificateTypeOut:
    t = platform.add_type(definition, actor)
    return CertificateTypeOut(type_code=t.type_code, version=t.version, name=t.name,
                              defining_dept=t.defining_dept, definition=dict(t.definition))


@router.post("/certificates", status_code=201, response_model=IssuedOut)
def issue(body: CertificateIn, p: PlatformDep, actor: Actor = ISSUER,
          idempotency_key: str | None = Header(default=None, max_length=200)) -> IssuedOut:
    """Issue a certificate of one of the caller's department's types. `Idempotency-Key` makes
    retries safe: the same key and body return the first answer."""
    issued = p.issuance.issue(actor, body.type, body.data, p.now(),
                              idempotency_key=idempotency_key)
    return _issued(p, issued)


@router.get("/certificates/{identifier}", response_model=CertificateOut)
def get_certificate(identifier: str, p: PlatformDep, actor: Actor = ISSUER) -> CertificateOut:
    view = p.issuance.get(actor, identifier)
    record_view(p, actor, view.identifier)  # Art. 21: the full record, full ID number
    return _view(view)


@router.post("/certificates/{identifier}/change", response_model=IssuedOut)
def change(identifier: str, body: ChangeIn, p: PlatformDep, actor: Actor = ISSUER) -> IssuedOut:
    """变更: a new signed version linked to the old one, which is superseded."""
    issued = p.issuance.change(actor, identifier, body.data, body.reason, p.now(),
                               expected_row_version=body.expected_row_version)
    return _issued(p, issued)


@router.post("/certificates/{identifier}/status", response_model=CertificateOut)
def change_status(identifier: str, body: StatusIn, p: PlatformDep,
                  actor: Actor = ISSUER) -> CertificateOut:
    """年检 inspect, 延期 extend, 暂停/质押 suspend/pledge, release, 撤销 withdraw, 注销 cancel,
    吊销 revoke, 转移 transfer. Illegal moves get 409."""
    view = p.issuance.transition(actor, identifier, body.event, body.reason, p.now(),
                                 valid_to=body.valid_to, transfer_to=body.transfer_to,
                                 expected_row_version=body.expected_row_version)
    p.sign_head_if_due()
    return _view(view)


def _owned(p: Any, actor: Actor, identifier: str) -> str:
    """The current identifier, after checking that the caller's department issued it."""
    return str(p.issuance.get(actor, identifier).identifier)


@router.get("/certificates/{identifier}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def pdf(identifier: str, request: Request, p: PlatformDep, archived: bool = False,
        actor: Actor = ISSUER) -> Response:
    """The signed PDF (PAdES B-LT; `archived=true` gives B-LTA), made on first request."""
    current = _owned(p, actor, identifier)
    data = p.documents.pdf(current, p.now(), archived=archived)
    p.record_download(actor, current, "pdf-archived" if archived else "pdf")
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{current}.pdf"'})


@router.get("/certificates/{identifier}/qr.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def qr_png(identifier: str, p: PlatformDep, actor: Actor = ISSUER) -> Response:
    current = _owned(p, actor, identifier)
    data = p.documents.qr_png(current, p.now())
    p.record_download(actor, current, "qr.png")
    return Response(data, media_type="image/png")


@router.get("/certificates/{identifier}/qr.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
def qr_svg(identifier: str, p: PlatformDep, actor: Actor = ISSUER) -> Response:
    current = _owned(p, actor, identifier)
    data = p.documents.qr_svg(current, p.now())
    p.record_download(actor, current, "qr.svg")
    return Response(data, media_type="image/svg+xml")
