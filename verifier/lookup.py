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
from formats.idnumber import citizen_id_problems
from formats.masking import display_holder, mask_value
from formats.uscc import uscc_problems
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
from verifier.trustcache import Trust, TrustCache
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
    labels: Mapping[str, str] = field(default_factory=dict)
    """Label (the schema's title) of each type-specific field shown, in the schema's order;
    fields the grant does not show are left out of ``record`` altogether."""


@dataclass(frozen=True)
class Access:
    """What the caller may see of one certificate: personal parts, and which fields."""

    personal: bool
    fields: tuple[str, ...] | None = None  # None: every field of the type

    def shows(self, key: str) -> bool:
        return self.fields is None or key in self.fields


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


def _mask_record(record: Mapping[str, Any], view: TypeView, access: Access) -> dict[str, Any]:
    out = dict(record)
    fields = record.get("fields")
    if isinstance(fields, Mapping):  # only what the grant shows, in the schema's order
        order = [k for k in view.titles if k in fields] + [k for k in fields
                                                           if k not in view.titles]
        out["fields"] = {k: fields[k] for k in order if access.shows(k)}
    if access.personal:
        return out
    holder = record.get("holder")
    if isinstance(holder, Mapping):
        h = dict(holder)
        if isinstance(h.get("name"), str) and isinstance(h.get("code"), str):
            h["name"], h["code"] = display_holder(h["name"], h["code"], h.get("code_kind"),
                                                  bool(h.get("confidential")))
        out["holder"] = h
    out["fields"] = {k: (mask_value(v) if k in view.personal else v)
                     for k, v in (out.get("fields") or {}).items()}
    return out


def _authorise(
    uow: UnitOfWork, actor: Actor, cert: CertificateRecord, purpose: str
) -> tuple[TypeView, Access]:
    if actor.role not in LOOKUP_ROLES or not actor.dept_code:
        raise Forbidden("仅限使用部门查询 / lookups are for departments")
    view = type_view(uow.catalog.get(cert.type_code, cert.type_version))
    if actor.dept_code == uow.departments.current_holder(cert.issuer_code):
        return view, Access(True)  # the department acting for the issuer sees its own
    grant = granted(uow, view, actor.dept_code, purpose)
    if grant is None:
        raise NotGranted()
    return view, Access(grant.personal, grant.fields)


