"""Reliability fixtures: a seeded platform on SQLite and on PostgreSQL (its own schema on the
shared server), and the scale of the run: short in the suite, long under `./dev soak`
(ECERT_RELIABILITY=long)."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import drop_pg_schema, pg_schema_url

PASSPHRASE = "test-passphrase-0123456789"
LONG = os.environ.get("ECERT_RELIABILITY") == "long"
RESULTS = os.environ.get("ECERT_RELIABILITY_RESULTS")


def scale(short: float, long: float) -> Any:
    return long if LONG else short


def report(name: str, figures: dict[str, Any]) -> None:
    """Long runs append their figures to the results file (docs/reliability.md quotes it)."""
    if RESULTS:
        with Path(RESULTS).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"test": name, **figures}, ensure_ascii=False, default=str) + "\n")


def env_for(url: str, **extra: str) -> dict[str, str]:
    return {"ECERT_DATABASE_URL": url, "ECERT_KEY_PASSPHRASE": PASSPHRASE,
            "ECERT_BASE_URL": "https://ecert.test", "ECERT_STH_EVERY_N": "5", **extra}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ecert.db'}"
        return
    schema, url = pg_schema_url()
    try:
        yield url
    finally:
        drop_pg_schema(schema)


def pg_database() -> tuple[str, str]:
    """A database of its own on the shared server (psycopg URL for SQLAlchemy, name)."""
    import psycopg

    name = "rel_" + secrets.token_hex(6)
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", name


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def seeded_platform(url: str, data_dir: Path, per_type: int = 1) -> Any:
    """`ecert init`, the demo departments, types and certificates in every state (issued by
    the producers through the API, as `ecert demo` does), one key rotation (a retired
    department key) and a signed head."""
    from fastapi.testclient import TestClient

    from ecert.cli.common import cli_actor
    from ecert.http.app import create_app
    from ecert.platform import Platform
    from ecert.settings import load_settings
    from producers._common import DEPARTMENTS
    from producers.client import PlatformClient
    from producers.demo import producer_departments, run_producers

    p = Platform(load_settings(env_for(url), data_dir=data_dir))
    actor = cli_actor()
    p.initialise(actor)
    for code, name in DEPARTMENTS.values():
        p.add_department(code, name, None, actor)
    with TestClient(create_app(p.settings, p), base_url=p.settings.base_url) as http:
        clients = {key: PlatformClient(http, p.create_token(
            role="issuer", dept_code=code, holder_code=None, label=f"producer {key}",
            ttl_days=1, actor=actor).secret) for key, code in producer_departments().items()}
        authority = PlatformClient(http, p.create_token(
            role="authority", dept_code=None, holder_code=None, label="authority", ttl_days=1,
            actor=actor).secret)
        res = run_producers(clients, per_type=per_type, authority=authority)
    p.rotate_key(next(iter(res.departments.values())), actor, None)
    with p.store.transaction() as uow:
        p.audit.sign_head(uow, p.head_signer(uow), p.now())
    return p
