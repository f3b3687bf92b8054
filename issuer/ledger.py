"""The steps every certificate write shares, in the caller's unit of work: who may issue,
the catalog (cached: catalog versions are immutable), loading and authorising, signing and
storing a version, status events, optimistic updates and the views returned.

`IssuanceService`, `BulkIssuer` and the status moves (`issuer.moves`) hold one `Ledger`
each (the same one) instead of reaching into each other's private members.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema.validators import Draft202012Validator

from audit_log.actor import Actor
from ca.jws import sign_jws
from certificate_store import errors as store_errors
from certificate_store.db import UnitOfWork
from certificate_store.records import CertificateRecord, VersionRecord
from formats.chinatime import china_date, day_start_utc, end_of_day_utc, utc_z, valid_to_date
from formats.identifiers import base_identifier, make_identifier, make_serial, parse_identifier
from formats.record import RECORD_TYP, Holder, build_record, canonical_bytes, sha256_hex
from formats.status import STATUSES, VALID
from issuer.catalog import CertificateData, CertificateType, validity_end
from issuer.errors import Conflict, Forbidden, MalformedIdentifier, NotFound
from issuer.patterns import data_validator
from issuer.records import AuditRecorder
from issuer.views import (
    CertificateView,
    DepartmentKeys,
    EventSummary,
    IssuedCertificate,
    SigningKeyLike,
    VersionSummary,
)

_CONCURRENT = ("证照已被他人修改，请刷新后重试 / the certificate changed concurrently; "
               "reload and retry")


@dataclass(frozen=True)
class Loaded:
    """A certificate, its current version and record, and the department acting for it."""

    cert: CertificateRecord
    version: VersionRecord
    record: dict[str, Any]
    acting: str


@dataclass(frozen=True)
class FirstVersion:
    """Identifiers and the record of a certificate's version 001, before signing."""

    serial: str
    identifier: str
    base: str
    record: dict[str, Any]
    valid_from: dt.date
    valid_to: dt.date | None
    status_index: int | None = None

    def row(self, ctype: CertificateType, dept: str, holder_hash: str, source_key: str | None,
            now: dt.datetime) -> dict[str, Any]:
        """The certificate row (columns of `CertificateRepo.create`)."""
        return {"base_identifier": self.base, "type_code": ctype.type_code,
                "type_version": ctype.version, "issuer_code": dept, "serial": self.serial,
                "holder_hash": holder_hash, "status": VALID,
                "valid_from": day_start_utc(self.valid_from),
                "valid_to": None if self.valid_to is None else end_of_day_utc(self.valid_to),
                "source_key": source_key, "status_index": self.status_index}


def first_version(ctype: CertificateType, dept: str, dept_name: str, cd: CertificateData,
                  counter: int, issue_date: dt.date, now: dt.datetime,
                  status_index: int | None = None) -> FirstVersion:
    """The one definition of a new certificate's identifier and record (single and bulk).
    ``issue_date`` is today (it numbers the serial); a digitised legacy certificate keeps its
    original issue date in the record (``cd.issue_date``) and its signing time (``signed_at``)
    is the digitising date (Art. 9). `status_index` is its random slot in the status list
    (`StatusIndexRepo.pick`), signed."""
    serial = make_serial(issue_date.year, counter)
    identifier = make_identifier(ctype.type_code, dept, serial, 1)
    record, valid_from, valid_to = first_record(ctype, dept, dept_name, cd, serial, identifier,
                                                issue_date, now, status_index)
    return FirstVersion(serial, identifier, base_identifier(ctype.type_code, dept, serial),
                        record, valid_from, valid_to, status_index)


def first_record(ctype: CertificateType, dept: str, dept_name: str, cd: CertificateData,
                 serial: str, identifier: str, issue_date: dt.date, now: dt.datetime,
                 status_index: int | None) -> tuple[dict[str, Any], dt.date, dt.date | None]:
    """(record, valid from, valid to) of `first_version`, given its serial and identifier
    (`issuer.drafts` builds it with placeholders for them)."""
    original = cd.issue_date or issue_date
    valid_from = cd.valid_from or original
    valid_to = cd.valid_to or validity_end(ctype, valid_from)
    licence = cd.licence_number or (
        str(cd.fields.get(ctype.licence_number_field)) if ctype.licence_number_field
        else serial)
    record = build_record(
        identifier=identifier, version=1, previous=None, type_code=ctype.type_code,
        type_name=ctype.name, type_version=ctype.version, licence_number=licence,
        issuer_name=dept_name, issuer_code=dept, issue_date=original,
        holder=Holder(cd.holder_name, cd.holder_code, cd.holder_kind,
                      ctype.confidential_holder),
        valid_from=valid_from, valid_to=valid_to, signer_name=dept_name, signed_at=now,
        seal=ctype.seal, fields=cd.fields, status_index=status_index)
    return record, valid_from, valid_to


