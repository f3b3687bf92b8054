"""Upgrade: a database of the first Alembic revision (0001) with data in every table migrates
with `ecert upgrade`, verifies, and every old certificate verifies as before, online and from
its PDF (SQLite and PostgreSQL).

The 0001 database is made by building the schema of revision 0001 and copying into it, column
by column, the rows of a platform seeded with today's code (certificates in every state, a key
rotation, idempotent issuance, cached PDFs, CRL state). Tables the seeding leaves empty get one
row each (objection, annotated copy, notification, import job, cosignature) so that no table
of 0001 is empty."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, insert, inspect, select, text

from audit_log.actor import Actor
from certificate_store.migrations import current_revision, upgrade_to
from ecert.cli.main import main
from ecert.services import issuing, verification
from ecert.services.audit import verify_all
from tests.api.helpers import training_request
from tests.reliability.conftest import env_for, seeded_platform


def _fill_source(p: Any) -> tuple[Actor, list[str], dict[str, bytes]]:
    from fastapi.testclient import TestClient

    from ecert.http.app import create_app
    from producers import vocational_training as vt
    from producers._common import DEPARTMENTS

    code = DEPARTMENTS["hrss"][0]
    actor = Actor(name="upgrade-test", role="issuer", dept_code=code)
    issuing.issue(p, actor, vt.TYPE_CODE, training_request(7)["data"], idempotency_key="k-1")
    p.create_token(role="issuer", dept_code=code, holder_code=None, label="old", ttl_days=1,
                   actor=actor)
    with TestClient(create_app(p.settings, p), base_url="https://ecert.test") as c:
        assert c.get("/pki/crl/root.crl").status_code == 200
    with p.store.transaction() as uow:
        certs = list(uow.certificates.iter_certificates())
        idents = [uow.certificates.version(c.id, c.current_version).identifier for c in certs]
        valid = [uow.certificates.version(c.id, c.current_version).identifier
                 for c in certs if c.status == "01"][:2]
    pdfs = {ident: issuing.document(p, None, ident, "pdf").data for ident in valid}
    return actor, idents, pdfs


def _synthetic(conn: Any, table: str, cert_id: int, now: dt.datetime) -> dict[str, Any]:
    rows: dict[str, dict[str, Any]] = {
        "objections": {"certificate_id": cert_id, "filed_by_role": "holder", "filed_by": "h",
                       "reason": "信息有误", "evidence": "", "state": "open", "filed_at": now,
                       "due_at": now + dt.timedelta(days=7), "due_provisional": False},
        "annotated_copies": {"certificate_id": cert_id, "version": 1, "using_dept":
                             "11540000MB0000102Y", "purpose": "办理业务", "expires_at": now,
                             "sha256": "0" * 64, "created_at": now},
        "notifications": {"kind": "expiry", "recipient": "dept", "certificate_id": cert_id,
                          "payload": "{}", "due_at": now, "created_at": now,
                          "dedupe_key": f"upgrade-{cert_id}"},
        "import_jobs": {"issuer_code": "11540000MB0000101U", "type_code": "T", "source_name":
                        "old.csv", "source_sha256": "0" * 64, "state": "done", "rows_done": 0,
                        "issued": 0, "skipped": 0, "rejected": 0, "created_at": now,
                        "updated_at": now},
    }
    return rows[table]


def _copy(src: Engine, dst: Engine) -> list[str]:
    """Rows of every table 0001 has, the columns 0001 has; returns the tables still empty."""
    from certificate_store.models import Base

    have = inspect(dst)
    empty = []
    with src.connect() as s, dst.begin() as d:
        for table in Base.metadata.sorted_tables:
            if not have.has_table(table.name):
                continue
            cols = {c["name"] for c in have.get_columns(table.name)}
            rows = [{k: v for k, v in r._mapping.items() if k in cols}
                    for r in s.execute(select(table))]
            target = MetaData()
            target.reflect(d, only=[table.name])
            if rows:
                d.execute(insert(target.tables[table.name]), rows)
            else:
                empty.append(table.name)
            if dst.dialect.name == "postgresql" and "id" in cols:
                d.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                               f"(SELECT coalesce(max(id), 1) FROM {table.name}))"))
        _old_audit_nodes(s, d)
        cert_id = d.execute(text("SELECT min(id) FROM certificates")).scalar_one()
        now = dt.datetime.now(dt.UTC)
        for name in [t for t in empty if t != "audit_cosignatures"]:
            target = MetaData()
            target.reflect(d, only=[name])
            d.execute(insert(target.tables[name]), [_synthetic(d, name, cert_id, now)])
        if "audit_cosignatures" in empty:
            size = d.execute(text("SELECT max(tree_size) FROM audit_tree_heads")).scalar_one()
            target = MetaData()
            target.reflect(d, only=["audit_cosignatures"])
            d.execute(insert(target.tables["audit_cosignatures"]), [{
                "tree_size": size, "witness_name": "old-witness", "witness_key_id": "k",
                "timestamp": 1, "signature": b"\x00", "created_at": now}])
        still = [t for t in have.get_table_names() if t != "alembic_version"
                 and d.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() == 0]
    return still


def _old_audit_nodes(s: Any, d: Any) -> None:
    """Before 0008 the tree was stored one row per subtree node (`audit_nodes`): the source's
    tiles (audit_log/tiles.py) regrouped into those rows, for 0008's backfill to regroup back."""
    from audit_log import tiles

    rows = [{"level": lv * tiles.HEIGHT + k, "node_index": t * (tiles.WIDTH >> k) + i, "hash": h}
            for lv, t, data in s.execute(text("SELECT level, tile_index, hashes FROM audit_tiles"))
            for k, hs in enumerate(tiles.unpack(bytes(data))) for i, h in enumerate(hs)]
    target = MetaData()
    target.reflect(d, only=["audit_nodes"])
    d.execute(insert(target.tables["audit_nodes"]), rows)


