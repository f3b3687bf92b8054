"""Objections (Art. 17): answered within 5 working days by the Chinese calendar.

Deadline convention: the day of filing is not counted (as for statutory periods); counting
starts on the first *working day after* the filing day (in Asia/Shanghai), and the objection
is due at 18:00 Asia/Shanghai on the 5th working day. Working days follow
``chinese_calendar.is_workday`` (public holidays off, make-up weekend workdays on). For a year
the library does not know yet (it raises ``NotImplementedError``, e.g. 2027 until the State
Council publishes its schedule), weekends-only is used and the deadline is flagged
``due_provisional=True``; :func:`recompute_provisional` recomputes such deadlines once the data
is available. An objection past its deadline is flagged once by :func:`flag_overdue`, which
queues a notification to the supervising department of the issuer.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import chinese_calendar

from audit_log.actor import SYSTEM, Actor
from audit_log.log import AuditLog
from certificate_store import UnitOfWork
from certificate_store.records import CertificateRecord, ObjectionRecord
from formats.chinatime import CHINA
from formats.identifiers import parse_identifier
from verifier.catalog import grants_held, type_view
from verifier.errors import Conflict, Forbidden, MalformedInput, NotFound

WORKING_DAYS = 5
DUE_HOUR = 18
MAX_REASON_CHARS = 2000
MAX_EVIDENCE_CHARS = 20000
_DEFAULT_AUDIT = AuditLog()

Workday = Callable[[dt.date], bool]


def _is_workday(day: dt.date, workday: Workday) -> tuple[bool, bool]:
    """(is working day, provisional)."""
    try:
        return bool(workday(day)), False
    except NotImplementedError:
        return day.weekday() < 5, True


def due_date(
    filed_at: dt.datetime,
    *,
    days: int = WORKING_DAYS,
    workday: Workday = chinese_calendar.is_workday,
) -> tuple[dt.datetime, bool]:
    """The deadline (aware UTC) for an objection filed at ``filed_at``, and whether provisional."""
    if filed_at.tzinfo is None:
        raise ValueError("filed_at must be aware")
    day = filed_at.astimezone(CHINA).date()
    counted = 0
    provisional = False
    while counted < days:
        day += dt.timedelta(days=1)
        ok, prov = _is_workday(day, workday)
        provisional = provisional or prov
        if ok:
            counted += 1
    due = dt.datetime(day.year, day.month, day.day, DUE_HOUR, tzinfo=CHINA).astimezone(dt.UTC)
    return due, provisional


def _text(value: object, limit: int, what: str, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise MalformedInput(f"{what}不能为空且不超过 {limit} 字 / {what} required, max {limit}")
    return value.strip()


def file(
    uow: UnitOfWork,
    actor: Actor,
    identifier: str,
    reason: str,
    evidence: str | None,
    now: dt.datetime,
    *,
    audit: AuditLog | None = None,
    workday: Workday = chinese_calendar.is_workday,
) -> ObjectionRecord:
    """File an objection: a holder about their own certificate, or a using department."""
    reason = _text(reason, MAX_REASON_CHARS, "异议理由", True)
    evidence_text = _text(evidence, MAX_EVIDENCE_CHARS, "证据说明", False)
    ident = parse_identifier(identifier)
    cert = uow.certificates.by_base(ident.base)
    if cert is None:
        raise NotFound()
    if actor.role == "holder":
        if not actor.holder_hash or actor.holder_hash != cert.holder_hash:
            raise Forbidden("只能对本人证照提出异议 / only your own certificates")
        filed_by = f"holder:{actor.holder_hash}"
    elif actor.role == "user" and actor.dept_code:
        if not _department_has_standing(uow, actor.dept_code, cert, audit or _DEFAULT_AUDIT):
            raise Forbidden("仅获授权或查询过该证照的使用部门可提出异议 / only a department "
                            "granted the type, or that looked the certificate up, may object")
        filed_by = f"dept:{actor.dept_code}"
    else:
        raise Forbidden("仅持证主体或使用部门可提出异议 / holders and using departments only")
    due, provisional = due_date(now, workday=workday)
    rec = uow.objections.add(
        certificate_id=cert.id,
        filed_by_role=actor.role,
        filed_by=filed_by,
        reason=reason,
        evidence=evidence_text,
        filed_at=now,
        due_at=due,
        due_provisional=provisional,
    )
    (audit or _DEFAULT_AUDIT).record_by(
        uow,
        actor,
        now=now,
        action="objection.file",
        cert_identifier=ident.text,
        details={"objection_id": rec.id, "due_at": due.isoformat(), "provisional": provisional},
    )
    return rec


def _department_has_standing(uow: UnitOfWork, dept_code: str, cert: CertificateRecord,
                             audit: AuditLog) -> bool:
    """Granted the certificate's type (its own grant or a predecessor's), or it looked one of
    the certificate's versions up (the audit log says so)."""
    if grants_held(uow, type_view(uow.catalog.get(cert.type_code, cert.type_version)), dept_code):
        return True
    return any(
        audit.list_entries(uow, actor_dept=dept_code, action="certificate.lookup",
                           cert_identifier=v.identifier, limit=1).entries
        for v in uow.certificates.versions(cert.id)
    )


