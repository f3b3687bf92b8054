"""Witness side of the cosigning protocol.

A witness remembers the last tree it checked (size and root, in a local JSON file). Shown a new
signed tree head, it checks the log's signature, then a consistency proof from the remembered
tree, and only then cosigns (C2SP ``cosignature/v1`` message) and advances its state. It refuses
when the tree shrank, when the same size has a different root, or when any proof fails. The
first head it sees is trusted on first use unless the state file was provisioned beforehand.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from audit_log import merkle
from audit_log.errors import ProofError, WitnessRefusal
from audit_log.formats import (
    Cosignature,
    HeadSigner,
    HeadVerifier,
    TreeHead,
    b64,
    cosignature_message,
    unb64,
)


@dataclass(frozen=True, slots=True)
class WitnessState:
    """Last verified tree of one log, kept in a JSON file ``{"origin", "size", "root"}``."""

    path: Path
    origin: str

    def load(self) -> tuple[int, bytes] | None:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return None
        if data.get("origin") != self.origin:
            raise WitnessRefusal("state file belongs to another log")
        return int(data["size"]), unb64(data["root"])

    def save(self, size: int, root: bytes) -> None:
        """Atomic replace, so a crash never leaves a half-written state."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".witness-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"origin": self.origin, "size": size, "root": b64(root)}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


def check_and_cosign(
    fetch_sth: Callable[[], TreeHead],
    fetch_consistency: Callable[[int, int], Sequence[bytes]],
    signer: HeadSigner,
    state: WitnessState,
    *,
    log_verifier: HeadVerifier,
    witness_name: str,
    now: dt.datetime,
) -> Cosignature:
    """Verify the log's newest head against ``state`` and cosign it, or raise WitnessRefusal."""
    head = fetch_sth()
    if len(head.root_hash) != merkle.HASH_SIZE:
        raise WitnessRefusal("tree head root is not a 32-byte hash")
    if not log_verifier.verify(head.signed_data(), head.signature):
        raise WitnessRefusal("log signature on the tree head is invalid")
    prev = state.load()
    if prev is not None:
        size, root = prev
        if head.tree_size < size:
            raise WitnessRefusal(f"tree shrank from {size} to {head.tree_size}")
        if head.tree_size == size:
            if head.root_hash != root:
                raise WitnessRefusal(f"two different roots for size {size}: the log forked")
        elif size > 0:
            try:
                merkle.verify_consistency(
                    size,
                    head.tree_size,
                    root,
                    head.root_hash,
                    fetch_consistency(size, head.tree_size),
                )
            except ProofError as exc:
                raise WitnessRefusal(
                    f"tree {head.tree_size} is not consistent with {size}"
                ) from exc
    ts = int(now.timestamp())
    sig = signer.sign(cosignature_message(state.origin, head.tree_size, head.root_hash, ts))
    state.save(head.tree_size, head.root_hash)
    return Cosignature(head.tree_size, head.root_hash, witness_name, signer.key_id, ts, sig)
