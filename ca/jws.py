"""Compact JWS (RFC 7515), ES256 only, over RFC 8785 canonical JSON.

Header: ``{"alg": "ES256", "typ": …, "x5t#S256": …, ["x5c": [...]]}``, or the compact
``{"alg": "ES256", "kid": …, "typ": …}`` of ``ecert/qr/2`` (``kid`` a prefix of the
``x5t#S256``, `formats.keyids`), itself canonical JSON. Signatures are raw r||s (64 bytes),
base64url without padding.
Parsing is strict: three parts, base64url alphabet only and canonical, a JSON
object header without duplicate keys, ``alg`` exactly ES256, no ``crit``, size
caps. Everything refused raises :class:`MalformedJws` (one opaque error).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import rfc8785

from ca.certs import describe_cert
from ca.errors import MalformedJws, SignatureInvalid
from ca.signer import Signer, der_to_raw_signature, raw_to_der_signature, verify_signature
from formats.keyids import b64url, qr_kid, x5t_s256
from formats.record import canonical_bytes

__all__ = [
    "canonical_json",
    "b64url",
    "b64url_decode",
    "sign_jws",
    "parse_jws",
    "verify_jws",
    "verify_jws_with_cert",
    "ParsedJws",
    "MAX_JWS_CHARS",
    "MAX_HEADER_CHARS",
]

MAX_JWS_CHARS = 4 * 1024 * 1024
MAX_HEADER_CHARS = 16 * 1024


def canonical_json(obj: object) -> bytes:
    """RFC 8785 (JCS) canonical UTF-8 bytes. Raises ``ValueError`` on values JCS
    cannot represent (NaN, integers beyond 2**53, non-string keys…)."""
    try:
        return canonical_bytes(obj)
    except (rfc8785.CanonicalizationError, TypeError, OverflowError) as exc:
        raise ValueError(f"cannot canonicalise: {exc}") from exc


# Strict base64url in one C call: '-' and '_' become the standard alphabet's '+' and '/', while
# '+', '/' and '=' in the input become '!', which strict mode refuses like any other stranger.
_TO_STANDARD = bytes.maketrans(b"-_+/=", b"+/!!!")
_PADDING = (b"", b"", b"==", b"=")
# The last character of a text of length 2 or 3 (mod 4) carries 4 or 2 unused bits, which
# must be zero in the canonical form: only these characters may end it.
_CANONICAL_LAST = {2: frozenset("AQgw"), 3: frozenset("AEIMQUYcgkosw048")}


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding; raises :class:`MalformedJws`."""
    rest = len(text) % 4
    if rest == 1 or rest and text[-1] not in _CANONICAL_LAST[rest]:
        raise MalformedJws("bad base64url")
    try:
        return binascii.a2b_base64(
            text.encode("ascii").translate(_TO_STANDARD) + _PADDING[rest], strict_mode=True)
    except ValueError as exc:  # binascii.Error, or text that is not ASCII
        raise MalformedJws("bad base64url") from exc


@dataclass(frozen=True)
class ParsedJws:
    header: Mapping[str, Any]
    payload: bytes
    signing_input: bytes
    signature: bytes
    """Raw r||s, 64 bytes."""
    x5t_s256: str | None = None
    x5c: tuple[bytes, ...] = field(default=())
    """DER certificates from the ``x5c`` header, leaf first."""

    def naming(self, x5t_s256: str) -> ParsedJws:
        """This JWS with the certificate a short ``kid`` resolved to (cheaper than
        `dataclasses.replace`, which runs once per QR verification)."""
        return ParsedJws(self.header, self.payload, self.signing_input, self.signature,
                         x5t_s256, self.x5c)


def sign_jws(
    payload: bytes,
    signer: Signer,
    cert_der: bytes,
    include_x5c: bool,
    typ: str = "JOSE",
    chain_ders: tuple[bytes, ...] = (),
    *,
    short_kid: bool = False,
) -> str:
    """Compact ES256 JWS; the header names ``cert_der`` by ``x5t#S256``.

    ``short_kid``: the compact header ``{"alg","kid","typ"}`` instead, naming the certificate
    by the ``kid`` of `formats.keyids` (printed QR codes, where every character counts);
    it carries no ``x5c``.
    """
    if short_kid and (include_x5c or chain_ders):
        raise ValueError("a short-kid header carries no x5c")
    signing_input = (
        _header_b64(cert_der, include_x5c, typ, tuple(chain_ders), short_kid)
        + "."
        + b64url(payload)
    ).encode("ascii")
    raw = der_to_raw_signature(signer.sign(signing_input))
    return signing_input.decode("ascii") + "." + b64url(raw)


