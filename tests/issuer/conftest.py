from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from issuer_helpers import (
    World,
    drop_pg_schema,
    make_world,
    pg_available,
    pg_schema_store,
    sqlite_store,
)

from certificate_store.db import Store

_PG = pg_available()


def _params() -> list[object]:
    return ["sqlite", pytest.param("postgres", marks=[
        pytest.mark.postgres,
        pytest.mark.skipif(not _PG, reason="PostgreSQL at 127.0.0.1:5432 not reachable")])]


@pytest.fixture(params=_params())
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = sqlite_store(tmp_path / "t.db")
        yield s
        s.dispose()
    else:
        s, schema = pg_schema_store()
        yield s
        drop_pg_schema(s, schema)


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Store]:
    s = sqlite_store(tmp_path / "t.db")
    yield s
    s.dispose()


@pytest.fixture
def world(store: Store) -> World:
    return make_world(store)
