"""Lookup and verification API for using departments (Art. 12-14) and the public live status."""

from __future__ import annotations

import threading

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from audit_log.actor import Actor
from ecert.http import metrics
from ecert.http.auth import RateLimiter, allow, public, rate_limiter
from ecert.http.deps import PlatformDep
from ecert.http.edge import client_address
from ecert.http.problems import ProblemError
from ecert.http.schemas_verify import (
    AnnotatedCopyIn,
    HolderLookupIn,
    LookupListOut,
    LookupOut,
    PublicQrStatusOut,
    PublicStatusIn,
    PublicStatusOut,
    VerificationOut,
)
from ecert.services import lookups, verification
from verifier.results import VerificationResult

router = APIRouter(prefix="/api/v1", tags=["verifying"])
USER = Depends(allow("user"))
PURPOSE = Query(None, max_length=400, description="用证事由 (required)")


async def client_limit(request: Request) -> None:
    """Anonymous routes are rate-limited per client address."""
    host = client_address(request)
    rate_limiter(request).check("ip:" + host)


public_router = APIRouter(prefix="/api/v1/public", tags=["verifying"],
                          dependencies=[Depends(public()), Depends(client_limit)])


def _out(p: object, res: VerificationResult) -> VerificationOut:
    metrics.verified(res.verdict)
    d = res.to_dict()
    cur = d.get("current_identifier")
    d["current_link"] = f"{p.settings.base_url}/v/{cur}" if cur else None  # type: ignore[attr-defined]
    return VerificationOut.model_validate(d)


@router.get("/lookup/{identifier}", response_model=LookupOut)
def lookup(identifier: str, p: PlatformDep, purpose: str | None = PURPOSE,
           actor: Actor = USER) -> LookupOut:
    """Look up one certificate version (Art. 13). Refusals (no purpose 422 `purpose-required`,
    outside the grant 403 `not-granted`) are audited."""
    res = verification.lookup(p, actor, identifier, purpose)
    return LookupOut.model_validate({**verification.lookup_json(res), "stamp": vars(
        lookups.stamp(p, actor, purpose, p.now()))})


@router.get("/lookup", response_model=LookupListOut, deprecated=True)
def lookup_by_holder(p: PlatformDep, holder_code: str = Query(max_length=40),
                     type: str = Query(max_length=21),  # noqa: A002 - the API's name
                     purpose: str | None = PURPOSE, actor: Actor = USER) -> LookupListOut:
    """Deprecated: the holder's number in the URL. Use `POST /api/v1/lookups/by-holder`."""
    found = verification.lookup_by_holder(p, actor, holder_code, type, purpose)
    return LookupListOut(results=[LookupOut.model_validate(verification.lookup_json(r))
                                  for r in found])


@router.post("/lookups/by-holder", response_model=LookupListOut)
def search_by_holder(body: HolderLookupIn, p: PlatformDep, actor: Actor = USER) -> LookupListOut:
    """The holder's current certificates (citizen ID number or USCC, checked by its check
    character; 422 `malformed-input` otherwise), of `type` or of every type granted to the
    caller for the stated purpose; each one returned and every refusal is audited, with the
    holder's keyed hash only. Fields are those the grant shows, with their labels."""
    found = lookups.by_holder(p, actor, body.holder_code, body.type, body.purpose)
    return LookupListOut.model_validate({
        "results": [verification.lookup_json(r) for r in found.results],
        "stamp": vars(found.stamp)})


@router.post("/verify/pdf", response_model=VerificationOut,
             openapi_extra={"requestBody": {"content": {
                 "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "file": {"type": "string", "format": "binary"}}}}}, "required": True}})
async def verify_pdf(request: Request, p: PlatformDep, purpose: str | None = PURPOSE,
                     actor: Actor = Depends(allow("user", "issuer", "auditor"))) -> VerificationOut:
    """Verify a certificate PDF (raw `application/pdf` or multipart field `file`, ≤ 5 MB)."""
    limit = verification.MAX_PDF_BYTES
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/pdf":
        data = await request.body()
    elif ctype == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=4, max_part_size=limit + 1)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ProblemError(422, "invalid-request", "multipart field `file` is required")
        data = await upload.read(limit + 1)
        await form.close()
    else:
        raise ProblemError(415, "unsupported-media-type",
                           "send application/pdf or multipart/form-data")
    if len(data) > limit:
        raise ProblemError(413, "payload-too-large", f"PDFs are limited to {limit} bytes")
    res = await run_in_threadpool(verification.verify_pdf_upload, p, actor, data, purpose)
    return _out(p, res)


@router.get("/verify/{identifier}", response_model=VerificationOut)
def verify_identifier(identifier: str, p: PlatformDep, purpose: str | None = PURPOSE,
                      actor: Actor = Depends(allow("user", "issuer", "auditor"))
                      ) -> VerificationOut:
    """Full verification of a stored version against the store (signature, trust, status)."""
    return _out(p, verification.verify_by_identifier(p, actor, identifier, purpose))


@router.post("/certificates/{identifier}/annotated-copies", response_class=Response,
             responses={200: {"content": {"application/pdf": {}}}})
def annotated_copy(identifier: str, body: AnnotatedCopyIn, p: PlatformDep,
                   actor: Actor = USER) -> Response:
    """加注件: a re-signed PDF stamped with purpose, using department and expiry; capped per
    certificate per 30 days by the catalog (429 `cap-reached`); recorded and audited."""
    copy = verification.annotated_copy(p, actor, identifier, body.purpose, body.expires_in_days)
    return Response(copy.pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{copy.identifier}-annotated.pdf"',
        "X-Annotated-Copies-Used": f"{copy.used}/{copy.cap}",
        "X-Expires-At": copy.expires_at.isoformat()})


# Status answers are cheap to ask for and identifiers are guessable: a tighter per-client
# budget than the general API limit stops anyone walking the register.
STATUS_PER_MINUTE = 30
_STATUS_LIMITER_LOCK = threading.Lock()


async def status_limit(request: Request) -> None:
    """Per-client limit on the public status endpoints (429 `rate-limited`)."""
    state = request.app.state
    with _STATUS_LIMITER_LOCK:
        limiter = getattr(state, "status_limiter", None)
        if limiter is None:
            limiter = state.status_limiter = RateLimiter(STATUS_PER_MINUTE)
    host = client_address(request)  # the peer, or behind a trusted proxy the client it saw
    limiter.check("status-ip:" + host)


STATUS_LIMIT = Depends(status_limit)


def _status_out(st: verification.PublicStatus) -> PublicStatusOut:
    metrics.verified(st.verdict)
    return PublicStatusOut(verdict=st.verdict, status=st.status, checked_at=st.checked_at,
                           identifier=st.identifier, current_identifier=st.current_identifier,
                           display=dict(st.display))


@public_router.get("/status/{identifier}", response_model=PublicStatusOut,
                   dependencies=[STATUS_LIMIT])
def public_status(identifier: str, platform: PlatformDep) -> PublicStatusOut:
    """Live status of a bare identifier: verdict and status code only (`display` is empty)."""
    return _status_out(verification.public_status(platform, identifier))


@public_router.post("/status", response_model=PublicQrStatusOut, dependencies=[STATUS_LIMIT])
def public_status_with_qr(body: PublicStatusIn, platform: PlatformDep) -> PublicQrStatusOut:
    """Live status for the QR's holder: the signed fragment is verified by the server; masked
    display fields come back only when its signature holds."""
    st = verification.public_status_for_qr(platform, body.identifier, body.jws)
    return PublicQrStatusOut(**_status_out(st).model_dump(), qr_checked=st.qr_checked)
