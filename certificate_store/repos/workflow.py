"""Objections (Art. 17), the notification outbox (Art. 16) and import jobs (Art. 9)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from certificate_store.errors import NotFound
from certificate_store.models.certificates import (
    Certificate,
    ImportJob,
    Notification,
    Objection,
)
from certificate_store.records import ImportJobRecord, NotificationRecord, ObjectionRecord
from certificate_store.repos._convert import to_record


class ObjectionRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, *, certificate_id: int, filed_by_role: str, filed_by: str, reason: str,
            evidence: str, filed_at: dt.datetime, due_at: dt.datetime,
            due_provisional: bool) -> ObjectionRecord:
        row = Objection(certificate_id=certificate_id, filed_by_role=filed_by_role,
                        filed_by=filed_by, reason=reason, evidence=evidence, state="open",
                        filed_at=filed_at, due_at=due_at, due_provisional=due_provisional)
        self._s.add(row)
        self._s.flush()
        return to_record(row, ObjectionRecord)

    def get(self, objection_id: int, *, lock: bool = False) -> ObjectionRecord:
        row = self._s.get(Objection, objection_id, with_for_update=lock)
        if row is None:
            raise NotFound(f"objection {objection_id}")
        return to_record(row, ObjectionRecord)

    def answer(self, objection_id: int, answer: str, state: str, now: dt.datetime) -> ObjectionRecord:
        row = self._s.get(Objection, objection_id, with_for_update=True)
        if row is None:
            raise NotFound(f"objection {objection_id}")
        row.answer, row.state, row.answered_at = answer, state, now
        self._s.flush()
        return to_record(row, ObjectionRecord)

    def for_certificates(self, certificate_ids: list[int]) -> list[ObjectionRecord]:
        if not certificate_ids:
            return []
        rows = self._s.scalars(select(Objection).where(
            Objection.certificate_id.in_(certificate_ids)).order_by(Objection.id))
        return [to_record(r, ObjectionRecord) for r in rows]

    def filed_between(self, since: dt.datetime, until: dt.datetime
                      ) -> list[tuple[ObjectionRecord, str, str]]:
        """Objections filed in [since, until) with their certificate's type and issuer."""
        rows = self._s.execute(
            select(Objection, Certificate.type_code, Certificate.issuer_code)
            .join(Certificate, Certificate.id == Objection.certificate_id)
            .where(Objection.filed_at >= since, Objection.filed_at < until)
            .order_by(Objection.id)).all()
        return [(to_record(o, ObjectionRecord), t, i) for o, t, i in rows]

    def open_overdue(self, now: dt.datetime) -> list[ObjectionRecord]:
        rows = self._s.scalars(select(Objection).where(
            Objection.state == "open", Objection.due_at < now,
            Objection.overdue_flagged_at.is_(None)).order_by(Objection.id))
        return [to_record(r, ObjectionRecord) for r in rows]

    def open_provisional(self) -> list[ObjectionRecord]:
        rows = self._s.scalars(select(Objection).where(
            Objection.state == "open", Objection.due_provisional.is_(True)))
        return [to_record(r, ObjectionRecord) for r in rows]

    def set_due(self, objection_id: int, due_at: dt.datetime, provisional: bool) -> None:
        row = self._s.get(Objection, objection_id)
        if row is None:
            raise NotFound(f"objection {objection_id}")
        row.due_at, row.due_provisional = due_at, provisional

    def flag_overdue(self, objection_id: int, now: dt.datetime) -> None:
        row = self._s.get(Objection, objection_id)
        if row is None:
            raise NotFound(f"objection {objection_id}")
        row.overdue_flagged_at = now

    def due_for_escalation(self, now: dt.datetime) -> list[ObjectionRecord]:
        """Open objections past their deadline that no one escalated yet."""
        rows = self._s.scalars(select(Objection).where(
            Objection.state == "open", Objection.due_at < now,
            Objection.escalated_at.is_(None)).order_by(Objection.id))
        return [to_record(r, ObjectionRecord) for r in rows]

    def escalate(self, objection_id: int, now: dt.datetime) -> None:
        row = self._s.get(Objection, objection_id, with_for_update=True)
        if row is None:
            raise NotFound(f"objection {objection_id}")
        row.escalated_at = now

    def escalated(self, *, pending_only: bool, limit: int) -> list[ObjectionRecord]:
        """The authority's queue: escalated objections, oldest deadline first."""
        q = select(Objection).where(Objection.escalated_at.is_not(None))
        if pending_only:
            q = q.where(Objection.coordinated_at.is_(None))
        rows = self._s.scalars(q.order_by(Objection.due_at, Objection.id).limit(limit))
        return [to_record(r, ObjectionRecord) for r in rows]

    def coordinate(self, objection_id: int, *, text: str, state: str, by: str,
                   now: dt.datetime, close: bool) -> ObjectionRecord:
        """Record the authority's coordinated answer; `close` ends an objection still open."""
        row = self._s.get(Objection, objection_id, with_for_update=True)
        if row is None:
            raise NotFound(f"objection {objection_id}")
        row.coordination, row.coordination_state = text, state
        row.coordinated_by, row.coordinated_at = by, now
        if close:
            row.state = "coordinated"
        self._s.flush()
        return to_record(row, ObjectionRecord)


class NotificationRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def enqueue(self, *, kind: str, recipient: str, certificate_id: int | None, payload: str,
                due_at: dt.datetime, dedupe_key: str, now: dt.datetime) -> bool:
        """Queue once per dedupe key; returns False when it was already queued."""
        try:
            with self._s.begin_nested():
                self._s.add(Notification(kind=kind, recipient=recipient,
                                         certificate_id=certificate_id, payload=payload,
                                         due_at=due_at, created_at=now, dedupe_key=dedupe_key))
                self._s.flush()
        except IntegrityError:
            return False
        return True

    def pending(self, recipient: str | None = None) -> list[NotificationRecord]:
        q = select(Notification).where(Notification.sent_at.is_(None))
        if recipient is not None:
            q = q.where(Notification.recipient == recipient)
        return [to_record(r, NotificationRecord) for r in self._s.scalars(q.order_by(Notification.id))]

    def pending_count(self) -> int:
        """Notifications queued and not yet sent (the outbox's depth, for monitoring)."""
        q = select(func.count()).select_from(Notification).where(Notification.sent_at.is_(None))
        return int(self._s.scalar(q) or 0)


class ImportJobRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def find(self, issuer_code: str, type_code: str, source_sha256: str) -> ImportJobRecord | None:
        row = self._s.scalars(select(ImportJob).where(
            ImportJob.issuer_code == issuer_code, ImportJob.type_code == type_code,
            ImportJob.source_sha256 == source_sha256).order_by(ImportJob.id.desc())).first()
        return None if row is None else to_record(row, ImportJobRecord)

    def create(self, *, issuer_code: str, type_code: str, source_name: str, source_sha256: str,
               now: dt.datetime) -> ImportJobRecord:
        row = ImportJob(issuer_code=issuer_code, type_code=type_code, source_name=source_name,
                        source_sha256=source_sha256, state="running", created_at=now,
                        updated_at=now)
        self._s.add(row)
        self._s.flush()
        return to_record(row, ImportJobRecord)

    def running(self) -> list[ImportJobRecord]:
        """Import jobs not finished, oldest first (their progress, for monitoring)."""
        q = select(ImportJob).where(ImportJob.state == "running").order_by(ImportJob.id)
        return [to_record(r, ImportJobRecord) for r in self._s.scalars(q.limit(100))]

    def get(self, job_id: int) -> ImportJobRecord:
        row = self._s.get(ImportJob, job_id)
        if row is None:
            raise NotFound(f"import job {job_id}")
        return to_record(row, ImportJobRecord)

    def progress(self, job_id: int, *, rows_done: int, issued: int, skipped: int, rejected: int,
                 state: str, now: dt.datetime) -> None:
        row = self._s.get(ImportJob, job_id, with_for_update=True)
        if row is None:
            raise NotFound(f"import job {job_id}")
        row.rows_done, row.issued, row.skipped, row.rejected = rows_done, issued, skipped, rejected
        row.state, row.updated_at = state, now
