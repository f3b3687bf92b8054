"""Errors raised by :mod:`ca`.

Every error is a :class:`CaError`, a :class:`formats.errors.DomainError` with a ``slug`` and a
``kind``; callers translate them once at their edge. Untrusted input that fails any check is
one opaque answer (``malformed-input``, same ``public_detail``): which check failed is not an
attacker's business, the message says why for logs. Key-store failures are never the caller's
fault: internal, or unavailable (retry) when the HSM cannot be reached.
"""

from __future__ import annotations

from typing import ClassVar

from formats.errors import DomainError, Kind, Unavailable

__all__ = [
    "CaError",
    "MalformedRequest",
    "MalformedJws",
    "MalformedPdf",
    "MalformedCertificate",
    "KeyNotFound",
    "KeyExists",
    "KeyStoreError",
    "TimestampUnavailable",
    "SignatureInvalid",
    "HsmUnavailable",
    "ChainInvalid",
]


class CaError(DomainError):
    """Base class of every error raised by the ``ca`` package."""

    slug = "malformed-input"
    kind = Kind.INPUT
    # What the edge tells the caller instead of the message (logs keep the message).
    public_detail: ClassVar[str | None] = (
        "the input could not be processed as a valid signed object")


class MalformedRequest(CaError):
    """An OCSP or time-stamp request could not be parsed or is not acceptable."""


class MalformedJws(CaError):
    """A compact JWS is not well formed (or uses a refused algorithm)."""


class MalformedPdf(CaError):
    """The bytes are not a PDF that could be read or signed."""


class MalformedCertificate(CaError):
    """Bytes that should hold an X.509 certificate (DER or PEM) do not."""


class SignatureInvalid(CaError):
    """A signature does not verify against the given public key."""


class ChainInvalid(CaError):
    """A certificate does not chain to the given root at the given time."""


class KeyNotFound(CaError):
    """No key with that label exists in the key store."""

    slug = "key-not-found"
    kind = Kind.INTERNAL  # labels come from the platform's own records, never from a caller
    public_detail = None


class KeyExists(CaError):
    """A key with that label already exists; keys are never overwritten."""

    slug = "key-exists"
    kind = Kind.INTERNAL  # labels are made by the platform (time + random): a clash is a defect
    public_detail = None


class KeyStoreError(CaError):
    """The key store could not read a key (wrong passphrase, damaged file)."""

    slug = "key-store-error"
    kind = Kind.INTERNAL
    public_detail = None


class TimestampUnavailable(CaError, Unavailable):
    """The time-stamping service did not answer with a time stamp (down, refused, timed out)."""

    slug = "timestamp-unavailable"
    kind = Kind.UNAVAILABLE
    public_detail = "the time-stamping service is unavailable; retry later"


class HsmUnavailable(CaError, Unavailable):
    """The PKCS#11 module or token could not be reached, even after a retry."""

    slug = "unavailable"
    kind = Kind.UNAVAILABLE
    public_detail = "the signing service is unavailable; retry later"
