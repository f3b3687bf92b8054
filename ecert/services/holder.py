"""Glue between the HTTP edge and the verifier for holders: their certificates, who looked,
presentation QR codes (亮证), login sessions and objections (Art. 15–17).

Like `ecert.services.verification`, every function takes the Platform and an Actor, opens its own
transactions and audits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from audit_log.actor import Actor
from certificate_store import UnitOfWork
from ecert import credentials, tokens
from ecert.errors import UsageError
from ecert.services import realname, resign
from ecert.services.objections import (
    ObjectionView,
    answer_objection,
    file_objection,
    list_objections,
)
from ecert.services.realname import RealNameAuthenticator
from issuer import qr
from issuer.catalog import CertificateType
from verifier import holder as vholder
from verifier import presentation as vpresentation
from verifier.errors import Conflict, Forbidden
from verifier.verify import verify_identifier

if TYPE_CHECKING:
    from ecert.platform import Platform
from ecert.services.verification import PUBLIC_ACTOR

# ---------------------------------------------------------------------------- holder


def holder_certificates(p: Platform, actor: Actor) -> tuple[vholder.OwnCertificate, ...]:
    with p.store.transaction() as uow:
        out = tuple(_qr_notice(uow, c) for c in vholder.list_own(uow, actor, p.now(),
                                                                 audit=p.audit))
        p.after_write(uow)
    return out


def _qr_notice(uow: UnitOfWork, c: vholder.OwnCertificate) -> vholder.OwnCertificate:
    """The holder's notice that the platform re-signed this certificate (a new QR)."""
    ver = uow.certificates.version_by_identifier(c.identifier)
    if ver is None or ver.change_reason != resign.RESIGN_REASON:
        return c
    return dataclasses.replace(c, qr_changed_at=ver.created_at)


def holder_certificate(p: Platform, actor: Actor, identifier: str) -> dict[str, Any]:
    """The holder's own certificate in full (they are entitled to their own data)."""
    now = p.now()
    with p.store.transaction() as uow:
        cert = vholder._own_cert(uow, actor, identifier)  # noqa: SLF001 - ownership check
        version = uow.certificates.version(cert.id, cert.current_version)
        res = verify_identifier(uow, version.identifier, now)
        p.audit.record_by(uow, actor, now=now, action="holder.view",
                          cert_identifier=version.identifier, details={})
        p.after_write(uow)
        ctype = CertificateType.from_record(uow.catalog.get(cert.type_code, cert.type_version))
        return {"identifier": version.identifier, "base_identifier": cert.base_identifier,
                "status": cert.status, "verdict": res.verdict.value,
                "record": json.loads(version.canonical), "jws": version.jws,
                "field_titles": dict(ctype.field_titles),
                "presentation_scenarios": vholder.presentation_scenarios(uow, cert.type_code),
                "versions": [v.identifier for v in uow.certificates.versions(cert.id)]}


def holder_accesses(p: Platform, actor: Actor, identifier: str) -> tuple[vholder.Access, ...]:
    with p.store.transaction() as uow:
        return vholder.who_looked(uow, actor, identifier, audit=p.audit)


@dataclass(frozen=True)
class PresentationToken:
    token: str
    url: str
    expires_at: dt.datetime


def present(p: Platform, actor: Actor, identifier: str,
            scenario: str | None = None) -> PresentationToken:
    now = p.now()
    ttl = dt.timedelta(seconds=p.settings.presentation_ttl_seconds)
    with p.store.transaction() as uow:
        cert = vholder._own_cert(uow, actor, identifier)  # noqa: SLF001 - ownership check
        current = uow.certificates.version(cert.id, cert.current_version).identifier
        key = p.pki.signing_key(uow, cert.issuer_code)
        token = vholder.present(uow, actor, current, key.signer, key.cert_der, now, ttl,
                                audit=p.audit, scenario=scenario)
        p.after_write(uow)
    return PresentationToken(token, f"{p.settings.base_url}/p/{token}", now + ttl)


def presentation_qr_png(p: Platform, actor: Actor, identifier: str,
                        scenario: str | None = None) -> bytes:
    return qr.qr_png(present(p, actor, identifier, scenario).url, 6)


@dataclass(frozen=True)
class PresentationView:
    ok: bool
    reason: str
    identifier: str | None
    expires_at: dt.datetime | None
    verdict: str | None
    display: Mapping[str, str]


