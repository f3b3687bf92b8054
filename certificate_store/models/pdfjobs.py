"""PDFs waiting for their time stamp (issue 12): the time-stamping service was unreachable
when the PDF was first asked for, so the PDF is withheld and signed again later."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from certificate_store.models.base import Base, UtcDateTime


class PdfJob(Base):
    """One PDF of one version (its blob-cache key) to sign once the TSA answers."""

    __tablename__ = "pdf_jobs"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(120), index=True)
    what: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending | signed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
