"""Lookup by using departments (Art. 12-14): purpose stated, grant checked, every try audited.

A lookup succeeds only when the caller's department is granted the certificate's type for
the stated purpose (用证事由) in the catalog definition; personal fields are masked unless
the grant says ``personal: true``. Allowed lookups are audited in the same transaction as
the read; refusals are audited in their own transaction, which commits, and then raised.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from audit_log.actor import Actor
from audit_log.log import AuditLog
from certificate_store import UnitOfWork
from certificate_store.records import CertificateRecord
from certificate_store.replica import Transactions
from formats.errors import DomainError
from formats.identifiers import parse_identifier
from formats.masking import display_holder, mask_value
from verifier.catalog import TypeView, granted, type_view
from verifier.errors import (
    Forbidden,
    MalformedInput,
    NotFound,
    NotGranted,
    PurposeRequired,
    VerifierError,
)
from verifier.results import VerificationResult
from verifier.verify import verify_stored_version

MAX_PURPOSE_CHARS = 200
MAX_HOLDER_RESULTS = 50
LOOKUP_ROLES = frozenset({"user", "issuer", "admin"})
_DEFAULT_AUDIT = AuditLog()


@dataclass(frozen=True)
class VersionInfo:
    version: int
    identifier: str
    created_at: dt.datetime
    superseded_at: dt.datetime | None
    change_reason: str | None


@dataclass(frozen=True)
class LookupResult:
    identifier: str
    """The identifier asked for (the current version's for holder searches)."""
    current_identifier: str
    type_code: str
    type_name: str
    status: str
    record: Mapping[str, Any] = field(repr=False)
    """The signed record's data, personal parts masked unless granted."""
    personal_visible: bool
    versions: tuple[VersionInfo, ...]
    verification: VerificationResult


def normalise_purpose(purpose: object) -> str:
    """Non-empty, at most 200 characters, no control characters; else PurposeRequired."""
    if not isinstance(purpose, str):
        raise PurposeRequired()
    text = " ".join(purpose.split())
    if (
        not text
        or len(text) > MAX_PURPOSE_CHARS
        or any(unicodedata.category(ch).startswith("C") for ch in text)
    ):
        raise PurposeRequired(
            f"请填写用证事由（1-{MAX_PURPOSE_CHARS} 字）/ purpose required, 1-{MAX_PURPOSE_CHARS} chars"
        )
    return text


def _mask_record(record: Mapping[str, Any], view: TypeView, personal: bool) -> dict[str, Any]:
    out = dict(record)
    if personal:
        return out
    holder = record.get("holder")
    if isinstance(holder, Mapping):
        h = dict(holder)
        if isinstance(h.get("name"), str) and isinstance(h.get("code"), str):
            h["name"], h["code"] = display_holder(h["name"], h["code"], h.get("code_kind"),
                                                  bool(h.get("confidential")))
        out["holder"] = h
    fields = record.get("fields")
    if isinstance(fields, Mapping):
        out["fields"] = {k: (mask_value(v) if k in view.personal else v) for k, v in fields.items()}
    return out


def _authorise(
    uow: UnitOfWork, actor: Actor, cert: CertificateRecord, purpose: str
) -> tuple[TypeView, bool]:
    if actor.role not in LOOKUP_ROLES or not actor.dept_code:
        raise Forbidden("仅限使用部门查询 / lookups are for departments")
    view = type_view(uow.catalog.get(cert.type_code, cert.type_version))
    if actor.dept_code == uow.departments.current_holder(cert.issuer_code):
        return view, True  # the department acting for the issuer sees its own certificates
    grant = granted(uow, view, actor.dept_code, purpose)
    if grant is None:
        raise NotGranted()
    return view, grant.personal


def _result(
    uow: UnitOfWork,
    cert: CertificateRecord,
    identifier: str,
    view: TypeView,
    personal: bool,
    now: dt.datetime,
) -> LookupResult:
    ident = parse_identifier(identifier)
    version = uow.certificates.version_by_identifier(identifier)
    if version is None:
        raise NotFound()
    versions = uow.certificates.versions(cert.id)
    current = next(
        (v.identifier for v in versions if v.version == cert.current_version), identifier
    )
    try:
        record = json.loads(version.canonical.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        record = {}
    verification = verify_stored_version(uow, ident, version, cert, now)
    return LookupResult(
        identifier=identifier,
        current_identifier=current,
        type_code=cert.type_code,
        type_name=view.name,
        status=cert.status,
        record=MappingProxyType(_mask_record(record, view, personal)),
        personal_visible=personal,
        versions=tuple(
            VersionInfo(v.version, v.identifier, v.created_at, v.superseded_at, v.change_reason)
            for v in versions
        ),
        verification=verification,
    )


def _deny(
    store: Transactions,
    audit: AuditLog,
    actor: Actor,
    now: dt.datetime,
    identifier: str | None,
    purpose: str | None,
    err: VerifierError | DomainError,
    details: Mapping[str, Any] | None = None,
) -> None:
    with store.transaction() as uow:
        audit.record_by(
            uow,
            actor,
            now=now,
            action="certificate.lookup_denied",
            cert_identifier=identifier,
            purpose=purpose,
            details={"reason": err.slug, **(details or {})},
        )
    err.audited = True  # type: ignore[union-attr]  # the edge logs no second refusal
    raise err


def _clip(value: object) -> str | None:
    """A refused purpose as it may be logged: control characters dropped, length capped."""
    if not isinstance(value, str):
        return None
    text = "".join(ch for ch in value if not unicodedata.category(ch).startswith("C")).strip()
    return text[:MAX_PURPOSE_CHARS] or None


def lookup(
    store: Transactions,
    actor: Actor,
    identifier: str,
    purpose: str,
    now: dt.datetime,
    *,
    audit: AuditLog | None = None,
) -> LookupResult:
    """Look up one certificate version by identifier for ``purpose``. Raises PurposeRequired,
    MalformedInput, NotFound, Forbidden or NotGranted (each audited first)."""
    audit = audit or _DEFAULT_AUDIT
    ident_text = (
        identifier
        if isinstance(identifier, str) and len(identifier) <= 130 and identifier.isprintable()
        else None
    )
    try:
        clean = normalise_purpose(purpose)
        ident = parse_identifier(identifier)
    except (VerifierError, DomainError) as err:
        _deny(store, audit, actor, now, ident_text, _clip(purpose), err)
        raise AssertionError("unreachable") from None
    try:
        with store.transaction() as uow:
            version = uow.certificates.version_by_identifier(ident.text)
            if version is None:
                raise NotFound()
            cert = uow.certificates.get(version.certificate_id)
            view, personal = _authorise(uow, actor, cert, clean)
            result = _result(uow, cert, ident.text, view, personal, now)
            audit.record_by(
                uow,
                actor,
                now=now,
                action="certificate.lookup",
                cert_identifier=ident.text,
                purpose=clean,
                details={
                    "by": "identifier",
                    "personal": personal,
                    "verdict": result.verification.verdict.value,
                },
            )
            return result
    except (NotFound, Forbidden, NotGranted) as err:
        _deny(store, audit, actor, now, ident.text, clean, err)
        raise AssertionError("unreachable") from None


def _holder_query(purpose: object, holder_code: object, type_code: object) -> str:
    """The cleaned purpose, once the holder and type codes are of the right shape."""
    clean = normalise_purpose(purpose)
    if not isinstance(holder_code, str) or not 1 <= len(holder_code.strip()) <= 40:
        raise MalformedInput("持证主体代码格式错误 / malformed holder code")
    if not isinstance(type_code, str) or len(type_code) != 21:
        raise MalformedInput("证照类型代码格式错误 / malformed type code")
    return clean


def _held(uow: UnitOfWork, actor: Actor, hh: str, type_code: str,
          purpose: str) -> list[CertificateRecord]:
    """The holder's certificates of the type, once the caller may search them at all."""
    rec = uow.catalog.latest(type_code)
    if rec is None:
        raise NotFound()
    if actor.role not in LOOKUP_ROLES or not actor.dept_code:
        raise Forbidden()
    certs = uow.certificates.by_holder(hh, type_code, limit=MAX_HOLDER_RESULTS)
    # a grant held by the caller or by a department it succeeded (Art. 9)
    grant = granted(uow, type_view(rec), actor.dept_code, purpose)
    if grant is None and (
        not certs
        or any(uow.departments.current_holder(c.issuer_code) != actor.dept_code for c in certs)
    ):
        raise NotGranted()
    return list(certs)


def _holder_results(uow: UnitOfWork, audit: AuditLog, actor: Actor,
                    certs: list[CertificateRecord], purpose: str,
                    now: dt.datetime) -> list[LookupResult]:
    """Each certificate's current version, authorised, verified and audited one by one."""
    out = []
    for cert in certs:
        view, personal = _authorise(uow, actor, cert, purpose)
        current = uow.certificates.version(cert.id, cert.current_version)
        res = _result(uow, cert, current.identifier, view, personal, now)
        out.append(res)
        audit.record_by(
            uow, actor, now=now, action="certificate.lookup",
            cert_identifier=current.identifier, purpose=purpose,
            details={"by": "holder", "personal": personal,
                     "verdict": res.verification.verdict.value},
        )
    return out


def lookup_by_holder(
    store: Transactions,
    actor: Actor,
    holder_code: str,
    type_code: str,
    purpose: str,
    now: dt.datetime,
    *,
    audit: AuditLog | None = None,
) -> tuple[LookupResult, ...]:
    """Certificates of ``type_code`` held by ``holder_code`` (current versions), for ``purpose``.

    The grant is checked against the type; one audit entry per certificate returned (an empty
    answer is audited once). The holder code is never written to the log, only its hash.
    """
    audit = audit or _DEFAULT_AUDIT
    try:
        clean = _holder_query(purpose, holder_code, type_code)
    except (VerifierError, DomainError) as err:
        details = {"by": "holder", "type": str(type_code)[:21]}
        _deny(store, audit, actor, now, None, _clip(purpose), err, details)
        raise AssertionError("unreachable") from None
    hh = store.holder_hash(holder_code)
    try:
        with store.transaction() as uow:
            certs = _held(uow, actor, hh, type_code, clean)
            out = _holder_results(uow, audit, actor, certs, clean, now)
            if not out:
                audit.record_by(
                    uow, actor, now=now, action="certificate.lookup", cert_identifier=None,
                    purpose=clean,
                    details={"by": "holder", "type": type_code, "holder_sha256": hh, "found": 0},
                )
            return tuple(out)
    except (NotFound, Forbidden, NotGranted) as err:
        details = {"by": "holder", "type": type_code, "holder_sha256": hh}
        _deny(store, audit, actor, now, None, clean, err, details)
        raise AssertionError("unreachable") from None