def check_presentation(p: Platform, token: str) -> PresentationView:
    """For the /p/{token} page: the verifier's presentation policy, audited."""
    with p.store.transaction() as uow:
        res = vpresentation.verify_presentation_audited(uow, PUBLIC_ACTOR, token, p.now(),
                                                        audit=p.audit)
        p.after_write(uow)
    shown = res.ok  # nothing of the certificate on a page for a token that failed
    return PresentationView(res.ok, res.reason, res.identifier, res.expires_at,
                            res.verification.verdict.value if shown else None,
                            dict(res.verification.display) if shown else {})


# ---------------------------------------------------------------------------- holder sessions

HOLDER_SESSION_TTL = dt.timedelta(hours=12)
SESSION_LABEL = "holder session"


class NotASession(Conflict):
    """该令牌不是登录会话，请联系管理员注销 / Not a holder-login token; an administrator revokes it."""


@dataclass(frozen=True)
class HolderSession:
    token: str  # shown once
    expires_at: dt.datetime


def holder_login(p: Platform, authenticator: RealNameAuthenticator, name: str, code: str,
                 request_id: str | None) -> HolderSession | None:
    """A holder token for 12 hours when the real-name adapter vouches for (name, code); None
    otherwise. Success and failure are audited with the hash of the code only: never the
    name or the number (Art. 20-21). A malformed number raises ``UsageError`` (audited too).
    """
    now = p.now()
    try:
        clean, _kinds = realname.normalise_code(code)
    except UsageError:
        _login_failure(p, now, p.store.holder_hash(code), authenticator.method, "malformed", request_id)
        raise
    verified = authenticator.authenticate(realname.LoginClaim(name, clean), now)
    if verified is None:
        _login_failure(p, now, p.store.holder_hash(clean), authenticator.method, "no-match", request_id)
        return None
    expires = now + HOLDER_SESSION_TTL
    hh = p.store.holder_hash(verified.code)
    with p.store.transaction() as uow:
        new = tokens.create_token(uow, role="holder", dept_code=None, holder_code=verified.code,
                                  label=f"{SESSION_LABEL} ({verified.method})", now=now,
                                  ttl=HOLDER_SESSION_TTL)
        token, prefix = new.secret, new.record.prefix
        p.audit.record(uow, now=now, actor=f"token:{prefix}", actor_dept=None, role="holder",
                       action="holder.login", request_id=request_id,
                       details={"holder_hash": hh, "method": verified.method, "prefix": prefix,
                                "kind": verified.code_kind, "expires_at": expires.isoformat()})
        p.after_write(uow)
    return HolderSession(token, expires)


def _login_failure(p: Platform, now: dt.datetime, hh: str, method: str, reason: str,
                   request_id: str | None) -> None:
    with p.store.transaction() as uow:
        p.audit.record(uow, now=now, actor="anonymous", actor_dept=None, role="none",
                       action="holder.login_failure", request_id=request_id,
                       details={"holder_hash": hh, "method": method, "reason": reason})
        p.after_write(uow)


def holder_logout(p: Platform, actor: Actor, bearer: str) -> None:
    """End a login session: revoke the token this request presented; audited. Tokens an
    administrator made (``ecert token create``) are revoked by an administrator instead."""
    now = p.now()
    with p.store.transaction() as uow:
        rec = tokens.authenticate(uow, bearer, now)
        if rec is None or rec.role != "holder" or actor.name != f"token:{rec.prefix}":
            raise Forbidden("只能注销本人当前会话 / only the presented holder token can be revoked")
        if not rec.label.startswith(SESSION_LABEL):
            raise NotASession()
        uow.tokens.revoke(rec.id, now)
        p.audit.record_by(uow, actor, now=now, action="holder.logout",
                          details={"prefix": rec.prefix, "holder_hash": rec.holder_hash})
        p.after_write(uow)
    credentials.forget()  # committed: the session's token stops now


# ---------------------------------------------------------------------------- objections
# (ecert/services/objections.py; kept importable from here for the holder routes)

__all__ = ["holder_certificates", "holder_certificate", "holder_accesses", "present",
           "presentation_qr_png", "check_presentation", "holder_login", "holder_logout",
           "HolderSession", "ObjectionView", "file_objection", "answer_objection",
           "list_objections"]
