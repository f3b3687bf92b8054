"""HTML pages (zh-CN and Tibetan, mobile first, no external resources, no inline script or
style). The language comes from `ecert.http.i18n.pick` (the switch's cookie); every page gets
``_`` (gettext of that language) and the catalog for its scripts (``#i18n``, read by
static/i18n.js)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ecert.http import i18n
from ecert.http.auth import public
from ecert.http.deps import PlatformDep
from ecert.http.routes.verifying import client_limit
from ecert.services import holder as holder_services
from ecert.services import verification
from formats.chinatime import CHINA
from formats.spec import as_json
from formats.status import VERDICT_TEXT, Verdict
from verifier import lists as vlists

HERE = Path(__file__).resolve().parent.parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(tags=["pages"], include_in_schema=False,
                   dependencies=[Depends(public()), Depends(client_limit)])

PRESENTATION_TEXT = {
    "ok": "有效亮证", "expired": "已过期", "not-yet-valid": "时间异常",
    "bad-signature": "伪造或被篡改", "malformed": "不是有效的亮证码",
}
FIELD_LABELS = (("name", "证照名称"), ("holder", "持证主体"), ("holder_code", "证件号码"),
                ("issuer", "签发部门"), ("licence_number", "证照编号"), ("issue_date", "签发日期"),
                ("valid_from", "有效期起"), ("valid_to", "有效期至"))


def page(request: Request, name: str, **ctx: object) -> HTMLResponse:
    lang = i18n.pick(request)
    resp = templates.TemplateResponse(request, name, {
        **ctx, "lang": lang, "_": i18n.translator(lang), "i18n_json": i18n.js_messages(lang),
        "lang_names": tuple(i18n.LANG_NAMES.items())})
    resp.headers["Cache-Control"] = "no-store"  # pages may show personal data
    resp.headers["Content-Language"] = lang
    resp.headers["Vary"] = "Cookie, Accept-Language"
    if request.query_params.get("lang") in i18n.LANGS:  # the switch without JavaScript
        resp.set_cookie(i18n.COOKIE, lang, max_age=i18n.COOKIE_AGE, samesite="lax",
                        httponly=False)
    return resp


@router.get("/v/{identifier}", response_class=HTMLResponse)
def citizen(identifier: str, request: Request, platform: PlatformDep) -> HTMLResponse:
    """The page every certificate QR opens; verify.js checks the fragment in the browser."""
    root = verification.root_key(platform)
    trust = json.dumps({"jwk": dict(root.jwk), "x5t": root.x5t_s256}, separators=(",", ":"))
    return page(request, "verify.html", identifier=identifier[:130], trust_json=trust)


@router.get("/p/{token}", response_class=HTMLResponse)
def presentation(token: str, request: Request, platform: PlatformDep) -> HTMLResponse:
    """亮证 page for staff: the certificate while the holder's token is fresh, else expired."""
    v = holder_services.check_presentation(platform, token[:2048])
    fields = [(label, v.display[k]) for k, label in FIELD_LABELS if k in v.display]
    state = v.verdict if v.ok and v.verdict else ("expired" if v.reason == "expired"
                                                     else "invalid")
    expires = (v.expires_at.astimezone(CHINA).strftime("%H:%M:%S") + " " +
               i18n.translator(i18n.pick(request))("北京时间") if v.expires_at else "")
    return page(request, "presentation.html", v=v, fields=fields, state=state,
                 expires_text=expires,
                 headline=(_headline(v.verdict) if v.ok
                           else PRESENTATION_TEXT.get(v.reason, "无效")))


def _headline(verdict: str | None) -> str:
    return VERDICT_TEXT[Verdict(verdict)].headline if verdict in set(Verdict) else ""


@router.get("/holder", response_class=HTMLResponse)
def holderpage(request: Request, platform: PlatformDep) -> HTMLResponse:
    # the development adapter's login form says, on the page, that it is NOT real-name login
    return page(request, "holder.html",
                development_login=platform.settings.realname == "development",
                **_evidence_limits(platform), **_signin(platform, "/holder"))


@router.get("/staff", response_class=HTMLResponse)
def staffpage(request: Request, platform: PlatformDep) -> HTMLResponse:
    return page(request, "staff.html", **_signin(platform, "/staff"))


@router.get("/issuer", response_class=HTMLResponse)
def issuerpage(request: Request, platform: PlatformDep) -> HTMLResponse:
    """签发部门: issue from the type's schema, register, lifecycle, objections, imports."""
    return page(request, "issuer.html", **_signin(platform, "/issuer"))


@router.get("/audit", response_class=HTMLResponse)
def auditpage(request: Request, platform: PlatformDep) -> HTMLResponse:
    return page(request, "audit.html", **_signin(platform, "/audit"))


def _evidence_limits(platform: PlatformDep) -> dict[str, object]:
    """What the objection form tells the holder (the server checks again: verifier/attachments)."""
    s = platform.settings
    return {"evidence_max_bytes": s.evidence_max_bytes, "evidence_max_files": s.evidence_max_files,
            "evidence_max_mb": f"{s.evidence_max_bytes / (1024 * 1024):g}"}


def _signin(platform: PlatformDep, page: str) -> dict[str, object]:
    """The identity-service sign-in link (ecert/http/routes/login.py), when one is configured."""
    return {"oidc_login": bool(platform.settings.oidc_issuer), "signin_page": page}


@router.get("/sw.js", response_class=Response)
def service_worker() -> Response:
    """Served from the root so that it may control /v/ pages offline."""
    return Response((STATIC_DIR / "sw.js").read_bytes(), media_type="text/javascript",
                    headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache",
                             "Content-Security-Policy": "default-src 'self'"})


@router.get("/spec.js", response_class=Response)
def spec_script() -> Response:
    """The wire-format constants (`formats.spec.as_json`) as ``EcertSpec`` for the pages'
    scripts: status codes, verdict words, QR specs and key ids are typed once, in Python."""
    spec = {**as_json(), "lists": {"trust": vlists.TRUST_SPEC, "status": vlists.STATUS_SPEC}}
    body = "var EcertSpec = " + json.dumps(spec, ensure_ascii=False, separators=(",", ":")) + ";\n"
    return Response(body.encode("utf-8"), media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "no-cache"})
