"""How certificates are named on the wire: JOSE ``x5t#S256`` and the short QR ``kid``.

``x5t#S256`` is the base64url (no padding) SHA-256 of the certificate's DER (RFC 7515 §4.1.8);
trust lists, stored versions and record JWS headers name the signing certificate by it. An
``ecert/qr/2`` header names it by ``kid``, the first `KID_CHARS` characters of that thumbprint.
"""

from __future__ import annotations

import base64
import hashlib

KID_CHARS = 12
KID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
"""base64url: the characters of a ``kid`` (and of a ``x5t#S256``)."""
X5T_S256_CHARS = 43


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def x5t_s256(cert_der: bytes) -> str:
    """``x5t#S256`` of a certificate (DER bytes)."""
    return b64url(hashlib.sha256(cert_der).digest())


def qr_kid(cert_der: bytes) -> str:
    """``kid`` of an ``ecert/qr/2`` JWS: a prefix of the x5t#S256 the trust list is keyed by."""
    return kid_of(x5t_s256(cert_der))


def kid_of(thumbprint: str) -> str:
    return thumbprint[:KID_CHARS]


def is_kid(value: object) -> bool:
    """Whether `value` has the form of a ``kid`` (to ignore anything else a header carries)."""
    return isinstance(value, str) and len(value) == KID_CHARS
