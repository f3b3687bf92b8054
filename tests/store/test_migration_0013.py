"""Migration 0013 (pdf_archives) goes up and down, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from certificate_store import Store
from certificate_store.migrations import alembic_config, current_revision


def _down_revision() -> str:
    from alembic.script import ScriptDirectory

    rev = ScriptDirectory.from_config(alembic_config()).get_revision("0013")
    assert rev is not None and isinstance(rev.down_revision, str)
    return rev.down_revision


def test_0013_up_and_down(database_url: str) -> None:
    store = Store(database_url)
    store.create_schema()
    assert "pdf_archives" in inspect(store.engine).get_table_names()
    cols = {c["name"] for c in inspect(store.engine).get_columns("pdf_archives")}
    assert {"key", "source_key", "identifier", "data", "stamps", "stamped_at",
            "tsa_not_after", "created_at"} <= cols
    command.downgrade(alembic_config(store.engine), _down_revision())
    assert "pdf_archives" not in inspect(store.engine).get_table_names()
    assert current_revision(store.engine) == _down_revision()
    store.create_schema()
    assert "pdf_archives" in inspect(store.engine).get_table_names()
    store.dispose()
