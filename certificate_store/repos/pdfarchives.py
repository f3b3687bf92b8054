"""Archived copies (B-LTA) of kept PDFs: which kept PDFs still need one, which copies are
due for another archive time stamp, and the copies themselves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, load_only

from certificate_store.models.certificates import BlobCache
from certificate_store.models.pdfarchives import PdfArchive
from certificate_store.models.pdfjobs import PdfJob
from certificate_store.repos._convert import to_record


@dataclass(frozen=True)
class PdfArchiveRecord:
    key: str
    source_key: str
    identifier: str
    stamps: int
    stamped_at: dt.datetime
    tsa_not_after: dt.datetime
    created_at: dt.datetime


_FIELDS = (PdfArchive.key, PdfArchive.source_key, PdfArchive.identifier, PdfArchive.stamps,
           PdfArchive.stamped_at, PdfArchive.tsa_not_after, PdfArchive.created_at)


class PdfArchiveRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, key: str) -> PdfArchiveRecord | None:
        row = self._s.get(PdfArchive, key)
        return None if row is None else to_record(row, PdfArchiveRecord)

    def data(self, key: str) -> bytes | None:
        return self._s.scalar(select(PdfArchive.data).where(PdfArchive.key == key))

    def put(self, key: str, source_key: str, identifier: str, data: bytes, stamps: int,
            stamped_at: dt.datetime, tsa_not_after: dt.datetime,
            now: dt.datetime) -> PdfArchiveRecord:
        """Store the archived copy of ``source_key`` (new, or with one more stamp)."""
        row = self._s.get(PdfArchive, key)
        if row is None:
            row = PdfArchive(key=key, source_key=source_key, identifier=identifier,
                             created_at=now)
            self._s.add(row)
        row.data, row.stamps = data, stamps
        row.stamped_at, row.tsa_not_after = stamped_at, tsa_not_after
        self._s.flush()
        return to_record(row, PdfArchiveRecord)

    def unarchived(self, prefix: str, marker: str, archived_marker: str,
                   limit: int) -> list[tuple[str, str]]:
        """(blob key, content type) of kept PDFs under ``prefix`` whose key contains
        ``marker`` and that have no archived copy yet (key: ``marker`` replaced by
        ``archived_marker``) nor a pending retry job for it (`pdf_jobs`), in key order."""
        taken = select(PdfArchive.source_key).where(PdfArchive.source_key == BlobCache.key)
        waiting = select(PdfJob.key).where(
            PdfJob.key == func.replace(BlobCache.key, marker, archived_marker),
            PdfJob.state == "pending")
        rows = self._s.execute(
            select(BlobCache.key, BlobCache.content_type)
            .where(BlobCache.key.startswith(prefix), BlobCache.key.contains(marker),
                   ~taken.exists(), ~waiting.exists())
            .order_by(BlobCache.key).limit(limit))
        return [(k, ct) for k, ct in rows]

    def due(self, stamped_before: dt.datetime, tsa_expires_before: dt.datetime,
            limit: int) -> list[PdfArchiveRecord]:
        """Copies whose last stamp is older than ``stamped_before`` or whose TSA certificate
        expires before ``tsa_expires_before`` (and no pending retry job), oldest stamp first."""
        waiting = select(PdfJob.key).where(PdfJob.key == PdfArchive.key,
                                           PdfJob.state == "pending")
        rows = self._s.scalars(
            select(PdfArchive).options(load_only(*_FIELDS))
            .where(or_(PdfArchive.stamped_at < stamped_before,
                       PdfArchive.tsa_not_after < tsa_expires_before), ~waiting.exists())
            .order_by(PdfArchive.stamped_at, PdfArchive.key).limit(limit))
        return [to_record(r, PdfArchiveRecord) for r in rows]

    def count(self) -> int:
        return int(self._s.scalar(select(func.count()).select_from(PdfArchive)) or 0)
