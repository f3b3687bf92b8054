"""The batch import path (`IssuanceService.issue_many`, `AuditLog.record_many`) stores exactly what
the per-row path (`issue_in` per row) stores, on SQLite and PostgreSQL; its audit log verifies."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from issuer_helpers import (
    ADMIN,
    DEPT_A,
    NOW,
    TYPE_A,
    World,
    issuer_actor,
    make_world,
    person,
    sqlite_store,
    type_definition,
)
from issuer_helpers import run_import as drive
from sqlalchemy import select

from audit_log.verify import verify_log
from certificate_store import errors as store_errors
from certificate_store.db import Store
from certificate_store.models.audit import AuditEntryRow, AuditTileRow
from certificate_store.models.certificates import (
    Certificate,
    CertificateVersion,
    ImportJob,
    StatusEvent,
)
from certificate_store.models.core import SerialCounter
from certificate_store.repos.certificates import CertificateRepo
from formats.identifiers import parse_identifier

A = issuer_actor()


@dataclass
class HmacSigner:
    key: bytes = b"head key"
    key_id: str = "test-hmac"

    def sign(self, data: bytes) -> bytes:
        return hmac.new(self.key, data, hashlib.sha256).digest()

    def verify(self, data: bytes, signature: bytes) -> bool:
        return hmac.compare_digest(self.sign(data), signature)


def twin(world: World, store: Store) -> World:
    """A second platform over `store` with the same department keys as `world`."""
    other = make_world(store, world.keys, enrol=False)
    with store.transaction() as uow:
        for code in sorted(world.keys.keys):
            with world.store.transaction() as u0:
                uow.departments.add(code, u0.departments.get(code).name, None, NOW)
        other.catalog.add(uow, type_definition(), ADMIN, NOW)
    return other


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["source_key", "holder_name", "holder_code", "area", "level", "address"])
        w.writerows(rows)


def source_rows(n: int) -> list[list[str]]:
    rows = []
    for i in range(1, n + 1):
        p = person(i)
        level = "x" if i % 17 == 0 else str(i % 5 + 1)  # rejected by the schema
        sk = f"old-{i}" if i % 11 else ""  # no source_key: the row's hash stands in
        rows.append([sk, p["name"], p["code"], "餐饮", level, f"拉萨{i}号"])
    rows.insert(30, rows[3])  # same source_key again in the same batch: skipped
    rows.insert(70, rows[5])  # ... and in a later batch
    rows.insert(40, ["old-16", "张三", person(16)["code"], "餐饮", "x", ""])  # dup, invalid
    rows.insert(9, ["bad", "x"])  # fewer cells: the holder is missing
    return rows


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the import writes, through the column types (aware datetimes, bytes)."""
    tables = {
        "certificates": (Certificate, Certificate.id),
        "versions": (CertificateVersion, CertificateVersion.id),
        "events": (StatusEvent, StatusEvent.id),
        "counters": (SerialCounter, SerialCounter.name),
        "audit": (AuditEntryRow, AuditEntryRow.idx),
        "tiles": (AuditTileRow, (AuditTileRow.level, AuditTileRow.tile_index)),
        "jobs": (ImportJob, ImportJob.id),
    }
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.engine.connect() as c:
        for name, (model, order) in tables.items():
            table = model.__table__
            q = select(table).order_by(*(order if isinstance(order, tuple) else (order,)))
            rows = []
            for r in c.execute(q):
                vals = [bytes(v) if isinstance(v, memoryview) else v for v in r]
                if name == "versions":
                    # ECDSA signatures are randomised: compare the signed header and payload
                    i = list(table.c.keys()).index("jws")
                    vals[i] = vals[i].rsplit(".", 1)[0]
                rows.append(tuple(vals))
            out[name] = rows
    return out


def run_import(world: World, src: Path, rejects: Path) -> tuple[int, ...]:
    r = drive(world, src, TYPE_A, A, lambda: NOW, rejects_path=rejects, batch_size=25)
    return (r.rows_done, r.issued, r.skipped, r.rejected)


def _per_row(world: World) -> None:
    """Make `world` import through the per-row path (the behaviour issue_many must match)."""
    each = world.service.bulk.issue_each

    def issue_many(uow: Any, actor: Any, type_code: str, requests: Any, now: Any,
                   drafted: Any = None) -> Any:
        return each(uow, actor, type_code, requests, now)  # drafts or not: one `issue` each

    world.service.issue_many = issue_many  # type: ignore[method-assign]


