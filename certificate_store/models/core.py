"""Tables for departments, the platform PKI, the catalog and API access."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from certificate_store.models.base import Base, UtcDateTime


class Department(Base):
    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(18), primary_key=True)  # USCC
    name: Mapped[str] = mapped_column(String(200))
    supervisor_code: Mapped[str | None] = mapped_column(String(18))
    # Art. 9 para 2: a reorganised department's certificates move to its successor.
    successor_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class PkiCertificate(Base):
    """Every certificate the platform CA issued: root, TSA, OCSP, audit, department, client."""

    __tablename__ = "pki_certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    dept_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"), index=True)
    key_label: Mapped[str] = mapped_column(String(100))
    serial: Mapped[str] = mapped_column(String(50), unique=True)  # decimal
    x5t_s256: Mapped[str] = mapped_column(String(64), unique=True)
    der: Mapped[bytes] = mapped_column(LargeBinary)
    not_before: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    not_after: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # active: signs new things; retired: verifies old signatures only; revoked: see reason.
    state: Mapped[str] = mapped_column(String(10), default="active")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class CrlState(Base):
    __tablename__ = "crl_state"

    ca_name: Mapped[str] = mapped_column(String(50), primary_key=True)
    last_number: Mapped[int] = mapped_column(BigInteger, default=0)
    last_issued_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class SerialCounter(Base):
    """Per-purpose monotone counters (certificate serials, TSA serials); row-locked on use."""

    __tablename__ = "serial_counters"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    next_value: Mapped[int] = mapped_column(BigInteger, default=1)


class CertificateType(Base):
    """A catalog entry (Art. 8), versioned: a new definition is a new row."""

    __tablename__ = "certificate_types"
    __table_args__ = (UniqueConstraint("type_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    type_code: Mapped[str] = mapped_column(String(21), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    defining_dept: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    definition: Mapped[str] = mapped_column(Text)  # canonical JSON
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ApiToken(Base):
    """Opaque bearer tokens. Only the SHA-256 of the 256-bit secret is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    role: Mapped[str] = mapped_column(String(10))
    dept_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    holder_hash: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # Art. 22: the named operator the token belongs to (None: a holder's own token).
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), index=True)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    dept_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ListGeneration(Base):
    """A counter per signed list (``trust``, ``status``), bumped in the same transaction as
    any change the list reflects, so every worker process sees the change at its next
    request (certificate_store.generations)."""

    __tablename__ = "list_generations"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class DepartmentSeal(Base):
    """A department's seal image (印章图样, Art. 8), uploaded by the department: a PNG with
    transparency, drawn on its faces. The picture carries no legal weight (the signature does)."""

    __tablename__ = "department_seals"

    dept_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), primary_key=True)
    png: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    uploaded_by: Mapped[str] = mapped_column(String(200))
