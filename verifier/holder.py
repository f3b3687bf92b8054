"""Holders (Art. 15-16): list own certificates, see who looked, show one with a short-lived QR.

Presentation tokens (made by :func:`present`, verified for the staff page) are
:mod:`verifier.presentation`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from audit_log.actor import Actor
from audit_log.log import AuditLog
from ca.signer import Signer
from certificate_store import UnitOfWork
from certificate_store.records import CertificateRecord
from formats.chinatime import valid_to_date
from formats.identifiers import parse_identifier
from formats.status import Verdict
from verifier.catalog import type_view
from verifier.errors import Forbidden, NotFound, ScenarioNotApproved
from verifier.presentation import DEFAULT_TTL, presentation_token
from verifier.verify import verify_stored_version

# Everything another party did with, or tried on, the certificate (Art. 15, 21): refusals
# included, since an attempt is also a use the holder may object to.
SEEN_ACTIONS = frozenset({
    "certificate.lookup",
    "certificate.lookup_denied",
    "certificate.use",
    "certificate.verify",
    "certificate.view",
    "certificate.download",
    "certificate.annotated_copy",
    "certificate.annotated_copy_denied",
    "certificate.presentation.verify",
    "request.refused",
    "objection.file",
})
_DEFAULT_AUDIT = AuditLog()


@dataclass(frozen=True)
class OwnCertificate:
    identifier: str
    base_identifier: str
    type_code: str
    name: str
    status: str
    verdict: Verdict
    valid_to: dt.date | None
    version: int
    qr_changed_at: dt.datetime | None = None
    """When the QR changed without the holder asking (re-signed after a key compromise)."""


@dataclass(frozen=True)
class Access:
    at: dt.datetime
    dept_code: str | None
    dept_name: str | None
    purpose: str | None
    action: str
    identifier: str


def _require_holder(actor: Actor) -> str:
    if actor.role != "holder" or not actor.holder_hash:
        raise Forbidden("仅限持证主体本人 / holders only")
    return actor.holder_hash


def _own_cert(uow: UnitOfWork, actor: Actor, identifier: str) -> CertificateRecord:
    hh = _require_holder(actor)
    ident = parse_identifier(identifier)
    cert = uow.certificates.by_base(ident.base)
    if cert is None:
        raise NotFound()
    if cert.holder_hash != hh:
        raise Forbidden("不是本人的证照 / not your certificate")
    return cert


def list_own(
    uow: UnitOfWork, actor: Actor, now: dt.datetime, *, audit: AuditLog | None = None
) -> tuple[OwnCertificate, ...]:
    """The holder's certificates (current versions), each verified against the store."""
    hh = _require_holder(actor)
    out = []
    for cert in uow.certificates.by_holder(hh, limit=500):
        version = uow.certificates.version(cert.id, cert.current_version)
        ident = parse_identifier(version.identifier)
        res = verify_stored_version(uow, ident, version, cert, now)
        name = uow.catalog.get(cert.type_code, cert.type_version).name
        out.append(
            OwnCertificate(
                version.identifier,
                cert.base_identifier,
                cert.type_code,
                name,
                cert.status,
                res.verdict,
                valid_to_date(cert.valid_to),
                cert.current_version,
            )
        )
    (audit or _DEFAULT_AUDIT).record_by(
        uow, actor, now=now, action="holder.list", details={"count": len(out)}
    )
    return tuple(out)


def who_looked(
    uow: UnitOfWork,
    actor: Actor,
    identifier: str,
    *,
    audit: AuditLog | None = None,
    limit: int = 200,
) -> tuple[Access, ...]:
    """Who used the holder's certificate (any version): department, purpose, time; newest first."""
    audit = audit or _DEFAULT_AUDIT
    cert = _own_cert(uow, actor, identifier)
    names: dict[str, str | None] = {}
    out: list[Access] = []
    for v in uow.certificates.versions(cert.id):
        before = None
        while True:
            page = audit.list_entries(
                uow, cert_identifier=v.identifier, before=before, limit=200
            )
            for e in page.entries:
                if e.action not in SEEN_ACTIONS or e.role == "holder":
                    continue  # the holder's own objections are in their objection list
                dept = e.actor_dept or None
                if dept is not None and dept not in names:
                    d = uow.departments.find(dept)
                    names[dept] = d.name if d else None
                out.append(
                    Access(
                        e.created_at,
                        dept,
                        names.get(dept) if dept else None,
                        e.purpose,
                        e.action,
                        v.identifier,
                    )
                )
            if page.next_before is None or len(out) >= limit:
                break
            before = page.next_before
    out.sort(key=lambda a: a.at, reverse=True)
    return tuple(out[:limit])


def present(
    uow: UnitOfWork,
    actor: Actor,
    identifier: str,
    signer: Signer,
    cert_der: bytes,
    now: dt.datetime,
    ttl: dt.timedelta = DEFAULT_TTL,
    *,
    audit: AuditLog | None = None,
    scenario: str | None = None,
) -> str:
    """The holder shows one of their certificates: checks ownership and, where the authority
    approved scenarios for the type, that `scenario` is one of them; makes and audits a token."""
    cert = _own_cert(uow, actor, identifier)
    scenario = approved_scenario(uow, cert.type_code, scenario)
    token = presentation_token(identifier, signer, cert_der, now, ttl)
    (audit or _DEFAULT_AUDIT).record_by(
        uow,
        actor,
        now=now,
        action="holder.present",
        cert_identifier=identifier,
        details={"ttl_seconds": int(ttl.total_seconds()), "scenario": scenario},
    )
    return token


def presentation_scenarios(uow: UnitOfWork, type_code: str) -> tuple[str, ...] | None:
    """The scenarios approved for the type's latest version (None: the type names none)."""
    rec = uow.catalog.latest(type_code)
    return None if rec is None else type_view(rec).scenarios


def approved_scenario(uow: UnitOfWork, type_code: str, scenario: str | None) -> str | None:
    """`scenario` if the type's approved list has it; a type without a list (defined before
    approvals) takes any or none; otherwise ScenarioNotApproved."""
    approved = presentation_scenarios(uow, type_code)
    if approved is None:
        return scenario
    if scenario not in approved:
        raise ScenarioNotApproved(
            f"亮证场景须为主管部门批准的场景之一：{'、'.join(approved) or '（无）'} / the scenario "
            "must be one the authority approved")
    return scenario
