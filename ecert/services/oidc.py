"""Real-name sign-in through the identity service by OpenID Connect (Art. 15, 16, 22).

Authorization code flow with PKCE (S256), a confidential client (authlib's OAuth 2.0 client
over httpx), and the ID token checked with joserfc against the provider's published keys:
signature (RS256/ES256/PS256 only, never `none`), issuer, audience, nonce, expiry and issue
time. Who signs in is what the provider vouches for in the signed ID token — a holder by
`name` with `id_number` (a person) or `uscc` (an organisation, through its legal
representative or an authorised agent, `role_of`), staff by the claim that names an operator
(`Settings.oidc_staff_claim`, registered with `ecert operator add --subject`). Nothing the
browser sends names anyone: it only carries the code and the state back.

The flow's state (state, nonce, PKCE verifier, what is signing in) travels in an HttpOnly
cookie MACed with a key derived from the platform's holder-index key, valid ten minutes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from formats import errors as generic

SCOPE = "openid profile realname"
STATE_TTL = 600
LEEWAY = 60
ALGORITHMS = ["RS256", "ES256", "PS256"]
DISCOVERY_TTL = 3600


class SignInRefused(generic.DomainError):
    """统一身份认证登录未通过 / The identity service's answer was not accepted."""

    slug = "signin-refused"
    kind = generic.Kind.UNAUTHENTICATED


class IdentityServiceUnavailable(generic.Unavailable):
    """统一身份认证服务暂不可用 / The identity service cannot be reached."""

    slug = "identity-service-unavailable"


@dataclass(frozen=True)
class OidcClientConfig:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass(frozen=True)
class FlowState:
    state: str
    nonce: str
    verifier: str
    audience: str  # "holder" | "staff"
    landing: str  # the page to return to
    expires: int


# -- the state cookie ------------------------------------------------------------------------
def _mac(key: bytes, body: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode().rstrip("=")


def seal(key: bytes, fs: FlowState) -> str:
    body = base64.urlsafe_b64encode(json.dumps(fs.__dict__, separators=(",", ":")).encode())
    return body.decode() + "." + _mac(key, body)


def unseal(key: bytes, value: str, state: str, now: int) -> FlowState:
    body, _, mac = value.partition(".")
    if not hmac.compare_digest(mac, _mac(key, body.encode())):
        raise SignInRefused("登录状态无效，请重新登录 / the sign-in state is not ours")
    try:
        fs = FlowState(**json.loads(base64.urlsafe_b64decode(body)))
    except (ValueError, TypeError) as exc:
        raise SignInRefused("登录状态无效 / malformed sign-in state") from exc
    if fs.expires < now or not hmac.compare_digest(fs.state, state):
        raise SignInRefused("登录已过期或来源不符，请重新登录 / sign-in expired or state mismatch")
    return fs


def state_key(holder_key: bytes) -> bytes:
    return hmac.new(holder_key, b"ecert oidc state cookie v1", hashlib.sha256).digest()


# -- the provider's metadata and keys ----------------------------------------------------------
class Provider:
    """The identity service as its discovery document describes it (cached an hour; the key
    set is fetched again once when a token names a key we do not know: key rotation)."""

    def __init__(self, cfg: OidcClientConfig) -> None:
        self.cfg = cfg
        self._lock = threading.Lock()
        self._meta: dict[str, Any] = {}
        self._keys: KeySet | None = None
        self._fetched = 0.0

    def _get(self, url: str) -> dict[str, Any]:
        try:
            r = httpx.get(url, timeout=10, follow_redirects=False)
            r.raise_for_status()
            data = r.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise IdentityServiceUnavailable(f"identity service: {type(exc).__name__}") from exc
        if not isinstance(data, dict):
            raise IdentityServiceUnavailable("identity service: unexpected answer")
        return data

    def meta(self) -> dict[str, Any]:
        with self._lock:
            if not self._meta or time.monotonic() - self._fetched > DISCOVERY_TTL:
                meta = self._get(self.cfg.issuer + "/.well-known/openid-configuration")
                if meta.get("issuer") != self.cfg.issuer:  # OpenID Connect Discovery §4.3
                    raise IdentityServiceUnavailable("the discovery document names another issuer")
                self._meta, self._keys, self._fetched = meta, None, time.monotonic()
            return self._meta

    def keys(self, refresh: bool = False) -> KeySet:
        meta = self.meta()
        with self._lock:
            if self._keys is None or refresh:
                self._keys = KeySet.import_key_set(self._get(meta["jwks_uri"]))  # type: ignore[arg-type]
            return self._keys


# -- the flow -------------------------------------------------------------------------------------
def begin(provider: Provider, key: bytes, audience: str, landing: str) -> tuple[str, str]:
    """(the provider's authorization URL, the sealed state cookie)."""
    fs = FlowState(state=secrets.token_urlsafe(24), nonce=secrets.token_urlsafe(24),
                   verifier=secrets.token_urlsafe(48), audience=audience, landing=landing,
                   expires=int(time.time()) + STATE_TTL)
    cfg = provider.cfg
    with OAuth2Session(cfg.client_id, cfg.client_secret, scope=SCOPE,
                       redirect_uri=cfg.redirect_uri, code_challenge_method="S256") as client:
        url, _ = client.create_authorization_url(provider.meta()["authorization_endpoint"],
                                                 state=fs.state, nonce=fs.nonce,
                                                 code_verifier=fs.verifier)
    return url, seal(key, fs)


def exchange(provider: Provider, fs: FlowState, code: str) -> dict[str, Any]:
    """Trade the code (with the PKCE verifier) for tokens; the verified ID token's claims."""
    cfg = provider.cfg
    try:
        with OAuth2Session(cfg.client_id, cfg.client_secret, redirect_uri=cfg.redirect_uri,
                           token_endpoint_auth_method="client_secret_basic",  # noqa: S106
                           ) as client:
            tokens = client.fetch_token(provider.meta()["token_endpoint"], code=code,
                                        code_verifier=fs.verifier, timeout=10,
                                        grant_type="authorization_code")
    except requests.ConnectionError as exc:
        raise IdentityServiceUnavailable("identity service: token endpoint unreachable") from exc
    except Exception as exc:  # authlib's OAuthError and friends: the provider said no
        raise SignInRefused(f"授权码无效 / the code was refused ({type(exc).__name__})") from exc
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        raise SignInRefused("身份服务未返回 ID 令牌 / no ID token")
    return verify_id_token(provider, id_token, fs.nonce)


def verify_id_token(provider: Provider, id_token: str, nonce: str,
                    now: int | None = None) -> dict[str, Any]:
    """The claims of `id_token` if its signature, issuer, audience, nonce and times hold."""
    keys = provider.keys()
    try:
        try:
            token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        except JoseError:
            # the provider may have rotated its keys since we fetched them: fetch once more
            # (ID tokens come from its token endpoint, never from the browser)
            token = jwt.decode(id_token, provider.keys(refresh=True), algorithms=ALGORITHMS)
        claims = dict(token.claims)
        jwt.JWTClaimsRegistry(
            now=now, leeway=LEEWAY,
            iss={"essential": True, "value": provider.cfg.issuer},
            aud={"essential": True, "value": provider.cfg.client_id},
            sub={"essential": True}, exp={"essential": True}, iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(claims)
    except (JoseError, ValueError) as exc:
        raise SignInRefused(f"ID 令牌无效 / the ID token failed its checks ({exc})") from exc
    aud = claims.get("aud")
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != provider.cfg.client_id:
        raise SignInRefused("ID 令牌的授权方不符 / azp is not this client")
    return claims
