"""Errors raised by :mod:`ca`.

Every error is a :class:`CaError`; callers translate them once at their edge.
Messages never say more than needed about why untrusted input was refused.
"""

from __future__ import annotations

__all__ = [
    "CaError",
    "MalformedRequest",
    "MalformedJws",
    "MalformedPdf",
    "MalformedCertificate",
    "KeyNotFound",
    "KeyExists",
    "KeyStoreError",
    "SignatureInvalid",
    "HsmUnavailable",
    "ChainInvalid",
]


class CaError(Exception):
    """Base class of every error raised by the ``ca`` package."""


class MalformedRequest(CaError):
    """An OCSP or time-stamp request could not be parsed or is not acceptable."""


class MalformedJws(CaError):
    """A compact JWS is not well formed (or uses a refused algorithm)."""


class MalformedPdf(CaError):
    """The bytes are not a PDF that could be read or signed."""


class MalformedCertificate(CaError):
    """Bytes that should hold an X.509 certificate (DER or PEM) do not."""


class KeyNotFound(CaError):
    """No key with that label exists in the key store."""


class KeyExists(CaError):
    """A key with that label already exists; keys are never overwritten."""


class KeyStoreError(CaError):
    """The key store could not read a key (wrong passphrase, damaged file)."""


class SignatureInvalid(CaError):
    """A signature does not verify against the given public key."""


class HsmUnavailable(CaError):
    """The PKCS#11 module or token could not be reached, even after a retry."""


class ChainInvalid(CaError):
    """A certificate does not chain to the given root at the given time."""
