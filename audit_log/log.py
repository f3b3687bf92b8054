"""The audit-log service: append entries, sign tree heads, serve proofs and listings.

Every method takes the caller's ``UnitOfWork``: an entry commits together with the change it
records, or not at all. Time is always passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from audit_log import merkle, tiles
from audit_log.actor import Actor
from audit_log.append import AuditEntryInput, AuditReceipt, append_entries
from audit_log.errors import AuditError, CosignatureInvalid, InvalidEntry, TreeSizeError
from audit_log.formats import (
    Cosignature,
    HeadSigner,
    HeadVerifier,
    TreeHead,
    cosignature_message,
)
from certificate_store.db import UnitOfWork
from certificate_store.repos.audit import (
    AuditEntryRecord,
    CosignatureRecord,
    EntryFilter,
    TreeHeadRecord,
)

# Statistic buckets: an action counts in a bucket when it equals a prefix or starts with
# prefix + ".".
STAT_BUCKETS: Mapping[str, tuple[str, ...]] = {
    "issue": ("certificate.issue",),
    "change": ("certificate.change",),
    "status": ("certificate.status", "certificate.revoke"),
    "lookup": ("certificate.lookup", "certificate.use", "certificate.download",
               "certificate.annotated_copy"),
}


@dataclass(frozen=True, slots=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    audit_path: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class EntryPage:
    entries: tuple[AuditEntryRecord, ...]
    next_before: int | None  # pass as ``before`` for the next (older) page; None at the end


@dataclass(frozen=True, slots=True)
class DeptStats:
    actor_dept: str | None
    since: dt.datetime
    until: dt.datetime
    counts: Mapping[str, int] = field(
        default_factory=dict
    )  # bucket -> count, plus "other", "total"


def _to_head(r: TreeHeadRecord) -> TreeHead:
    return TreeHead(r.tree_size, r.timestamp_ms, r.root_hash, r.signature, r.key_id)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _ms(t: dt.datetime) -> int:
    """Milliseconds since the epoch, exact (no float rounding)."""
    if t.tzinfo is None:
        raise InvalidEntry("naive datetime")
    return (t - _EPOCH) // dt.timedelta(milliseconds=1)


def _bucket(action: str) -> str:
    for name, prefixes in STAT_BUCKETS.items():
        if any(action == p or action.startswith(p + ".") for p in prefixes):
            return name
    return "other"


class AuditLog:
    """Stateless service; one instance per process. ``origin`` names the log in checkpoints."""

    def __init__(self, origin: str = "ecert.example/audit") -> None:
        self.origin = origin

    # ------------------------------------------------------------------ append

    def record(
        self,
        uow: UnitOfWork,
        *,
        now: dt.datetime,
        actor: str,
        actor_dept: str | None,
        role: str,
        action: str,
        cert_identifier: str | None = None,
        purpose: str | None = None,
        request_id: str | None = None,
        details: Mapping[str, Any],
    ) -> AuditReceipt:
        """Append one entry in the caller's transaction (serialised across processes)."""
        return self.record_many(uow, [AuditEntryInput(
            now=now, actor=actor, actor_dept=actor_dept, role=role, action=action,
            details=details, cert_identifier=cert_identifier, purpose=purpose,
            request_id=request_id)])[0]

    def record_many(
        self, uow: UnitOfWork, entries: Sequence[AuditEntryInput]
    ) -> list[AuditReceipt]:
        """Append ``entries`` in order, in the caller's transaction, as one contiguous range.

        Exactly what calling ``record`` once per entry would store (same leaves, same indices,
        same subtree nodes), with one read of the stored left siblings and one bulk insert.
        """
        return append_entries(uow.audit, entries)

    def record_by(
        self,
        uow: UnitOfWork,
        who: Actor,
        *,
        now: dt.datetime,
        action: str,
        cert_identifier: str | None = None,
        purpose: str | None = None,
        details: Mapping[str, Any],
    ) -> AuditReceipt:
        """``record`` with actor, department, role and request id taken from an ``Actor``."""
        return self.record(
            uow,
            now=now,
            actor=who.name,
            actor_dept=who.dept_code,
            role=who.role,
            action=action,
            cert_identifier=cert_identifier,
            purpose=purpose,
            request_id=who.request_id,
            details=details,
        )

    # ------------------------------------------------------------------ tree and heads

    def size(self, uow: UnitOfWork) -> int:
        return uow.audit.size()

    def _subtree_fn(self, uow: UnitOfWork, fn: Callable[..., Any], *args: int) -> merkle.SubtreeFn:
        coords = merkle.needed_subtrees(fn, *args)
        nodes = tiles.nodes_from(coords, uow.audit.get_tiles(tiles.needed(coords)))
        missing = [c for c in coords if c not in nodes]
        if missing:
            raise AuditError(f"stored node {missing[0]} missing; run the audit verifier")
        return lambda level, index: nodes[(level, index)]

    def root(self, uow: UnitOfWork, tree_size: int) -> bytes:
        return merkle.root(tree_size, self._subtree_fn(uow, merkle.root, tree_size))

    def sign_head(self, uow: UnitOfWork, signer: HeadSigner, now: dt.datetime) -> TreeHead:
        """Sign the current tree. If the newest head already has this size, return it."""
        repo = uow.audit
        size = repo.reserve_index()  # takes the append lock: no entry can slip in meanwhile
        latest = repo.latest_head()
        if latest is not None and latest.tree_size == size:
            return _to_head(latest)
        # Timestamps never go backwards, even if this process's clock lags another's.
        ts = max(_ms(now), latest.timestamp_ms if latest else 0)
        root = self.root(uow, size)
        unsigned = TreeHead(size, ts, root, b"", signer.key_id)
        head = TreeHead(size, ts, root, signer.sign(unsigned.signed_data()), signer.key_id)
        repo.insert_head(
            TreeHeadRecord(
                head.tree_size, head.timestamp_ms, head.root_hash, head.signature, head.key_id
            )
        )
        return head

    def maybe_sign_head(
        self,
        uow: UnitOfWork,
        signer: HeadSigner | Callable[[], HeadSigner],
        now: dt.datetime,
        every_n: int,
        every_seconds: float,
    ) -> TreeHead | None:
        """Sign when ``every_n`` entries or ``every_seconds`` have passed since the newest head.

        Decided first on what this transaction sees, without the append lock: a head that is
        not due then is not due (every entry this transaction wrote, or saw committed, is
        counted; later ones take their own decision). Only a due head takes the lock and
        decides again. ``signer`` may be a function making it: then it is made (a key lookup)
        only when a head is due, not on every audited request (issue 11, B3)."""
        repo = uow.audit
        if not self._head_due(repo.known_size(), repo.latest_head(), now, every_n,
                              every_seconds):
            return None
        size = repo.reserve_index()
        if self._head_due(size, repo.latest_head(), now, every_n, every_seconds):
            return self.sign_head(uow, signer() if callable(signer) else signer, now)
        return None

    @staticmethod
    def _head_due(size: int, latest: TreeHeadRecord | None, now: dt.datetime, every_n: int,
                  every_seconds: float) -> bool:
        if latest is None:
            return size > 0
        if size == latest.tree_size:
            return False
        return (size - latest.tree_size >= every_n
                or _ms(now) - latest.timestamp_ms >= every_seconds * 1000)

    def latest_head(self, uow: UnitOfWork) -> TreeHead | None:
        r = uow.audit.latest_head()
        return None if r is None else _to_head(r)

    def get_head(self, uow: UnitOfWork, tree_size: int) -> TreeHead:
        r = uow.audit.get_head(tree_size)
        if r is None:
            raise TreeSizeError(f"no signed tree head of size {tree_size}")
        return _to_head(r)

    def heads(self, uow: UnitOfWork) -> list[TreeHead]:
        return [_to_head(r) for r in uow.audit.heads()]

    # ------------------------------------------------------------------ proofs

    def _check_size(self, uow: UnitOfWork, tree_size: int) -> None:
        if tree_size < 0 or (tree_size > 0 and not uow.audit.has_entry(tree_size - 1)):
            raise TreeSizeError(f"tree size {tree_size} is beyond the log")

    def inclusion_proof(self, uow: UnitOfWork, leaf: int | bytes, tree_size: int) -> InclusionProof:
        """Proof for a leaf given by index or by leaf hash (the first entry with that hash)."""
        self._check_size(uow, tree_size)
        if isinstance(leaf, (bytes, bytearray)):
            rec = uow.audit.find_by_leaf_hash(bytes(leaf))
            if rec is None or rec.idx >= tree_size:
                raise TreeSizeError("no entry with that leaf hash in the tree")
            index, lh = rec.idx, rec.leaf_hash
        else:
            index = int(leaf)
            if not 0 <= index < tree_size:
                raise TreeSizeError(f"leaf {index} outside tree of size {tree_size}")
            lh = b""
        sub = self._subtree_fn(uow, _inclusion_with_leaf, index, tree_size)
        path = merkle.inclusion_proof(index, tree_size, sub)
        return InclusionProof(index, tree_size, lh or sub(0, index), tuple(path))

    def consistency_proof(self, uow: UnitOfWork, first: int, second: int) -> list[bytes]:
        self._check_size(uow, second)
        if not 0 < first <= second:
            raise TreeSizeError(f"no consistency proof from {first} to {second}")
        sub = self._subtree_fn(uow, merkle.consistency_proof, first, second)
        return merkle.consistency_proof(first, second, sub)

    # ------------------------------------------------------------------ reading

    def entries(self, uow: UnitOfWork, start: int, end: int) -> list[AuditEntryRecord]:
        """Entries start <= idx < end (get-entries has an inclusive end: pass end + 1)."""
        if start < 0 or end < start:
            raise TreeSizeError("bad entry range")
        return uow.audit.entries(start, end)

    def list_entries(
        self,
        uow: UnitOfWork,
        *,
        actor_dept: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        cert_identifier: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> EntryPage:
        """Newest first. ``action`` ending in "." is a prefix ("certificate." = all of them)."""
        limit = max(1, min(limit, 1000))
        f = EntryFilter(actor_dept, actor, action, cert_identifier, since, until)
        rows = uow.audit.list_entries(f, before=before, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return EntryPage(tuple(rows), rows[-1].idx if more and rows else None)

    def statistics(
        self,
        uow: UnitOfWork,
        periods: Sequence[tuple[dt.datetime, dt.datetime]],
        *,
        actor_dept: str | None = None,
    ) -> list[DeptStats]:
        """Counts per department and period [since, until) in buckets issue/change/status/lookup."""
        out: list[DeptStats] = []
        for since, until in periods:
            per: dict[str | None, dict[str, int]] = {}
            for dept, action, n in uow.audit.count_actions(
                EntryFilter(actor_dept=actor_dept, since=since, until=until)
            ):
                c = per.setdefault(dept, {k: 0 for k in (*STAT_BUCKETS, "other", "total")})
                c[_bucket(action)] += n
                c["total"] += n
            for dept in sorted(per, key=lambda d: (d is None, d or "")):
                out.append(DeptStats(dept, since, until, per[dept]))
        return out

    # ------------------------------------------------------------------ cosignatures

    def store_cosignature(
        self, uow: UnitOfWork, cosig: Cosignature, verifier: HeadVerifier, now: dt.datetime
    ) -> None:
        """Keep a witness cosignature after checking it against our own head of that size."""
        head = uow.audit.get_head(cosig.tree_size)
        if head is None or head.root_hash != cosig.root_hash:
            raise CosignatureInvalid("cosignature is not for a tree head of this log")
        msg = cosignature_message(self.origin, cosig.tree_size, cosig.root_hash, cosig.timestamp)
        if not verifier.verify(msg, cosig.signature):
            raise CosignatureInvalid("cosignature does not verify")
        uow.audit.insert_cosignature(
            CosignatureRecord(
                cosig.tree_size,
                cosig.witness_name,
                cosig.witness_key_id,
                cosig.timestamp,
                cosig.signature,
                now,
            )
        )

    def cosignatures(self, uow: UnitOfWork, tree_size: int) -> list[Cosignature]:
        head = uow.audit.get_head(tree_size)
        if head is None:
            return []
        return [
            Cosignature(
                c.tree_size,
                head.root_hash,
                c.witness_name,
                c.witness_key_id,
                c.timestamp,
                c.signature,
            )
            for c in uow.audit.cosignatures(tree_size)
        ]

    def head_with_cosignatures(
        self, uow: UnitOfWork, tree_size: int | None = None
    ) -> tuple[TreeHead, list[Cosignature]]:
        head = self.latest_head(uow) if tree_size is None else self.get_head(uow, tree_size)
        if head is None:
            raise TreeSizeError("no signed tree head yet")
        return head, self.cosignatures(uow, head.tree_size)


def _inclusion_with_leaf(index: int, tree_size: int, sub: merkle.SubtreeFn) -> list[bytes]:
    sub(0, index)
    return merkle.inclusion_proof(index, tree_size, sub)


def iter_leaf_inputs(records: Iterable[AuditEntryRecord]) -> list[bytes]:
    return [r.leaf_input for r in records]
