"""Fixtures: a fresh audit store per test on SQLite (tmp file) and on PostgreSQL (own schema)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import certificate_store.models.audit as audit_models
from certificate_store.db import Store, sqlite_url
from certificate_store.models.base import Base

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REPO_ROOT = Path(__file__).resolve().parents[2]
VECTORS = REPO_ROOT / "tests" / "vectors" / "transparency-dev-merkle"  # vendored: see tests/vectors/README.md
T0 = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)

AUDIT_TABLES = [
    m.__table__
    for m in (
        audit_models.AuditEntryRow,
        audit_models.AuditTileRow,
        audit_models.AuditTreeHeadRow,
        audit_models.AuditCosignatureRow,
    )
]


@dataclass
class HmacSigner:
    """Test stand-in for the ca package's ECDSA signer (and its verifier)."""

    key: bytes
    key_id: str = "test-hmac"

    def sign(self, data: bytes) -> bytes:
        return hmac.new(self.key, data, hashlib.sha256).digest()

    def verify(self, data: bytes, signature: bytes) -> bool:
        return hmac.compare_digest(self.sign(data), signature)


@pytest.fixture
def signer() -> HmacSigner:
    return HmacSigner(b"log key")


def pg_available() -> bool:
    try:
        eng = create_engine(PG_URL, connect_args={"connect_timeout": 2})
        with eng.connect():
            pass
        eng.dispose()
        return True
    except Exception:
        return False


_PG = pg_available()


def make_pg_schema() -> tuple[str, str]:
    """Create a fresh schema; return (schema, url whose connections use it)."""
    schema = "t_audit_" + secrets.token_hex(6)
    admin = create_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return schema, f"{PG_URL}?options=-csearch_path%3D{schema}"


def drop_pg_schema(schema: str) -> None:
    admin = create_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _params() -> list[object]:
    return [
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[pytest.mark.postgres, pytest.mark.skipif(not _PG, reason="no PostgreSQL")],
        ),
    ]


@pytest.fixture(params=_params())
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = Store(sqlite_url(tmp_path / "audit.db"))
        Base.metadata.create_all(s.engine, tables=AUDIT_TABLES)
        yield s
        s.dispose()
        return
    schema, url = make_pg_schema()
    s = Store(url)
    try:
        Base.metadata.create_all(s.engine, tables=AUDIT_TABLES)
        yield s
    finally:
        s.dispose()
        drop_pg_schema(schema)
