"""Audit-log tables: entries (Merkle leaves), hash tiles, signed heads, cosignatures.

Rows are append-only. Nothing here is trusted by the verifier: every stored hash is recomputed
from the entry fields by `audit_log.verify`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from certificate_store.models.base import Base, UtcDateTime


class AuditEntryRow(Base):
    __tablename__ = "audit_entries"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    actor_dept: Mapped[str | None] = mapped_column(
        String(200), nullable=True
    )  # None: holder/platform
    role: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    cert_identifier: Mapped[str | None] = mapped_column(String(100), nullable=True)
    purpose: Mapped[str | None] = mapped_column(Text, nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    details_hash: Mapped[str] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)
    leaf_input: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))

    __table_args__ = (
        Index("ix_audit_entries_leaf_hash", "leaf_hash"),
        Index("ix_audit_entries_dept_idx", "actor_dept", "idx"),
        Index("ix_audit_entries_actor_idx", "actor", "idx"),
        Index("ix_audit_entries_action_idx", "action", "idx"),
        Index("ix_audit_entries_cert_idx", "cert_identifier", "idx"),
        Index("ix_audit_entries_created_at", "created_at"),
    )


class AuditTileRow(Base):
    """Tile (level, tile_index): the hashes at Merkle level 8 * level with indices
    256 * tile_index ... 256 * tile_index + w - 1, concatenated (w <= 256; see audit_log.tiles)."""

    __tablename__ = "audit_tiles"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    tile_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hashes: Mapped[bytes] = mapped_column(LargeBinary)


class AuditTreeHeadRow(Base):
    __tablename__ = "audit_tree_heads"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(200))


class AuditCosignatureRow(Base):
    __tablename__ = "audit_cosignatures"

    tree_size: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("audit_tree_heads.tree_size"), primary_key=True, autoincrement=False
    )
    witness_name: Mapped[str] = mapped_column(String(200), primary_key=True)
    witness_key_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    timestamp: Mapped[int] = mapped_column(BigInteger)  # seconds, as signed by the witness
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class AuditWitnessRow(Base):
    """A witness the platform operator registered: only its cosignatures are accepted."""

    __tablename__ = "audit_witnesses"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # SubjectPublicKeyInfo DER
    added_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    added_by: Mapped[str] = mapped_column(String(200))
