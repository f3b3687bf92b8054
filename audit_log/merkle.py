"""RFC 9162 §2.1 Merkle tree hashing, proof generation and proof verification.

Pure functions, no I/O. Hashes are 32-byte SHA-256 values:

* leaf hash    = SHA-256(0x00 || entry)
* node hash    = SHA-256(0x01 || left || right)
* MTH(empty)   = SHA-256("")

Proof generation takes ``subtree(level, index) -> bytes``: the hash of the *perfect* subtree
covering leaves ``[index * 2**level, (index + 1) * 2**level)`` (level 0 = leaf hashes). A log
that stores every perfect subtree as leaves are appended answers each call with one lookup, and
every proof or root below needs O(log n) calls. ``needed_subtrees`` lists those calls ahead of
time so a store can fetch them in one query.

The verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by step and raise ``ProofError`` on
any bad input (wrong hash length, index out of range, wrong proof length, mismatch).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from audit_log.errors import ProofError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

SubtreeFn = Callable[[int, int], bytes]


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_pow2(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


# --------------------------------------------------------------------------- tree from a list


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH over already-hashed leaves (RFC 9162 §2.1.1), iteratively."""
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    # Pairing adjacent nodes level by level and promoting a lone last node gives exactly the
    # RFC's "largest power of two smaller than n" split.
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def root_from_entries(entries: Sequence[bytes]) -> bytes:
    return root_from_leaf_hashes([leaf_hash(e) for e in entries])


def subtrees_for_append(index: int) -> list[tuple[int, int]]:
    """Perfect subtrees completed by appending leaf ``index``: [(level, idx), ...] above level 0.

    Each one's hash is node_hash(subtree(level-1, 2*idx), subtree(level-1, 2*idx+1)).
    """
    out = []
    level, n = 1, index + 1
    while n % (1 << level) == 0:
        out.append((level, (n >> level) - 1))
        level += 1
    return out


# --------------------------------------------------------------------------- from stored subtrees


def range_hash(start: int, end: int, subtree: SubtreeFn) -> bytes:
    """MTH(D[start:end]) where ``start`` is a multiple of the smallest power of two >= end-start.

    The range splits into the perfect subtrees given by the binary digits of its length, largest
    first; the RFC's recursive definition folds them from the right.
    """
    n = end - start
    if n <= 0:
        return EMPTY_ROOT
    pieces = []
    pos = start
    for level in range(n.bit_length() - 1, -1, -1):
        if n >> level & 1:
            pieces.append(subtree(level, pos >> level))
            pos += 1 << level
    acc = pieces[-1]
    for h in reversed(pieces[:-1]):
        acc = node_hash(h, acc)
    return acc


def root(tree_size: int, subtree: SubtreeFn) -> bytes:
    if tree_size < 0:
        raise ValueError("negative tree size")
    return range_hash(0, tree_size, subtree)


