"""Test PKI, stores (SQLite / PostgreSQL schema) and a demo catalog for issuer tests."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from audit_log.actor import Actor
from audit_log.log import AuditLog
from ca import cert_profiles
from ca.jws import b64url
from ca.signer import MemorySigner, Signer
from certificate_store.db import Store, UnitOfWork
from certificate_store.models import Base
from formats.uscc import make_uscc
from issuer.catalog import CatalogService
from issuer.issuance import IssuanceService

PG_URL = os.environ.get("ECERT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NOW = dt.datetime(2026, 11, 29, 2, 0, tzinfo=dt.UTC)
ADMIN = Actor(name="admin", role="admin")

DEPT_A = make_uscc("11540000MB0000001")
DEPT_B = make_uscc("11540000MB0000002")
DEPT_C = make_uscc("11540000MB0000003")
TYPE_A = DEPT_A + "001"


@dataclass(frozen=True)
class Key:
    signer: Signer
    cert_der: bytes
    x5t_s256: str


class TestKeys:
    """DepartmentKeys for tests: one in-memory P-256 key per department under a test root."""

    __test__ = False

    def __init__(self) -> None:
        self.root = MemorySigner.generate("root")
        self.root_der = cert_profiles.issue_root_ca(self.root, "Test Root", NOW - dt.timedelta(days=1))
        self.keys: dict[str, Key] = {}

    def enrol(self, code: str, name: str) -> Key:
        s = MemorySigner.generate(f"dept-{code}")
        der = cert_profiles.issue_department_cert(self.root, self.root_der, s.public_key_der, name,
                                                  code, "https://ecert.test", None,
                                                  NOW - dt.timedelta(days=1))
        import hashlib
        key = Key(s, der, b64url(hashlib.sha256(der).digest()))
        self.keys[code] = key
        return key

    def signing_key(self, uow: UnitOfWork, dept_code: str) -> Key:
        return self.keys[uow.departments.current_holder(dept_code)]


def sqlite_store(path: Path) -> Store:
    store = Store(f"sqlite:///{path}")
    Base.metadata.create_all(store.engine)
    return store


def pg_available() -> bool:
    try:
        eng = create_engine(PG_URL, connect_args={"connect_timeout": 2})
        with eng.connect() as c:
            c.execute(text("select 1"))
        eng.dispose()
        return True
    except Exception:
        return False


def pg_schema_store() -> tuple[Store, str]:
    schema = "iss_" + uuid.uuid4().hex[:10]
    eng = create_engine(PG_URL)
    with eng.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()
    store = pg_store(schema)
    Base.metadata.create_all(store.engine)
    return store, schema


def pg_store(schema: str) -> Store:
    store = Store(PG_URL)
    store.engine.dispose()
    store.engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"},
                                 pool_size=5, max_overflow=5)
    from sqlalchemy.orm import sessionmaker
    store._sessions = sessionmaker(store.engine, expire_on_commit=False)  # noqa: SLF001
    return store


def drop_pg_schema(store: Store, schema: str) -> None:
    store.dispose()
    eng = create_engine(PG_URL)
    with eng.begin() as c:
        c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    eng.dispose()


def type_definition(code: str = TYPE_A, dept: str = DEPT_A, **over: object) -> dict[str, object]:
    d: dict[str, object] = {
        "type_code": code,
        "name": "测试许可证",
        "defining_dept": dept,
        "holder_kind": "111",
        "fields": {
            "type": "object",
            "required": ["area", "level"],
            "additionalProperties": False,
            "properties": {
                "area": {"type": "string", "title": "经营范围", "minLength": 1},
                "level": {"type": "integer", "title": "等级", "minimum": 1, "maximum": 5},
                "address": {"type": "string", "title": "住址"},
            },
        },
        "personal": ["address"],
        "validity": {"years": 3},
        "face": {"title": "测试许可证", "rows": [{"label": "持证人", "field": "holder_name"},
                                               {"label": "经营范围", "field": "area"}],
                 "footer": "仅供测试"},
        "seal": "测试厅电子印章",
        "grants": [{"dept": DEPT_C, "purposes": ["审批核验"], "personal": False}],
        "annotated_copy_cap": 3,
        "reminder_days": [30, 7],
    }
    d.update(over)
    return d


def issuer_actor(dept: str = DEPT_A, name: str = "clerk") -> Actor:
    return Actor(name=name, role="issuer", dept_code=dept)


class PerCall:
    """A domain service whose methods each run in a transaction of their own: what the ecert
    services do in production (`svc.issue(actor, ...)` is `service.issue(uow, actor, ...)`)."""

    __test__ = False

    def __init__(self, store: Store, service: Any) -> None:
        self._store = store
        self._service = service

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._service, name)
        if not callable(method):
            return method  # a plain attribute (a counter)

        def call(*args: Any, **kw: Any) -> Any:
            with self._store.transaction() as uow:
                return method(uow, *args, **kw)
        return call


@dataclass
class World:
    store: Store
    keys: TestKeys
    audit: AuditLog
    service: IssuanceService
    catalog: CatalogService

    @property
    def svc(self) -> Any:
        """`service`, one transaction per call."""
        return PerCall(self.store, self.service)


def make_world(store: Store, keys: TestKeys | None = None, enrol: bool = True) -> World:
    keys = keys or TestKeys()
    audit = AuditLog()
    world = World(store, keys, audit, IssuanceService(keys, audit), CatalogService(audit))
    if enrol:
        with store.transaction() as uow:
            for code, name in ((DEPT_A, "测试厅"), (DEPT_B, "承继厅"), (DEPT_C, "使用局")):
                uow.departments.add(code, name, None, NOW)
                keys.enrol(code, name)
            world.catalog.add(uow, type_definition(), ADMIN, NOW)
    return world


def person(i: int = 1) -> dict[str, str]:
    from formats.idnumber import make_citizen_id
    return {"name": "张三" if i % 2 else "卓玛", "code": make_citizen_id(f"5401021990010{i:04d}")}


def good_data(i: int = 1, **fields: object) -> dict[str, object]:
    f: dict[str, object] = {"area": "餐饮服务", "level": 2, "address": "拉萨市城关区北京中路1号"}
    f.update(fields)
    return {"holder": person(i), "fields": f}


def run_import(world: World, src: Path | str, *args: Any, **kw: Any) -> Any:
    """`ecert.services.importing.drive_import` over the world's store (a transaction a batch)."""
    from ecert.services.importing import drive_import

    return drive_import(world.store.transaction, world.service, src, *args, **kw)
