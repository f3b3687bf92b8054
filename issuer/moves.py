"""Status moves (年检, 延期, 暂停, 吊销, 转移, 失效 ...) and expiry reminders, in the caller's
unit of work. The state machine itself is data (`issuer.lifecycle`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from audit_log.actor import SYSTEM, Actor
from certificate_store.db import UnitOfWork
from certificate_store.records import CertificateRecord
from formats.chinatime import end_of_day_utc, require_utc, valid_to_date
from formats.masking import mask_name
from formats.record import canonical_bytes
from issuer import lifecycle
from issuer.errors import IllegalTransition, InvalidCertificateData
from issuer.ledger import Ledger, Loaded
from issuer.views import CertificateView


def _invalid(message: str, field: str, problem: str) -> InvalidCertificateData:
    return InvalidCertificateData(message, errors=[{"field": field, "message": problem}])


def transition(ledger: Ledger, uow: UnitOfWork, actor: Actor, identifier: str, event: str,
               reason: str, now: dt.datetime, valid_to: dt.date | None = None,
               transfer_to: Mapping[str, str] | None = None,
               expected_row_version: int | None = None) -> CertificateView:
    """A manual status move requested by `actor`; returns the certificate afterwards."""
    require_utc(now)
    if event not in lifecycle.MANUAL_EVENTS:
        raise IllegalTransition(
            f"event {event!r} cannot be requested here; use one of "
            f"{', '.join(sorted(lifecycle.MANUAL_EVENTS))} (change: POST …/change)")
    loaded = ledger.load(uow, identifier)
    ledger.authorise(actor, loaded, write=True)
    ledger.check_expected(loaded.cert, expected_row_version)
    apply(ledger, uow, actor, loaded, event, reason, now, valid_to, transfer_to,
          expected_row_version)
    return ledger.view(uow, ledger.load(uow, loaded.cert.base_identifier))


def _extend(cert: CertificateRecord, valid_to: dt.date | None, now: dt.datetime
            ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(row changes, event details) of 延期."""
    if valid_to is None:
        raise _invalid("延期须给出新的有效期止 / extend needs valid_to", "valid_to", "required")
    old_to = valid_to_date(cert.valid_to)
    if old_to is not None and valid_to <= old_to:
        raise _invalid("新的有效期止须晚于原有效期止 / valid_to must be later than the current one",
                       "valid_to", f"must be after {old_to}")
    if end_of_day_utc(valid_to) <= now:
        raise _invalid("新的有效期止已过 / valid_to is in the past", "valid_to", "in the past")
    return ({"valid_to": end_of_day_utc(valid_to)},
            {"valid_to_old": None if old_to is None else old_to.isoformat(),
             "valid_to_new": valid_to.isoformat()})


def _transfer(uow: UnitOfWork, transfer_to: Mapping[str, str] | None) -> dict[str, Any]:
    """Event details of 转移: no raw personal data, a masked name and a keyed hash."""
    if not transfer_to or not transfer_to.get("name") or not transfer_to.get("code"):
        raise _invalid("转移须给出受让方 / transfer needs transfer_to {name, code}",
                       "transfer_to", "required")
    return {"transfer_to": {"name": mask_name(str(transfer_to["name"])),
                            "code_hash": uow.holder_hash(str(transfer_to["code"]))}}


def _changes(uow: UnitOfWork, cert: CertificateRecord, event: str, now: dt.datetime,
             valid_to: dt.date | None, transfer_to: Mapping[str, str] | None
             ) -> tuple[dict[str, Any], dict[str, Any]]:
    changes: dict[str, Any] = {}
    details: dict[str, Any] = {}
    if event == "extend":
        changes, details = _extend(cert, valid_to, now)
    elif valid_to is not None:
        raise _invalid("valid_to is only for extend", "valid_to", "unexpected")
    if event == "transfer":
        details = _transfer(uow, transfer_to)
    elif transfer_to:
        raise _invalid("transfer_to is only for transfer", "transfer_to", "unexpected")
    return changes, details


def apply(ledger: Ledger, uow: UnitOfWork, actor: Actor, loaded: Loaded, event: str,
          reason: str, now: dt.datetime, valid_to: dt.date | None,
          transfer_to: Mapping[str, str] | None, expected_row_version: int | None) -> None:
    """Move one loaded certificate: row, status event and audit entry."""
    cert = loaded.cert
    if lifecycle.TRANSITIONS[event].needs_reason and not (reason or "").strip():
        raise _invalid("须说明理由 / a reason is required", "reason", "required")
    to = lifecycle.next_status(cert.status, event)
    changes, details = _changes(uow, cert, event, now, valid_to, transfer_to)
    if to != cert.status:
        changes["status"] = to
    updated = ledger.update(uow, cert, expected_row_version, now, **changes)
    ev_sha = ledger.event(uow, updated, actor, event, cert.status, to,
                          cert.current_version, (reason or "").strip(), now, details)
    ledger.record(uow, actor, now, "certificate.status", loaded.version.identifier,
                  {"event": event, "from": cert.status, "to": to,
                   "reason": (reason or "").strip(), "event_sha256": ev_sha,
                   "version": cert.current_version, **details})


def lapse_due(ledger: Ledger, uow: UnitOfWork, now: dt.datetime, limit: int = 500) -> int:
    """Lapse (失效) up to `limit` valid/suspended certificates whose validity ended (actor
    SYSTEM); returns how many. The caller commits and calls again while it gets `limit`."""
    require_utc(now)
    due = uow.certificates.due_to_lapse(now, limit=limit)
    for cert in due:
        ver = uow.certificates.version(cert.id, cert.current_version)
        apply(ledger, uow, SYSTEM, Loaded(cert, ver, {}, cert.issuer_code), "lapse",
              "有效期届满 / end of validity", now, None, None, None)
    return len(due)


def queue_expiry_reminders(ledger: Ledger, uow: UnitOfWork, now: dt.datetime,
                           horizon_days: int = 366) -> int:
    """Enqueue one reminder per certificate and threshold N days before `valid_to`."""
    require_utc(now)
    queued = 0
    for cert in uow.certificates.expiring_between(now, now + dt.timedelta(days=horizon_days)):
        ctype, _ = ledger.certificate_type(uow, cert.type_code, cert.type_version)
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
                certificate_id=cert.id, payload=canonical_bytes(payload).decode("utf-8"),
                due_at=now, dedupe_key=f"expiry:{cert.id}:{end}:{d}", now=now):
            queued += 1
    return queued