def inclusion_proof(index: int, tree_size: int, subtree: SubtreeFn) -> list[bytes]:
    """PATH(m, D[0:n]) of RFC 9162 §2.1.3.1, leaf-sibling first."""
    if not 0 <= index < tree_size:
        raise ValueError(f"leaf index {index} outside tree of size {tree_size}")
    path: list[bytes] = []

    def walk(start: int, end: int) -> None:
        if end - start == 1:
            return
        k = _split(end - start)
        if index < start + k:
            walk(start, start + k)
            path.append(range_hash(start + k, end, subtree))
        else:
            walk(start + k, end)
            path.append(subtree((k.bit_length() - 1), start // k))

    walk(0, tree_size)
    return path


def consistency_proof(size1: int, size2: int, subtree: SubtreeFn) -> list[bytes]:
    """PROOF(m, D[0:n]) of RFC 9162 §2.1.4.1 (0 < m <= n; empty when m == n)."""
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from {size1} to {size2}")
    out: list[bytes] = []

    def sub(m: int, start: int, end: int, complete: bool) -> None:
        n = end - start
        if m == n:
            if not complete:
                out.append(range_hash(start, end, subtree))
            return
        k = _split(n)
        if m <= k:
            sub(m, start, start + k, complete)
            out.append(range_hash(start + k, end, subtree))
        else:
            sub(m - k, start + k, end, False)
            out.append(subtree(k.bit_length() - 1, start // k))

    sub(size1, 0, size2, True)
    return out


def needed_subtrees(fn: Callable[..., object], *args: int) -> list[tuple[int, int]]:
    """The (level, index) pairs ``fn(*args, subtree)`` will ask for, in order.

    Proof shapes depend only on sizes and indexes, never on hash values, so a dry run with a
    recording stub tells a store which rows to fetch in one round trip.
    """
    seen: list[tuple[int, int]] = []

    def record(level: int, index: int) -> bytes:
        seen.append((level, index))
        return EMPTY_ROOT

    fn(*args, record)
    return seen


# --------------------------------------------------------------------------- verification


def _check_hash(name: str, value: bytes) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        raise ProofError(f"{name} is not a {HASH_SIZE}-byte hash")


def _check_proof(proof: Sequence[bytes]) -> None:
    for i, p in enumerate(proof):
        _check_hash(f"proof[{i}]", p)


def root_from_inclusion_proof(
    leaf_index: int, tree_size: int, leaf_hash_: bytes, proof: Sequence[bytes]
) -> bytes:
    """RFC 9162 §2.1.3.2 steps 1-4; returns the computed root (after checking sn == 0)."""
    _check_hash("leaf hash", leaf_hash_)
    _check_proof(proof)
    if not 0 <= leaf_index < tree_size:  # step 1
        raise ProofError(f"leaf index {leaf_index} outside tree of size {tree_size}")
    fn, sn = leaf_index, tree_size - 1  # step 2
    r = bytes(leaf_hash_)  # step 3
    for p in proof:  # step 4
        if sn == 0:  # 4a
            raise ProofError("inclusion proof too long")
        if fn & 1 or fn == sn:  # 4b
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1  # 4c
        sn >>= 1
    if sn != 0:  # step 5, first half
        raise ProofError("inclusion proof too short")
    return r


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofError unless ``proof`` shows ``leaf_hash`` at ``leaf_index`` under ``root``."""
    _check_hash("root", root)
    if root_from_inclusion_proof(leaf_index, tree_size, leaf_hash, proof) != root:
        raise ProofError("inclusion proof does not lead to the root")


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2: raise ProofError unless tree (size1, root1) is a prefix of (size2, root2).

    Equal sizes need an empty proof and byte-equal roots (nothing is hashed, so, like
    transparency-dev, the roots' length is not checked there).
    """
    if size1 < 0 or size2 < size1:
        raise ProofError(f"second size {size2} is smaller than first size {size1}")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is not defined")
    if size1 == size2:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if root1 != root2:
            raise ProofError("equal sizes with different roots")
        return
    _check_hash("first root", root1)
    _check_hash("second root", root2)
    _check_proof(proof)
    if not proof:  # step 1
        raise ProofError("empty consistency proof")
    path = list(proof)
    if _is_pow2(size1):  # step 2
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1  # step 3
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:  # 6a
            raise ProofError("consistency proof too long")
        if fn & 1 or fn == sn:  # 6b
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1  # 6c
        sn >>= 1
    if sn != 0:  # step 7
        raise ProofError("consistency proof too short")
    if fr != root1:
        raise ProofError("consistency proof does not lead to the first root")
    if sr != root2:
        raise ProofError("consistency proof does not lead to the second root")


# --------------------------------------------------------------------------- subtrees
# The subtree proofs of draft-ietf-plants-merkle-tree-certs (§4.3/§4.4), which transparency-dev
# implements and ships vectors for: a subtree [start, end) is valid when start < end and start is
# a multiple of the smallest power of two >= end - start; its hash is MTH(D[start:end]).


def _check_subtree(start: int, end: int) -> None:
    if not 0 <= start < end:
        raise ProofError(f"subtree [{start}, {end}) is empty or negative")
    width = 1 << (end - start - 1).bit_length()
    if start % width:
        raise ProofError(f"subtree [{start}, {end}) is not aligned")


def verify_subtree_inclusion(
    leaf_index: int, start: int, end: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """A valid subtree is itself a Merkle tree of its leaves: RFC 9162 inclusion, shifted."""
    _check_subtree(start, end)
    if not start <= leaf_index < end:
        raise ProofError(f"leaf {leaf_index} outside subtree [{start}, {end})")
    verify_inclusion(leaf_index - start, end - start, leaf_hash, proof, root)


def _trivial_subtree_consistency(
    start: int, end: int, tree_size: int, subtree_root: bytes, root: bytes, proof: Sequence[bytes]
) -> bool:
    """Check the cases needing no walk (empty or whole-tree subtree); False if not one of them."""
    if start == end and 0 <= end <= tree_size:
        # The empty subtree is a prefix of every tree: its root must be MTH({}) and the proof empty.
        if proof or subtree_root != EMPTY_ROOT:
            raise ProofError("an empty subtree needs the empty root and an empty proof")
        return True
    _check_subtree(start, end)
    if tree_size < end:
        raise ProofError(f"tree size {tree_size} is smaller than subtree end {end}")
    if start == 0 and end == tree_size:
        if proof:
            raise ProofError("a whole-tree subtree needs an empty proof")
        if subtree_root != root:
            raise ProofError("subtree root differs from the root")
        return True
    return False


def verify_subtree_consistency(
    start: int, end: int, tree_size: int, subtree_root: bytes, root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ProofError unless subtree [start, end) with ``subtree_root`` is in tree ``root``.

    The RFC 9162 §2.1.4.2 walk generalised: ``fn`` follows the subtree's first leaf (always 0 in
    the RFC), ``sn`` its last leaf (the RFC's fn) and ``tn`` the tree's last leaf (the RFC's sn).
    Hashes on the subtree's own path feed both accumulators only while fn < sn, i.e. while the
    walk is still inside the subtree.
    """
    if _trivial_subtree_consistency(start, end, tree_size, subtree_root, root, proof):
        return
    _check_hash("subtree root", subtree_root)
    _check_hash("root", root)
    _check_proof(proof)
    if not proof:
        raise ProofError("empty consistency proof")
    fn, sn, tn = start, end - 1, tree_size - 1
    if sn == tn:
        while fn != sn:
            fn, sn, tn = fn >> 1, sn >> 1, tn >> 1
    else:
        while fn != sn and sn & 1:
            fn, sn, tn = fn >> 1, sn >> 1, tn >> 1
    path = list(proof)
    if fn == sn:
        fr = sr = subtree_root
    else:
        fr = sr = path.pop(0)
    for c in path:
        if tn == 0:
            raise ProofError("consistency proof too long")
        if sn & 1 or sn == tn:
            if fn < sn:
                fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not sn & 1:
                while sn and not sn & 1:
                    fn, sn, tn = fn >> 1, sn >> 1, tn >> 1
        else:
            # A right sibling lies beyond the subtree's last leaf: it only grows the tree root.
            sr = node_hash(sr, c)
        fn, sn, tn = fn >> 1, sn >> 1, tn >> 1
    if tn != 0:
        raise ProofError("consistency proof too short")
    if fr != subtree_root:
        raise ProofError("consistency proof does not lead to the subtree root")
    if sr != root:
        raise ProofError("consistency proof does not lead to the root")
