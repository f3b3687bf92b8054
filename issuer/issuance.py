"""Issuing, changing and moving certificates through their lifecycle (Art. 9-12, 21).

Every method works in the caller's unit of work (`certificate_store.UnitOfWork`): the
certificate row, its immutable version (RFC 8785 record + ES256 JWS), the status event and the
audit entry commit together when the caller's transaction does. Nothing here opens one.

Succession (Art. 9 para 2): when a department has a successor
(`uow.departments.current_holder(code) != code`), its certificates keep their identifiers
(the issuer code is part of the identifier) but every later change, status move and new
version is made, and signed, by the successor with the successor's key. The signed record
of such a version names the original `issuer` and the successor as `signer`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from audit_log.actor import Actor
from ca.jws import sign_jws
from certificate_store import errors as store_errors
from certificate_store.db import UnitOfWork
from formats.chinatime import china_date, day_start_utc, end_of_day_utc, require_utc, valid_to_date
from formats.identifiers import make_identifier
from formats.qr import QR2_TYP, QR3_SPEC, QR_TYP, build_qr_claims, pack_fragment
from formats.record import Holder, build_record, canonical_bytes, sha256_hex
from formats.status import VALID
from formats.statuslist import SHARD_SIZE
from issuer import cosign, lifecycle, moves
from issuer.bulk import BulkIssuer, Outcome, Request
from issuer.catalog import CertificateData, CertificateType, validate_data
from issuer.drafts import DraftContext, Drafted
from issuer.errors import Conflict, IdempotencyConflict, InvalidCertificateData
from issuer.ledger import Ledger, Loaded, first_version
from issuer.records import AuditRecorder
from issuer.rules import audit_detail
from issuer.views import CertificateView, DepartmentKeys, IssuedCertificate

__all__ = ["IssuanceService", "IssuedCertificate", "date_or"]

_CHANGEABLE = ("valid_from", "valid_to", "licence_number")


class IssuanceService:
    def __init__(self, keys: DepartmentKeys, audit: AuditRecorder) -> None:
        self.ledger = Ledger(keys, audit)
        self.bulk = BulkIssuer(self.ledger, self)

    # -- issue ----------------------------------------------------------------------------
    def issue(self, uow: UnitOfWork, actor: Actor, type_code: str, data: Mapping[str, Any],
              now: dt.datetime, idempotency_key: str | None = None,
              source_key: str | None = None) -> IssuedCertificate:
        """Issue one certificate. `idempotency_key` answers a retry with the first result;
        `source_key` (imports) answers an already issued source with it, marked skipped."""
        require_utc(now)
        dept = self.ledger.issuer_dept(uow, actor)
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
                loaded = self.ledger.load(uow, str(seen[1]["identifier"]))
                return self.ledger.issued(uow, loaded.cert)
        if source_key is not None:
            existing = uow.certificates.by_source(dept, source_key)
            if existing is not None:
                return self.ledger.issued(uow, existing, skipped=True)
        ctype, validator = self.ledger.issuable_type(uow, dept, type_code)
        cd = validate_data(ctype, data, validator, today=china_date(now))
        issued = self._create(uow, actor, dept, ctype, cd, now, source_key)
        if idempotency_key is not None:
            uow.idempotency.put(dept, idempotency_key, request_hash,
                                {"identifier": issued.identifier}, now)
        return issued

    def issue_many(self, uow: UnitOfWork, actor: Actor, type_code: str,
                   requests: Sequence[Request], now: dt.datetime,
                   drafted: tuple[DraftContext, Sequence[Drafted]] | None = None
                   ) -> list[Outcome]:
        """`issue` for each (data, source_key), batched (see `BulkIssuer.issue_many`)."""
        return self.bulk.issue_many(uow, actor, type_code, requests, now, drafted)

    def _create(self, uow: UnitOfWork, actor: Actor, dept: str, ctype: CertificateType,
                cd: CertificateData, now: dt.datetime, source_key: str | None
                ) -> IssuedCertificate:
        issue_date = china_date(now)
        counter = uow.counters.next(f"cert:{dept}:{ctype.type_code}:{issue_date.year}")
        index = uow.status_index.pick(1, SHARD_SIZE)[0]  # drawn and signed at issuance
        fv = first_version(ctype, dept, uow.departments.get(dept).name, cd, counter,
                           issue_date, now, index)
        try:
            cert = uow.certificates.create(
                **fv.row(ctype, dept, uow.holder_hash(cd.holder_code), source_key, now),
                now=now)
        except store_errors.Conflict as exc:
            if source_key is not None:
                existing = uow.certificates.by_source(dept, source_key)
                if existing is not None:
                    return self.ledger.issued(uow, existing, skipped=True)
            raise Conflict("certificate already exists") from exc
        ver = self.ledger.sign_and_store(uow, cert.id, 1, fv.identifier, fv.record, dept, None,
                                         now)
        ev_sha = self.ledger.event(uow, cert, actor, "issue", None, VALID, 1, "", now, {})
        self.ledger.record(uow, actor, now, "certificate.issue", fv.identifier,
                           {"type_code": ctype.type_code, "type_version": ctype.version,
                            "version": 1, "sha256": ver.sha256, "event_sha256": ev_sha,
                            "signing_cert": ver.signing_cert, "source_key": source_key,
                            **overrides_detail(cd)})
        return IssuedCertificate(identifier=fv.identifier, base_identifier=fv.base, version=1,
                                 status=VALID, sha256=ver.sha256, jws=ver.jws, record=fv.record)

    # -- reads ----------------------------------------------------------------------------
    def get(self, uow: UnitOfWork, actor: Actor, identifier: str) -> CertificateView:
        loaded = self.ledger.load(uow, identifier)
        if not cosign.may_read(self.ledger, uow, actor, loaded):
            self.ledger.authorise(actor, loaded, write=False)
        return self.ledger.view(uow, loaded)

    def cosign(self, uow: UnitOfWork, actor: Actor, identifier: str,
               now: dt.datetime) -> cosign.CoSigned:
        """共同签署: a co-signing department signs the current version (issuer.cosign)."""
        require_utc(now)
        return cosign.cosign(self.ledger, uow, actor, identifier, now)

    # -- change (new version) -------------------------------------------------------------
    def change(self, uow: UnitOfWork, actor: Actor, identifier: str, data: Mapping[str, Any],
               reason: str, now: dt.datetime, expected_row_version: int | None = None
               ) -> IssuedCertificate:
        """变更: a new signed version; `data` patches holder/fields of the current version."""
        require_utc(now)
        if not reason or not reason.strip():
            raise InvalidCertificateData("变更须说明理由 / a reason is required",
                                         errors=[{"field": "reason", "message": "required"}])
        loaded = self.ledger.load(uow, identifier)
        self.ledger.authorise(actor, loaded, write=True)
        self.ledger.check_expected(loaded.cert, expected_row_version)
        cert = loaded.cert
        lifecycle.next_status(cert.status, "change")
        ctype, validator = self.ledger.certificate_type(uow, cert.type_code)
        if "issue_date" in data:  # only a digitised certificate's first version has one
            raise InvalidCertificateData("变更不能修改发证日期 / a change keeps the issue date",
                                         errors=[{"field": "issue_date", "message": "not here"}])
        cd = validate_data(ctype, _merged(loaded.record, data), validator)
        valid_from = cd.valid_from or date_or(loaded.record["validity"]["from"])
        valid_to = cd.valid_to if "valid_to" in data else valid_to_date(cert.valid_to)
        version = cert.current_version + 1
        record = self._new_record(uow, loaded, ctype, cd, version, valid_from, valid_to, now)
        updated = self.ledger.update(
            uow, cert, expected_row_version, now, current_version=version,
            type_version=ctype.version, holder_hash=uow.holder_hash(cd.holder_code),
            valid_from=None if valid_from is None else day_start_utc(valid_from),
            valid_to=None if valid_to is None else end_of_day_utc(valid_to))
        previous, why = loaded.version.identifier, reason.strip()
        ver = self.ledger.sign_and_store(uow, cert.id, version, record["identifier"], record,
                                         loaded.acting, why, now)
        ev_sha = self.ledger.event(uow, updated, actor, "change", cert.status, cert.status,
                                   version, why, now, {"previous": previous,
                                                       "sha256": ver.sha256})
        self.ledger.record(uow, actor, now, "certificate.change", ver.identifier,
                           {"previous": previous, "version": version, "sha256": ver.sha256,
                            "event_sha256": ev_sha, "reason": why,
                            "signing_cert": ver.signing_cert, **overrides_detail(cd)})
        return IssuedCertificate(identifier=ver.identifier, base_identifier=cert.base_identifier,
                                 version=version, status=updated.status, sha256=ver.sha256,
                                 jws=ver.jws, record=record)

    @staticmethod
    def _new_record(uow: UnitOfWork, loaded: Loaded, ctype: CertificateType,
                    cd: CertificateData, version: int, valid_from: dt.date | None,
                    valid_to: dt.date | None, now: dt.datetime) -> dict[str, Any]:
        """The record of a changed version, signed by the department acting now."""
        cert, old = loaded.cert, loaded.record
        return build_record(
            identifier=make_identifier(cert.type_code, cert.issuer_code, cert.serial, version),
            version=version, previous=loaded.version.identifier,
            type_code=ctype.type_code, type_name=ctype.name, type_version=ctype.version,
            licence_number=cd.licence_number or old["licence_number"],
            issuer_name=old["issuer"]["name"], issuer_code=cert.issuer_code,
            issue_date=china_date(now),
            holder=Holder(cd.holder_name, cd.holder_code, cd.holder_kind,
                      ctype.confidential_holder),
            valid_from=valid_from, valid_to=valid_to,
            signer_name=uow.departments.get(loaded.acting).name,
            signed_at=now, seal=ctype.seal, fields=cd.fields,
            status_index=uow.status_index.index_of(cert.id))

    # -- status moves (issuer.moves) ------------------------------------------------------
    def transition(self, uow: UnitOfWork, actor: Actor, identifier: str, event: str,
                   reason: str, now: dt.datetime, valid_to: dt.date | None = None,
                   transfer_to: Mapping[str, str] | None = None,
                   expected_row_version: int | None = None) -> CertificateView:
        return moves.transition(self.ledger, uow, actor, identifier, event, reason, now,
                                valid_to, transfer_to, expected_row_version)

    def lapse_due(self, uow: UnitOfWork, now: dt.datetime, limit: int = 500) -> int:
        """One batch of lapses (see `issuer.moves.lapse_due`); the caller loops."""
        return moves.lapse_due(self.ledger, uow, now, limit)

    def queue_expiry_reminders(self, uow: UnitOfWork, now: dt.datetime,
                               horizon_days: int = 366) -> int:
        return moves.queue_expiry_reminders(self.ledger, uow, now, horizon_days)

    # -- QR -------------------------------------------------------------------------------
    def qr_claims(self, uow: UnitOfWork, identifier: str, now: dt.datetime) -> dict[str, Any]:
        loaded = self.ledger.load(uow, identifier)
        return build_qr_claims(loaded.record, loaded.version.sha256, now,
                               uow.status_index.index_of(loaded.cert.id))

    def qr_jws(self, uow: UnitOfWork, identifier: str, now: dt.datetime) -> str:
        """A new QR fragment signed by the acting department's key (short header):
        ``ecert/qr/3``, packed (`formats.qr.pack_fragment`), naming the status index; a
        certificate without one yet (not backfilled) gets ``ecert/qr/2``.

        Signs anew on every call: the QR a version carries is made once from this and kept,
        by `issuer.documents.DocumentService.qr_url` (API answers, CLI and PDF all use that).
        """
        loaded = self.ledger.load(uow, identifier)
        claims = build_qr_claims(loaded.record, loaded.version.sha256, now,
                                 uow.status_index.index_of(loaded.cert.id))
        key = self.ledger.signing_key(uow, loaded.acting)
        typ = QR_TYP if claims["spec"] == QR3_SPEC else QR2_TYP
        jws = sign_jws(canonical_bytes(claims), key.signer, key.cert_der, include_x5c=False,
                       typ=typ, short_kid=True)
        return pack_fragment(jws) if typ == QR_TYP else jws


def _merged(old: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """The data of a change: the current holder and fields patched with `data`."""
    merged: dict[str, Any] = {
        "holder": {**{"name": old["holder"]["name"], "code": old["holder"]["code"]},
                   **dict(data.get("holder") or {})},
        "fields": {**old["fields"], **dict(data.get("fields") or {})},
    }
    for k in _CHANGEABLE:
        if k in data:
            merged[k] = data[k]
    unknown = set(data) - {"holder", "fields", *_CHANGEABLE}
    merged.update({k: data[k] for k in unknown})  # reported by validate_data
    return merged


def overrides_detail(cd: CertificateData) -> dict[str, Any]:
    return audit_detail(cd.overrides)


def date_or(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)
