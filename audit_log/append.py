"""Appending entries: leaves, the hash tiles they extend, one bulk insert.

:meth:`audit_log.log.AuditLog.record_many` calls :func:`append_entries` in the caller's
transaction; the entry types are here so both sides share them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from audit_log import merkle, tiles
from audit_log.entry import canonical_json, details_sha256, format_time, leaf_bytes
from audit_log.errors import AuditError
from certificate_store.repos.audit import AuditEntryRecord, AuditRepo

__all__ = ["AuditEntryInput", "AuditReceipt", "append_entries"]


@dataclass(frozen=True, slots=True)
class AuditReceipt:
    index: int
    leaf_hash: bytes


@dataclass(frozen=True, slots=True)
class AuditEntryInput:
    """One entry for ``AuditLog.record_many``: the keyword arguments of ``AuditLog.record``."""

    now: dt.datetime
    actor: str
    actor_dept: str | None
    role: str
    action: str
    details: Mapping[str, Any]
    cert_identifier: str | None = None
    purpose: str | None = None
    request_id: str | None = None


def append_entries(repo: AuditRepo, entries: Sequence[AuditEntryInput]) -> list[AuditReceipt]:
    """Append ``entries`` in order as one contiguous range (see ``AuditLog.record_many``)."""
    if not entries:
        return []
    prepared = [_prepare(e) for e in entries]  # rejects bad entries before taking the lock
    start = repo.reserve_index()
    records: list[AuditEntryRecord] = []
    hashes: list[bytes] = []
    for idx, (e, details_text, dhash) in enumerate(prepared, start):
        leaf_input = leaf_bytes(idx=idx, created_at=e.now, actor=e.actor, actor_dept=e.actor_dept,
                                role=e.role, action=e.action, cert_identifier=e.cert_identifier,
                                purpose=e.purpose, request_id=e.request_id, details_hash=dhash)
        lh = merkle.leaf_hash(leaf_input)
        hashes.append(lh)
        records.append(_record(e, idx, details_text, dhash, leaf_input, lh))
    tails = repo.get_tiles(tiles.tail_keys(start))
    try:
        grown = tiles.extend(start, tails, hashes)
    except ValueError as exc:
        raise AuditError(f"{exc}; run the audit verifier") from exc
    repo.insert_entries(records, grown, replaced=[(lv, ix) for lv, ix, _ in grown
                                                  if (lv, ix) in tails])
    return [AuditReceipt(r.idx, r.leaf_hash) for r in records]


def _prepare(e: AuditEntryInput) -> tuple[AuditEntryInput, bytes, str]:
    if e.now.tzinfo is None or e.now.utcoffset() is None:
        format_time(e.now)  # raises InvalidEntry for naive datetimes
    details_text = canonical_json(e.details)
    return e, details_text, details_sha256(details_text)


def _record(e: AuditEntryInput, idx: int, details_text: bytes, dhash: str, leaf_input: bytes,
            lh: bytes) -> AuditEntryRecord:
    return AuditEntryRecord(
        idx=idx,
        created_at=e.now,
        actor=e.actor,
        actor_dept=e.actor_dept,
        role=e.role,
        action=e.action,
        cert_identifier=e.cert_identifier,
        purpose=e.purpose,
        request_id=e.request_id,
        details_hash=dhash,
        details=details_text.decode("utf-8"),
        leaf_input=leaf_input,
        leaf_hash=lh,
    )