def issued_from(cert: CertificateRecord, ver: VersionRecord,
                skipped: bool = False) -> IssuedCertificate:
    return IssuedCertificate(identifier=ver.identifier, base_identifier=cert.base_identifier,
                             version=ver.version, status=cert.status, sha256=ver.sha256,
                             jws=ver.jws, record=json.loads(ver.canonical), skipped=skipped)


class Ledger:
    def __init__(self, keys: DepartmentKeys, audit: AuditRecorder) -> None:
        self.keys = keys
        self.audit = audit
        self._types: dict[tuple[str, int], tuple[CertificateType, Draft202012Validator]] = {}

    # -- catalog and departments ----------------------------------------------------------
    def certificate_type(self, uow: UnitOfWork, type_code: str, version: int | None = None
                         ) -> tuple[CertificateType, Draft202012Validator]:
        """A catalog version and its schema validator (latest when `version` is None)."""
        if version is None:
            rec = uow.catalog.latest(type_code)
            if rec is None:
                raise NotFound(f"证照类型不存在 / certificate type {type_code} not in the catalog")
            version = rec.version
            hit = self._types.get((type_code, version))
            if hit is not None:
                return hit
            ctype = CertificateType.from_record(rec)
        else:
            hit = self._types.get((type_code, version))
            if hit is not None:
                return hit
            try:
                ctype = CertificateType.from_record(uow.catalog.get(type_code, version))
            except store_errors.NotFound as exc:
                raise NotFound(f"certificate type {type_code} v{version} not found") from exc
        validator = data_validator(ctype.schema)  # RE2 patterns (issuer.patterns)
        self._types[(type_code, version)] = (ctype, validator)
        return ctype, validator

    def issuable_type(self, uow: UnitOfWork, dept: str, type_code: str
                      ) -> tuple[CertificateType, Draft202012Validator]:
        """The latest version of a type the department may issue; Forbidden otherwise."""
        ctype, validator = self.certificate_type(uow, type_code)
        if not ctype.may_issue(dept):
            raise Forbidden(f"部门 {dept} 无权签发此类证照 / department may not issue "
                            f"type {type_code}")
        return ctype, validator

    @staticmethod
    def issuer_dept(uow: UnitOfWork, actor: Actor) -> str:
        """The department an issuing actor issues for; Forbidden unless it may issue now."""
        if actor.role != "issuer" or not actor.dept_code:
            raise Forbidden("只有签发部门可以签发 / only an issuing department may issue")
        dept = uow.departments.find(actor.dept_code)
        if dept is None:
            raise Forbidden(f"department {actor.dept_code} is not enrolled")
        if not dept.active or dept.successor_code:
            raise Forbidden(f"部门 {dept.code} 已由 {dept.successor_code} 承继 / the department "
                            "has a successor and no longer issues")
        return dept.code

    def signing_key(self, uow: UnitOfWork, dept: str) -> SigningKeyLike:
        return self.keys.signing_key(uow, dept)

    # -- reads ----------------------------------------------------------------------------
    @staticmethod
    def load(uow: UnitOfWork, identifier: str) -> Loaded:
        ident = identifier.strip()
        if ident.count(".") == 7:  # a base identifier
            base = ident
            try:
                parse_identifier(base + ".001.0")
            except MalformedIdentifier as exc:
                raise NotFound("no such certificate") from exc
        else:
            base = parse_identifier(ident).base
        cert = uow.certificates.by_base(base)
        if cert is None:
            raise NotFound(f"证照不存在 / no certificate {identifier}")
        ver = uow.certificates.version(cert.id, cert.current_version)
        acting = uow.departments.current_holder(cert.issuer_code)
        return Loaded(cert, ver, json.loads(ver.canonical), acting)

    @staticmethod
    def authorise(actor: Actor, loaded: Loaded, *, write: bool) -> None:
        if actor.role == "system":
            return
        if not write and actor.role in ("admin", "auditor"):
            return
        if actor.role == "issuer" and actor.dept_code == loaded.acting:
            return
        raise Forbidden("只有签发部门（或其承继部门）可以操作此证照 / only the issuing "
                        "department or its successor may do this")

    @staticmethod
    def view(uow: UnitOfWork, loaded: Loaded) -> CertificateView:
        cert, ver = loaded.cert, loaded.version
        versions = tuple(VersionSummary(v.identifier, v.version, v.sha256, v.signing_cert,
                                        v.change_reason, v.created_at, v.superseded_at)
                         for v in uow.certificates.versions(cert.id))
        events = tuple(EventSummary(e.at, e.event, e.from_status, e.to_status, e.version,
                                    e.reason, e.actor, e.actor_dept, e.sha256)
                       for e in uow.certificates.events(cert.id))
        return CertificateView(
            identifier=ver.identifier, base_identifier=cert.base_identifier,
            type_code=cert.type_code, issuer_code=cert.issuer_code, acting_dept=loaded.acting,
            status=cert.status, verdict=STATUSES[cert.status].verdict.value,
            version=ver.version,
            valid_from=None if cert.valid_from is None else china_date(cert.valid_from),
            valid_to=valid_to_date(cert.valid_to), record=loaded.record, jws=ver.jws,
            sha256=ver.sha256, row_version=cert.row_version, versions=versions, events=events)

    @staticmethod
    def issued(uow: UnitOfWork, cert: CertificateRecord, skipped: bool = False
               ) -> IssuedCertificate:
        return issued_from(cert, uow.certificates.version(cert.id, cert.current_version),
                           skipped)

    # -- writes ---------------------------------------------------------------------------
    def sign_and_store(self, uow: UnitOfWork, cert_id: int, version: int, identifier: str,
                       record: Mapping[str, Any], signing_dept: str, reason: str | None,
                       now: dt.datetime) -> VersionRecord:
        payload = canonical_bytes(record)
        key = self.keys.signing_key(uow, signing_dept)
        jws = sign_jws(payload, key.signer, key.cert_der, typ=RECORD_TYP, include_x5c=True)
        return uow.certificates.add_version(
            certificate_id=cert_id, version=version, identifier=identifier, canonical=payload,
            jws=jws, sha256=sha256_hex(payload), signing_cert=key.x5t_s256, change_reason=reason,
            now=now)

    @staticmethod
    def event(uow: UnitOfWork, cert: CertificateRecord, actor: Actor, event: str,
              from_status: str | None, to_status: str, version: int, reason: str,
              now: dt.datetime, details: Mapping[str, Any]) -> str:
        """Store a status event; returns the SHA-256 of its canonical body."""
        body = {"certificate": cert.base_identifier, "event": event, "from": from_status,
                "to": to_status, "version": version, "reason": reason, "actor": actor.name,
                "actor_dept": actor.dept_code, "at": utc_z(now), "details": dict(details)}
        digest = sha256_hex(canonical_bytes(body))
        uow.certificates.add_event(
            certificate_id=cert.id, at=now, event=event, from_status=from_status,
            to_status=to_status, version=version, reason=reason, actor=actor.name,
            actor_dept=actor.dept_code, details=canonical_bytes(dict(details)).decode("utf-8"),
            sha256=digest)
        return digest

    def record(self, uow: UnitOfWork, actor: Actor, now: dt.datetime, action: str,
               cert_identifier: str | None, details: Mapping[str, Any]) -> None:
        """The audit entry of a write by `actor`, in the same unit of work."""
        self.audit.record(uow, now=now, actor=actor.name, actor_dept=actor.dept_code,
                          role=actor.role, action=action, cert_identifier=cert_identifier,
                          purpose=None, request_id=actor.request_id, details=details)

    @staticmethod
    def check_expected(cert: CertificateRecord, expected: int | None) -> None:
        """If-Match semantics: a caller that saw an older row gets Conflict, whatever it asked."""
        if expected is not None and expected != cert.row_version:
            raise Conflict(_CONCURRENT)

    @staticmethod
    def update(uow: UnitOfWork, cert: CertificateRecord, expected: int | None,
               now: dt.datetime, **changes: Any) -> CertificateRecord:
        try:
            return uow.certificates.update(
                cert.id, expected if expected is not None else cert.row_version, now, **changes)
        except store_errors.Conflict as exc:
            raise Conflict(_CONCURRENT) from exc
