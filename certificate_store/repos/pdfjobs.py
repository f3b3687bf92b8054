"""PDFs withheld until the time-stamping service answers: state, attempts, backoff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certificate_store.models.pdfjobs import PdfJob
from certificate_store.repos._convert import to_record


@dataclass(frozen=True)
class PdfJobRecord:
    key: str
    identifier: str
    what: str
    state: str  # pending | signed | obsolete
    attempts: int
    last_error: str
    next_attempt_at: dt.datetime
    created_at: dt.datetime
    completed_at: dt.datetime | None


class PdfJobRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def failed(self, key: str, identifier: str, what: str, error: str, now: dt.datetime,
               retry_at: dt.datetime) -> PdfJobRecord:
        """Count a failed attempt (the first one makes the job); retry at ``retry_at``."""
        row = self._s.get(PdfJob, key)
        if row is None:
            row = PdfJob(key=key, identifier=identifier, what=what, attempts=0, created_at=now)
            self._s.add(row)
        row.state, row.attempts, row.last_error = "pending", row.attempts + 1, error[:500]
        row.next_attempt_at, row.completed_at = retry_at, None
        self._s.flush()
        return to_record(row, PdfJobRecord)

    def get(self, key: str) -> PdfJobRecord | None:
        row = self._s.get(PdfJob, key)
        return None if row is None else to_record(row, PdfJobRecord)

    def done(self, key: str, now: dt.datetime) -> PdfJobRecord | None:
        """Mark a pending job signed (this attempt counted); None when none was pending."""
        row = self._s.get(PdfJob, key)
        if row is None or row.state != "pending":
            return None
        row.state, row.completed_at, row.attempts = "signed", now, row.attempts + 1
        self._s.flush()
        return to_record(row, PdfJobRecord)

    def close(self, key: str, state: str, now: dt.datetime) -> PdfJobRecord | None:
        """End a pending job without signing it (``obsolete``: a newer version exists)."""
        row = self._s.get(PdfJob, key)
        if row is None or row.state != "pending":
            return None
        row.state, row.completed_at = state, now
        self._s.flush()
        return to_record(row, PdfJobRecord)

    def due(self, now: dt.datetime, limit: int) -> list[PdfJobRecord]:
        rows = self._s.scalars(
            select(PdfJob).where(PdfJob.state == "pending", PdfJob.next_attempt_at <= now)
            .order_by(PdfJob.next_attempt_at).limit(limit))
        return [to_record(r, PdfJobRecord) for r in rows]

    def of(self, identifier: str) -> list[PdfJobRecord]:
        """The jobs of one version (its identifier), newest first."""
        rows = self._s.scalars(
            select(PdfJob).where(PdfJob.identifier == identifier)
            .order_by(PdfJob.created_at.desc()))
        return [to_record(r, PdfJobRecord) for r in rows]

    def pending_count(self) -> int:
        return int(self._s.scalar(
            select(func.count()).select_from(PdfJob).where(PdfJob.state == "pending")) or 0)
