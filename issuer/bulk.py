"""Bulk issuance for digitising certificates in force (Art. 9): the same rows, records and
audit entries as one `issue_in` per request, with a constant number of statements per batch.

`BulkIssue` is mixed into `issuer.issuance.IssuanceService`, whose helpers it uses.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema.validators import Draft202012Validator

from audit_log.actor import Actor
from audit_log.append import AuditEntryInput
from ca.jws import sign_jws
from certificate_store import errors as store_errors
from certificate_store.db import UnitOfWork
from formats.chinatime import china_date, day_start_utc, end_of_day_utc, require_utc, utc_z
from formats.identifiers import base_identifier, make_identifier, make_serial
from formats.record import RECORD_TYP, Holder, build_record, canonical_bytes, sha256_hex
from formats.status import VALID
from issuer.catalog import CertificateData, CertificateType, validate_data, validity_end
from issuer.errors import Forbidden, InvalidCertificateData
from issuer.views import IssuedCertificate


@dataclass
class _Made:
    """A certificate of a bulk issue between its row insert and its version/event/audit."""

    issued: IssuedCertificate
    payload: bytes
    signing_cert: str
    type_code: str
    type_version: int
    source_key: str | None
    cert_id: int = 0


_MARK = "\x00certificate\x00"  # never in an identifier, actor name or department code


def _issue_event_canon(actor: Actor, now: dt.datetime) -> Callable[[str], bytes]:
    """canonical_bytes of the `issue` event body `_event` hashes, as a function of the base
    identifier (the only part that varies within a batch): one canonicalisation per batch."""

    def body(certificate: str) -> dict[str, Any]:
        return {"certificate": certificate, "event": "issue", "from": None,
                "to": VALID, "version": 1, "reason": "", "actor": actor.name,
                "actor_dept": actor.dept_code, "at": utc_z(now), "details": {}}

    parts = canonical_bytes(body(_MARK)).split(canonical_bytes(_MARK))
    if len(parts) != 2:  # the marker turned up elsewhere: canonicalise each body in full
        return lambda certificate: canonical_bytes(body(certificate))
    head, tail = parts
    return lambda certificate: head + canonical_bytes(certificate) + tail


@dataclass(frozen=True)
class FirstVersion:
    """Identifiers and the record of a certificate's version 001, before signing."""

    serial: str
    identifier: str
    base: str
    record: dict[str, Any]
    valid_from: dt.date
    valid_to: dt.date | None

    def row(self, ctype: CertificateType, dept: str, holder_hash: str, source_key: str | None,
            now: dt.datetime) -> dict[str, Any]:
        """The certificate row (columns of `CertificateRepo.create`)."""
        return {"base_identifier": self.base, "type_code": ctype.type_code,
                "type_version": ctype.version, "issuer_code": dept, "serial": self.serial,
                "holder_hash": holder_hash, "status": VALID,
                "valid_from": day_start_utc(self.valid_from),
                "valid_to": None if self.valid_to is None else end_of_day_utc(self.valid_to),
                "source_key": source_key}


def first_version(ctype: CertificateType, dept: str, dept_name: str, cd: CertificateData,
                  counter: int, issue_date: dt.date, now: dt.datetime) -> FirstVersion:
    """The one definition of a new certificate's identifier and record (single and bulk)."""
    valid_from = cd.valid_from or issue_date
    valid_to = cd.valid_to or validity_end(ctype, valid_from)
    serial = make_serial(issue_date.year, counter)
    identifier = make_identifier(ctype.type_code, dept, serial, 1)
    licence = cd.licence_number or (
        str(cd.fields.get(ctype.licence_number_field)) if ctype.licence_number_field
        else serial)
    record = build_record(
        identifier=identifier, version=1, previous=None, type_code=ctype.type_code,
        type_name=ctype.name, type_version=ctype.version, licence_number=licence,
        issuer_name=dept_name, issuer_code=dept, issue_date=issue_date,
        holder=Holder(cd.holder_name, cd.holder_code, ctype.holder_kind),
        valid_from=valid_from, valid_to=valid_to, signer_name=dept_name, signed_at=now,
        seal=ctype.seal, fields=cd.fields)
    return FirstVersion(serial, identifier, base_identifier(ctype.type_code, dept, serial),
                        record, valid_from, valid_to)


