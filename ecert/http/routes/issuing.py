"""Signing API for issuing departments (Art. 9, 10): catalog, issue, change, status, documents."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response

from audit_log.actor import Actor
from ecert.http import metrics
from ecert.http.auth import allow
from ecert.http.deps import PlatformDep
from ecert.http.schemas import (
    CertificateIn,
    CertificateOut,
    CertificatePageOut,
    CertificateSummaryOut,
    CertificateTypeOut,
    ChangeIn,
    IssuedOut,
    StatusIn,
)
from ecert.services import issuing
from formats.errors import DomainError
from issuer.search import SearchFilter

router = APIRouter(prefix="/api/v1", tags=["issuing"])
ISSUER = Depends(allow("issuer"))


def _issued(p: Any, done: issuing.Issued) -> IssuedOut:
    issued = done.certificate
    return IssuedOut(identifier=issued.identifier, base_identifier=issued.base_identifier,
                     version=issued.version, status=issued.status, sha256=issued.sha256,
                     jws=issued.jws, record=dict(issued.record), qr_url=done.qr_url,
                     pdf_url=f"{p.settings.base_url}/api/v1/certificates/{issued.identifier}/pdf",
                     skipped=issued.skipped)


def _view(view: Any) -> CertificateOut:
    return CertificateOut.model_validate(dataclasses.asdict(view))


@router.get("/catalog/types", response_model=list[CertificateTypeOut])
def list_types(platform: PlatformDep, actor: Actor = Depends(allow(
        "issuer", "user", "admin", "auditor", "authority"))) -> list[CertificateTypeOut]:
    return [CertificateTypeOut(type_code=t.type_code, version=t.version, name=t.name,
                               defining_dept=t.defining_dept, definition=dict(t.definition))
            for t in issuing.list_types(platform)]


@router.get("/catalog/types/{type_code}", response_model=CertificateTypeOut)
def get_type(type_code: str, platform: PlatformDep,
             actor: Actor = Depends(allow("issuer", "user", "admin", "auditor", "authority"))
             ) -> CertificateTypeOut:
    t = issuing.get_type(platform, type_code)
    return CertificateTypeOut(type_code=t.type_code, version=t.version, name=t.name,
                              defining_dept=t.defining_dept, definition=dict(t.definition))


@router.post("/catalog/types", status_code=201, response_model=CertificateTypeOut)
def add_type(platform: PlatformDep, definition: dict[str, Any] = Body(...),
             actor: Actor = Depends(allow("admin"))) -> CertificateTypeOut:
    """An administrator's catalog entry takes effect at once (bootstrap, documented in
    docs/approvals.md); a department proposes instead (POST /api/v1/proposals)."""
    t = issuing.add_type(platform, definition, actor)
    return CertificateTypeOut(type_code=t.type_code, version=t.version, name=t.name,
                              defining_dept=t.defining_dept, definition=dict(t.definition))


@router.post("/certificates", status_code=201, response_model=IssuedOut)
def issue(body: CertificateIn, p: PlatformDep, actor: Actor = ISSUER,
          idempotency_key: str | None = Header(default=None, max_length=200)) -> IssuedOut:
    """Issue a certificate of one of the caller's department's types. `Idempotency-Key` makes
    retries safe: the same key and body return the first answer."""
    try:
        issued = issuing.issue(p, actor, body.type, body.data, idempotency_key=idempotency_key)
    except DomainError as exc:
        metrics.issued(exc.slug)
        raise
    metrics.issued("issued")
    return _issued(p, issued)


def _filter(type: str | None = Query(None, max_length=21, description="certificate type code"),
            status: str | None = Query(None, max_length=2, description="status code, e.g. 01"),
            holder: str | None = Query(None, max_length=40, description="ID number or USCC"),
            issued_from: dt.date | None = Query(None, description="signed on or after (China date)"),
            issued_to: dt.date | None = Query(None, description="signed on or before")
            ) -> SearchFilter:
    return SearchFilter(type_code=type, status=status, holder_code=holder,
                        issued_from=issued_from, issued_to=issued_to)


@router.get("/certificates", response_model=CertificatePageOut)
def search_certificates(p: PlatformDep, actor: Actor = ISSUER, f: SearchFilter = Depends(_filter),
                        before: int | None = Query(None, ge=1), limit: int = Query(50, ge=1, le=200)
                        ) -> CertificatePageOut:
    """The caller's department's certificates (and its predecessors'), newest first, holder
    masked; filter by type, status, holder, signing date. Audited."""
    page = issuing.search(p, actor, f, before=before, limit=limit)
    return CertificatePageOut(
        items=[CertificateSummaryOut.model_validate(dataclasses.asdict(i)) for i in page.items],
        next_cursor=page.next_cursor)


@router.get("/certificates.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def export_certificates(p: PlatformDep, actor: Actor = ISSUER,
                        f: SearchFilter = Depends(_filter)) -> Response:
    """The same register as CSV (UTF-8 with BOM), every page, at most 100,000 rows. Audited."""
    return Response(issuing.export_csv(p, actor, f), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="certificates.csv"',
                             "Cache-Control": "no-store"})


@router.get("/certificates/{identifier}", response_model=CertificateOut)
def get_certificate(identifier: str, p: PlatformDep, actor: Actor = ISSUER) -> CertificateOut:
    return _view(issuing.get(p, actor, identifier))


@router.post("/certificates/{identifier}/change", response_model=IssuedOut)
def change(identifier: str, body: ChangeIn, p: PlatformDep, actor: Actor = ISSUER) -> IssuedOut:
    """变更: a new signed version linked to the old one, which is superseded."""
    issued = issuing.change(p, actor, identifier, body.data, body.reason,
                            expected_row_version=body.expected_row_version)
    return _issued(p, issued)


@router.post("/certificates/{identifier}/status", response_model=CertificateOut)
def change_status(identifier: str, body: StatusIn, p: PlatformDep,
                  actor: Actor = ISSUER) -> CertificateOut:
    """年检 inspect, 延期 extend, 暂停/质押 suspend/pledge, release, 撤销 withdraw, 注销 cancel,
    吊销 revoke, 转移 transfer. Illegal moves get 409."""
    view = issuing.transition(p, actor, identifier, body.event, body.reason,
                              valid_to=body.valid_to, transfer_to=body.transfer_to,
                              expected_row_version=body.expected_row_version)
    return _view(view)


@router.post("/certificates/{identifier}/cosign", response_model=dict[str, object])
def cosign(identifier: str, p: PlatformDep, actor: Actor = ISSUER) -> dict[str, object]:
    """共同签署: a co-signing department of the type signs the current version's record with
    its own key (e.g. housing beside education). Again: the first co-signature."""
    done = issuing.cosign(p, actor, identifier)
    return {"identifier": done.identifier, "version": done.version, "dept": done.dept_code,
            "signing_cert": done.signing_cert, "jws": done.jws,
            "signed_at": done.created_at.isoformat()}


@router.get("/certificates/{identifier}/cosignatures", response_model=dict[str, object])
def cosignatures(identifier: str, p: PlatformDep,
                 actor: Actor = Depends(allow("issuer", "admin", "auditor"))
                 ) -> dict[str, object]:
    """Every co-signature the type requires, each verified (key, chain, record bytes)."""
    ident, version, checks = issuing.cosignatures(p, actor, identifier)
    return {"identifier": ident, "version": version, "complete": all(c.ok for c in checks),
            "signatures": [{"dept": c.dept_code, "ok": c.ok, "reason": c.reason}
                           for c in checks]}


@router.get("/certificates/{identifier}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def pdf(identifier: str, request: Request, p: PlatformDep, archived: bool = False,
        actor: Actor = ISSUER) -> Response:
    """The signed PDF (PAdES B-LT; `archived=true` gives B-LTA), made on first request."""
    doc = issuing.document(p, actor, identifier, "pdf-archived" if archived else "pdf")
    return Response(doc.data, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{doc.identifier}.pdf"'})


@router.get("/certificates/{identifier}/qr.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def qr_png(identifier: str, p: PlatformDep, actor: Actor = ISSUER) -> Response:
    return Response(issuing.document(p, actor, identifier, "qr.png").data,
                    media_type="image/png")


@router.get("/certificates/{identifier}/qr.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
def qr_svg(identifier: str, p: PlatformDep, actor: Actor = ISSUER) -> Response:
    return Response(issuing.document(p, actor, identifier, "qr.svg").data,
                    media_type="image/svg+xml")
