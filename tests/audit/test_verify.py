"""verify_log finds and names tampering; exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from sqlalchemy import text

from audit_log import AuditLog, merkle, tiles
from audit_log.verify import export_csv, export_jsonl, verify_log
from certificate_store.db import Store

from .conftest import T0, HmacSigner
from .test_log import fill

LOG = AuditLog(origin="ecert.test/audit")


def signed_log(store: Store, signer: HmacSigner, sizes: tuple[int, ...] = (16, 32, 40)) -> None:
    done = 0
    for s in sizes:
        fill(store, s - done, start_at=T0 + dt.timedelta(hours=done))
        done = s
        with store.transaction() as uow:
            LOG.sign_head(uow, signer, T0 + dt.timedelta(hours=s))


def run(store: Store, signer: HmacSigner, **kw):  # type: ignore[no-untyped-def]
    with store.transaction() as uow:
        return verify_log(uow, signer, T0 + dt.timedelta(days=2), **kw)


def sql(store: Store, stmt: str, **params: object) -> None:
    with store.engine.begin() as c:
        c.execute(text(stmt), params)


def test_clean_log_verifies(store: Store, signer: HmacSigner) -> None:
    signed_log(store, signer)
    res = run(store, signer)
    assert res.ok, res.findings
    assert (res.tree_size, res.heads_checked) == (40, 3)
    assert {c.name for c in res.checks} == {
        "entries",
        "nodes",
        "head_roots",
        "head_signatures",
        "head_consistency",
    }


def test_edited_column_is_named(store: Store, signer: HmacSigner) -> None:
    signed_log(store, signer)
    sql(store, "UPDATE audit_entries SET actor = 'mallory' WHERE idx = 17")
    res = run(store, signer)
    assert not res.ok
    assert "entry 17: fields differ from the stored leaf input" in res.check("entries").findings
    assert "entry 17: leaf hash mismatch" in res.check("entries").findings
    assert "stored node (0,17) differs" in res.check("nodes").findings
    assert res.check("head_roots").findings == (
        "tree head 32: root does not match the entries",
        "tree head 40: root does not match the entries",
    )
    assert res.check("head_signatures").ok


def test_edited_details_are_named(store: Store, signer: HmacSigner) -> None:
    signed_log(store, signer)
    sql(store, "UPDATE audit_entries SET details = :d WHERE idx = 3", d='{"n":999}')
    res = run(store, signer)
    assert res.check("entries").findings == ("entry 3: details do not match their hash",)


def test_consistent_rewrite_is_caught_by_signed_heads(store: Store, signer: HmacSigner) -> None:
    """An attacker who rewrites entry, leaf and every node still cannot match the signed roots."""
    signed_log(store, signer)
    with store.transaction() as uow:
        rec = LOG.entries(uow, 5, 6)[0]
    forged = rec.leaf_input.replace(b'"actor":"user2"', b'"actor":"userX"')
    assert forged != rec.leaf_input
    with store.transaction() as uow:
        leaves = [e.leaf_hash for e in LOG.entries(uow, 0, 40)]
    leaves[5] = merkle.leaf_hash(forged)
    sql(
        store,
        "UPDATE audit_entries SET actor='userX', leaf_input=:li, leaf_hash=:lh WHERE idx=5",
        li=forged,
        lh=leaves[5],
    )
    # 40 entries: the whole stored tree is tile (0,0) (audit_log/tiles.py)
    _set_tile(store, tiles.pack(tiles.grow([], leaves)))
    res = run(store, signer)
    assert res.check("entries").ok and res.check("nodes").ok
    assert set(res.check("head_roots").findings) == {
        "tree head 16: root does not match the entries",
        "tree head 32: root does not match the entries",
        "tree head 40: root does not match the entries",
    }
    # The signed heads still agree with each other: it is the entries that disagree with them.
    assert res.check("head_consistency").ok


def test_deleted_row_is_named(store: Store, signer: HmacSigner) -> None:
    signed_log(store, signer)
    sql(store, "DELETE FROM audit_entries WHERE idx = 12")
    res = run(store, signer)
    assert res.check("entries").findings == ("entry 12 missing",)


def test_deleted_last_row_is_caught_by_heads(store: Store, signer: HmacSigner) -> None:
    signed_log(store, signer)
    sql(store, "DELETE FROM audit_entries WHERE idx = 39")
    res = run(store, signer)
    assert "tree head 40: beyond the log size 39" in res.check("head_roots").findings
    assert "stored node (0,39) is beyond the log" in res.check("nodes").findings


def test_swapped_rows_are_named(store: Store, signer: HmacSigner) -> None:
    signed_log(store, signer)
    cols = (
        "created_at, actor, actor_dept, role, action, cert_identifier, purpose, request_id, "
        "details_hash, details, leaf_input, leaf_hash"
    )
    sql(
        store, f"CREATE TABLE swap_tmp AS SELECT idx, {cols} FROM audit_entries WHERE idx IN (7, 8)"
    )
    sets = ", ".join(
        f"{c} = (SELECT {c} FROM swap_tmp s WHERE s.idx = 15 - audit_entries.idx)"
        for c in cols.split(", ")
    )
    sql(store, f"UPDATE audit_entries SET {sets} WHERE idx IN (7, 8)")
    sql(store, "DROP TABLE swap_tmp")
    res = run(store, signer)
    f = res.check("entries").findings
    assert "entry 7: fields differ from the stored leaf input" in f
    assert "entry 8: fields differ from the stored leaf input" in f
    assert not res.check("head_roots").ok


def _tile(store: Store) -> list[list[bytes]]:
    with store.engine.begin() as c:
        return tiles.unpack(bytes(c.execute(text(
            "SELECT hashes FROM audit_tiles WHERE level=0 AND tile_index=0")).scalar_one()))


def _set_tile(store: Store, data: bytes) -> None:
    sql(store, "UPDATE audit_tiles SET hashes=:h WHERE level=0 AND tile_index=0", h=data)


def test_bad_signature_and_bad_node_are_named(store: Store, signer: HmacSigner) -> None:
    signed_log(store, signer)
    sql(store, "UPDATE audit_tree_heads SET signature = :s WHERE tree_size = 40", s=b"\x00" * 32)
    # Node (3,4) covers leaves 32..39: the whole 32→40 consistency proof.
    levels = _tile(store)
    levels[3][4] = b"\x11" * 32
    _set_tile(store, tiles.pack(levels))
    res = run(store, signer)
    assert res.check("head_signatures").findings == ("tree head 40: signature invalid",)
    assert res.check("nodes").findings == ("stored node (3,4) differs",)
    # The served consistency proofs use stored nodes, so the bad node breaks 32→40.
    assert "heads 32\u219240 inconsistent" in res.check("head_consistency").findings


def test_missing_node_is_named(store: Store, signer: HmacSigner) -> None:
    signed_log(store, signer)
    levels = _tile(store)
    _set_tile(store, tiles.pack(tiles.grow([], levels[0][:37])))  # the tile cut to 37 leaves
    res = run(store, signer)
    assert res.check("nodes").findings == tuple(
        f"stored node {n} missing"
        for n in ("(0,37)", "(0,38)", "(0,39)", "(1,18)", "(1,19)", "(2,9)", "(3,4)"))
    _set_tile(store, tiles.pack(levels)[:-1])
    assert run(store, signer).check("nodes").findings == ("stored tile (0,0) is malformed",)
    sql(store, "DELETE FROM audit_tiles WHERE level = 0 AND tile_index = 0")
    assert run(store, signer).check("nodes").findings == ("stored tile (0,0) missing",)


def test_version_hash_callback(store: Store, signer: HmacSigner) -> None:
    signed_log(store, signer, sizes=(8,))

    def check(rec):  # type: ignore[no-untyped-def]
        return ["certificate version hash differs"] if rec.idx == 4 else []

    res = run(store, signer, check_version_hashes=check)
    assert res.check("version_hashes").findings == ("entry 4: certificate version hash differs",)


def test_exports(store: Store) -> None:
    fill(store, 5)
    out = io.StringIO()
    with store.transaction() as uow:
        assert export_jsonl(uow, out) == 5
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [r["idx"] for r in rows] == list(range(5))
    assert rows[0]["details"] == '{"n":0,"名称":"营业执照"}'
    buf = io.StringIO()
    with store.transaction() as uow:
        assert export_csv(uow, buf) == 5
    assert [r["leaf_hash"] for r in csv.DictReader(io.StringIO(buf.getvalue()))] == [
        r["leaf_hash"] for r in rows
    ]


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_logs_verify(store: Store, signer: HmacSigner, n: int) -> None:
    fill(store, n)
    with store.transaction() as uow:
        LOG.sign_head(uow, signer, T0)
    assert run(store, signer).ok
