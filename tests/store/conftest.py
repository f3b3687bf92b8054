"""A store on SQLite and on PostgreSQL (a schema of its own) with one department."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import drop_pg_schema, pg_schema_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    from certificate_store import Store

    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        schema, url = pg_schema_url()
    s = Store(url)
    s.create_schema()
    with s.transaction() as uow:
        uow.departments.add("11540000MB0000001X", "测试厅", None,
                            dt.datetime(2026, 11, 30, tzinfo=dt.UTC))
    try:
        yield s
    finally:
        s.dispose()
        if schema:
            drop_pg_schema(schema)
