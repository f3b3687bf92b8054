"""Shared fixtures: per test module, a template platform (generated PKI, database on SQLite
and on the real PostgreSQL); per test, a copy of it with its own database, data directory and
clock, and an HTTP client over the real app."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_BASE = f"{PG_SERVER}/test"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
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


@dataclass
class Template:
    """A platform built once per test module (root CA, keys, and whatever the module's own
    setup fixtures add through `client`). Tests never use it directly: each gets a copy of
    its database and data directory, and a clock of its own starting at `clock.now`."""

    backend: str
    platform: Any
    client: Any  # no lifespan: no housekeeping runs against the template
    clock: Clock
    data_dir: Path
    database_url: str
    pg_database: str | None
    drops: list[threading.Thread] = field(default_factory=list)

    def quiesce(self) -> None:
        # CREATE DATABASE … TEMPLATE refuses while anyone is connected to the template.
        self.platform.store.dispose()


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(sql)


def platform_settings(database_url: str, data_dir: Path, extra: dict[str, str]) -> Any:
    from ecert.settings import load_settings

    return load_settings({"ECERT_DATABASE_URL": database_url,
                          "ECERT_KEY_PASSPHRASE": "test-passphrase-0123456789",
                          "ECERT_BASE_URL": "https://ecert.test",
                          "ECERT_STH_EVERY_N": "5", **extra}, data_dir=data_dir)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    """Extra ECERT_* settings of this module's platform (override in a test module)."""
    return {}


@pytest.fixture(scope="module")
def template(backend: str, platform_env: dict[str, str],
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    from fastapi.testclient import TestClient

    from ecert.cli.common import cli_actor
    from ecert.http.app import create_app
    from ecert.platform import Platform

    root = tmp_path_factory.mktemp("template")
    pg_database = None
    if backend == "sqlite":
        url = f"sqlite:///{root / 'ecert.db'}"
    else:
        pg_database = "tpl_" + secrets.token_hex(6)
        _pg_admin(f"CREATE DATABASE {pg_database}")
        url = f"{PG_SERVER}/{pg_database}"
    # Starts at the real time: openssl and pdfsig judge validity against the real clock.
    clock = Clock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    settings = platform_settings(url, root / "data", platform_env)
    p = Platform(settings, clock=clock)
    tpl = Template(backend, p, TestClient(create_app(settings, p), base_url="https://ecert.test"),
                   clock, root / "data", url, pg_database)
    try:
        p.initialise(cli_actor())
        yield tpl
    finally:
        p.store.dispose()
        for t in tpl.drops:
            t.join()
        if pg_database:
            _pg_admin(f"DROP DATABASE IF EXISTS {pg_database} WITH (FORCE)")


@pytest.fixture
def database_url(template: Template, tmp_path: Path) -> Iterator[str]:
    """This test's own copy of the template's database."""
    template.quiesce()
    if template.backend == "sqlite":
        import sqlite3

        path = tmp_path / "ecert.db"
        src = sqlite3.connect(template.database_url.removeprefix("sqlite:///"))
        dst = sqlite3.connect(path)
        try:
            src.backup(dst)  # a consistent copy, whatever sits in the WAL
        finally:
            src.close()
            dst.close()
        yield f"sqlite:///{path}"
        return
    name = "t_" + secrets.token_hex(6)
    _pg_admin(f"CREATE DATABASE {name} TEMPLATE {template.pg_database}")
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        # Dropping takes a checkpoint's time; the next test need not wait for it.
        drop = threading.Thread(target=_pg_admin,
                                args=(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",))
        drop.start()
        template.drops.append(drop)


@pytest.fixture
def clock(template: Template) -> Clock:
    """This test's own clock, at the template's time."""
    return Clock(template.clock.now)


@pytest.fixture
def platform(template: Template, database_url: str, tmp_path: Path, clock: Clock,
             platform_env: dict[str, str]) -> Iterator[Any]:
    """This test's own platform: a copy of the template's data directory and database."""
    import shutil

    from ecert.platform import Platform

    data_dir = tmp_path / "data"
    shutil.copytree(template.data_dir, data_dir)
    p = Platform(platform_settings(database_url, data_dir, platform_env), clock=clock)
    yield p
    p.store.dispose()


@pytest.fixture
def client(platform: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from ecert.http.app import create_app

    with TestClient(create_app(platform.settings, platform), base_url="https://ecert.test") as c:
        yield c


@pytest.fixture(scope="module")
def admin_token(template: Template) -> str:
    from ecert.cli.common import cli_actor

    return template.platform.create_token(role="admin", dept_code=None, holder_code=None,
                                          label="test", ttl_days=1, actor=cli_actor()).secret


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def tool(name: str) -> str:
    """A console script of the test environment (pkilint…) even when the venv is not on PATH."""
    import shutil
    import sys

    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else (shutil.which(name) or name)
