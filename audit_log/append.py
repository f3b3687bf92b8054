"""Appending entries: leaves, the subtree nodes they complete, one bulk insert.

:meth:`audit_log.log.AuditLog.record_many` calls :func:`append_entries` in the caller's
transaction; the entry types are here so both sides share them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from audit_log import merkle
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
    end = start + len(prepared)
    completed = [merkle.subtrees_for_append(i) for i in range(start, end)]
    known = _stored_left_siblings(repo, start, completed)
    records: list[AuditEntryRecord] = []
    nodes: list[tuple[int, int, bytes]] = []
    receipts: list[AuditReceipt] = []
    for (e, details_text, dhash), idx, subs in zip(
        prepared, range(start, end), completed, strict=True
    ):
        leaf_input = leaf_bytes(idx=idx, created_at=e.now, actor=e.actor, actor_dept=e.actor_dept,
                                role=e.role, action=e.action, cert_identifier=e.cert_identifier,
                                purpose=e.purpose, request_id=e.request_id, details_hash=dhash)
        lh = merkle.leaf_hash(leaf_input)
        nodes.append((0, idx, lh))
        known[(0, idx)] = lh
        nodes.extend(_complete_subtrees(known, lh, subs))
        records.append(_record(e, idx, details_text, dhash, leaf_input, lh))
        receipts.append(AuditReceipt(idx, lh))
    repo.insert_entries(records, nodes)
    return receipts


def _prepare(e: AuditEntryInput) -> tuple[AuditEntryInput, bytes, str]:
    format_time(e.now)  # rejects naive datetimes
    details_text = canonical_json(e.details)
    return e, details_text, details_sha256(details_text)


def _stored_left_siblings(
    repo: AuditRepo, start: int, completed: Sequence[Sequence[tuple[int, int]]]
) -> dict[tuple[int, int], bytes]:
    """Left siblings completed before this batch come from the store; the rest are computed
    here, always before they are needed (a left subtree ends before its right sibling)."""
    before = {
        (lv - 1, 2 * ix)
        for subs in completed
        for lv, ix in subs
        if ((2 * ix + 1) << (lv - 1)) <= start  # left sibling's leaves all precede start
    }
    return repo.get_nodes(before) if before else {}


def _complete_subtrees(
    known: dict[tuple[int, int], bytes], leaf_hash: bytes, subs: Sequence[tuple[int, int]]
) -> list[tuple[int, int, bytes]]:
    """The subtree nodes a new leaf completes, bottom up; each is also added to ``known``."""
    nodes: list[tuple[int, int, bytes]] = []
    acc = leaf_hash
    for lv, ix in subs:
        left = known.get((lv - 1, 2 * ix))
        if left is None:
            raise AuditError(
                f"stored node ({lv - 1},{2 * ix}) missing; run the audit verifier"
            )
        acc = merkle.node_hash(left, acc)
        nodes.append((lv, ix, acc))
        known[(lv, ix)] = acc
    return nodes


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