@functools.lru_cache(maxsize=256)
def _header_b64(
    cert_der: bytes, include_x5c: bool, typ: str, chain_ders: tuple[bytes, ...], short_kid: bool
) -> str:
    describe_cert(cert_der)  # refuse anything that is not a certificate
    if short_kid:
        return b64url(canonical_json({"alg": "ES256", "kid": qr_kid(cert_der), "typ": typ}))
    header: dict[str, object] = {"alg": "ES256", "typ": typ, "x5t#S256": x5t_s256(cert_der)}
    if include_x5c:
        header["x5c"] = [base64.b64encode(d).decode("ascii") for d in (cert_der, *chain_ders)]
    return b64url(canonical_json(header))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise MalformedJws("duplicate header member")
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise MalformedJws("non-finite number in header")


def parse_jws(compact: str, max_chars: int = MAX_JWS_CHARS) -> ParsedJws:
    """Split and check a compact JWS without verifying its signature."""
    if not isinstance(compact, str) or len(compact) > max_chars or not compact.isascii():
        raise MalformedJws("not a compact JWS")
    parts = compact.split(".")
    if len(parts) != 3:
        raise MalformedJws("not a compact JWS")
    h64, p64, s64 = parts
    if not h64 or not s64 or len(h64) > MAX_HEADER_CHARS:
        raise MalformedJws("not a compact JWS")
    head = _header(h64)
    if head.bad_base64:
        raise MalformedJws("bad base64url")
    payload = b64url_decode(p64)
    signature = b64url_decode(s64)
    # the refusals in the order they were always checked in (the first one is reported)
    if head.refusal is not None:
        raise MalformedJws(head.refusal)
    if len(signature) != 64:
        raise MalformedJws("ES256 signature must be 64 bytes")
    if head.late_refusal is not None:
        raise MalformedJws(head.late_refusal)
    return ParsedJws(
        header=head.header,
        payload=payload,
        signing_input=(h64 + "." + p64).encode("ascii"),
        signature=signature,
        x5t_s256=head.x5t,
        x5c=head.x5c,
    )


@dataclass(frozen=True, slots=True)
class _Header:
    """A header's text checked once: refused (why, and at which step) or read."""

    bad_base64: bool = False
    refusal: str | None = None
    """Not a JSON object, duplicate members, ``alg`` not ES256, ``crit``."""
    late_refusal: str | None = None
    """``x5t#S256`` or ``x5c`` malformed (checked after the signature's length)."""
    header: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    x5t: str | None = None
    x5c: tuple[bytes, ...] = ()


# A platform's JWS share a few headers (one per signing certificate and typ): each text is read
# once. What is remembered is immutable and depends on the text alone.
@functools.lru_cache(maxsize=256)
def _header(h64: str) -> _Header:
    try:
        header_bytes = b64url_decode(h64)
    except MalformedJws:
        return _Header(bad_base64=True)
    try:
        header = json.loads(
            header_bytes.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_reject_constant,
        )
    except MalformedJws as exc:
        return _Header(refusal=str(exc))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _Header(refusal="header is not JSON")
    if not isinstance(header, dict):
        return _Header(refusal="header is not a JSON object")
    if header.get("alg") != "ES256":
        return _Header(refusal="alg must be ES256")
    if "crit" in header:
        return _Header(refusal="crit is not supported")
    x5t = header.get("x5t#S256")
    if x5t is not None and not isinstance(x5t, str):
        return _Header(late_refusal="x5t#S256 must be a string")
    x5c: tuple[bytes, ...] = ()
    if "x5c" in header:
        raw_chain = header["x5c"]
        if not isinstance(raw_chain, list) or not raw_chain or not all(
            isinstance(c, str) for c in raw_chain
        ):
            return _Header(late_refusal="x5c must be a list of strings")
        try:
            x5c = tuple(base64.b64decode(c, validate=True) for c in raw_chain)
        except (binascii.Error, ValueError):
            return _Header(late_refusal="x5c is not base64")
    return _Header(header=MappingProxyType(header), x5t=x5t, x5c=x5c)


def verify_jws(compact: str, public_key_der: bytes, max_chars: int = MAX_JWS_CHARS) -> bytes:
    """Verify against a public key (SPKI DER); return the payload bytes."""
    return verify_parsed_jws(parse_jws(compact, max_chars), public_key_der)


def verify_parsed_jws(parsed: ParsedJws, public_key_der: bytes) -> bytes:
    """`verify_jws` for a JWS the caller has already parsed (no second parse)."""
    try:
        der = raw_to_der_signature(parsed.signature)
    except SignatureInvalid as exc:
        raise MalformedJws("bad signature encoding") from exc
    verify_signature(public_key_der, parsed.signing_input, der)
    return parsed.payload


def verify_jws_with_cert(compact: str, cert_der: bytes, max_chars: int = MAX_JWS_CHARS) -> bytes:
    """Verify with a certificate's key; the header's ``x5t#S256`` (if any) must name it.

    Whether the certificate is trusted (chain, validity, status) is the caller's
    business: see :func:`ca.certs.verify_chain`.
    """
    info = describe_cert(cert_der)
    parsed = parse_jws(compact, max_chars)
    if parsed.x5t_s256 is not None and parsed.x5t_s256 != info.x5t_s256:
        raise SignatureInvalid("JWS names another certificate")
    return verify_jws(compact, info.public_key_der, max_chars)
