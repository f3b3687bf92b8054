"""Shared fixtures: a fresh database per test module on SQLite and on the real PostgreSQL,
a platform with a generated PKI, and an HTTP client over the real app."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REPO = Path(__file__).resolve().parent.parent


class Clock:
    """A settable clock: tests move time explicitly."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> dt.datetime:
        self.now += dt.timedelta(**kw)
        return self.now


def pg_schema_url() -> tuple[str, str]:
    schema = "t_" + secrets.token_hex(6)
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {schema}")
    return schema, f"{PG_BASE}?options=-csearch_path%3D{schema}"


def drop_pg_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as c:
        c.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'ecert.db'}"
        return
    schema, url = pg_schema_url()
    try:
        yield url
    finally:
        drop_pg_schema(schema)


@pytest.fixture(scope="module")
def clock() -> Clock:
    # Starts at the real time: openssl and pdfsig judge validity against the real clock.
    return Clock(dt.datetime.now(dt.UTC).replace(microsecond=0))


@pytest.fixture(scope="module")
def platform(database_url: str, tmp_path_factory: pytest.TempPathFactory, clock: Clock):  # type: ignore[no-untyped-def]
    from ecert.cli.common import cli_actor
    from ecert.platform import Platform
    from ecert.settings import load_settings

    data_dir = tmp_path_factory.mktemp("data")
    settings = load_settings({"ECERT_DATABASE_URL": database_url,
                              "ECERT_KEY_PASSPHRASE": "test-passphrase-0123456789",
                              "ECERT_BASE_URL": "https://ecert.test",
                              "ECERT_STH_EVERY_N": "5"}, data_dir=data_dir)
    p = Platform(settings, clock=clock)
    p.initialise(cli_actor())
    yield p
    p.store.dispose()


@pytest.fixture(scope="module")
def client(platform):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from ecert.http.app import create_app

    with TestClient(create_app(platform.settings, platform), base_url="https://ecert.test") as c:
        yield c


@pytest.fixture(scope="module")
def admin_token(platform) -> str:  # type: ignore[no-untyped-def]
    from ecert.cli.common import cli_actor

    return platform.create_token(role="admin", dept_code=None, holder_code=None, label="test",
                                 ttl_days=1, actor=cli_actor()).secret


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def tool(name: str) -> str:
    """A console script of the test environment (pkilint…) even when the venv is not on PATH."""
    import shutil
    import sys

    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else (shutil.which(name) or name)
