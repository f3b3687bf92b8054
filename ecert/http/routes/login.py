"""Sign-in through the identity service (OpenID Connect, ecert/services/signin.py).

`/login/oidc?page=/holder` sends the browser to the provider with a fresh state, nonce and
PKCE challenge (kept in an HttpOnly cookie scoped to /login/oidc); the provider sends it back
to `/login/oidc/callback`, which trades the code, checks the ID token and returns the browser
to the page with the new session token in the URL fragment (static/signin.js keeps it in
sessionStorage and clears the address bar). A refused sign-in is a page saying so.

`/login/client-cert?page=/staff` does the same for a department client certificate the
browser presented in the TLS handshake (`ecert serve --client-certs optional`, or nginx in
front): the session is its operator's.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ecert.http.auth import public
from ecert.http.deps import PlatformDep
from ecert.http.routes.pages import page as render_page
from ecert.http.routes.verifying import client_limit
from ecert.http.tls import client_cert_from_scope
from ecert.services import oidc, signin

router = APIRouter(prefix="/login/oidc", tags=["pages"], include_in_schema=False,
                   dependencies=[Depends(public()), Depends(client_limit)])
cert_router = APIRouter(prefix="/login", tags=["pages"], include_in_schema=False,
                        dependencies=[Depends(public()), Depends(client_limit)])
COOKIE = "ecert_oidc"
PAGES = "^(/holder|/staff|/issuer|/audit)$"


def _failed(request: Request, message: str, status: int, page: str = "/holder") -> HTMLResponse:
    resp = render_page(request, "signin.html", message=message, page=page)
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    resp.delete_cookie(COOKIE, path="/login/oidc")
    return resp


@router.get("", response_class=RedirectResponse)
def begin(request: Request, platform: PlatformDep,
          page: str = Query("/holder", pattern=PAGES)) -> Response:
    try:
        url, cookie = signin.start(platform, page)
    except oidc.IdentityServiceUnavailable as exc:
        return _failed(request, exc.message, 503, page)
    resp = RedirectResponse(url, status_code=303)
    resp.headers["Cache-Control"] = "no-store"
    resp.set_cookie(COOKIE, cookie, max_age=oidc.STATE_TTL, path="/login/oidc", httponly=True,
                    samesite="lax",
                    secure=platform.settings.oidc_redirect_uri.startswith("https://"))
    return resp


@router.get("/callback", response_class=RedirectResponse)
def callback(request: Request, platform: PlatformDep,
             code: str = Query("", max_length=2048), state: str = Query("", max_length=200),
             error: str = Query("", max_length=200)) -> Response:
    if error or not code or not state:
        return _failed(request, "统一身份认证未完成登录 / the identity service did not sign you in",
                       400)
    try:
        session = signin.finish(platform, code, state, request.cookies.get(COOKIE, ""),
                                getattr(request.state, "request_id", None))
    except oidc.IdentityServiceUnavailable as exc:
        return _failed(request, exc.message, 503)
    except oidc.SignInRefused as exc:  # a page, not an API: 400 says "this sign-in failed"
        return _failed(request, exc.message, 400)
    resp = RedirectResponse(f"{session.landing}#ecert-login={session.token}", status_code=303)
    resp.headers["Cache-Control"] = "no-store"
    resp.delete_cookie(COOKIE, path="/login/oidc")
    return resp


@cert_router.get("/client-cert", response_class=RedirectResponse)
def client_cert(request: Request, platform: PlatformDep,
                page: str = Query("/staff", pattern="^(/staff|/audit)$")) -> Response:
    """Staff sign-in with the department client certificate the TLS layer verified."""
    try:
        session = signin.client_cert_session(platform, client_cert_from_scope(request.scope),
                                             page, getattr(request.state, "request_id", None))
    except oidc.SignInRefused as exc:
        return _failed(request, exc.message, 400, page)  # a page, like the OIDC refusal
    resp = RedirectResponse(f"{session.landing}#ecert-login={session.token}", status_code=303)
    resp.headers["Cache-Control"] = "no-store"
    return resp
