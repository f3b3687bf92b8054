"""Geometry of the bitstring status list (docs/formats.md, verifier.bitstring).

A certificate's status index ``si`` is one integer: shard ``si // SHARD_SIZE``, entry
``si % SHARD_SIZE`` in it. The issuer draws it at random at issuance (so it says nothing of
issuance order) and signs it into the record and the ``ecert/qr/3`` claim set.
"""

from __future__ import annotations

import hashlib

from formats.keyids import b64url
from formats.status import OTHER, REVOKED, SUSPENDED, VALID

SHARD_SIZE = 131_072
"""Entries per shard."""
STATUS_BITS = 2
"""Bits per entry: 0 valid, 1 suspended, 2 revoked or withdrawn, 3 any other status."""
ENTRY_CODES = (VALID, SUSPENDED, REVOKED, OTHER)
"""The status code a verifier reports for each entry value (the shard keeps two bits)."""


def shard_of(status_index: int) -> tuple[int, int]:
    """(shard number, entry within the shard) of a status index."""
    return divmod(status_index, SHARD_SIZE)

SHARD_SPEC = "ecert/status-shard/2"
"""The signed description of one shard. ``/1`` (base64url of the gzip inside the JWS) was
never referenced by a QR; ``/2`` signs a SHA-256 of the gzip bytes served beside it."""
SIGNATURE_HEADER = "Ecert-Shard-Signature"
"""The HTTP response header of ``GET /pki/status/<shard>`` carrying the root-signed JWS; the
body is the gzip bytes themselves (``application/octet-stream``)."""


def shard_digest(gz: bytes) -> str:
    """The signed ``sha256`` member: base64url (no padding) of the SHA-256 of the gzip body."""
    return b64url(hashlib.sha256(gz).digest())
