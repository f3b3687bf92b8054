from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from verifier_world import World

from certificate_store import Store
from certificate_store.models import Base

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _sqlite_store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'ecert.db'}")
    Base.metadata.create_all(store.engine)
    return store


@pytest.fixture
def pg_store():
    """A fresh schema per test (search_path set on every connection), dropped after."""
    schema = f"verifier_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    store = Store(f"{PG_URL}?options=-csearch_path%3D{schema}")
    Base.metadata.create_all(store.engine)
    yield store
    store.dispose()
    with admin.begin() as c:
        c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def pg_world(pg_store) -> World:
    return World.build(pg_store)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request, tmp_path) -> World:
    if request.param == "sqlite":
        return World.build(_sqlite_store(tmp_path))
    return request.getfixturevalue("pg_world")


@pytest.fixture
def sqlite_world(tmp_path) -> World:
    return World.build(_sqlite_store(tmp_path))
