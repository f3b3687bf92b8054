"""Archived copies of kept PDFs (PAdES B-LTA, issue 11): made and re-stamped by a
housekeeping batch job, served to `archived=true` requests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from certificate_store.models.base import Base, UtcDateTime


class PdfArchive(Base):
    """The archived copy of one kept B-LT PDF (its blob-cache key is ``source_key``)."""

    __tablename__ = "pdf_archives"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    source_key: Mapped[str] = mapped_column(String(200), unique=True)
    identifier: Mapped[str] = mapped_column(String(120), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    stamps: Mapped[int] = mapped_column(Integer)
    """Archive (document) time stamps in ``data``."""
    stamped_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    """The last archive time stamp's time."""
    tsa_not_after: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    """When the last stamp's TSA certificate expires (re-stamp before)."""
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
