"""Holder API (Art. 15-16), holder login sessions and objections (Art. 17)."""

from __future__ import annotations

import dataclasses

from fastapi import APIRouter, Depends, Query, Request, Response

from audit_log.actor import Actor
from ecert.http.auth import RateLimiter, allow, public
from ecert.http.deps import PlatformDep
from ecert.http.edge import client_address
from ecert.http.problems import ProblemError
from ecert.http.routes import objections as objection_routes
from ecert.http.routes.verifying import client_limit
from ecert.http.schemas_verify import (
    AccessOut,
    AnswerIn,
    HolderCertificateOut,
    HolderLoginIn,
    HolderSessionOut,
    ObjectionIn,
    ObjectionOut,
    OwnCertificateOut,
    PresentationIn,
    PresentationOut,
)
from ecert.services import holder as holder_services
from ecert.services import realname

router = APIRouter(prefix="/api/v1", tags=["holder"])
HOLDER = Depends(allow("holder"))
LOGIN_PER_MINUTE = 20  # per client address and app, besides the general anonymous limit
LOGIN_FAILED = "姓名与证件号码不匹配或无可用证照 / name and number do not match a certificate holder"


def login_limit(request: Request) -> None:
    """Holder login is rate-limited per client address more strictly than other public routes."""
    limiter = getattr(request.app.state, "holder_login_limiter", None)
    if limiter is None:
        limiter = request.app.state.holder_login_limiter = RateLimiter(LOGIN_PER_MINUTE)
    host = client_address(request)
    try:
        limiter.check("login:" + host)
    except ProblemError as exc:
        raise ProblemError(429, "rate-limited", "登录尝试过多，请稍后再试 / too many login attempts",
                           exc.headers) from exc


def realname_on(p: PlatformDep) -> realname.RealNameAuthenticator:
    """The configured real-name adapter; 404 when holder login is off (the default)."""
    found = realname.authenticator_for(p.settings.realname, p.store)
    if found is None:
        raise ProblemError(404, "not-found", "持证主体登录未启用 / holder login is not enabled")
    return found


@router.post("/holder/session", status_code=201, response_model=HolderSessionOut,
             dependencies=[Depends(public()), Depends(client_limit), Depends(login_limit)])
def login(body: HolderLoginIn, request: Request, platform: PlatformDep,
          authenticator: realname.RealNameAuthenticator = Depends(realname_on)
          ) -> HolderSessionOut:
    """Holder login through the real-name adapter (ECERT_REALNAME): a holder token valid for
    12 hours. One opaque 401 for every refusal; 404 when holder login is off. Audited
    (`holder.login`, `holder.login_failure`) with the hash of the code only."""
    session = holder_services.holder_login(platform, authenticator, body.name,
                                           body.code, getattr(request.state, "request_id", None))
    if session is None:
        raise ProblemError(401, "login-failed", LOGIN_FAILED,
                           {"WWW-Authenticate": 'Bearer realm="ecert"'})
    return HolderSessionOut(token=session.token, expires_at=session.expires_at)


@router.delete("/holder/session", status_code=204, response_class=Response)
def logout(request: Request, platform: PlatformDep, actor: Actor = HOLDER) -> Response:
    """End the login session: revokes the token this request presents (logout)."""
    bearer = request.headers.get("authorization", "").partition(" ")[2].strip()
    holder_services.holder_logout(platform, actor, bearer)
    return Response(status_code=204)


@router.get("/holder/certificates", response_model=list[OwnCertificateOut])
def own_certificates(platform: PlatformDep, actor: Actor = HOLDER) -> list[OwnCertificateOut]:
    """The holder's certificates (current versions), each verified."""
    found = holder_services.holder_certificates(platform, actor)
    return [OwnCertificateOut(**{**dataclasses.asdict(c), "verdict": c.verdict.value})
            for c in found]


@router.get("/holder/certificates/{identifier}", response_model=HolderCertificateOut)
def own_certificate(identifier: str, platform: PlatformDep,
                    actor: Actor = HOLDER) -> HolderCertificateOut:
    """Full details of one own certificate (unmasked: the holder's own data)."""
    return HolderCertificateOut.model_validate(
        holder_services.holder_certificate(platform, actor, identifier))


@router.get("/holder/certificates/{identifier}/accesses", response_model=list[AccessOut])
def accesses(identifier: str, platform: PlatformDep, actor: Actor = HOLDER) -> list[AccessOut]:
    """Who looked the certificate up or used it, and why (from the audit log), newest first."""
    found = holder_services.holder_accesses(platform, actor, identifier)
    return [AccessOut(**dataclasses.asdict(a)) for a in found]


@router.post("/holder/certificates/{identifier}/presentation", response_model=PresentationOut)
def presentation(identifier: str, platform: PlatformDep, actor: Actor = HOLDER,
                 body: PresentationIn | None = None) -> PresentationOut:
    """亮证: a token valid for 2 minutes; its URL /p/{token} shows the certificate to staff.
    Where the authority approved scenarios for the type, `scenario` must be one of them (403
    `scenario-not-approved`)."""
    t = holder_services.present(platform, actor, identifier, body.scenario if body else None)
    return PresentationOut(token=t.token, url=t.url, expires_at=t.expires_at)


@router.post("/holder/certificates/{identifier}/presentation.png", response_class=Response,
             responses={200: {"content": {"image/png": {}}}})
def presentation_png(identifier: str, platform: PlatformDep, actor: Actor = HOLDER,
                     scenario: str | None = Query(None, max_length=60)) -> Response:
    """The same as a QR image (a new token each call)."""
    png = holder_services.presentation_qr_png(platform, actor, identifier, scenario)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.post("/objections", status_code=201, response_model=ObjectionOut)
def file_objection(body: ObjectionIn, platform: PlatformDep,
                   actor: Actor = Depends(allow("holder", "user"))) -> ObjectionOut:
    """File an objection (异议); answered within 5 working days."""
    v = holder_services.file_objection(platform, actor, body.identifier,
                                       body.reason, body.evidence)
    return ObjectionOut(**dataclasses.asdict(v))


@router.post("/objections/{objection_id}/answer", response_model=ObjectionOut)
def answer_objection(objection_id: int, body: AnswerIn, platform: PlatformDep,
                     actor: Actor = Depends(allow("issuer"))) -> ObjectionOut:
    """The issuing department of the certificate (or its successor) answers."""
    v = holder_services.answer_objection(platform, actor, objection_id,
                                         body.answer, body.upheld)
    return ObjectionOut(**dataclasses.asdict(v))


@router.get("/objections", response_model=list[ObjectionOut])
def list_objections(platform: PlatformDep, actor: Actor = Depends(allow("holder", "user", "issuer"))
                    ) -> list[ObjectionOut]:
    """Own objections: filed by the holder / the department; for issuers, on its certificates."""
    return [ObjectionOut(**dataclasses.asdict(v))
            for v in holder_services.list_objections(platform, actor)]


router.include_router(objection_routes.router)  # evidence and the authority's queue
