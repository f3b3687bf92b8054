"""Full audit of the stored log, and exports.

``verify_log`` trusts nothing stored except the entry fields: it recomputes every leaf from the
fields, rebuilds the tree, compares every hash of every stored tile and every signed head, checks the
heads' signatures and that consecutive heads are consistent (with proofs built from the stored
nodes, exactly as served to clients). Findings name the entry, node or head.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO

from audit_log import merkle, tiles
from audit_log.entry import details_sha256, leaf_bytes
from audit_log.errors import AuditError, InvalidEntry, ProofError
from audit_log.formats import HeadVerifier, TreeHead
from audit_log.log import AuditLog
from certificate_store.db import UnitOfWork
from certificate_store.repos.audit import AuditEntryRecord, AuditRepo
from formats.text import csv_row

MAX_FINDINGS_PER_CHECK = 200

VersionCheck = Callable[[AuditEntryRecord], Iterable[str]]


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    findings: tuple[str, ...]
    more: int = 0  # findings beyond MAX_FINDINGS_PER_CHECK, not listed


@dataclass(frozen=True, slots=True)
class AuditVerification:
    checked_at: dt.datetime
    tree_size: int
    heads_checked: int
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def findings(self) -> tuple[str, ...]:
        return tuple(f for c in self.checks for f in c.findings)

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)


class _Findings:
    def __init__(self, name: str) -> None:
        self.name, self.items, self.more = name, [], 0  # type: ignore[var-annotated]

    def add(self, text: str) -> None:
        if len(self.items) < MAX_FINDINGS_PER_CHECK:
            self.items.append(text)
        else:
            self.more += 1

    def done(self) -> Check:
        return Check(self.name, not self.items, tuple(self.items), self.more)


def recompute_leaf(rec: AuditEntryRecord) -> bytes:
    return leaf_bytes(
        idx=rec.idx,
        created_at=rec.created_at,
        actor=rec.actor,
        actor_dept=rec.actor_dept,
        role=rec.role,
        action=rec.action,
        cert_identifier=rec.cert_identifier,
        purpose=rec.purpose,
        request_id=rec.request_id,
        details_hash=rec.details_hash,
    )


def verify_log(
    uow: UnitOfWork,
    head_verifier: HeadVerifier,
    now: dt.datetime,
    check_version_hashes: VersionCheck | None = None,
) -> AuditVerification:
    repo = uow.audit
    entries, nodes_f, roots_f = _Findings("entries"), _Findings("nodes"), _Findings("head_roots")
    sigs_f, cons_f, vers_f = (
        _Findings("head_signatures"),
        _Findings("head_consistency"),
        _Findings("version_hashes"),
    )
    leaves = _check_entries(repo, entries, vers_f, check_version_hashes)
    size = len(leaves)
    levels = _check_nodes(repo, leaves, nodes_f)
    heads = [
        TreeHead(hd.tree_size, hd.timestamp_ms, hd.root_hash, hd.signature, hd.key_id)
        for hd in repo.heads()
    ]
    _check_heads(uow, head_verifier, heads, levels, size, roots_f, sigs_f, cons_f)

    checks = [entries.done(), nodes_f.done(), roots_f.done(), sigs_f.done(), cons_f.done()]
    if check_version_hashes is not None:
        checks.append(vers_f.done())
    return AuditVerification(now, size, len(heads), tuple(checks))


def _check_entries(
    repo: AuditRepo,
    entries: _Findings,
    vers_f: _Findings,
    check_version_hashes: VersionCheck | None,
) -> list[bytes]:
    """1. Leaves, recomputed from the entry fields (a missing entry keeps its stored leaf)."""
    leaves: list[bytes] = []
    expected = 0
    for rec in repo.iter_entries():
        while expected < rec.idx:
            entries.add(f"entry {expected} missing")
            leaves.append(_stored_leaf(repo, expected))
            expected += 1
        expected = rec.idx + 1
        if details_sha256(rec.details.encode("utf-8")) != rec.details_hash:
            entries.add(f"entry {rec.idx}: details do not match their hash")
        try:
            leaf_input = recompute_leaf(rec)
        except InvalidEntry as exc:
            entries.add(f"entry {rec.idx}: fields cannot be serialised ({exc})")
            leaves.append(rec.leaf_hash)
            continue
        if leaf_input != rec.leaf_input:
            entries.add(f"entry {rec.idx}: fields differ from the stored leaf input")
        lh = merkle.leaf_hash(leaf_input)
        if lh != rec.leaf_hash:
            entries.add(f"entry {rec.idx}: leaf hash mismatch")
        leaves.append(lh)
        if check_version_hashes is not None:
            for finding in check_version_hashes(rec):
                vers_f.add(f"entry {rec.idx}: {finding}")
    return leaves


def _stored_leaf(repo: AuditRepo, idx: int) -> bytes:
    """The stored leaf hash of a missing entry (from its tile), or the empty root."""
    key = (0, idx // tiles.WIDTH)
    got = tiles.nodes_from([(0, idx)], repo.get_tiles([key]))
    return got.get((0, idx), merkle.EMPTY_ROOT)


def _check_nodes(repo: AuditRepo, leaves: list[bytes], nodes_f: _Findings) -> list[list[bytes]]:
    """2. Every hash of every stored tile, recomputed from the leaves; returns the levels."""
    levels = [leaves]
    while len(levels[-1]) > 1:
        top = levels[-1]
        levels.append([merkle.node_hash(top[i], top[i + 1]) for i in range(0, len(top) - 1, 2)])
    expected = dict(tiles.tile_keys(len(leaves)))
    for lv, ix, data in repo.iter_tiles():
        width = expected.pop((lv, ix), 0)
        try:
            stored = tiles.unpack(data)
        except ValueError:
            nodes_f.add(f"stored tile ({lv},{ix}) is malformed")
            continue
        for k, got in enumerate(stored):
            level, base = lv * tiles.HEIGHT + k, ix * (tiles.WIDTH >> k)
            want = levels[level][base : base + (width >> k)] if level < len(levels) else []
            for j, h in enumerate(got):
                if j >= len(want):
                    nodes_f.add(f"stored node ({level},{base + j}) is beyond the log")
                elif h != want[j]:
                    nodes_f.add(f"stored node ({level},{base + j}) differs")
            for j in range(len(got), len(want)):
                nodes_f.add(f"stored node ({level},{base + j}) missing")
    for lv, ix in sorted(expected):
        nodes_f.add(f"stored tile ({lv},{ix}) missing")
    return levels


def _check_heads(
    uow: UnitOfWork,
    head_verifier: HeadVerifier,
    heads: list[TreeHead],
    levels: list[list[bytes]],
    size: int,
    roots_f: _Findings,
    sigs_f: _Findings,
    cons_f: _Findings,
) -> None:
    """3. Signed heads: root, signature, order, consistency as served."""

    def computed(level: int, index: int) -> bytes:
        return levels[level][index]

    prev: TreeHead | None = None
    for hd in heads:
        if hd.tree_size > size:
            roots_f.add(f"tree head {hd.tree_size}: beyond the log size {size}")
        elif merkle.root(hd.tree_size, computed) != hd.root_hash:
            roots_f.add(f"tree head {hd.tree_size}: root does not match the entries")
        try:
            good = len(hd.root_hash) == 32 and head_verifier.verify(hd.signed_data(), hd.signature)
        except Exception:  # noqa: BLE001 - a verifier that chokes on bad input is a bad signature
            good = False
        if not good:
            sigs_f.add(f"tree head {hd.tree_size}: signature invalid")
        if prev is not None:
            if hd.timestamp_ms < prev.timestamp_ms:
                cons_f.add(
                    f"tree head {hd.tree_size}: timestamp earlier than head {prev.tree_size}"
                )
            if prev.tree_size > 0 and hd.tree_size <= size:
                try:
                    proof = AuditLog().consistency_proof(uow, prev.tree_size, hd.tree_size)
                    merkle.verify_consistency(
                        prev.tree_size, hd.tree_size, prev.root_hash, hd.root_hash, proof
                    )
                except (ProofError, AuditError, ValueError):
                    cons_f.add(f"heads {prev.tree_size}\u2192{hd.tree_size} inconsistent")
        prev = hd


# ------------------------------------------------------------------ exports

_EXPORT_FIELDS = (
    "idx",
    "created_at",
    "actor",
    "actor_dept",
    "role",
    "action",
    "cert_identifier",
    "purpose",
    "request_id",
    "details_hash",
    "details",
    "leaf_input",
    "leaf_hash",
)


def _export_row(rec: AuditEntryRecord) -> dict[str, object]:
    return {
        "idx": rec.idx,
        "created_at": rec.created_at.isoformat(),
        "actor": rec.actor,
        "actor_dept": rec.actor_dept,
        "role": rec.role,
        "action": rec.action,
        "cert_identifier": rec.cert_identifier,
        "purpose": rec.purpose,
        "request_id": rec.request_id,
        "details_hash": rec.details_hash,
        "details": rec.details,
        "leaf_input": base64.b64encode(rec.leaf_input).decode("ascii"),
        "leaf_hash": rec.leaf_hash.hex(),
    }


def export_jsonl(uow: UnitOfWork, out: IO[str]) -> int:
    """One JSON object per entry, in index order; returns the number written."""
    n = 0
    for rec in uow.audit.iter_entries():
        out.write(json.dumps(_export_row(rec), ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    return n


def export_csv(uow: UnitOfWork, out: IO[str]) -> int:
    w = csv.DictWriter(out, fieldnames=_EXPORT_FIELDS)
    w.writeheader()
    n = 0
    for rec in uow.audit.iter_entries():
        w.writerow(csv_row(_export_row(rec)))  # formula prefixes neutralised
        n += 1
    return n
