"""Migration 0009_objection_evidence on SQLite and on the real PostgreSQL: objections filed
before it keep their data and become escalatable; the downgrade removes what it added."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from certificate_store import Store
from certificate_store.migrations import alembic_config
from tests.conftest import drop_pg_schema, pg_schema_url

DEPT = "11540000MB0000103X"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    schema, url = pg_schema_url()
    try:
        yield url
    finally:
        drop_pg_schema(schema)


def test_upgrade_keeps_objections_and_downgrade_removes_the_additions(empty_url: str) -> None:
    store = Store(empty_url)
    cfg = alembic_config(store.engine)
    command.upgrade(cfg, "0008")
    now = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
    with store.engine.begin() as c:
        c.execute(text("INSERT INTO departments (code, name, active, created_at) "
                       "VALUES (:c, '人社厅', true, :n)"), {"c": DEPT, "n": now})
        c.execute(text("INSERT INTO certificates (base_identifier, type_code, type_version,"
                       " issuer_code, serial, current_version, status, holder_hash, created_at,"
                       " updated_at, row_version) VALUES ('b', 't', 1, :d, 's', 1, '01', 'h', :n,"
                       " :n, 1)"), {"n": now, "d": DEPT})
        cid = c.execute(text("SELECT id FROM certificates")).scalar_one()
        c.execute(text("INSERT INTO objections (certificate_id, filed_by_role, filed_by, reason,"
                       " evidence, state, filed_at, due_at, due_provisional) VALUES (:c, 'holder',"
                       " 'holder:h', '旧异议', '', 'open', :n, :d, false)"),
                  {"c": cid, "n": now, "d": now + dt.timedelta(days=7)})
    store.create_schema()  # 0009 (and whatever follows) on the old data
    later = now + dt.timedelta(days=8)
    with store.transaction() as uow:
        (old,) = uow.objections.due_for_escalation(later)
        assert old.reason == "旧异议" and old.escalated_at is None
        uow.objections.escalate(old.id, later)
        assert uow.evidence.for_objections([old.id]) == {old.id: []}
    with store.transaction() as uow:
        assert [o.id for o in uow.objections.escalated(pending_only=True, limit=10)] == [old.id]
    command.downgrade(cfg, "0008")
    insp = inspect(store.engine)
    assert "objection_evidence" not in insp.get_table_names()
    assert "escalated_at" not in {c["name"] for c in insp.get_columns("objections")}
    store.dispose()
