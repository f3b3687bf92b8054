"""Wire formats: RFC 6962 tree-head signature input and JSON shapes, C2SP checkpoints.

* Tree-head signature input: RFC 6962 §3.5 ``TreeHeadSignature`` -- version v1 (0), signature
  type tree_hash (1), uint64 timestamp (ms since the epoch), uint64 tree_size, 32-byte root;
  50 bytes, big-endian. The log key signs these bytes (ECDSA P-256 with SHA-256 in ecert).
* ``tree_head_signature`` in get-sth: the TLS ``DigitallySigned`` struct -- hash algorithm
  sha256 (4), signature algorithm ecdsa (3), uint16 length, DER signature.
* Checkpoints: C2SP tlog-checkpoint text signed as in C2SP static-ct-api (note signature type
  0x05, "RFC 6962 TreeHeadSignature"): key hash = SHA-256(origin || 0x0A || 0x05 || LogID)[:4]
  with LogID = SHA-256(DER SubjectPublicKeyInfo); signature = key hash || uint64 timestamp ||
  DigitallySigned. Witness cosignatures use C2SP tlog-cosignature's ``cosignature/v1`` message.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from audit_log.errors import ProofError

HASH_SHA256 = 4
SIG_ECDSA = 3
NOTE_TYPE_RFC6962_STH = 0x05
NOTE_TYPE_COSIGNATURE_V1 = 0x04


class HeadSigner(Protocol):
    @property
    def key_id(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...


class HeadVerifier(Protocol):
    def verify(self, data: bytes, signature: bytes) -> bool: ...


@dataclass(frozen=True, slots=True)
class TreeHead:
    tree_size: int
    timestamp_ms: int
    root_hash: bytes
    signature: bytes  # raw signature from the HeadSigner over signed_data()
    key_id: str

    def signed_data(self) -> bytes:
        return tree_head_signature_input(self.timestamp_ms, self.tree_size, self.root_hash)


@dataclass(frozen=True, slots=True)
class Cosignature:
    tree_size: int
    root_hash: bytes
    witness_name: str
    witness_key_id: str
    timestamp: int  # seconds since the epoch, as in cosignature/v1
    signature: bytes


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise ProofError("bad base64") from exc


def tree_head_signature_input(timestamp_ms: int, tree_size: int, root_hash: bytes) -> bytes:
    if len(root_hash) != 32:
        raise ValueError("root hash must be 32 bytes")
    return struct.pack(">BBQQ", 0, 1, timestamp_ms, tree_size) + root_hash


def digitally_signed(
    signature: bytes, hash_alg: int = HASH_SHA256, sig_alg: int = SIG_ECDSA
) -> bytes:
    return struct.pack(">BBH", hash_alg, sig_alg, len(signature)) + signature


def parse_digitally_signed(data: bytes) -> tuple[int, int, bytes]:
    if len(data) < 4:
        raise ProofError("DigitallySigned too short")
    h, s, n = struct.unpack(">BBH", data[:4])
    if len(data) != 4 + n:
        raise ProofError("DigitallySigned length mismatch")
    return h, s, data[4:]


# ------------------------------------------------------------------ RFC 6962 §4 JSON shapes


def get_sth_json(head: TreeHead, cosignatures: Iterable[Cosignature] = ()) -> dict[str, Any]:
    """get-sth response; ``ecert_cosignatures`` is an extra member RFC 6962 clients ignore."""
    out: dict[str, Any] = {
        "tree_size": head.tree_size,
        "timestamp": head.timestamp_ms,
        "sha256_root_hash": b64(head.root_hash),
        "tree_head_signature": b64(digitally_signed(head.signature)),
    }
    cos = [
        {
            "witness": c.witness_name,
            "key_id": c.witness_key_id,
            "timestamp": c.timestamp,
            "signature": b64(c.signature),
        }
        for c in cosignatures
    ]
    if cos:
        out["ecert_cosignatures"] = cos
    return out


def tree_head_from_sth_json(d: dict[str, Any], key_id: str = "") -> TreeHead:
    """Parse a get-sth response (as a witness or auditor receives it)."""
    try:
        _, _, sig = parse_digitally_signed(unb64(d["tree_head_signature"]))
        root = unb64(d["sha256_root_hash"])
        return TreeHead(int(d["tree_size"]), int(d["timestamp"]), root, sig, key_id)
    except (KeyError, TypeError, ValueError) as exc:
        raise ProofError("malformed get-sth response") from exc


def proof_by_hash_json(leaf_index: int, audit_path: Sequence[bytes]) -> dict[str, Any]:
    return {"leaf_index": leaf_index, "audit_path": [b64(h) for h in audit_path]}


def consistency_json(proof: Sequence[bytes]) -> dict[str, Any]:
    return {"consistency": [b64(h) for h in proof]}


def entries_json(leaf_inputs: Iterable[bytes]) -> dict[str, Any]:
    return {"entries": [{"leaf_input": b64(li), "extra_data": ""} for li in leaf_inputs]}


# ------------------------------------------------------------------ checkpoints (signed notes)


def note_key_hash(name: str, sig_type: int, key: bytes) -> bytes:
    """C2SP signed-note key hash: SHA-256(name || 0x0A || type || key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + key).digest()[:4]


def rfc6962_key_hash(origin: str, spki_der: bytes) -> bytes:
    """Key hash of a type-0x05 (RFC 6962 TreeHeadSignature) note key, from the log's public key."""
    return note_key_hash(origin, NOTE_TYPE_RFC6962_STH, hashlib.sha256(spki_der).digest())


def checkpoint_body(origin: str, tree_size: int, root_hash: bytes) -> str:
    if not origin or "\n" in origin or origin != origin.strip():
        raise ValueError("origin must be one non-empty line without surrounding spaces")
    return f"{origin}\n{tree_size}\n{b64(root_hash)}\n"


def cosignature_message(origin: str, tree_size: int, root_hash: bytes, timestamp: int) -> bytes:
    """What a witness signs: C2SP cosignature/v1 header followed by the checkpoint body."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + checkpoint_body(
        origin, tree_size, root_hash
    ).encode("utf-8")


def checkpoint(
    origin: str,
    head: TreeHead,
    key_hash: bytes,
    cosignatures: Iterable[Cosignature] = (),
) -> str:
    """Signed-note checkpoint for ``head``: the log's type-0x05 line, then witness lines.

    ``key_hash`` is the log's 4-byte note key hash (``rfc6962_key_hash(origin, spki)``).
    Witness lines are written for cosignatures whose key id is an 8-hex-digit note key hash
    (SHA-256(witness name || 0x0A || 0x04 || public key)[:4] for Ed25519 witnesses).
    """
    if len(key_hash) != 4:
        raise ValueError("key hash must be 4 bytes")
    body = checkpoint_body(origin, head.tree_size, head.root_hash)
    log_sig = key_hash + struct.pack(">Q", head.timestamp_ms) + digitally_signed(head.signature)
    lines = [f"\u2014 {origin} {b64(log_sig)}\n"]
    for c in cosignatures:
        if c.tree_size != head.tree_size or c.root_hash != head.root_hash:
            continue
        try:
            kh = bytes.fromhex(c.witness_key_id)
        except ValueError:
            continue
        if len(kh) == 4:
            lines.append(
                f"\u2014 {c.witness_name} "
                f"{b64(kh + struct.pack('>Q', c.timestamp) + c.signature)}\n"
            )
    return body + "\n" + "".join(lines)
