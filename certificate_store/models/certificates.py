"""Certificates, their immutable versions, status history and what hangs off them."""

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


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("type_code", "issuer_code", "serial"),
        UniqueConstraint("issuer_code", "source_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Identifier without version and check character: type.issuer.serial
    base_identifier: Mapped[str] = mapped_column(String(120), unique=True)
    type_code: Mapped[str] = mapped_column(String(21), index=True)
    type_version: Mapped[int] = mapped_column(Integer)
    issuer_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    serial: Mapped[str] = mapped_column(String(40))
    # Searchable without keeping the raw ID number in an index: SHA-256 of the holder code.
    holder_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(2), index=True)
    current_version: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    valid_to: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)
    # Imports map one source record to one certificate however often they run.
    source_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # Optimistic concurrency: every update bumps it and checks the old value.
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    # Random position in the bitstring status list (shard = index // shard size); never
    # issuance order, so a shard says nothing about when or by whom (verifier.bitstring).
    status_index: Mapped[int | None] = mapped_column(BigInteger, unique=True)

    __mapper_args__ = {"version_id_col": row_version}


class CertificateVersion(Base):
    """Immutable: one row per version of a certificate's data, with its signed record."""

    __tablename__ = "certificate_versions"
    __table_args__ = (UniqueConstraint("certificate_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    identifier: Mapped[str] = mapped_column(String(130), unique=True)
    canonical: Mapped[bytes] = mapped_column(LargeBinary)  # RFC 8785 bytes that were signed
    jws: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    signing_cert: Mapped[str] = mapped_column(String(64))  # x5t#S256 of the signing certificate
    change_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class CoSignature(Base):
    """Immutable: a co-signing department's signature of one version's record (a certificate
    its type has several issuing departments sign, e.g. 共同签署的移交验收合格意见书)."""

    __tablename__ = "co_signatures"
    __table_args__ = (UniqueConstraint("certificate_id", "version", "dept_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    dept_code: Mapped[str] = mapped_column(String(18))
    jws: Mapped[str] = mapped_column(Text)  # the same RFC 8785 bytes, signed by that department
    sha256: Mapped[str] = mapped_column(String(64))  # of the record signed
    signing_cert: Mapped[str] = mapped_column(String(64))  # x5t#S256
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class StatusEvent(Base):
    """Status changes and recorded events (inspection, extension) with reason, time and actor."""

    __tablename__ = "status_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    event: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(2))
    to_status: Mapped[str] = mapped_column(String(2))
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(120))
    actor_dept: Mapped[str | None] = mapped_column(String(18))
    details: Mapped[str] = mapped_column(Text, default="{}")
    sha256: Mapped[str] = mapped_column(String(64))  # over the canonical event, also in the audit log


class AnnotatedCopy(Base):
    __tablename__ = "annotated_copies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    using_dept: Mapped[str] = mapped_column(String(18))
    purpose: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Objection(Base):
    """Art. 17: disputes answered within 5 working days."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    filed_by_role: Mapped[str] = mapped_column(String(10))
    filed_by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(12), default="open")
    filed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    overdue_flagged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # escalation to the supervising authority (migration 0009_objection_evidence)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)
    coordinated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    coordinated_by: Mapped[str | None] = mapped_column(String(200))
    coordination: Mapped[str | None] = mapped_column(Text)
    coordination_state: Mapped[str | None] = mapped_column(String(12))


class Notification(Base):
    """Outbox: reminders and notices, delivered by a separate worker."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(30))
    recipient: Mapped[str] = mapped_column(String(120))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    payload: Mapped[str] = mapped_column(Text, default="{}")
    due_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)


class ImportJob(Base):
    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer_code: Mapped[str] = mapped_column(String(18))
    type_code: Mapped[str] = mapped_column(String(21))
    source_name: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="running")
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    issued: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class BlobCache(Base):
    """Rendered PDFs and QR images, made when first asked for (never during bulk issuance)."""

    __tablename__ = "blob_cache"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(50))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
