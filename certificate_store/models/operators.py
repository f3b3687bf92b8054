"""Named operators (Art. 21, 22): the people behind tokens and client certificates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from certificate_store.models.base import Base, UtcDateTime


class Operator(Base):
    """A person of a department (or of the platform, `dept_code` None) who holds credentials.

    `placeholder` marks the operator the migration made for credentials issued before
    operators existed; `subject` is the identity provider's claim that maps a sign-in to them.
    """

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dept_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    post: Mapped[str] = mapped_column(String(60))
    # the role a sign-in through the identity provider gives (None: no sign-in, tokens only)
    role: Mapped[str | None] = mapped_column(String(10))
    subject: Mapped[str | None] = mapped_column(String(200), unique=True)
    placeholder: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class OperatorCredential(Base):
    """Binds a client certificate (by serial) to its operator; tokens carry `operator_id`."""

    __tablename__ = "operator_client_certs"

    serial: Mapped[str] = mapped_column(String(50), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
