"""Migration 0010_audit_tiles on a log written in the old layout (one row per subtree node):
the backfill gives exactly the tiles today's appends write, the log verifies and keeps
growing, and the downgrade gives the old rows back (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert, text

from audit_log import AuditLog, merkle
from audit_log.append import AuditEntryInput
from audit_log.verify import verify_log
from certificate_store.db import Store, sqlite_url
from certificate_store.migrations import alembic_config
from certificate_store.models.audit import AuditEntryRow, AuditTreeHeadRow
from certificate_store.models.base import Base

from .conftest import AUDIT_TABLES, T0, HmacSigner, _params, drop_pg_schema, make_pg_schema

LOG = AuditLog(origin="ecert.test/audit")
N = 700  # past 256 leaves: two full level-0 tiles, a partial one, and a level-1 tile


@pytest.fixture(params=_params())
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "old.db")
        return
    schema, url = make_pg_schema()
    try:
        yield url
    finally:
        drop_pg_schema(schema)


def _entries(n: int) -> list[AuditEntryInput]:
    return [AuditEntryInput(now=T0 + dt.timedelta(seconds=i), actor=f"u{i % 3}", actor_dept="D",
                            role="issuer", action="certificate.issue", details={"n": i})
            for i in range(n)]


def _old_nodes(leaves: list[bytes]) -> list[tuple[int, int, bytes]]:
    """Every perfect subtree, as the old layout stored it."""
    out, level, lv = [], 0, leaves
    while lv:
        out += [(level, i, h) for i, h in enumerate(lv)]
        lv = [merkle.node_hash(lv[i], lv[i + 1]) for i in range(0, len(lv) - 1, 2)]
        level += 1
    return out


def _rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    with store.engine.connect() as c:
        return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                for r in c.execute(text(sql))]


def test_backfill_equals_appended_tiles(empty_url: str, tmp_path: Path,
                                        signer: HmacSigner) -> None:
    ref = Store(sqlite_url(tmp_path / "ref.db"))  # today's code writes the reference tiles
    Base.metadata.create_all(ref.engine, tables=AUDIT_TABLES)
    with ref.transaction() as uow:
        LOG.record_many(uow, _entries(N))
        LOG.sign_head(uow, signer, T0 + dt.timedelta(days=1))
    with ref.transaction() as uow:
        entries = [asdict(r) for r in uow.audit.iter_entries()]
        heads = [asdict(h) for h in uow.audit.heads()]
    want_tiles = _rows(ref, "SELECT level, tile_index, hashes FROM audit_tiles "
                            "ORDER BY level, tile_index")
    ref.dispose()

    store = Store(empty_url)
    cfg = alembic_config(store.engine)
    command.upgrade(cfg, "0009")  # the old layout, filled as the old code did
    with store.engine.begin() as c:
        c.execute(insert(AuditEntryRow.__table__), entries)
        c.execute(insert(AuditTreeHeadRow.__table__), heads)
        c.execute(text("INSERT INTO audit_nodes (level, node_index, hash) VALUES (:l, :i, :h)"),
                  [{"l": lv, "i": i, "h": h}
                   for lv, i, h in _old_nodes([e["leaf_hash"] for e in entries])])

    command.upgrade(cfg, "0010")
    assert _rows(store, "SELECT level, tile_index, hashes FROM audit_tiles "
                        "ORDER BY level, tile_index") == want_tiles
    with store.transaction() as uow:
        assert verify_log(uow, signer, T0 + dt.timedelta(days=2)).ok
        LOG.record_many(uow, _entries(N + 300)[N:])  # the log grows on the backfilled tiles
    with store.transaction() as uow:
        LOG.sign_head(uow, signer, T0 + dt.timedelta(days=3))
        res = verify_log(uow, signer, T0 + dt.timedelta(days=4))
    assert res.ok, res.findings

    command.downgrade(cfg, "0009")
    got = _rows(store, "SELECT level, node_index, hash FROM audit_nodes "
                       "ORDER BY level, node_index")
    leaves = [bytes(r[0]) for r in _rows(store, "SELECT leaf_hash FROM audit_entries "  # type: ignore[arg-type]
                                                "ORDER BY idx")]
    assert got == sorted(_old_nodes(leaves))
    store.dispose()
