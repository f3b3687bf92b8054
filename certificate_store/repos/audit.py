"""Audit-log persistence (entries, Merkle subtree nodes, signed tree heads, cosignatures).

Persistence only: the Merkle arithmetic lives in `audit_log`, which calls these primitives
inside the caller's transaction. Appends are serialised: on PostgreSQL `reserve_index` takes a
transaction-scoped advisory lock before reading the size; on SQLite `BEGIN IMMEDIATE` (see
`certificate_store.db`) already makes every transaction a single writer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Table,
    func,
    insert,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from certificate_store.bulkinsert import insert_rows
from certificate_store.errors import Conflict
from certificate_store.models.audit import (
    AuditCosignatureRow,
    AuditEntryRow,
    AuditTileRow,
    AuditTreeHeadRow,
    AuditWitnessRow,
)
from certificate_store.repos.audit_pg import (
    UPSERT_MAX,
    locked_read,
    upsert_tiles,
)

_UNREAD = object()  # the newest head is not known to this transaction yet (audit_pg.py)


@dataclass(frozen=True, slots=True)
class AuditEntryRecord:
    idx: int
    created_at: dt.datetime
    actor: str
    actor_dept: str | None
    role: str
    action: str
    cert_identifier: str | None
    purpose: str | None
    request_id: str | None
    details_hash: str
    details: str
    leaf_input: bytes
    leaf_hash: bytes


@dataclass(frozen=True, slots=True)
class TreeHeadRecord:
    tree_size: int
    timestamp_ms: int
    root_hash: bytes
    signature: bytes
    key_id: str


@dataclass(frozen=True, slots=True)
class CosignatureRecord:
    tree_size: int
    witness_name: str
    witness_key_id: str
    timestamp: int
    signature: bytes
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class WitnessRecord:
    name: str
    key_id: str
    public_key: bytes
    added_at: dt.datetime
    added_by: str


@dataclass(frozen=True, slots=True)
class EntryFilter:
    actor_dept: str | None = None
    actor: str | None = None
    action: str | None = None  # exact action, or a prefix when it ends with "."
    cert_identifier: str | None = None
    since: dt.datetime | None = None  # inclusive
    until: dt.datetime | None = None  # exclusive


_FIELDS = tuple(AuditEntryRecord.__dataclass_fields__)
_ENTRY_COLS = [getattr(AuditEntryRow, f) for f in _FIELDS]
_ENTRY_TABLE = cast(Table, AuditEntryRow.__table__)
_TILE_TABLE = cast(Table, AuditTileRow.__table__)


def _entry(row: Sequence[object]) -> AuditEntryRecord:
    return AuditEntryRecord(*row)  # type: ignore[arg-type]


class AuditRepo:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._next: int | None = None  # next index, known once the append lock is held
        # tiles as this transaction sees them: read under the lock or written by it
        self._fresh: dict[tuple[int, int], bytes] = {}
        # the newest head, read under the append lock (then nobody else can add one)
        self._head: TreeHeadRecord | None | object = _UNREAD

    # ------------------------------------------------------------------ append

    def reserve_index(self) -> int:
        """Index the next entry gets; takes the append lock on first use in this transaction."""
        if self._next is None:
            if self._s.get_bind().dialect.name == "postgresql":
                self._locked_read()
            else:
                self._next = self.size()
        assert self._next is not None
        return self._next

    def _locked_read(self) -> None:
        """Take the append lock and read size, newest tiles and newest head in one round
        trip (`audit_pg.locked_read`)."""
        size, tiles, head = locked_read(self._s.connection())
        self._next = size
        for key, h in tiles.items():
            self._fresh.setdefault(key, h)
        self._head = None if head is None else TreeHeadRecord(*head)

    def known_size(self) -> int:
        """``size()``, without a query once this transaction holds the append lock (nobody
        else can append then, so the index reserved next is the size)."""
        return self._next if self._next is not None else self.size()

    def size(self) -> int:
        top = self._s.connection().exec_driver_sql("SELECT max(idx) FROM audit_entries").scalar()
        return 0 if top is None else int(top) + 1

    def insert_entries(
        self,
        recs: Sequence[AuditEntryRecord],
        tiles: Sequence[tuple[int, int, bytes]],
        replaced: Collection[tuple[int, int]] = (),
    ) -> None:
        """Insert entries ``recs``, contiguous from the reserved index, and write ``tiles``
        (level, tile index, hashes): the new ones, and the grown partial tiles ``replaced``."""
        if not recs:
            return
        first = self.reserve_index()
        if [r.idx for r in recs] != list(range(first, first + len(recs))):
            raise ValueError(f"entries are not contiguous from the reserved index {first}")
        # Core-free inserts (COPY on PostgreSQL, the driver's executemany on SQLite): no ORM
        # bookkeeping for rows nobody reads back (certificate_store.bulkinsert).
        insert_rows(self._s, _ENTRY_TABLE, [{f: getattr(r, f) for f in _FIELDS} for r in recs])
        conn = self._s.connection()
        if conn.dialect.name == "postgresql" and len(tiles) <= UPSERT_MAX:
            upsert_tiles(conn, tiles)  # grown and new tiles alike, one round trip
            self._fresh.update({(lv, ix): h for lv, ix, h in tiles})
            self._next = first + len(recs)
            return
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        if replaced:  # grown partial tiles: rewritten (delete + insert: one form on both dialects)
            conn.exec_driver_sql(
                f"DELETE FROM audit_tiles WHERE level = {mark} AND tile_index = {mark}",  # noqa: S608
                list(replaced))
        if tiles:
            insert_rows(self._s, _TILE_TABLE,
                        [{"level": lv, "tile_index": ix, "hashes": h} for lv, ix, h in tiles])
            for lv, ix, h in tiles:
                self._fresh[(lv, ix)] = h
        self._next = first + len(recs)

    # ------------------------------------------------------------------ tiles

    def get_tiles(self, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """Stored tiles for (level, tile index) pairs; missing pairs are simply absent."""
        want = set(keys)
        out = {k: self._fresh[k] for k in want if k in self._fresh}
        rest = sorted(want - out.keys())
        conn = self._s.connection()
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        for i in range(0, len(rest), 200):
            chunk = rest[i : i + 200]
            # Plain driver SQL: an OR of primary-key equalities uses the index on both SQLite and
            # PostgreSQL (a row-value IN made SQLite scan) and skips per-shape SQL compilation.
            cond = " OR ".join([f"(level = {mark} AND tile_index = {mark})"] * len(chunk))
            params = tuple(x for c in chunk for x in c)
            sql = f"SELECT level, tile_index, hashes FROM audit_tiles WHERE {cond}"  # noqa: S608
            for lv, ix, h in conn.exec_driver_sql(sql, params):
                out[(int(lv), int(ix))] = bytes(h)
        return out

    def iter_tiles(self, batch: int = 500) -> Iterator[tuple[int, int, bytes]]:
        """(level, tile index, hashes) of every stored tile, in (level, index) order."""
        after = (-1, -1)
        while True:
            q = (
                select(AuditTileRow.level, AuditTileRow.tile_index, AuditTileRow.hashes)
                .where(tuple_(AuditTileRow.level, AuditTileRow.tile_index) > tuple_(*after))
                .order_by(AuditTileRow.level, AuditTileRow.tile_index)
                .limit(batch)
            )
            rows = self._s.execute(q).all()
            if not rows:
                return
            for lv, ix, h in rows:
                yield int(lv), int(ix), bytes(h)
            after = (int(rows[-1][0]), int(rows[-1][1]))

    # ------------------------------------------------------------------ entries

    def get_entry(self, idx: int) -> AuditEntryRecord | None:
        row = self._s.execute(select(*_ENTRY_COLS).where(AuditEntryRow.idx == idx)).first()
        return None if row is None else _entry(row)

    def has_entry(self, idx: int) -> bool:
        conn = self._s.connection()
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        sql = f"SELECT 1 FROM audit_entries WHERE idx = {mark}"  # noqa: S608 - fixed text
        return conn.exec_driver_sql(sql, (idx,)).first() is not None

    def find_by_leaf_hash(self, leaf_hash: bytes) -> AuditEntryRecord | None:
        q = (
            select(*_ENTRY_COLS)
            .where(AuditEntryRow.leaf_hash == leaf_hash)
            .order_by(AuditEntryRow.idx)
        )
        row = self._s.execute(q.limit(1)).first()
        return None if row is None else _entry(row)

    def entries(self, start: int, end: int) -> list[AuditEntryRecord]:
        """Entries with start <= idx < end, ascending (gaps are the caller's to notice)."""
        q = (
            select(*_ENTRY_COLS)
            .where(AuditEntryRow.idx >= start, AuditEntryRow.idx < end)
            .order_by(AuditEntryRow.idx)
        )
        return [_entry(r) for r in self._s.execute(q)]

    def iter_entries(self, batch: int = 5000) -> Iterator[AuditEntryRecord]:
        conn = self._s.connection()  # Core rows: no ORM loading for a full scan (audit verify)
        after = -1
        while True:
            q = select(*_ENTRY_COLS).where(AuditEntryRow.idx > after).order_by(AuditEntryRow.idx)
            rows = conn.execute(q.limit(batch)).all()
            if not rows:
                return
            for r in rows:
                yield _entry(r)
            after = int(rows[-1][0])

    def iter_window(self, since: dt.datetime, until: dt.datetime, actions: Collection[str],
                    batch: int = 5000
                    ) -> Iterator[tuple[dt.datetime, str, str | None, str | None, str]]:
        """(time, action, actor department, certificate identifier, details) of entries with
        one of `actions` in [since, until), oldest first, streamed in batches."""
        after = -1
        cols = (AuditEntryRow.idx, AuditEntryRow.created_at, AuditEntryRow.action,
                AuditEntryRow.actor_dept, AuditEntryRow.cert_identifier, AuditEntryRow.details)
        while True:
            rows = self._s.execute(select(*cols).where(
                AuditEntryRow.idx > after, AuditEntryRow.created_at >= since,
                AuditEntryRow.created_at < until, AuditEntryRow.action.in_(list(actions)),
            ).order_by(AuditEntryRow.idx).limit(batch)).all()
            for r in rows:
                yield r[1], r[2], r[3], r[4], r[5]
            if len(rows) < batch:
                return
            after = int(rows[-1][0])

    def _where(self, f: EntryFilter) -> list[ColumnElement[bool]]:
        cond: list[ColumnElement[bool]] = []
        if f.actor_dept is not None:
            cond.append(AuditEntryRow.actor_dept == f.actor_dept)
        if f.actor is not None:
            cond.append(AuditEntryRow.actor == f.actor)
        if f.action is not None:
            if f.action.endswith("."):
                cond.append(AuditEntryRow.action.startswith(f.action, autoescape=True))
            else:
                cond.append(AuditEntryRow.action == f.action)
        if f.cert_identifier is not None:
            cond.append(AuditEntryRow.cert_identifier == f.cert_identifier)
        if f.since is not None:
            cond.append(AuditEntryRow.created_at >= f.since)
        if f.until is not None:
            cond.append(AuditEntryRow.created_at < f.until)
        return cond

    def list_entries(
        self, f: EntryFilter, *, before: int | None, limit: int
    ) -> list[AuditEntryRecord]:
        """Newest first; keyset pagination on idx (pass the last idx seen as ``before``)."""
        q = select(*_ENTRY_COLS).where(*self._where(f))
        if before is not None:
            q = q.where(AuditEntryRow.idx < before)
        q = q.order_by(AuditEntryRow.idx.desc()).limit(limit)
        return [_entry(r) for r in self._s.execute(q)]

    def count_actions(self, f: EntryFilter) -> list[tuple[str | None, str, int]]:
        """(actor_dept, action, count) for entries matching ``f``."""
        q = (
            select(AuditEntryRow.actor_dept, AuditEntryRow.action, func.count())
            .where(*self._where(f))
            .group_by(AuditEntryRow.actor_dept, AuditEntryRow.action)
        )
        return [(d, str(a), int(n)) for d, a, n in self._s.execute(q)]

    # ------------------------------------------------------------------ heads

    def insert_head(self, head: TreeHeadRecord) -> None:
        self._s.execute(
            insert(AuditTreeHeadRow), [{f: getattr(head, f) for f in head.__dataclass_fields__}]
        )
        if self._head is not _UNREAD:
            self._head = head  # heads are added under the append lock, in size order

    def get_head(self, tree_size: int) -> TreeHeadRecord | None:
        row = self._s.get(AuditTreeHeadRow, tree_size)
        return None if row is None else _head(row)

    def latest_head(self) -> TreeHeadRecord | None:
        if self._head is not _UNREAD:  # read under the append lock: still the newest
            return cast("TreeHeadRecord | None", self._head)
        q = select(AuditTreeHeadRow).order_by(AuditTreeHeadRow.tree_size.desc()).limit(1)
        row = self._s.execute(q).scalar_one_or_none()
        return None if row is None else _head(row)

    def heads(self) -> list[TreeHeadRecord]:
        q = select(AuditTreeHeadRow).order_by(AuditTreeHeadRow.tree_size)
        return [_head(r) for r in self._s.execute(q).scalars()]

    # ------------------------------------------------------------------ cosignatures

    def insert_cosignature(self, c: CosignatureRecord) -> None:
        self._s.execute(
            insert(AuditCosignatureRow), [{f: getattr(c, f) for f in c.__dataclass_fields__}]
        )

    def cosignatures(self, tree_size: int) -> list[CosignatureRecord]:
        q = (
            select(AuditCosignatureRow)
            .where(AuditCosignatureRow.tree_size == tree_size)
            .order_by(AuditCosignatureRow.witness_name, AuditCosignatureRow.witness_key_id)
        )
        return [
            CosignatureRecord(
                r.tree_size,
                r.witness_name,
                r.witness_key_id,
                r.timestamp,
                bytes(r.signature),
                r.created_at,
            )
            for r in self._s.execute(q).scalars()
        ]


    # ------------------------------------------------------------------ registered witnesses

    def add_witness(self, w: WitnessRecord) -> None:
        if self._s.get(AuditWitnessRow, w.name) is not None:
            raise Conflict(f"witness {w.name!r} is already registered")
        self._s.add(AuditWitnessRow(**{f: getattr(w, f) for f in w.__dataclass_fields__}))
        self._s.flush()

    def witness(self, name: str) -> WitnessRecord | None:
        row = self._s.get(AuditWitnessRow, name)
        return None if row is None else _witness(row)

    def witnesses(self) -> list[WitnessRecord]:
        q = select(AuditWitnessRow).order_by(AuditWitnessRow.name)
        return [_witness(r) for r in self._s.execute(q).scalars()]


def _witness(r: AuditWitnessRow) -> WitnessRecord:
    return WitnessRecord(r.name, r.key_id, bytes(r.public_key), r.added_at, r.added_by)


def _head(r: AuditTreeHeadRow) -> TreeHeadRecord:
    return TreeHeadRecord(
        r.tree_size, r.timestamp_ms, bytes(r.root_hash), bytes(r.signature), r.key_id
    )
