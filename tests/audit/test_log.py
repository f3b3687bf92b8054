"""AuditLog on SQLite and PostgreSQL: append, heads, proofs, listings, statistics, formats."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import struct

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from audit_log import AuditLog, merkle
from audit_log.actor import Actor
from audit_log.entry import canonical_json
from audit_log.errors import CosignatureInvalid, InvalidEntry, TreeSizeError
from audit_log.formats import (
    checkpoint,
    cosignature_message,
    digitally_signed,
    entries_json,
    get_sth_json,
    rfc6962_key_hash,
    tree_head_from_sth_json,
    tree_head_signature_input,
)
from certificate_store.db import Store

from .conftest import T0, HmacSigner

LOG = AuditLog(origin="ecert.test/audit")


def fill(store: Store, n: int, *, start_at: dt.datetime = T0, per_tx: int = 50) -> None:
    actions = [
        "certificate.issue",
        "certificate.change",
        "certificate.status.revoke",
        "certificate.lookup",
        "certificate.use",
        "login",
    ]
    i = 0
    while i < n:
        with store.transaction() as uow:
            for _ in range(min(per_tx, n - i)):
                LOG.record(
                    uow,
                    now=start_at + dt.timedelta(minutes=i),
                    actor=f"user{i % 3}",
                    actor_dept=f"dept{i % 2}",
                    role="issuer",
                    action=actions[i % len(actions)],
                    cert_identifier=f"CERT{i % 7}",
                    purpose="审核" if i % 5 == 0 else None,
                    request_id=f"req-{i}",
                    details={"n": i, "名称": "营业执照"},
                )
                i += 1


def test_record_returns_receipts_and_leaf_bytes(store: Store) -> None:
    with store.transaction() as uow:
        r0 = LOG.record(
            uow,
            now=T0,
            actor="alice",
            actor_dept="D1",
            role="issuer",
            action="certificate.issue",
            cert_identifier="X1",
            details={"b": 1, "a": "é"},
        )
        r1 = LOG.record(
            uow,
            now=T0,
            actor="bob",
            actor_dept=None,
            role="holder",
            action="certificate.lookup",
            details={},
        )
    assert (r0.index, r1.index) == (0, 1)
    with store.transaction() as uow:
        e0 = LOG.entries(uow, 0, 2)[0]
    assert e0.leaf_input == (
        b'{"action":"certificate.issue","actor":"alice","actor_dept":"D1","cert_identifier":"X1",'
        b'"created_at":"2026-11-29T08:00:00.000000Z","details_sha256":"'
        + hashlib.sha256('{"a":"é","b":1}'.encode()).hexdigest().encode()
        + b'","idx":0,"purpose":null,"request_id":null,"role":"issuer","v":1}'
    )
    assert e0.leaf_hash == r0.leaf_hash == hashlib.sha256(b"\x00" + e0.leaf_input).digest()
    assert e0.created_at == T0


def test_entry_rolls_back_with_the_callers_transaction(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as uow:
        LOG.record(uow, now=T0, actor="a", actor_dept="d", role="r", action="x", details={})
        raise RuntimeError("the change failed")
    with store.transaction() as uow:
        assert LOG.size(uow) == 0
        assert (
            LOG.record(
                uow, now=T0, actor="a", actor_dept="d", role="r", action="x", details={}
            ).index
            == 0
        )


def test_record_by_actor(store: Store) -> None:
    who = Actor(name="tok:ab12", role="user", dept_code="0101", request_id="rq1")
    with store.transaction() as uow:
        LOG.record_by(uow, who, now=T0, action="certificate.lookup", purpose="办理", details={})
        e = LOG.entries(uow, 0, 1)[0]
    assert (e.actor, e.actor_dept, e.role, e.request_id, e.purpose) == (
        "tok:ab12",
        "0101",
        "user",
        "rq1",
        "办理",
    )


@pytest.mark.parametrize("bad", [{"f": 1.5}, {"t": T0}, {1: "x"}, {"big": 2**60}, {"s": "\ud800"}])
def test_details_must_be_canonicalisable(store: Store, bad: dict) -> None:
    with store.transaction() as uow, pytest.raises(InvalidEntry):
        LOG.record(uow, now=T0, actor="a", actor_dept="d", role="r", action="x", details=bad)


def test_naive_time_refused(store: Store) -> None:
    with store.transaction() as uow, pytest.raises(InvalidEntry):
        LOG.record(
            uow,
            now=dt.datetime(2026, 1, 1),
            actor="a",
            actor_dept="d",
            role="r",
            action="x",
            details={},
        )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(), c, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(), json_values, max_size=5))
def test_canonical_json_is_rfc8785(value: dict) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


def test_tree_matches_a_recomputation_and_proofs_verify(store: Store, signer: HmacSigner) -> None:
    fill(store, 77)
    with store.transaction() as uow:
        head = LOG.sign_head(uow, signer, T0 + dt.timedelta(hours=2))
        leaves = [e.leaf_input for e in LOG.entries(uow, 0, 77)]
        assert head.tree_size == 77
        assert head.root_hash == merkle.root_from_entries(leaves)
        assert signer.verify(
            tree_head_signature_input(head.timestamp_ms, 77, head.root_hash), head.signature
        )
        for i in (0, 1, 31, 64, 76):
            p = LOG.inclusion_proof(uow, i, 77)
            merkle.verify_inclusion(
                i, 77, merkle.leaf_hash(leaves[i]), p.audit_path, head.root_hash
            )
        by_hash = LOG.inclusion_proof(uow, merkle.leaf_hash(leaves[40]), 77)
        assert by_hash.leaf_index == 40
        for m in (1, 2, 31, 32, 33, 76, 77):
            merkle.verify_consistency(
                m,
                77,
                merkle.root_from_entries(leaves[:m]),
                head.root_hash,
                LOG.consistency_proof(uow, m, 77),
            )
        with pytest.raises(TreeSizeError):
            LOG.inclusion_proof(uow, 77, 77)
        with pytest.raises(TreeSizeError):
            LOG.inclusion_proof(uow, 0, 78)
        with pytest.raises(TreeSizeError):
            LOG.inclusion_proof(uow, merkle.leaf_hash(b"nope"), 77)
        with pytest.raises(TreeSizeError):
            LOG.consistency_proof(uow, 0, 77)


def test_heads_signing_policy(store: Store, signer: HmacSigner) -> None:
    with store.transaction() as uow:
        assert LOG.maybe_sign_head(uow, signer, T0, every_n=10, every_seconds=60) is None
    fill(store, 5)
    with store.transaction() as uow:
        h5 = LOG.maybe_sign_head(uow, signer, T0, every_n=10, every_seconds=60)
        assert h5 is not None and h5.tree_size == 5
    fill(store, 3, start_at=T0 + dt.timedelta(hours=1))
    with store.transaction() as uow:
        assert (
            LOG.maybe_sign_head(
                uow, signer, T0 + dt.timedelta(seconds=30), every_n=10, every_seconds=60
            )
            is None
        )
        h8 = LOG.maybe_sign_head(
            uow, signer, T0 + dt.timedelta(seconds=61), every_n=10, every_seconds=60
        )
        assert h8 is not None and h8.tree_size == 8
        # Same size again: the existing head comes back, no second signature.
        assert LOG.sign_head(uow, signer, T0 + dt.timedelta(days=1)) == h8
    fill(store, 1)
    with store.transaction() as uow:
        # A lagging clock never makes timestamps go backwards.
        h9 = LOG.sign_head(uow, signer, T0 - dt.timedelta(days=1))
        assert h9.timestamp_ms == h8.timestamp_ms
        assert LOG.latest_head(uow) == h9
        assert LOG.get_head(uow, 5) == h5
        assert [h.tree_size for h in LOG.heads(uow)] == [5, 8, 9]
        with pytest.raises(TreeSizeError):
            LOG.get_head(uow, 6)


def test_rfc6962_json_shapes(store: Store, signer: HmacSigner) -> None:
    fill(store, 10)
    with store.transaction() as uow:
        head = LOG.sign_head(uow, signer, T0)
        sth = get_sth_json(head)
        assert set(sth) == {"tree_size", "timestamp", "sha256_root_hash", "tree_head_signature"}
        assert sth["timestamp"] == int(T0.timestamp() * 1000)
        ds = base64.b64decode(sth["tree_head_signature"])
        assert ds[:2] == b"\x04\x03" and struct.unpack(">H", ds[2:4])[0] == len(ds) - 4
        assert tree_head_from_sth_json(sth, head.key_id) == head
        signed = tree_head_signature_input(
            sth["timestamp"], 10, base64.b64decode(sth["sha256_root_hash"])
        )
        assert signed[:2] == b"\x00\x01" and len(signed) == 50
        got = entries_json(e.leaf_input for e in LOG.entries(uow, 0, 10))
        leaf_hashes = [merkle.leaf_hash(base64.b64decode(e["leaf_input"])) for e in got["entries"]]
        assert merkle.root_from_leaf_hashes(leaf_hashes) == head.root_hash


def test_checkpoint_text(store: Store, signer: HmacSigner) -> None:
    fill(store, 3)
    with store.transaction() as uow:
        head = LOG.sign_head(uow, signer, T0)
    spki = b"\x30\x59fake-spki"
    kh = rfc6962_key_hash("ecert.test/audit", spki)
    assert (
        kh == hashlib.sha256(b"ecert.test/audit\n\x05" + hashlib.sha256(spki).digest()).digest()[:4]
    )
    text = checkpoint("ecert.test/audit", head, kh)
    body, sigs = text.split("\n\n")
    assert body == f"ecert.test/audit\n3\n{base64.b64encode(head.root_hash).decode()}"
    name, sig = sigs.removeprefix("\u2014 ").rstrip("\n").split(" ")
    raw = base64.b64decode(sig)
    assert name == "ecert.test/audit"
    assert raw[:4] == kh and struct.unpack(">Q", raw[4:12])[0] == head.timestamp_ms
    assert raw[12:] == digitally_signed(head.signature)


def test_cosignatures_stored_and_served(store: Store, signer: HmacSigner) -> None:
    fill(store, 4)
    witness = HmacSigner(b"witness key", key_id="0a0b0c0d")
    with store.transaction() as uow:
        head = LOG.sign_head(uow, signer, T0)
    from audit_log.formats import Cosignature

    ts = int(T0.timestamp())
    good = Cosignature(
        4,
        head.root_hash,
        "witness.example/w1",
        witness.key_id,
        ts,
        witness.sign(cosignature_message(LOG.origin, 4, head.root_hash, ts)),
    )
    with store.transaction() as uow:
        LOG.store_cosignature(uow, good, witness, T0)
    with store.transaction() as uow:
        with pytest.raises(CosignatureInvalid):
            LOG.store_cosignature(
                uow, Cosignature(4, head.root_hash, "w2", "k", ts, b"x" * 32), witness, T0
            )
        with pytest.raises(CosignatureInvalid):
            LOG.store_cosignature(
                uow, Cosignature(4, b"\x00" * 32, "w2", "k", ts, good.signature), witness, T0
            )
    with store.transaction() as uow:
        h, cos = LOG.head_with_cosignatures(uow)
    assert h == head and cos == [good]
    assert get_sth_json(h, cos)["ecert_cosignatures"][0]["witness"] == "witness.example/w1"
    text = checkpoint(LOG.origin, h, b"abcd", cos)
    line = text.rstrip("\n").split("\n")[-1]
    assert line.startswith("\u2014 witness.example/w1 ")
    assert base64.b64decode(line.split(" ")[-1])[:4] == bytes.fromhex("0a0b0c0d")


def test_listing_filters_and_keyset_pages(store: Store) -> None:
    fill(store, 60)
    with store.transaction() as uow:
        seen: list[int] = []
        before = None
        while True:
            page = LOG.list_entries(uow, actor_dept="dept0", before=before, limit=7)
            seen += [e.idx for e in page.entries]
            if page.next_before is None:
                break
            before = page.next_before
        assert seen == list(range(58, -1, -2))
        page = LOG.list_entries(
            uow, actor="user1", action="certificate.", cert_identifier="CERT1", limit=100
        )
        assert all(e.actor == "user1" and e.cert_identifier == "CERT1" for e in page.entries)
        assert [e.idx for e in page.entries] == [
            i for i in range(59, -1, -1) if i % 3 == 1 and i % 7 == 1 and i % 6 != 5
        ]
        window = LOG.list_entries(
            uow, since=T0 + dt.timedelta(minutes=10), until=T0 + dt.timedelta(minutes=20), limit=100
        )
        assert [e.idx for e in window.entries] == list(range(19, 9, -1))
        exact = LOG.list_entries(uow, action="certificate.use", limit=100)
        assert {e.action for e in exact.entries} == {"certificate.use"}


def test_statistics_per_department_and_period(store: Store) -> None:
    fill(store, 60)
    day1 = (T0, T0 + dt.timedelta(minutes=30))
    day2 = (T0 + dt.timedelta(minutes=30), T0 + dt.timedelta(minutes=60))
    with store.transaction() as uow:
        stats = LOG.statistics(uow, [day1, day2])
        only = LOG.statistics(uow, [day1], actor_dept="dept1")
    assert [(s.actor_dept, s.since) for s in stats] == [
        ("dept0", T0),
        ("dept1", T0),
        ("dept0", day2[0]),
        ("dept1", day2[0]),
    ]
    total = {
        k: sum(s.counts[k] for s in stats)
        for k in ("issue", "change", "status", "lookup", "other", "total")
    }
    # Actions cycle issue, change, status.revoke, lookup, use, login over 60 entries.
    assert total == {
        "issue": 10,
        "change": 10,
        "status": 10,
        "lookup": 20,
        "other": 10,
        "total": 60,
    }
    assert len(only) == 1 and only[0].counts["total"] == 15


def test_get_entries_round_trip_json(store: Store) -> None:
    fill(store, 3)
    with store.transaction() as uow:
        body = json.dumps(entries_json(e.leaf_input for e in LOG.entries(uow, 1, 3)))
    assert [
        json.loads(base64.b64decode(e["leaf_input"]))["idx"] for e in json.loads(body)["entries"]
    ] == [1, 2]
