"""PostgreSQL: an audited request's append makes few statements under the append lock
(certificate_store/repos/audit_pg.py), and what it reads under the lock is current."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from audit_log import AuditLog
from audit_log.verify import verify_log
from certificate_store.db import Store

from .conftest import T0, HmacSigner

LOG = AuditLog()


def _record(uow: Any, i: int) -> None:
    LOG.record(uow, now=T0 + dt.timedelta(seconds=i), actor="a", actor_dept="d", role="user",
               action="certificate.verify", details={"i": i})


@pytest.fixture
def pg(store: Store) -> Iterator[Store]:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's append path")
    yield store


def _statements(store: Store) -> tuple[list[str], Any]:
    seen: list[str] = []

    def log(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", log)
    return seen, log


def test_an_append_and_its_head_decision_take_three_statements(pg: Store,
                                                                signer: HmacSigner) -> None:
    for i in range(300):  # past a full tile, so the append also extends a level-1 tile
        with pg.transaction() as uow:
            _record(uow, i)
    with pg.transaction() as uow:
        LOG.sign_head(uow, signer, T0)
    seen, log = _statements(pg)
    try:
        with pg.transaction() as uow:
            _record(uow, 300)
            assert LOG.maybe_sign_head(uow, signer, T0, every_n=1000, every_seconds=3600) is None
    finally:
        event.remove(pg.engine, "before_cursor_execute", log)
    # the lock with every read, the entry, the tiles (the locked read runs on the raw cursor)
    assert len(seen) == 2, seen
    assert seen[0].startswith("INSERT INTO audit_entries")
    assert seen[1].startswith("INSERT INTO audit_tiles") and "ON CONFLICT" in seen[1]
    with pg.transaction() as uow:
        report = verify_log(uow, signer, T0 + dt.timedelta(days=2))
    assert report.ok and report.tree_size == 301, report


def test_the_head_read_under_the_lock_is_current(pg: Store, signer: HmacSigner) -> None:
    for i in range(3):
        with pg.transaction() as uow:
            _record(uow, i)
    with pg.transaction() as a:
        assert LOG.latest_head(a) is None  # read before the lock
        with pg.transaction() as b:  # another request: appends and signs a head meanwhile
            _record(b, 3)
            signed = LOG.sign_head(b, signer, T0)
        _record(a, 4)  # takes the lock: the head and the size are read anew
        latest = LOG.latest_head(a)
        assert latest == signed and latest.tree_size == 4
        head = LOG.maybe_sign_head(a, signer, T0, every_n=1, every_seconds=3600)
        assert head is not None and head.tree_size == 5
        assert LOG.latest_head(a) == head  # the head this transaction added
        assert LOG.sign_head(a, signer, T0 + dt.timedelta(days=1)) == head
    with pg.transaction() as uow:
        report = verify_log(uow, signer, T0 + dt.timedelta(days=2))
    assert report.ok and report.tree_size == 5, report
