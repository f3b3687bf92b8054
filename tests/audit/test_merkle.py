"""RFC 9162 hashing, generation and verification: transparency-dev vectors and properties."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit_log import merkle
from audit_log.errors import ProofError

from .conftest import VECTORS


def _cases(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).rglob("*.json"))


def _id(p: Path) -> str:
    return str(p.relative_to(VECTORS))


def _b(s: str) -> bytes:
    return base64.b64decode(s)


def _run(kind: str, d: dict) -> None:
    proof = [_b(p) for p in (d["proof"] or [])]
    if kind == "inclusion":
        merkle.verify_inclusion(
            d["leafIdx"], d["treeSize"], _b(d["leafHash"]), proof, _b(d["root"])
        )
    elif kind == "consistency":
        merkle.verify_consistency(d["size1"], d["size2"], _b(d["root1"]), _b(d["root2"]), proof)
    elif kind == "subtreeinclusion":
        merkle.verify_subtree_inclusion(
            d["leafIdx"], d["start"], d["end"], _b(d["leafHash"]), proof, _b(d["root"])
        )
    else:
        merkle.verify_subtree_consistency(
            d["start"], d["end"], d["size"], _b(d["root1"]), _b(d["root2"]), proof
        )


KINDS = ["inclusion", "consistency", "subtreeinclusion", "subtreeconsistency"]
ALL = [(k, p) for k in KINDS for p in _cases(k)]


def test_vectors_present() -> None:
    # 98 + 98 + 204 + 118 files, vendored under tests/vectors/.
    assert len(ALL) >= 500, f"vectors not found under {VECTORS}"


@pytest.mark.parametrize(("kind", "path"), ALL, ids=[_id(p) for _, p in ALL])
def test_transparency_dev_vector(kind: str, path: Path) -> None:
    d = json.loads(path.read_text())
    if d["wantErr"]:
        with pytest.raises(ProofError):
            _run(kind, d)
    else:
        _run(kind, d)


# ---------------------------------------------------------------------------- known answers


def test_rfc_hashes() -> None:
    assert merkle.root_from_entries([]) == hashlib.sha256(b"").digest()
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    a, b = merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")
    assert merkle.root_from_entries([b"a", b"b"]) == hashlib.sha256(b"\x01" + a + b).digest()
    # Three leaves: MTH = node(node(a, b), c); the lone right leaf is promoted, not duplicated.
    c = merkle.leaf_hash(b"c")
    assert merkle.root_from_entries([b"a", b"b", b"c"]) == merkle.node_hash(
        merkle.node_hash(a, b), c
    )


def test_root_of_rfc_reference_tree() -> None:
    # The 8-leaf tree used by transparency-dev (and CT) test suites.
    leaves = [
        bytes.fromhex(h)
        for h in (
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        )
    ]
    assert merkle.root_from_entries(leaves).hex() == (
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    )


# ---------------------------------------------------------------------------- properties


def _tree(n: int) -> tuple[list[bytes], merkle.SubtreeFn]:
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]

    def sub(level: int, index: int) -> bytes:
        lo = index << level
        assert lo + (1 << level) <= n, "asked for a subtree that is not complete"
        return merkle.root_from_leaf_hashes(leaves[lo : lo + (1 << level)])

    return leaves, sub


def _mutate(proof: list[bytes], which: int, byte: int, bit: int) -> list[bytes]:
    i = which % len(proof)
    h = bytearray(proof[i])
    h[byte % 32] ^= 1 << (bit % 8)
    return proof[:i] + [bytes(h)] + proof[i + 1 :]


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300), st.data())
def test_inclusion_roundtrip_and_mutation(n: int, data: st.DataObject) -> None:
    leaves, sub = _tree(n)
    root = merkle.root(n, sub)
    assert root == merkle.root_from_leaf_hashes(leaves)
    m = data.draw(st.integers(0, n - 1))
    proof = merkle.inclusion_proof(m, n, sub)
    assert len(proof) <= max(1, (n - 1).bit_length())
    merkle.verify_inclusion(m, n, leaves[m], proof, root)
    if proof:
        bad = _mutate(
            proof, *data.draw(st.tuples(st.integers(0, 63), st.integers(0, 31), st.integers(0, 7)))
        )
        with pytest.raises(ProofError):
            merkle.verify_inclusion(m, n, leaves[m], bad, root)
        with pytest.raises(ProofError):
            merkle.verify_inclusion(m, n, leaves[m], proof[:-1], root)
        with pytest.raises(ProofError):
            merkle.verify_inclusion(m, n, leaves[m], proof + [proof[0]], root)
    bad_leaf = bytearray(leaves[m])
    bad_leaf[data.draw(st.integers(0, 31))] ^= 1
    with pytest.raises(ProofError):
        merkle.verify_inclusion(m, n, bytes(bad_leaf), proof, root)
    bad_root = bytearray(root)
    bad_root[data.draw(st.integers(0, 31))] ^= 0x80
    with pytest.raises(ProofError):
        merkle.verify_inclusion(m, n, leaves[m], proof, bytes(bad_root))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300), st.data())
def test_consistency_roundtrip_and_mutation(n: int, data: st.DataObject) -> None:
    leaves, sub = _tree(n)
    m = data.draw(st.integers(1, n))
    r1, r2 = merkle.root_from_leaf_hashes(leaves[:m]), merkle.root(n, sub)
    proof = merkle.consistency_proof(m, n, sub)
    merkle.verify_consistency(m, n, r1, r2, proof)
    if proof:
        bad = _mutate(
            proof, *data.draw(st.tuples(st.integers(0, 63), st.integers(0, 31), st.integers(0, 7)))
        )
        with pytest.raises(ProofError):
            merkle.verify_consistency(m, n, r1, r2, bad)
        with pytest.raises(ProofError):
            merkle.verify_consistency(m, n, r1, r2, proof[:-1])
    for which in (r1, r2):
        bad_root = bytearray(which)
        bad_root[data.draw(st.integers(0, 31))] ^= 1
        args = (bytes(bad_root), r2) if which is r1 else (r1, bytes(bad_root))
        with pytest.raises(ProofError):
            merkle.verify_consistency(m, n, *args, proof)


@pytest.mark.parametrize("n", [1, 2, 3, 1000, 100_000, 2**40 + 7])
def test_proofs_need_logarithmic_lookups(n: int) -> None:
    budget = 2 * max(1, n.bit_length())
    assert len(merkle.needed_subtrees(merkle.inclusion_proof, n // 3, n)) <= budget
    assert len(merkle.needed_subtrees(merkle.consistency_proof, max(1, n // 2 - 1), n)) <= budget
    assert len(merkle.needed_subtrees(merkle.root, n)) <= n.bit_length()


def test_subtrees_for_append() -> None:
    assert merkle.subtrees_for_append(0) == []
    assert merkle.subtrees_for_append(1) == [(1, 0)]
    assert merkle.subtrees_for_append(7) == [(1, 3), (2, 1), (3, 0)]
    assert merkle.subtrees_for_append(8) == []
