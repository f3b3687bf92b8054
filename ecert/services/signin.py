"""Who the identity service says signed in, made into a session (Art. 15, 16, 22).

`start` and `finish` wrap the OpenID Connect flow of `ecert.services.oidc`: a holder gets a
12-hour holder token for the ID number or USCC the provider vouched for; staff get an 8-hour
token of the named operator whose registered subject the provider asserted.
`client_cert_session` does the same for staff whose browser presented a department client
certificate that the TLS layer verified (mutual TLS): the session belongs to the operator the
certificate was issued to. Each session is created in one transaction with its audit entry; a
refused sign-in is audited too.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from audit_log.actor import Actor
from ecert import tokens
from ecert.errors import UsageError
from ecert.services import oidc, realname, sms
from ecert.services.clientcerts import find_client_cert
from ecert.services.holder import HOLDER_SESSION_TTL, SESSION_LABEL
from formats.errors import Kind
from formats.keyids import x5t_s256

if TYPE_CHECKING:
    from certificate_store.db import UnitOfWork
    from ecert.platform import Platform

STAFF_SESSION_TTL = dt.timedelta(hours=8)
METHOD = "oidc"
CERT_METHOD = "client-certificate"
HOLDER_LANDING = "/holder"
STAFF_LANDINGS = {"/staff", "/issuer", "/audit"}
ANONYMOUS = Actor(name="anonymous", role="none")
_providers: dict[oidc.OidcClientConfig, oidc.Provider] = {}
_lock = threading.Lock()


class SignInOff(oidc.SignInRefused):
    """未配置统一身份认证 / Sign-in through the identity service is not configured."""

    slug = "signin-not-configured"
    kind = Kind.NOT_FOUND


@dataclass(frozen=True)
class Session:
    token: str  # shown once, to the landing page only (URL fragment)
    landing: str
    expires_at: dt.datetime


def provider_for(p: Platform) -> oidc.Provider:
    s = p.settings
    if not s.oidc_issuer:
        raise SignInOff()
    cfg = oidc.OidcClientConfig(s.oidc_issuer, s.oidc_client_id, s.oidc_client_secret,
                                s.oidc_redirect_uri)
    with _lock:
        return _providers.setdefault(cfg, oidc.Provider(cfg))


def start(p: Platform, landing: str) -> tuple[str, str]:
    """(authorization URL, sealed state cookie) for the page `landing` asks to sign in to."""
    audience = "holder" if landing == HOLDER_LANDING else "staff"
    if audience == "staff" and landing not in STAFF_LANDINGS:
        raise UsageError("unknown page to sign in to")
    return oidc.begin(provider_for(p), oidc.state_key(p.store.holder_key), audience, landing)


def finish(p: Platform, code: str, state: str, cookie: str, request_id: str | None) -> Session:
    """Check the state, trade the code, verify the ID token, open the session."""
    provider = provider_for(p)
    try:
        fs = oidc.unseal(oidc.state_key(p.store.holder_key), cookie, state,
                         int(p.now().timestamp()))
        claims = oidc.exchange(provider, fs, code)
        if fs.audience == "holder":
            return _holder_session(p, claims, fs.landing, request_id)
        return _staff_session(p, claims, fs.landing, request_id)
    except oidc.SignInRefused as exc:
        _refused(p, exc.slug, str(exc)[:200], request_id)
        raise


def _holder_identity(claims: dict[str, Any]) -> tuple[realname.VerifiedHolder, str | None]:
    """The holder the claims vouch for, and for an organisation the hash input of the person
    acting for it (its legal representative or an authorised agent)."""
    name = claims.get("name")
    person = claims.get("id_number")
    if not isinstance(name, str) or not name.strip():
        raise oidc.SignInRefused("身份服务未提供姓名 / the provider asserted no name")
    org = claims.get("uscc")
    code, kind = (org, realname.ORGANISATION) if org else (person, realname.CITIZEN)
    if not isinstance(code, str):
        raise oidc.SignInRefused("身份服务未提供证件号码 / no ID number or USCC asserted")
    try:
        clean, kinds = realname.normalise_code(code)
    except UsageError as exc:
        raise oidc.SignInRefused("证件号码格式不正确 / malformed number asserted") from exc
    if kind not in kinds:
        raise oidc.SignInRefused("证件号码类型不符 / the number is not of the asserted kind")
    if org and claims.get("role_of") not in ("legal_representative", "agent"):
        raise oidc.SignInRefused("未证明法定代表人或经办人身份 / no representative role asserted")
    acting = person if org and isinstance(person, str) else None
    return realname.VerifiedHolder(clean, kind, METHOD), acting


def _remember_contacts(uow: UnitOfWork, claims: dict[str, Any], details: dict[str, Any],
                       now: dt.datetime) -> None:
    """Where notifications reach the holder (ecert.services.outbox, Art. 16): the e-mail
    address and mobile number the identity service vouched for, and only those."""
    email = claims.get("email")
    if isinstance(email, str) and "@" in email and claims.get("email_verified") is True:
        uow.outbox.set_contact(details["holder_hash"], email[:254], now)
        details["email"] = True
    phone = claims.get("phone_number")
    if isinstance(phone, str) and claims.get("phone_number_verified") is True:
        phone = phone.replace(" ", "").replace("-", "")
        if sms.PHONE.fullmatch(phone):
            uow.outbox.set_phone(details["holder_hash"], phone, now)
            details["phone"] = True


def _holder_session(p: Platform, claims: dict[str, Any], landing: str,
                    request_id: str | None) -> Session:
    verified, acting = _holder_identity(claims)
    now = p.now()
    with p.writing() as uow:
        new = tokens.create_token(uow, role="holder", dept_code=None, holder_code=verified.code,
                                  label=f"{SESSION_LABEL} ({METHOD})", now=now,
                                  ttl=HOLDER_SESSION_TTL)
        details: dict[str, Any] = {"holder_hash": uow.holder_hash(verified.code),
                                   "method": METHOD, "prefix": new.record.prefix,
                                   "kind": verified.code_kind,
                                   "expires_at": new.record.expires_at.isoformat()}
        if acting:
            details.update(agent_hash=uow.holder_hash(acting), agent_role=claims["role_of"])
        _remember_contacts(uow, claims, details, now)
        p.audit.record(uow, now=now, actor=f"token:{new.record.prefix}", actor_dept=None,
                       role="holder", action="holder.login", request_id=request_id,
                       details=details)
        return Session(new.secret, landing, new.record.expires_at)


def _staff_session(p: Platform, claims: dict[str, Any], landing: str,
                   request_id: str | None) -> Session:
    subject = claims.get(p.settings.oidc_staff_claim)
    now = p.now()
    with p.writing() as uow:
        op = uow.operators.by_subject(subject) if isinstance(subject, str) else None
        if op is None or not op.active or op.role is None:
            raise oidc.SignInRefused("该身份未登记为在岗操作员 / not a registered, active operator")
        new = tokens.create_token(uow, role=op.role, dept_code=op.dept_code, holder_code=None,
                                  label=f"{METHOD} session", now=now, ttl=STAFF_SESSION_TTL,
                                  operator_id=op.id)
        p.audit.record(uow, now=now, actor=op.display, actor_dept=op.dept_code, role=op.role,
                       action="operator.signin", request_id=request_id,
                       details={"operator": op.id, "method": METHOD, "prefix": new.record.prefix,
                                "expires_at": new.record.expires_at.isoformat()})
        return Session(new.secret, landing, new.record.expires_at)


class NoClientCert(oidc.SignInRefused):
    """未出示有效的部门数字证书 / No usable department client certificate was presented."""

    slug = "client-cert-refused"


def client_cert_session(p: Platform, der: bytes | None, landing: str,
                        request_id: str | None) -> Session:
    """An 8-hour session of the operator a verified client certificate belongs to.

    `der` is the certificate the TLS layer (uvicorn's, or a trusted proxy's) verified, never
    anything the browser sent as data. Refused, and audited, when there is none, or when it is
    unknown, revoked, expired, of a succeeded department or of a disabled operator
    (`ecert.services.clientcerts.find_client_cert`: the same rule as for API calls).
    """
    if landing not in STAFF_LANDINGS:
        raise UsageError("unknown page to sign in to")
    now = p.now()
    try:
        if der is None:
            raise NoClientCert("浏览器未出示部门数字证书 / the browser presented no client "
                               "certificate")
        with p.writing() as uow:
            ident = find_client_cert(uow, der, now)
            op = ident.operator if ident else None
            if ident is None or op is None:
                raise NoClientCert("部门数字证书未被认可（未登记、已过期、已作废或持有人已停用）/ "
                                   "the client certificate is unknown, expired or revoked")
            new = tokens.create_token(uow, role=ident.role, dept_code=ident.dept_code,
                                      holder_code=None, label=f"{CERT_METHOD} session", now=now,
                                      ttl=STAFF_SESSION_TTL, operator_id=op.id)
            p.audit.record(uow, now=now, actor=op.display, actor_dept=ident.dept_code,
                           role=ident.role, action="operator.signin", request_id=request_id,
                           details={"operator": op.id, "method": CERT_METHOD,
                                    "serial": str(ident.serial), "prefix": new.record.prefix,
                                    "expires_at": new.record.expires_at.isoformat()})
            return Session(new.secret, landing, new.record.expires_at)
    except NoClientCert as exc:
        extra = {"x5t#S256": x5t_s256(der)} if der else {}
        _refused(p, exc.slug, str(exc)[:200], request_id, CERT_METHOD, extra)
        raise


def _refused(p: Platform, reason: str, message: str, request_id: str | None,
             method: str = METHOD, extra: dict[str, str] | None = None) -> None:
    with p.writing() as uow:
        p.audit.record(uow, now=p.now(), actor=ANONYMOUS.name, actor_dept=None, role="none",
                       action="signin.failure", request_id=request_id,
                       details={"method": method, "reason": reason, "message": message,
                                **(extra or {})})