def test_first_revision_upgrades_and_old_certificates_verify(
        store_url: str, tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    src_url = f"sqlite:///{tmp_path / 'src.db'}"
    data = tmp_path / "data"
    p = seeded_platform(src_url, data)
    actor, idents, pdfs = _fill_source(p)
    # co-signed certificates (two departments) came after 0001: a database of that release has
    # none, and the copy into the 0001 schema cannot carry their co-signatures
    from producers import kindergarten_handover

    idents = [i for i in idents if f".{kindergarten_handover.TYPE_CODE}." not in i]
    pdfs = {i: pdf for i, pdf in pdfs.items() if i in idents}
    before = {i: verification.verify_by_identifier(p, actor, i, "升级前").verdict for i in idents}
    before_pdf = {i: verification.verify_pdf_upload(p, actor, pdf, "升级前").verdict
                  for i, pdf in pdfs.items()}
    p.store.dispose()

    dst = create_engine(store_url)
    upgrade_to(dst, "0001")
    still_empty = _copy(create_engine(src_url), dst)
    assert current_revision(dst) == "0001"
    dst.dispose()
    assert still_empty == [], still_empty

    for k, v in env_for(store_url).items():
        monkeypatch.setenv(k, v)
    assert main(["upgrade", "--data-dir", str(data)]) == 0
    assert "from revision 0001" in capsys.readouterr().out
    assert main(["upgrade", "--data-dir", str(data)]) == 0  # again: nothing to do
    assert "already at revision" in capsys.readouterr().out

    from ecert.platform import Platform
    from ecert.settings import load_settings

    q = Platform(load_settings(env_for(store_url), data_dir=data))
    try:
        full = verify_all(q)
        assert full.ok, full.findings
        after = {i: verification.verify_by_identifier(q, actor, i, "升级后").verdict
                 for i in idents}
        assert after == before
        after_pdf = {i: verification.verify_pdf_upload(q, actor, pdf, "升级后").verdict
                     for i, pdf in pdfs.items()}
        assert after_pdf == before_pdf
        assert set(before_pdf.values()) == {before[next(iter(pdfs))]}
    finally:
        q.store.dispose()
