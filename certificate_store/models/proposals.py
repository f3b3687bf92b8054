"""Proposals to the supervising authority (主管部门, Art. 4, 12, 15): catalog entries, grants of
personal data and holders' presentation scenarios take effect only once approved."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from certificate_store.models.base import Base, UtcDateTime


class Proposal(Base):
    """One proposal and its decision. `payload` is canonical JSON (what is proposed);
    `proposed_by`/`decided_by` name operators as the audit log does (person, post, number)."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10))  # catalog | grant | scenario
    type_code: Mapped[str] = mapped_column(String(21), index=True)
    dept_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    summary: Mapped[str] = mapped_column(String(300))
    payload: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), index=True)  # pending|approved|refused|withdrawn
    proposed_by: Mapped[str] = mapped_column(String(200))
    proposed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    applied_version: Mapped[int | None] = mapped_column(Integer)