def _result(
    uow: UnitOfWork,
    cert: CertificateRecord,
    identifier: str,
    view: TypeView,
    access: Access,
    now: dt.datetime,
    trust: Trust | None = None,
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
    verification = verify_stored_version(uow, ident, version, cert, now, trust=trust)
    shown = _mask_record(record, view, access)
    return LookupResult(
        identifier=identifier,
        current_identifier=current,
        type_code=cert.type_code,
        type_name=view.name,
        status=cert.status,
        record=MappingProxyType(shown),
        personal_visible=access.personal,
        versions=tuple(
            VersionInfo(v.version, v.identifier, v.created_at, v.superseded_at, v.change_reason)
            for v in versions
        ),
        verification=verification,
        labels=MappingProxyType({k: view.titles.get(k, k) for k in shown.get("fields") or {}}),
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
    trust: TrustCache | None = None,
) -> LookupResult:
    """Look up one certificate version by identifier for ``purpose``. Raises PurposeRequired,
    MalformedInput, NotFound, Forbidden or NotGranted (each audited first). ``trust``: the
    kept key and type rows (verifier.trustcache; default: read every time)."""
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
            view, access = _authorise(uow, actor, cert, clean)
            kept = trust.view(uow) if trust is not None else None
            result = _result(uow, cert, ident.text, view, access, now, kept)
            audit.record_by(
                uow,
                actor,
                now=now,
                action="certificate.lookup",
                cert_identifier=ident.text,
                purpose=clean,
                details={
                    "by": "identifier",
                    "personal": access.personal,
                    "verdict": result.verification.verdict.value,
                },
            )
            return result
    except (NotFound, Forbidden, NotGranted) as err:
        _deny(store, audit, actor, now, ident.text, clean, err)
        raise AssertionError("unreachable") from None


def holder_code_kind(code: object) -> tuple[str, str]:
    """(normalised code, kind: ``111`` citizen ID number or ``001`` USCC), checked by their
    check characters (GB 11643, GB 32100); MalformedInput otherwise. The message never
    repeats the code."""
    clean = "".join(unicodedata.normalize("NFKC", code).split()).upper() if isinstance(
        code, str) and len(code) <= 40 else ""
    if clean and not citizen_id_problems(clean):
        return clean, "111"
    if clean and not uscc_problems(clean):
        return clean, "001"
    raise MalformedInput("身份证号码或统一社会信用代码无效 / "
                         "not a valid citizen ID number or unified social credit code")


def _holder_query(purpose: object, holder_code: object, type_code: object) -> tuple[str, str]:
    """(cleaned purpose, normalised holder code), once both codes are of the right shape."""
    clean = normalise_purpose(purpose)
    code, _kind = holder_code_kind(holder_code)
    if type_code is not None and (not isinstance(type_code, str) or len(type_code) != 21):
        raise MalformedInput("证照类型代码格式错误 / malformed type code")
    return clean, code


def _held(uow: UnitOfWork, actor: Actor, hh: str, type_code: str | None,
          purpose: str) -> list[CertificateRecord]:
    """The holder's certificates the caller may search: of one type (refused outright when
    the caller holds no grant of it), or of every type it holds a grant of for `purpose`."""
    if actor.role not in LOOKUP_ROLES or not actor.dept_code:
        raise Forbidden()
    if type_code is None:  # only what may be read; nothing said about the rest
        return [c for c in uow.certificates.by_holder(hh, None, limit=MAX_HOLDER_RESULTS * 4)
                if _readable(uow, actor, c, purpose)][:MAX_HOLDER_RESULTS]
    rec = uow.catalog.latest(type_code)
    if rec is None:
        raise NotFound()
    certs = uow.certificates.by_holder(hh, type_code, limit=MAX_HOLDER_RESULTS)
    # a grant held by the caller or by a department it succeeded (Art. 9)
    grant = granted(uow, type_view(rec), actor.dept_code, purpose)
    if grant is None and (
        not certs
        or any(uow.departments.current_holder(c.issuer_code) != actor.dept_code for c in certs)
    ):
        raise NotGranted()
    return list(certs)


def _readable(uow: UnitOfWork, actor: Actor, cert: CertificateRecord, purpose: str) -> bool:
    try:
        _authorise(uow, actor, cert, purpose)
    except VerifierError:
        return False
    return True


def _holder_results(uow: UnitOfWork, audit: AuditLog, actor: Actor,
                    certs: list[CertificateRecord], purpose: str,
                    now: dt.datetime) -> list[LookupResult]:
    """Each certificate's current version, authorised, verified and audited one by one."""
    out = []
    for cert in certs:
        view, access = _authorise(uow, actor, cert, purpose)
        current = uow.certificates.version(cert.id, cert.current_version)
        res = _result(uow, cert, current.identifier, view, access, now)
        out.append(res)
        audit.record_by(
            uow, actor, now=now, action="certificate.lookup",
            cert_identifier=current.identifier, purpose=purpose,
            details={"by": "holder", "personal": access.personal,
                     "verdict": res.verification.verdict.value},
        )
    return out


def lookup_by_holder(
    store: Transactions,
    actor: Actor,
    holder_code: str,
    type_code: str | None,
    purpose: str,
    now: dt.datetime,
    *,
    audit: AuditLog | None = None,
) -> tuple[LookupResult, ...]:
    """Certificates held by `holder_code` (current versions), for ``purpose``: of
    ``type_code``, or (``None``) of every type the caller is granted for that purpose.

    One audit entry per certificate returned (an empty answer is audited once). The holder
    code is never written to the log, only its keyed hash.
    """
    audit = audit or _DEFAULT_AUDIT
    try:
        clean, code = _holder_query(purpose, holder_code, type_code)
    except (VerifierError, DomainError) as err:
        details = {"by": "holder", "type": str(type_code)[:21]}
        _deny(store, audit, actor, now, None, _clip(purpose), err, details)
        raise AssertionError("unreachable") from None
    hh = store.holder_hash(code)
    try:
        with store.transaction() as uow:
            certs = _held(uow, actor, hh, type_code, clean)
            out = _holder_results(uow, audit, actor, certs, clean, now)
            if not out:
                audit.record_by(
                    uow, actor, now=now, action="certificate.lookup", cert_identifier=None,
                    purpose=clean,
                    details={"by": "holder", "type": type_code or "*", "holder_sha256": hh,
                             "found": 0},
                )
            return tuple(out)
    except (NotFound, Forbidden, NotGranted) as err:
        details = {"by": "holder", "type": type_code or "*", "holder_sha256": hh}
        _deny(store, audit, actor, now, None, clean, err, details)
        raise AssertionError("unreachable") from None