class BulkIssue:
    # -- bulk issue (imports) -------------------------------------------------------------
    def issue_many(self, uow: UnitOfWork, actor: Actor, type_code: str,
                   requests: Sequence[tuple[Mapping[str, Any], str | None]], now: dt.datetime
                   ) -> list[IssuedCertificate | InvalidCertificateData | ValueError]:
        """`issue_in` for each (data, source_key) in order, in the caller's unit of work.

        Stores exactly what calling `issue_in` once per request would (same serials,
        identifiers, records, rows and audit entries, in the same order), with a constant
        number of statements per batch: one source_key lookup, one counter update, one bulk
        insert per table and one audit append. A request that `issue_in` would refuse with
        InvalidCertificateData or ValueError gets that exception in its place in the result;
        other errors (Forbidden, NotFound) propagate. Anything unusual (a concurrent insert of
        the same source_key, a record that cannot be canonicalised) makes the batch fall back to
        one `issue_in` per request, undoing the fast path's writes first.
        """
        require_utc(now)
        dept = self._issuer_dept(uow, actor)
        certs = uow.certificates
        keys = {sk for _, sk in requests if sk is not None}
        existing = certs.by_sources(dept, keys)
        stored = certs.current_versions(existing.values())
        out: list[Any] = [None] * len(requests)
        first_of: dict[str, int] = {}  # source_key -> position of the request that issues it
        todo: list[tuple[int, CertificateData, str | None]] = []
        ctype: CertificateType | None = None
        validator: Draft202012Validator | None = None
        for pos, (data, sk) in enumerate(requests):
            if sk is not None and sk in existing:
                cert = existing[sk]
                out[pos] = self._issued_from(cert, stored[cert.id], skipped=True)
                continue
            if sk is not None and sk in first_of:
                continue  # resolved below: skipped, as the first one is issued
            if ctype is None:
                ctype, validator = self._type(uow, type_code)
                if not ctype.may_issue(dept):
                    raise Forbidden(f"部门 {dept} 无权签发此类证照 / department may not issue "
                                    f"type {type_code}")
            try:
                cd = validate_data(ctype, data, validator)
            except (InvalidCertificateData, ValueError) as exc:
                out[pos] = exc
                continue
            todo.append((pos, cd, sk))
            if sk is not None:
                first_of[sk] = pos
        if todo:
            assert ctype is not None
            try:
                with certs.savepoint():
                    made = self._create_many(uow, dept, ctype, [(cd, sk) for _, cd, sk in todo],
                                             now)
            except (store_errors.Conflict, ValueError):
                return self._issue_each(uow, actor, type_code, requests, now)
            self._store_many(uow, actor, made, now)
            for (pos, _, _), m in zip(todo, made, strict=True):
                out[pos] = m.issued
        for pos, (_, sk) in enumerate(requests):
            if out[pos] is None:
                assert sk is not None
                out[pos] = dataclasses.replace(out[first_of[sk]], skipped=True)
        return out

    def _issue_each(self, uow: UnitOfWork, actor: Actor, type_code: str,
                    requests: Sequence[tuple[Mapping[str, Any], str | None]], now: dt.datetime
                    ) -> list[IssuedCertificate | InvalidCertificateData | ValueError]:
        out: list[IssuedCertificate | InvalidCertificateData | ValueError] = []
        for data, sk in requests:
            try:
                out.append(self.issue_in(uow, actor, type_code, data, now, source_key=sk))
            except (InvalidCertificateData, ValueError) as exc:
                out.append(exc)
        return out

    def _create_many(self, uow: UnitOfWork, dept: str, ctype: CertificateType,
                     items: Sequence[tuple[CertificateData, str | None]], now: dt.datetime
                     ) -> list[_Made]:
        """Serials, signed records and certificate rows for validated `items` (see `_create`)."""
        issue_date = china_date(now)
        first = uow.counters.take(f"cert:{dept}:{ctype.type_code}:{issue_date.year}", len(items))
        dept_name = uow.departments.get(dept).name
        key = self._keys.signing_key(uow, dept)
        made: list[_Made] = []
        rows: list[dict[str, Any]] = []
        for k, (cd, sk) in enumerate(items):
            fv = first_version(ctype, dept, dept_name, cd, first + k, issue_date, now)
            payload = canonical_bytes(fv.record)
            jws = sign_jws(payload, key.signer, key.cert_der, typ=RECORD_TYP, include_x5c=True)
            issued = IssuedCertificate(identifier=fv.identifier, base_identifier=fv.base,
                                       version=1, status=VALID,
                                       sha256=sha256_hex(payload), jws=jws, record=fv.record)
            made.append(_Made(issued, payload, key.x5t_s256, ctype.type_code, ctype.version, sk))
            rows.append({**fv.row(ctype, dept, uow.holder_hash(cd.holder_code), sk, now),
                         "created_at": now, "updated_at": now})
        for m, cert_id in zip(made, uow.certificates.create_many(rows), strict=True):
            m.cert_id = cert_id
        return made

    def _store_many(self, uow: UnitOfWork, actor: Actor, made: Sequence[_Made],
                    now: dt.datetime) -> None:
        """Versions, `issue` events and audit entries of `_create_many`'s certificates."""
        no_details = canonical_bytes({}).decode("utf-8")
        event_bytes = _issue_event_canon(actor, now)
        versions, events, entries = [], [], []
        for m in made:
            c = m.issued
            versions.append({"certificate_id": m.cert_id, "version": 1,
                             "identifier": c.identifier, "canonical": m.payload, "jws": c.jws,
                             "sha256": c.sha256, "signing_cert": m.signing_cert,
                             "created_at": now})
            ev_sha = sha256_hex(event_bytes(c.base_identifier))
            events.append({"certificate_id": m.cert_id, "at": now, "event": "issue",
                           "from_status": None, "to_status": VALID, "version": 1,
                           "reason": "", "actor": actor.name, "actor_dept": actor.dept_code,
                           "details": no_details, "sha256": ev_sha})
            entries.append(AuditEntryInput(
                now=now, actor=actor.name, actor_dept=actor.dept_code, role=actor.role,
                action="certificate.issue", cert_identifier=c.identifier, purpose=None,
                request_id=actor.request_id,
                details={"type_code": m.type_code, "type_version": m.type_version,
                         "version": 1, "sha256": c.sha256, "event_sha256": ev_sha,
                         "signing_cert": m.signing_cert, "source_key": m.source_key}))
        uow.certificates.add_first_versions(versions)
        uow.certificates.add_events_many(events)
        record_many = getattr(self._audit, "record_many", None)
        if record_many is not None:
            record_many(uow, entries)
        else:  # a recorder without batch appends
            for e in entries:
                self._audit.record(uow, now=e.now, actor=e.actor, actor_dept=e.actor_dept,
                                   role=e.role, action=e.action,
                                   cert_identifier=e.cert_identifier, purpose=e.purpose,
                                   request_id=e.request_id, details=e.details)