@pytest.fixture
def sequential_indexes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Status indexes in order instead of at random, so that the two paths' rows (and the
    records, hashes and audit entries that sign them) can be compared byte for byte."""
    from sqlalchemy import func

    from certificate_store.repos.status_index import StatusIndexRepo

    def pick(self: StatusIndexRepo, count: int, shard_size: int) -> list[int]:
        used = int(self._s.scalar(select(func.count()).where(
            Certificate.status_index.is_not(None))) or 0)
        return list(range(used, used + count))

    monkeypatch.setattr(StatusIndexRepo, "pick", pick)


@pytest.mark.usefixtures("sequential_indexes")
def test_batch_import_matches_per_row_path(world: World, tmp_path: Path) -> None:
    ref = twin(world, sqlite_store(tmp_path / "ref.db"))
    _per_row(ref)
    # one certificate issued before the import through the API path, with a source_key
    for w in (world, ref):
        w.svc.issue(A, TYPE_A, {"holder": person(2), "fields": {"area": "餐饮", "level": 3}},
                    NOW, source_key="old-2")
    rows = source_rows(120)
    src = tmp_path / "in.csv"
    write_csv(src, rows)
    got = run_import(world, src, tmp_path / "rej.csv")
    want = run_import(ref, src, tmp_path / "rej-ref.csv")
    assert got == want
    assert got[1] > 90 and got[2] == 4 and got[3] > 5
    assert (tmp_path / "rej.csv").read_bytes() == (tmp_path / "rej-ref.csv").read_bytes()
    a, b = dump(world.store), dump(ref.store)
    for table in a:
        assert a[table] == b[table], table
    # a re-import of the same rows in another file: everything skipped, nothing written
    src2 = tmp_path / "in2.csv"
    write_csv(src2, list(reversed(rows)))
    assert run_import(world, src2, tmp_path / "rej2.csv") == \
        run_import(ref, src2, tmp_path / "rej2-ref.csv")
    a, b = dump(world.store), dump(ref.store)
    for table in a:
        assert a[table] == b[table], table
    ref.store.dispose()


def test_batch_import_log_verifies_and_identifiers_are_contiguous(world: World,
                                                                  tmp_path: Path) -> None:
    n = 260
    src = tmp_path / "in.csv"
    write_csv(src, [[f"k{i}", person(i)["name"], person(i)["code"], "种植", "1", ""]
                    for i in range(n)])
    r = drive(world, src, TYPE_A, A, lambda: NOW, batch_size=100)
    assert (r.issued, r.rejected) == (n, 0)
    signer = HmacSigner()
    with world.store.transaction() as uow:
        certs = uow.certificates.page(issuer_code=DEPT_A, limit=1000)
        idents = [uow.certificates.version(c.id, 1).identifier for c in certs]
        world.audit.sign_head(uow, signer, NOW)
    assert len(set(idents)) == n
    serials = [int(parse_identifier(i).serial[4:]) for i in idents]
    assert serials == list(range(1, n + 1))
    with world.store.transaction() as uow:
        issued = [e for e in uow.audit.iter_entries() if e.action == "certificate.issue"]
        assert [e.cert_identifier for e in issued] == idents
        assert [json.loads(e.details)["source_key"] for e in issued] == [f"k{i}" for i in range(n)]
        res = verify_log(uow, signer, NOW + dt.timedelta(minutes=1))
    assert res.ok, res.findings


@pytest.mark.usefixtures("sequential_indexes")
def test_conflict_falls_back_to_per_row_path(world: World, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A concurrent insert of the same source_key: the batch is redone row by row, and the
    serials the fast path took are given back."""
    ref = twin(world, sqlite_store(tmp_path / "ref.db"))
    _per_row(ref)
    calls = []

    def conflict(self: CertificateRepo, rows: Any) -> list[int]:
        calls.append(len(rows))
        raise store_errors.Conflict("simulated concurrent insert")

    rows = source_rows(40)
    src = tmp_path / "in.csv"
    write_csv(src, rows)
    with monkeypatch.context() as m:
        m.setattr(CertificateRepo, "create_many", conflict)
        got = run_import(world, src, tmp_path / "rej.csv")
    assert calls
    want = run_import(ref, src, tmp_path / "rej-ref.csv")
    assert got == want
    a, b = dump(world.store), dump(ref.store)
    for table in a:
        assert a[table] == b[table], table
    ref.store.dispose()
