"""Tile storage (audit_log/tiles.py): tiles grown batch by batch equal tiles built at once,
subtrees recomputed from tiles equal the tree's nodes, and a stored log that crosses tile
boundaries in odd batches serves RFC 9162 proofs and verifies (SQLite, PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from audit_log import AuditLog, merkle, tiles
from audit_log.append import AuditEntryInput
from audit_log.verify import verify_log
from certificate_store.db import Store

from .conftest import T0, HmacSigner

LOG = AuditLog(origin="ecert.test/audit")


def _levels(leaves: list[bytes]) -> list[list[bytes]]:
    levels = [leaves]
    while len(levels[-1]) > 1:
        lv = levels[-1]
        levels.append([merkle.node_hash(lv[i], lv[i + 1]) for i in range(0, len(lv) - 1, 2)])
    return levels


def test_tiles_grown_in_batches_equal_the_tree() -> None:
    rnd = random.Random(11)
    stored: dict[tuple[int, int], bytes] = {}
    leaves: list[bytes] = []
    while len(leaves) < 70_000:  # past 256² leaves: three tile levels
        n = len(leaves)
        new = [hashlib.sha256(b"%d" % (n + i)).digest()
               for i in range(rnd.choice([1, 2, 255, 256, 257, 4000]))]
        tails = {k: stored[k] for k in tiles.tail_keys(n)}
        for lv, ix, h in tiles.extend(n, tails, new):
            stored[(lv, ix)] = h
        leaves += new
    levels = _levels(leaves)
    expected = dict(tiles.tile_keys(len(leaves)))
    assert {k: len(tiles.unpack(v)[0]) for k, v in stored.items()} == expected
    assert max(lv for lv, _ in expected) == 2
    for (lv, ix), data in stored.items():
        for k, got in enumerate(tiles.unpack(data)):
            w = 256 >> k
            assert len(got) == expected[(lv, ix)] >> k
            if got:
                assert got == levels[8 * lv + k][w * ix : w * ix + len(got)]
    coords = [(lv, i) for lv in range(len(levels)) for i in (0, 1, ((len(leaves) >> lv) - 1))
              if (i + 1) << lv <= len(leaves)]
    got = tiles.nodes_from(coords, stored)
    assert got == {c: levels[c[0]][c[1]] for c in coords}
    assert tiles.nodes_from([(0, len(leaves))], stored) == {}  # beyond the tree: absent


def _entry(i: int) -> AuditEntryInput:
    return AuditEntryInput(now=T0 + dt.timedelta(seconds=i), actor=f"u{i % 5}", actor_dept="D",
                           role="issuer", action="certificate.issue", details={"n": i})


def test_stored_log_across_tile_boundaries(store: Store, signer: HmacSigner) -> None:
    i = 0
    for n in (255, 1, 1, 254, 3, 300, 1, 500, 12):  # 1,327 entries
        with store.transaction() as uow:
            LOG.record_many(uow, [_entry(j) for j in range(i, i + n)])
            i += n
            LOG.sign_head(uow, signer, T0 + dt.timedelta(days=1))
    with store.transaction() as uow:
        leaves = [e.leaf_hash for e in uow.audit.iter_entries()]
        root = merkle.root_from_leaf_hashes(leaves)
        assert LOG.root(uow, i) == root
        for idx in (0, 255, 256, 511, 512, 1023, 1024, i - 1):
            p = LOG.inclusion_proof(uow, idx, i)
            merkle.verify_inclusion(idx, i, leaves[idx], p.audit_path, root)
        for first in (1, 255, 256, 257, 511, 1024, 1326):
            old = merkle.root_from_leaf_hashes(leaves[:first])
            merkle.verify_consistency(first, i, old, root, LOG.consistency_proof(uow, first, i))
        res = verify_log(uow, signer, T0 + dt.timedelta(days=2))
    assert res.ok, res.findings
