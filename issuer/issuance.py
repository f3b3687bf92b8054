"""Issuing, changing and moving certificates through their lifecycle (Art. 9-12, 21).

Every state change runs in one `store.transaction()`: the certificate row, its immutable
version (RFC 8785 record + ES256 JWS), the status event and the audit entry commit together.

Succession (Art. 9 para 2): when a department has a successor
(`uow.departments.current_holder(code) != code`), its certificates keep their identifiers
(the issuer code is part of the identifier) but every later change, status move and new
version is made, and signed, by the successor with the successor's key. The signed record
of such a version names the original `issuer` and the successor as `signer`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema.validators import Draft202012Validator

from audit_log.actor import SYSTEM, Actor
from ca.jws import sign_jws
from certificate_store import errors as store_errors
from certificate_store.db import Store, UnitOfWork
from certificate_store.records import CertificateRecord, VersionRecord
from formats.chinatime import china_date, day_start_utc, end_of_day_utc, require_utc, utc_z, valid_to_date
from formats.identifiers import make_identifier, parse_identifier
from formats.masking import mask_name
from formats.qr import QR_TYP, build_qr_claims
from formats.record import RECORD_TYP, Holder, build_record, canonical_bytes, sha256_hex
from formats.status import STATUSES, VALID
from issuer import lifecycle
from issuer.bulk import BulkIssue, first_version
from issuer.catalog import CertificateData, CertificateType, validate_data
from issuer.errors import (
    Conflict,
    Forbidden,
    IdempotencyConflict,
    IllegalTransition,
    InvalidCertificateData,
    MalformedIdentifier,
    NotFound,
)
from issuer.patterns import data_validator
from issuer.records import AuditRecorder
from issuer.views import (
    CertificateView,
    DepartmentKeys,
    EventSummary,
    IssuedCertificate,
    VersionSummary,
)


@dataclass
class _Loaded:
    cert: CertificateRecord
    version: VersionRecord
    record: dict[str, Any]
    acting: str


def _audit_dept(actor: Actor) -> str | None:
    return actor.dept_code


class IssuanceService(BulkIssue):
    def __init__(self, store: Store, keys: DepartmentKeys, audit: AuditRecorder,
                 base_url: str) -> None:
        self.store = store
        self._keys = keys
        self._audit = audit
        self.base_url = base_url.rstrip("/")
        self._types: dict[tuple[str, int], tuple[CertificateType, Draft202012Validator]] = {}

    # -- catalog cache (catalog versions are immutable) -----------------------------------
    def _type(self, uow: UnitOfWork, type_code: str, version: int | None = None
              ) -> tuple[CertificateType, Draft202012Validator]:
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

    # -- issue ----------------------------------------------------------------------------
    def issue(self, actor: Actor, type_code: str, data: Mapping[str, Any], now: dt.datetime,
              idempotency_key: str | None = None, source_key: str | None = None
              ) -> IssuedCertificate:
        with self.store.transaction() as uow:
            return self.issue_in(uow, actor, type_code, data, now,
                                 idempotency_key=idempotency_key, source_key=source_key)

    def issue_in(self, uow: UnitOfWork, actor: Actor, type_code: str, data: Mapping[str, Any],
                 now: dt.datetime, idempotency_key: str | None = None,
                 source_key: str | None = None) -> IssuedCertificate:
        """`issue` inside a caller's unit of work (bulk imports batch many in one)."""
        require_utc(now)
        dept = self._issuer_dept(uow, actor)
        request_hash = ""
        if idempotency_key is not None:
            request_hash = sha256_hex(canonical_bytes(
                {"type_code": type_code, "data": data, "source_key": source_key}))
            seen = uow.idempotency.get(dept, idempotency_key)
            if seen is not None:
                if seen[0] != request_hash:
                    raise IdempotencyConflict(
                        "Idempotency-Key 已用于不同的请求 / the Idempotency-Key was used for a "
                        "different request")
                return self._issued_from_store(uow, str(seen[1]["identifier"]))
        if source_key is not None:
            existing = uow.certificates.by_source(dept, source_key)
            if existing is not None:
                return self._issued(uow, existing, skipped=True)
        ctype, validator = self._type(uow, type_code)
        if not ctype.may_issue(dept):
            raise Forbidden(f"部门 {dept} 无权签发此类证照 / department may not issue "
                            f"type {type_code}")
        cd = validate_data(ctype, data, validator)
        issued = self._create(uow, actor, dept, ctype, cd, now, source_key)
        if idempotency_key is not None:
            uow.idempotency.put(dept, idempotency_key, request_hash,
                                {"identifier": issued.identifier}, now)
        return issued

    def _issuer_dept(self, uow: UnitOfWork, actor: Actor) -> str:
        if actor.role != "issuer" or not actor.dept_code:
            raise Forbidden("只有签发部门可以签发 / only an issuing department may issue")
        dept = uow.departments.find(actor.dept_code)
        if dept is None:
            raise Forbidden(f"department {actor.dept_code} is not enrolled")
        if not dept.active or dept.successor_code:
            raise Forbidden(f"部门 {dept.code} 已由 {dept.successor_code} 承继 / the department "
                            "has a successor and no longer issues")
        return dept.code

    def _create(self, uow: UnitOfWork, actor: Actor, dept: str, ctype: CertificateType,
                cd: CertificateData, now: dt.datetime, source_key: str | None
                ) -> IssuedCertificate:
        issue_date = china_date(now)
        counter = uow.counters.next(f"cert:{dept}:{ctype.type_code}:{issue_date.year}")
        fv = first_version(ctype, dept, uow.departments.get(dept).name, cd, counter,
                           issue_date, now)
        identifier, record = fv.identifier, fv.record
        try:
            cert = uow.certificates.create(
                **fv.row(ctype, dept, uow.holder_hash(cd.holder_code), source_key, now),
                                           now=now)
        except store_errors.Conflict as exc:
            if source_key is not None:
                existing = uow.certificates.by_source(dept, source_key)
                if existing is not None:
                    return self._issued(uow, existing, skipped=True)
            raise Conflict("certificate already exists") from exc
        ver = self._sign_and_store(uow, cert.id, 1, identifier, record, dept, None, now)
        ev_sha = self._event(uow, cert, actor, "issue", None, VALID, 1, "", now, {})
        self._audit.record(
            uow, now=now, actor=actor.name, actor_dept=_audit_dept(actor), role=actor.role,
            action="certificate.issue", cert_identifier=identifier, purpose=None,
            request_id=actor.request_id,
            details={"type_code": ctype.type_code, "type_version": ctype.version,
                     "version": 1, "sha256": ver.sha256, "event_sha256": ev_sha,
                     "signing_cert": ver.signing_cert, "source_key": source_key})
        return IssuedCertificate(identifier=identifier, base_identifier=fv.base, version=1,
                                 status=VALID, sha256=ver.sha256, jws=ver.jws,
                                 record=record)

    def _sign_and_store(self, uow: UnitOfWork, cert_id: int, version: int, identifier: str,
                        record: Mapping[str, Any], signing_dept: str, reason: str | None,
                        now: dt.datetime) -> VersionRecord:
        payload = canonical_bytes(record)
        key = self._keys.signing_key(uow, signing_dept)
        jws = sign_jws(payload, key.signer, key.cert_der, typ=RECORD_TYP, include_x5c=True)
        return uow.certificates.add_version(
            certificate_id=cert_id, version=version, identifier=identifier, canonical=payload,
            jws=jws, sha256=sha256_hex(payload), signing_cert=key.x5t_s256, change_reason=reason,
            now=now)

    def _event(self, uow: UnitOfWork, cert: CertificateRecord, actor: Actor, event: str,
               from_status: str | None, to_status: str, version: int, reason: str,
               now: dt.datetime, details: Mapping[str, Any]) -> str:
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

    def _issued(self, uow: UnitOfWork, cert: CertificateRecord, skipped: bool = False
                ) -> IssuedCertificate:
        return self._issued_from(cert, uow.certificates.version(cert.id, cert.current_version),
                                 skipped)

    @staticmethod
    def _issued_from(cert: CertificateRecord, ver: VersionRecord, skipped: bool = False
                     ) -> IssuedCertificate:
        return IssuedCertificate(identifier=ver.identifier, base_identifier=cert.base_identifier,
                                 version=ver.version, status=cert.status, sha256=ver.sha256,
                                 jws=ver.jws, record=json.loads(ver.canonical), skipped=skipped)

    def _issued_from_store(self, uow: UnitOfWork, identifier: str) -> IssuedCertificate:
        loaded = self._load(uow, identifier)
        return self._issued(uow, loaded.cert)

    # -- reads ----------------------------------------------------------------------------
    def _load(self, uow: UnitOfWork, identifier: str) -> _Loaded:
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
        return _Loaded(cert, ver, json.loads(ver.canonical), acting)

    def _authorise(self, actor: Actor, loaded: _Loaded, *, write: bool) -> None:
        if actor.role == "system":
            return
        if not write and actor.role in ("admin", "auditor"):
            return
        if actor.role == "issuer" and actor.dept_code == loaded.acting:
            return
        raise Forbidden("只有签发部门（或其承继部门）可以操作此证照 / only the issuing "
                        "department or its successor may do this")

    def get(self, actor: Actor, identifier: str) -> CertificateView:
        with self.store.transaction() as uow:
            loaded = self._load(uow, identifier)
            self._authorise(actor, loaded, write=False)
            return self._view(uow, loaded)

    def _view(self, uow: UnitOfWork, loaded: _Loaded) -> CertificateView:
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

    # -- change (new version) -------------------------------------------------------------
    def change(self, actor: Actor, identifier: str, data: Mapping[str, Any], reason: str,
               now: dt.datetime, expected_row_version: int | None = None) -> IssuedCertificate:
        """变更: a new signed version; `data` patches holder/fields of the current version."""
        require_utc(now)
        if not reason or not reason.strip():
            raise InvalidCertificateData("变更须说明理由 / a reason is required",
                                         errors=[{"field": "reason", "message": "required"}])
        with self.store.transaction() as uow:
            loaded = self._load(uow, identifier)
            self._authorise(actor, loaded, write=True)
            self._check_expected(loaded.cert, expected_row_version)
            cert, old = loaded.cert, loaded.record
            lifecycle.next_status(cert.status, "change")
            ctype, validator = self._type(uow, cert.type_code)
            merged = {
                "holder": {**{"name": old["holder"]["name"], "code": old["holder"]["code"]},
                           **dict(data.get("holder") or {})},
                "fields": {**old["fields"], **dict(data.get("fields") or {})},
            }
            for k in ("valid_from", "valid_to", "licence_number"):
                if k in data:
                    merged[k] = data[k]
            unknown = set(data) - {"holder", "fields", "valid_from", "valid_to",
                                   "licence_number"}
            if unknown:
                merged.update({k: data[k] for k in unknown})  # reported by validate_data
            cd = validate_data(ctype, merged, validator)
            valid_from = cd.valid_from or date_or(old["validity"]["from"])
            valid_to = cd.valid_to if "valid_to" in data else valid_to_date(cert.valid_to)
            version = cert.current_version + 1
            identifier_new = make_identifier(cert.type_code, cert.issuer_code, cert.serial,
                                             version)
            acting_name = uow.departments.get(loaded.acting).name
            record = build_record(
                identifier=identifier_new, version=version, previous=loaded.version.identifier,
                type_code=ctype.type_code, type_name=ctype.name, type_version=ctype.version,
                licence_number=cd.licence_number or old["licence_number"],
                issuer_name=old["issuer"]["name"], issuer_code=cert.issuer_code,
                issue_date=china_date(now),
                holder=Holder(cd.holder_name, cd.holder_code, ctype.holder_kind),
                valid_from=valid_from, valid_to=valid_to, signer_name=acting_name,
                signed_at=now, seal=ctype.seal, fields=cd.fields)
            updated = self._update(uow, cert, expected_row_version, now,
                                   current_version=version, type_version=ctype.version,
                                   holder_hash=uow.holder_hash(cd.holder_code),
                                   valid_from=None if valid_from is None
                                   else day_start_utc(valid_from),
                                   valid_to=None if valid_to is None else end_of_day_utc(valid_to))
            ver = self._sign_and_store(uow, cert.id, version, identifier_new, record,
                                       loaded.acting, reason.strip(), now)
            ev_sha = self._event(uow, updated, actor, "change", cert.status, cert.status,
                                 version, reason.strip(), now,
                                 {"previous": loaded.version.identifier, "sha256": ver.sha256})
            self._audit.record(
                uow, now=now, actor=actor.name, actor_dept=_audit_dept(actor), role=actor.role,
                action="certificate.change", cert_identifier=identifier_new, purpose=None,
                request_id=actor.request_id,
                details={"previous": loaded.version.identifier, "version": version,
                         "sha256": ver.sha256, "event_sha256": ev_sha, "reason": reason.strip(),
                         "signing_cert": ver.signing_cert})
            return IssuedCertificate(identifier=identifier_new,
                                     base_identifier=cert.base_identifier,
                                     version=version, status=updated.status, sha256=ver.sha256,
                                     jws=ver.jws, record=record)

    @staticmethod
    def _check_expected(cert: CertificateRecord, expected: int | None) -> None:
        """If-Match semantics: a caller that saw an older row gets Conflict, whatever it asked."""
        if expected is not None and expected != cert.row_version:
            raise Conflict("证照已被他人修改，请刷新后重试 / the certificate changed "
                           "concurrently; reload and retry")

    def _update(self, uow: UnitOfWork, cert: CertificateRecord, expected: int | None,
                now: dt.datetime, **changes: Any) -> CertificateRecord:
        try:
            return uow.certificates.update(
                cert.id, expected if expected is not None else cert.row_version, now, **changes)
        except store_errors.Conflict as exc:
            raise Conflict("证照已被他人修改，请刷新后重试 / the certificate changed "
                           "concurrently; reload and retry") from exc

    # -- status transitions ---------------------------------------------------------------
    def transition(self, actor: Actor, identifier: str, event: str, reason: str,
                   now: dt.datetime, valid_to: dt.date | None = None,
                   transfer_to: Mapping[str, str] | None = None,
                   expected_row_version: int | None = None) -> CertificateView:
        require_utc(now)
        if event not in lifecycle.MANUAL_EVENTS:
            raise IllegalTransition(
                f"event {event!r} cannot be requested here; use one of "
                f"{', '.join(sorted(lifecycle.MANUAL_EVENTS))} (change: POST …/change)")
        with self.store.transaction() as uow:
            loaded = self._load(uow, identifier)
            self._authorise(actor, loaded, write=True)
            self._check_expected(loaded.cert, expected_row_version)
            self._transition_in(uow, actor, loaded, event, reason, now, valid_to, transfer_to,
                                expected_row_version)
            return self._view(uow, self._load(uow, loaded.cert.base_identifier))

    def _transition_in(self, uow: UnitOfWork, actor: Actor, loaded: _Loaded, event: str,
                       reason: str, now: dt.datetime, valid_to: dt.date | None,
                       transfer_to: Mapping[str, str] | None,
                       expected_row_version: int | None) -> None:
        cert = loaded.cert
        t = lifecycle.TRANSITIONS[event]
        if t.needs_reason and not (reason or "").strip():
            raise InvalidCertificateData("须说明理由 / a reason is required",
                                         errors=[{"field": "reason", "message": "required"}])
        to = lifecycle.next_status(cert.status, event)
        changes: dict[str, Any] = {}
        details: dict[str, Any] = {}
        if event == "extend":
            if valid_to is None:
                raise InvalidCertificateData("延期须给出新的有效期止 / extend needs valid_to",
                                             errors=[{"field": "valid_to",
                                                      "message": "required"}])
            old_to = valid_to_date(cert.valid_to)
            if old_to is not None and valid_to <= old_to:
                raise InvalidCertificateData(
                    "新的有效期止须晚于原有效期止 / valid_to must be later than the current one",
                    errors=[{"field": "valid_to", "message": f"must be after {old_to}"}])
            if end_of_day_utc(valid_to) <= now:
                raise InvalidCertificateData("新的有效期止已过 / valid_to is in the past",
                                             errors=[{"field": "valid_to",
                                                      "message": "in the past"}])
            changes["valid_to"] = end_of_day_utc(valid_to)
            details = {"valid_to_old": None if old_to is None else old_to.isoformat(),
                       "valid_to_new": valid_to.isoformat()}
        elif valid_to is not None:
            raise InvalidCertificateData("valid_to is only for extend",
                                         errors=[{"field": "valid_to", "message": "unexpected"}])
        if event == "transfer":
            if not transfer_to or not transfer_to.get("name") or not transfer_to.get("code"):
                raise InvalidCertificateData(
                    "转移须给出受让方 / transfer needs transfer_to {name, code}",
                    errors=[{"field": "transfer_to", "message": "required"}])
            # status events and audit entries keep no raw personal data: masked name, keyed hash
            details = {"transfer_to": {"name": mask_name(str(transfer_to["name"])),
                                       "code_hash": uow.holder_hash(str(transfer_to["code"]))}}
        elif transfer_to:
            raise InvalidCertificateData("transfer_to is only for transfer",
                                         errors=[{"field": "transfer_to",
                                                  "message": "unexpected"}])
        if to != cert.status:
            changes["status"] = to
        updated = self._update(uow, cert, expected_row_version, now, **changes)
        ev_sha = self._event(uow, updated, actor, event, cert.status, to,
                             cert.current_version, (reason or "").strip(), now, details)
        self._audit.record(
            uow, now=now, actor=actor.name, actor_dept=_audit_dept(actor), role=actor.role,
            action="certificate.status", cert_identifier=loaded.version.identifier,
            purpose=None, request_id=actor.request_id,
            details={"event": event, "from": cert.status, "to": to,
                     "reason": (reason or "").strip(), "event_sha256": ev_sha,
                     "version": cert.current_version, **details})

    def lapse_due(self, now: dt.datetime, batch: int = 500) -> int:
        """Lapse (失效) every valid/suspended certificate whose validity ended; actor SYSTEM."""
        require_utc(now)
        total = 0
        while True:
            with self.store.transaction() as uow:
                due = uow.certificates.due_to_lapse(now, limit=batch)
                for cert in due:
                    ver = uow.certificates.version(cert.id, cert.current_version)
                    loaded = _Loaded(cert, ver, {}, cert.issuer_code)
                    self._transition_in(uow, SYSTEM, loaded, "lapse",
                                        "有效期届满 / end of validity", now, None, None, None)
                total += len(due)
            if len(due) < batch:
                return total

    def queue_expiry_reminders(self, now: dt.datetime, horizon_days: int = 366) -> int:
        """Enqueue one reminder per certificate and threshold N days before `valid_to`."""
        require_utc(now)
        queued = 0
        with self.store.transaction() as uow:
            for cert in uow.certificates.expiring_between(now,
                                                          now + dt.timedelta(days=horizon_days)):
                ctype, _ = self._type(uow, cert.type_code, cert.type_version)
                assert cert.valid_to is not None
                left = cert.valid_to - now
                passed = [d for d in ctype.reminder_days if left <= dt.timedelta(days=d)]
                if not passed:
                    continue
                d = min(passed)
                end = valid_to_date(cert.valid_to)
                ver = uow.certificates.version(cert.id, cert.current_version)
                payload = {"identifier": ver.identifier, "type_code": cert.type_code,
                           "valid_to": None if end is None else end.isoformat(), "days": d}
                if uow.notifications.enqueue(
                        kind="expiry-reminder", recipient=f"holder:{cert.holder_hash}",
                        certificate_id=cert.id,
                        payload=canonical_bytes(payload).decode("utf-8"), due_at=now,
                        dedupe_key=f"expiry:{cert.id}:{end}:{d}", now=now):
                    queued += 1
        return queued

    # -- QR -------------------------------------------------------------------------------
    def qr_claims(self, identifier: str, now: dt.datetime) -> dict[str, Any]:
        with self.store.transaction() as uow:
            loaded = self._load(uow, identifier)
            return build_qr_claims(loaded.record, loaded.version.sha256, now)

    def qr_jws(self, identifier: str, now: dt.datetime) -> str:
        """A new compact ``ecert/qr/2`` JWS signed by the acting department's key (short header).

        Signs anew on every call: the QR a version carries is made once from this and kept,
        by `issuer.documents.DocumentService.qr_url` (API answers, CLI and PDF all use that).
        """
        with self.store.transaction() as uow:
            loaded = self._load(uow, identifier)
            claims = build_qr_claims(loaded.record, loaded.version.sha256, now)
            key = self._keys.signing_key(uow, loaded.acting)
            return sign_jws(canonical_bytes(claims), key.signer, key.cert_der, include_x5c=False,
                            typ=QR_TYP, short_kid=True)


def date_or(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)
