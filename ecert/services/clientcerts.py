"""Mutual TLS: departments' client certificates, issued, revoked and recognised.

The HTTP edge (`ecert.http.tls`) hands the DER of the handshake-verified peer certificate to
`allow(...)`, which asks `authenticate_client_cert` who it is.

A certificate is a credential only if the platform CA issued it *and* recorded it as a client
certificate (`pki_certificates` of kind `client-issuer` / `client-user`): the row binds the
department and the role, and revocation (`ecert tls revoke`, OCSP, CRL) ends it at once.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from audit_log.actor import Actor
from ca import cert_profiles
from ca import certs as ca_certs
from certificate_store import UnitOfWork
from certificate_store.records import OperatorRecord, PkiCertRecord
from ecert.errors import UsageError
from ecert.tokens import DepartmentSucceeded, department_acts, token_operator
from formats.keyids import x5t_s256

if TYPE_CHECKING:
    from ecert.platform import Platform

CLIENT_KINDS = {"client-issuer": "issuer", "client-user": "user"}


# -- authentication ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ClientCertIdentity:
    serial: int
    role: str
    dept_code: str
    operator: OperatorRecord | None = None  # Art. 22: the person the certificate belongs to

    def actor(self, request_id: str | None) -> Actor:
        name = self.operator.display if self.operator else f"cert:{self.serial}"
        return Actor(name=name, role=self.role, dept_code=self.dept_code,
                     request_id=request_id)


def find_client_cert(uow: UnitOfWork, der: bytes, now: dt.datetime) -> ClientCertIdentity | None:
    """The department and role of a client certificate we issued, if it is usable at `now`."""
    rec = uow.pki.by_thumbprint(x5t_s256(der))
    if rec is None or rec.der != der or rec.dept_code is None:
        return None
    role = CLIENT_KINDS.get(rec.kind)
    if role is None or rec.state != "active" or not rec.not_before <= now <= rec.not_after:
        return None
    if not department_acts(uow, rec.dept_code):  # Art. 9: a predecessor's credentials end
        return None
    op = uow.operators.for_cert(rec.serial)
    if op is not None and not op.active:  # Art. 22: a disabled operator's credentials stop
        return None
    return ClientCertIdentity(rec.serial, role, rec.dept_code, op)


def authenticate_client_cert(platform: Platform, der: bytes, request_id: str | None,
                             path: str) -> ClientCertIdentity | None:
    now = platform.now()
    with platform.store.transaction() as uow:
        ident = find_client_cert(uow, der, now)
        if ident is None:
            # Art. 21: failures are logged, like a failed token (the certificate is not secret).
            platform.audit.record(uow, now=now, actor="anonymous", actor_dept=None, role="none",
                                  action="auth.failure", request_id=request_id,
                                  details={"path": path[:200], "credential": "client-certificate",
                                           "x5t#S256": x5t_s256(der)})
        return ident


# -- issuance and revocation (CLI) -------------------------------------------------------------
def issue_client_cert(platform: Platform, code: str, role: str, public_key_der: bytes,
                      key_label: str, actor: Actor, years: int = 1,
                      operator_id: int | None = None) -> PkiCertRecord:
    """Issue and record a department's client certificate for `role`; audited."""
    kind = f"client-{role}"
    if kind not in CLIENT_KINDS:
        raise UsageError("a client certificate's role is issuer or user")
    now = platform.now()
    with platform.store.transaction() as uow:
        dept = uow.departments.get(code)
        if not department_acts(uow, code):
            raise DepartmentSucceeded(f"{code} was succeeded by {dept.successor_code}")
        ca_signer, ca_der, _chain = platform.pki.issuer(uow)
        der = cert_profiles.issue_client_cert(ca_signer, ca_der, public_key_der, dept.name,
                                              dept.code, platform.settings.base_url, None, now,
                                              years=years)
        info = ca_certs.describe_cert(der)
        # The key is the department's, not ours: the label only says where it was written.
        rec = uow.pki.add(kind=kind, dept_code=dept.code, key_label=f"external:{key_label}",
                          serial=info.serial, x5t_s256=info.x5t_s256, der=der,
                          not_before=info.not_before, not_after=info.not_after, now=now)
        owner = token_operator(uow, role=role, dept_code=dept.code, operator_id=operator_id,
                               now=now)
        assert owner is not None
        uow.operators.bind_cert(rec.serial, owner)
        platform.audit.record(uow, now=now, actor=actor.name, actor_dept=actor.dept_code,
                              role=actor.role, action="key.client_cert",
                              request_id=actor.request_id,
                              details={"dept": dept.code, "role": role, "serial": str(rec.serial),
                                       "x5t#S256": rec.x5t_s256, "operator": owner})
        platform.after_write(uow)
        return rec


def client_certs(platform: Platform, code: str | None) -> list[PkiCertRecord]:
    with platform.store.transaction() as uow:
        return [r for kind in CLIENT_KINDS for r in uow.pki.certs(kind=kind, dept_code=code)]


def revoke_client_cert(platform: Platform, serial: int, reason: str, actor: Actor) -> None:
    with platform.store.transaction() as uow:
        rec = uow.pki.by_serial(serial)
        if rec is None or rec.kind not in CLIENT_KINDS:
            raise UsageError(f"no client certificate with serial {serial}")
        platform.pki.revoke_certificate(uow, serial, reason, actor, platform.now())
        platform.after_write(uow)


def key_label(code: str, role: str, now: dt.datetime) -> str:
    return f"client-{code}-{role}-{now.astimezone(dt.UTC):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"


def passphrase_from_env(name: str) -> bytes:
    value = os.environ.get(name, "")
    if len(value) < 16:
        raise UsageError(f"set {name} to the passphrase (16+ characters, random) that encrypts "
                         "the key file")
    return value.encode()
