"""Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from certificate_store import Store
from certificate_store.models import Base


def test_migrations_match_models(database_url: str) -> None:
    store = Store(database_url)
    store.create_schema()
    store.create_schema()  # idempotent: a second start-up applies nothing
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                Base.metadata)
    store.dispose()
    assert diff == []
