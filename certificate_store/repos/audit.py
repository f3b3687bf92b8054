"""Audit-log persistence (entries, Merkle subtree nodes, signed tree heads, cosignatures)."""

from __future__ import annotations

from sqlalchemy.orm import Session


class AuditRepo:
    def __init__(self, session: Session) -> None:
        self._s = session