def _issuer_may_answer(uow: UnitOfWork, actor: Actor, cert: CertificateRecord) -> bool:
    if actor.role not in ("issuer", "admin") or not actor.dept_code:
        return False
    return actor.dept_code in (cert.issuer_code, uow.departments.current_holder(cert.issuer_code))


def answer(
    uow: UnitOfWork,
    actor: Actor,
    objection_id: int,
    answer_text: str,
    now: dt.datetime,
    *,
    upheld: bool | None = None,
    audit: AuditLog | None = None,
) -> ObjectionRecord:
    """The issuing department (or its successor) answers an open objection."""
    text = _text(answer_text, MAX_REASON_CHARS, "答复", True)
    try:
        obj = uow.objections.get(objection_id, lock=True)
    except Exception as exc:  # certificate_store.errors.NotFound
        raise NotFound() from exc
    cert = uow.certificates.get(obj.certificate_id)
    if not _issuer_may_answer(uow, actor, cert):
        raise Forbidden("仅签发部门可答复 / only the issuing department answers")
    if obj.state != "open":
        raise Conflict()
    state = "answered" if upheld is None else ("upheld" if upheld else "rejected")
    rec = uow.objections.answer(objection_id, text, state, now)
    (audit or _DEFAULT_AUDIT).record_by(
        uow,
        actor,
        now=now,
        action="objection.answer",
        cert_identifier=None,
        details={
            "objection_id": objection_id,
            "state": state,
            "late": now > obj.due_at,
            "certificate": cert.base_identifier,
        },
    )
    return rec


def flag_overdue(
    uow: UnitOfWork, now: dt.datetime, *, actor: Actor = SYSTEM, audit: AuditLog | None = None
) -> list[ObjectionRecord]:
    """Flag open objections past their deadline; notify the issuer's supervising department."""
    audit = audit or _DEFAULT_AUDIT
    flagged = []
    for obj in uow.objections.open_overdue(now):
        cert = uow.certificates.get(obj.certificate_id)
        dept = uow.departments.find(uow.departments.current_holder(cert.issuer_code))
        recipient_code = (
            dept.supervisor_code
            if dept and dept.supervisor_code
            else (dept.code if dept else cert.issuer_code)
        )
        uow.objections.flag_overdue(obj.id, now)
        uow.notifications.enqueue(
            kind="objection-overdue",
            recipient=f"dept:{recipient_code}",
            certificate_id=cert.id,
            payload=json.dumps(
                {
                    "objection_id": obj.id,
                    "issuer": cert.issuer_code,
                    "certificate": cert.base_identifier,
                    "due_at": obj.due_at.isoformat(),
                },
                ensure_ascii=False,
            ),
            due_at=now,
            dedupe_key=f"objection-overdue:{obj.id}",
            now=now,
        )
        audit.record_by(
            uow,
            actor,
            now=now,
            action="objection.overdue",
            cert_identifier=None,
            details={
                "objection_id": obj.id,
                "notified": recipient_code,
                "certificate": cert.base_identifier,
            },
        )
        flagged.append(uow.objections.get(obj.id))
    return flagged


def recompute_provisional(
    uow: UnitOfWork,
    now: dt.datetime,
    *,
    actor: Actor = SYSTEM,
    audit: AuditLog | None = None,
    workday: Workday = chinese_calendar.is_workday,
) -> list[ObjectionRecord]:
    """Recompute provisional deadlines (call after upgrading chinese-calendar); audited."""
    audit = audit or _DEFAULT_AUDIT
    changed = []
    for obj in uow.objections.open_provisional():
        due, provisional = due_date(obj.filed_at, workday=workday)
        if due != obj.due_at or provisional != obj.due_provisional:
            uow.objections.set_due(obj.id, due, provisional)
            audit.record_by(
                uow,
                actor,
                now=now,
                action="objection.due_recomputed",
                cert_identifier=None,
                details={
                    "objection_id": obj.id,
                    "old_due": obj.due_at.isoformat(),
                    "due_at": due.isoformat(),
                    "provisional": provisional,
                },
            )
            changed.append(uow.objections.get(obj.id))
    return changed
