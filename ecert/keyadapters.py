"""The audit log's signing protocols (`HeadSigner`, `HeadVerifier`) over the ca package's keys.

audit_log must not import ca (it stays free of cryptography); these adapters join the two for
the platform's tree heads and for witnesses alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from ca.errors import CaError
from ca.signer import Signer, verify_signature


@dataclass(frozen=True)
class KeyedSigner:
    """A ca `Signer` (DER ECDSA P-256 signatures) with the key id the log records."""

    signer: Signer
    key_id: str

    def sign(self, data: bytes) -> bytes:
        return self.signer.sign(data)


@dataclass(frozen=True)
class KeyVerifier:
    """True when `signature` is a valid ECDSA P-256/SHA-256 signature by this public key."""

    public_key_der: bytes

    def verify(self, data: bytes, signature: bytes) -> bool:
        try:
            verify_signature(self.public_key_der, data, signature)
        except CaError:
            return False
        return True
