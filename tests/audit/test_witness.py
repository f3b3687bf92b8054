"""Witness: cosigns consistent growth only, keeps state on disk, refuses shrink/fork/bad proofs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from audit_log import AuditLog, TreeHead, WitnessRefusal
from audit_log.formats import cosignature_message, get_sth_json, tree_head_from_sth_json
from audit_log.witness import WitnessState, check_and_cosign
from certificate_store.db import Store

from .conftest import T0, HmacSigner
from .test_log import fill

LOG = AuditLog(origin="ecert.test/audit")


class Log:
    """The witness's view of the platform: get-sth and get-sth-consistency over JSON shapes."""

    def __init__(self, store: Store, signer: HmacSigner) -> None:
        self.store, self.signer = store, signer

    def sth(self) -> TreeHead:
        with self.store.transaction() as uow:
            head = LOG.latest_head(uow)
        assert head is not None
        return tree_head_from_sth_json(get_sth_json(head), head.key_id)

    def consistency(self, first: int, second: int) -> list[bytes]:
        with self.store.transaction() as uow:
            return LOG.consistency_proof(uow, first, second)

    def grow(self, n: int, at: dt.datetime) -> None:
        fill(self.store, n, start_at=at)
        with self.store.transaction() as uow:
            LOG.sign_head(uow, self.signer, at)


def cosign(log: Log, state: WitnessState, witness: HmacSigner, **kw):  # type: ignore[no-untyped-def]
    args = dict(log_verifier=log.signer, witness_name="w.example/1", now=T0 + dt.timedelta(days=1))
    args.update(kw)
    return check_and_cosign(
        kw.pop("fetch_sth", log.sth),
        kw.pop("fetch_consistency", log.consistency),
        witness,
        state,
        **{k: v for k, v in args.items() if k not in ("fetch_sth", "fetch_consistency")},
    )


def test_witness_follows_growth_and_platform_stores(
    store: Store, signer: HmacSigner, tmp_path: Path
) -> None:
    log, witness = Log(store, signer), HmacSigner(b"w", key_id="01020304")
    state = WitnessState(tmp_path / "w" / "state.json", LOG.origin)
    log.grow(5, T0)
    c1 = cosign(log, state, witness)
    assert state.load() == (5, c1.root_hash)
    log.grow(12, T0 + dt.timedelta(hours=1))
    c2 = cosign(log, state, witness)
    assert (c2.tree_size, state.load()) == (17, (17, c2.root_hash))
    assert witness.verify(
        cosignature_message(LOG.origin, 17, c2.root_hash, c2.timestamp), c2.signature
    )
    with store.transaction() as uow:
        LOG.store_cosignature(uow, c1, witness, T0)
        LOG.store_cosignature(uow, c2, witness, T0)
    with store.transaction() as uow:
        assert LOG.cosignatures(uow, 17) == [c2]
    assert cosign(log, state, witness).tree_size == 17  # same head again: fine


def test_refuses_shrink_fork_bad_proof_bad_signature(
    store: Store, signer: HmacSigner, tmp_path: Path
) -> None:
    log, witness = Log(store, signer), HmacSigner(b"w")
    state = WitnessState(tmp_path / "state.json", LOG.origin)
    log.grow(8, T0)
    cosign(log, state, witness)
    log.grow(3, T0 + dt.timedelta(hours=1))
    good = log.sth()

    def resign(h: TreeHead) -> TreeHead:
        return TreeHead(
            h.tree_size, h.timestamp_ms, h.root_hash, signer.sign(h.signed_data()), h.key_id
        )

    shrunk = resign(TreeHead(7, good.timestamp_ms, b"\x01" * 32, b"", good.key_id))
    with pytest.raises(WitnessRefusal, match="shrank"):
        cosign(log, state, witness, fetch_sth=lambda: shrunk)
    forked = resign(TreeHead(8, good.timestamp_ms, b"\x02" * 32, b"", good.key_id))
    with pytest.raises(WitnessRefusal, match="forked"):
        cosign(log, state, witness, fetch_sth=lambda: forked)
    other_root = resign(TreeHead(11, good.timestamp_ms, b"\x03" * 32, b"", good.key_id))
    with pytest.raises(WitnessRefusal, match="not consistent"):
        cosign(log, state, witness, fetch_sth=lambda: other_root)

    def bad_proof(a: int, b: int) -> list[bytes]:
        p = log.consistency(a, b)
        return [bytes(32)] + p[1:]

    with pytest.raises(WitnessRefusal, match="not consistent"):
        cosign(log, state, witness, fetch_consistency=bad_proof)
    unsigned = TreeHead(
        good.tree_size, good.timestamp_ms, good.root_hash, b"\x00" * 32, good.key_id
    )
    with pytest.raises(WitnessRefusal, match="signature"):
        cosign(log, state, witness, fetch_sth=lambda: unsigned)
    assert state.load()[0] == 8  # nothing advanced the state
    assert cosign(log, state, witness).tree_size == 11


def test_state_file_bound_to_origin(tmp_path: Path) -> None:
    WitnessState(tmp_path / "s.json", "log-a").save(3, b"\x00" * 32)
    with pytest.raises(WitnessRefusal):
        WitnessState(tmp_path / "s.json", "log-b").load()
