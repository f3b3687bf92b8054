"""The one signing primitive every key holder offers.

A :class:`Signer` makes ECDSA P-256 / SHA-256 signatures (DER ``Ecdsa-Sig-Value``)
over the bytes it is given. Certificates, CRLs, OCSP, time stamps, JWS and PDF
signatures are all built on top of it, so any key holder (encrypted file, HSM)
works everywhere. No signer ever exposes its private key.
"""

from __future__ import annotations

import functools
import threading
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from ca.errors import MalformedCertificate, SignatureInvalid

__all__ = [
    "Signer",
    "MemorySigner",
    "der_to_raw_signature",
    "raw_to_der_signature",
    "verify_signature",
    "load_public_key",
]

_P256_BYTES = 32


@runtime_checkable
class Signer(Protocol):
    """ECDSA P-256 with SHA-256 over ``data``; returns a DER signature."""

    @property
    def label(self) -> str: ...

    @property
    def public_key_der(self) -> bytes:
        """SubjectPublicKeyInfo, DER."""
        ...

    def sign(self, data: bytes) -> bytes: ...


class MemorySigner:
    """A signer holding a loaded key in memory (file keys, tests).

    The key object is kept, so signing costs one ECDSA operation.
    """

    __slots__ = ("_key", "_label", "_public_key_der", "_lock")

    def __init__(self, label: str, key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(key.curve, ec.SECP256R1):
            raise ValueError("only P-256 keys are supported")
        self._key = key
        self._label = label
        self._public_key_der = key.public_key().public_bytes(
            serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        self._lock = threading.Lock()

    @classmethod
    def generate(cls, label: str) -> MemorySigner:
        """A fresh ephemeral key (never stored anywhere)."""
        return cls(label, ec.generate_private_key(ec.SECP256R1()))

    @property
    def label(self) -> str:
        return self._label

    @property
    def public_key_der(self) -> bytes:
        return self._public_key_der

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))

    def __repr__(self) -> str:
        return f"MemorySigner(label={self._label!r})"

    def __reduce__(self) -> str | tuple[object, ...]:  # no pickling of keys
        raise TypeError("signers cannot be pickled")


@functools.lru_cache(maxsize=256)
def load_public_key(public_key_der: bytes) -> ec.EllipticCurvePublicKey:
    """Parse a P-256 SubjectPublicKeyInfo (remembered: a platform has few keys, and the key
    objects are immutable)."""
    try:
        key = serialization.load_der_public_key(public_key_der)
    except (ValueError, TypeError) as exc:
        raise MalformedCertificate("not a public key") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(
        key.curve, ec.SECP256R1
    ):
        raise MalformedCertificate("not a P-256 public key")
    return key


def verify_signature(public_key_der: bytes, data: bytes, signature_der: bytes) -> None:
    """Check an ECDSA P-256/SHA-256 DER signature; raise :class:`SignatureInvalid`."""
    key = load_public_key(public_key_der)
    try:
        key.verify(signature_der, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError) as exc:
        raise SignatureInvalid("signature does not verify") from exc


def der_to_raw_signature(signature_der: bytes) -> bytes:
    """DER ``Ecdsa-Sig-Value`` to fixed-length r||s (64 bytes), as JWS wants."""
    try:
        r, s = decode_dss_signature(signature_der)
    except ValueError as exc:
        raise SignatureInvalid("not a DER ECDSA signature") from exc
    if r >= 1 << (8 * _P256_BYTES) or s >= 1 << (8 * _P256_BYTES):
        raise SignatureInvalid("signature values out of range")
    return r.to_bytes(_P256_BYTES, "big") + s.to_bytes(_P256_BYTES, "big")


def raw_to_der_signature(raw: bytes) -> bytes:
    """Fixed-length r||s (64 bytes) to DER ``Ecdsa-Sig-Value``."""
    if len(raw) != 2 * _P256_BYTES:
        raise SignatureInvalid("raw P-256 signature must be 64 bytes")
    r = int.from_bytes(raw[:_P256_BYTES], "big")
    s = int.from_bytes(raw[_P256_BYTES:], "big")
    return encode_dss_signature(r, s)
