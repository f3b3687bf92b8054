"""AuditLog.record_many stores exactly what one `record` per entry would (SQLite, PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from audit_log import AuditLog, merkle
from audit_log.append import AuditEntryInput
from audit_log.verify import verify_log
from certificate_store.db import Store, sqlite_url
from certificate_store.models.audit import AuditTileRow
from certificate_store.models.base import Base

from .conftest import AUDIT_TABLES, T0, HmacSigner

LOG = AuditLog(origin="ecert.test/audit")


def _entry(i: int) -> AuditEntryInput:
    return AuditEntryInput(
        now=T0 + dt.timedelta(seconds=i // 7),  # runs of entries share a time
        actor=f"user{i % 3}",
        actor_dept=None if i % 4 == 0 else f"dept{i % 2}",
        role="issuer",
        action="certificate.issue",
        details={"n": i, "名称": "营业执照", "source_key": None},
        cert_identifier=None if i % 9 == 0 else f"CERT{i}\u00e9\"",
        purpose="审核" if i % 5 == 0 else None,
        request_id=f"req-{i}",
    )


def _dump(store: Store) -> tuple[list[object], list[tuple[int, int, bytes]]]:
    with store.transaction() as uow:
        entries = list(uow.audit.iter_entries())
        s = uow._session  # noqa: SLF001 - test reads the raw tile table
        nodes = [
            (int(lv), int(ix), bytes(h))
            for lv, ix, h in s.execute(
                select(AuditTileRow.level, AuditTileRow.tile_index, AuditTileRow.hashes).order_by(
                    AuditTileRow.level, AuditTileRow.tile_index
                )
            )
        ]
    return entries, nodes


# Batch boundaries chosen to start and end at, just after and between powers of two.
CHUNKS = [1, 2, 1, 4, 3, 5, 16, 1, 31, 64, 7, 120]


def test_record_many_matches_record(store: Store, tmp_path: Path, signer: HmacSigner) -> None:
    ref = Store(sqlite_url(tmp_path / "ref.db"))
    Base.metadata.create_all(ref.engine, tables=AUDIT_TABLES)
    i = 0
    for n in CHUNKS:
        batch = [_entry(j) for j in range(i, i + n)]
        with store.transaction() as uow:
            if n % 2:  # mix single appends and batches in one transaction
                LOG.record(uow, **{f: getattr(batch[0], f) for f in batch[0].__slots__})
                got = LOG.record_many(uow, batch[1:])
                assert [r.index for r in got] == list(range(i + 1, i + n))
            else:
                got = LOG.record_many(uow, batch)
                assert [r.index for r in got] == list(range(i, i + n))
        with ref.transaction() as uow:
            for e in batch:
                LOG.record(uow, **{f: getattr(e, f) for f in e.__slots__})
        i += n
    with store.transaction() as uow:
        assert LOG.record_many(uow, []) == []
    got_entries, got_nodes = _dump(store)
    ref_entries, ref_nodes = _dump(ref)
    assert got_entries == ref_entries
    assert got_nodes == ref_nodes
    with store.transaction() as uow:
        assert uow.audit.size() == i
        leaves = [e.leaf_input for e in uow.audit.iter_entries()]
        assert LOG.root(uow, i) == merkle.root_from_entries(leaves)
        LOG.sign_head(uow, signer, T0 + dt.timedelta(days=1))
    with store.transaction() as uow:
        res = verify_log(uow, signer, T0 + dt.timedelta(days=2))
    assert res.ok, res.findings
    ref.dispose()


def test_record_many_rejects_naive_time(store: Store) -> None:
    bad = AuditEntryInput(now=dt.datetime(2026, 1, 1), actor="a", actor_dept=None, role="r",
                          action="x", details={})
    with pytest.raises(Exception, match="naive"), store.transaction() as uow:
        LOG.record_many(uow, [_entry(0), bad])
    with store.transaction() as uow:
        assert uow.audit.size() == 0


@pytest.mark.parametrize("cert", [None, "", "X", "\u00e9\"\\\u2028", "\x00cert_identifier\x00",
                                  "\x00idx\x00", "\x00details_sha256\x00"])
def test_leaf_bytes_equals_the_canonical_json_of_its_members(cert: str | None) -> None:
    # record_many used to splice values into a template; leaf_bytes now writes the members
    # out directly (issue 11) and must still be the JCS form of the leaf object
    from audit_log.entry import canonical_json, format_time, leaf_bytes

    for actor in ("alice", "\x00idx\x00"):
        for idx in (0, 1, 2**53 - 1):
            assert leaf_bytes(
                idx=idx, created_at=T0, actor=actor, actor_dept="D", role="issuer",
                action="a.b", cert_identifier=cert, purpose="p", request_id=None,
                details_hash="ab" * 32) == canonical_json({
                    "v": 1, "idx": idx, "created_at": format_time(T0), "actor": actor,
                    "actor_dept": "D", "role": "issuer", "action": "a.b",
                    "cert_identifier": cert, "purpose": "p", "request_id": None,
                    "details_sha256": "ab" * 32})
        with pytest.raises(Exception, match="JSON-safe"):
            leaf_bytes(idx=2**53, created_at=T0, actor=actor, actor_dept="D", role="issuer",
                       action="a.b", cert_identifier=cert, purpose="p", request_id=None,
                       details_hash="ab" * 32)
