"""The QR claim sets of the citizen URL ``<base>/v/<identifier>#<fragment>`` (docs/formats.md).

ecert issues ``ecert/qr/3`` (``typ`` ``eqr3``): the claim set names the certificate's status
list index ``si`` and travels packed (below) so that the QR stays at version 15 or less.
``ecert/qr/2`` (``typ`` ``eqr``, key named by a short ``kid``) and ``ecert/qr/1`` (``typ``
``ecert-qr+jws``, key named by ``x5t#S256``) are still on paper and still verified. The
``typ`` selects the spec and must match the payload's ``spec``.

Packing (qr/3 only): the department signs an ordinary compact JWS over the RFC 8785 bytes of
the whole claim set ``{"spec", "id", "h", "hc", "vf", "vt", "iat", "rh", "si"}``. The QR
carries the same header and signature, but in place of the payload the JSON *array* of the
`QrSpec.packed` claims in that order (``null`` for an absent optional claim): ``spec``
follows from ``typ`` and ``id`` from the URL path, so neither is repeated. A verifier rebuilds
the claim set, its canonical bytes and so the signed JWS (`unpack_fragment`), then checks the
signature as for any JWS; a qr/3 fragment without the URL path cannot be verified.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from formats.keyids import b64url
from formats.masking import ORGANISATION, display_holder
from formats.record import canonical_bytes

QR_SPEC_PREFIX = "ecert/qr/"
QR1_SPEC = "ecert/qr/1"
QR1_TYP = "ecert-qr+jws"
QR2_SPEC = "ecert/qr/2"
QR2_TYP = "eqr"
QR3_SPEC = "ecert/qr/3"
QR3_TYP = "eqr3"
RECORD_HASH_BYTES = 16
"""``rh``: base64url of the first 16 bytes of the record's SHA-256."""
MAX_STATUS_INDEX = 2**40
MAX_QR_VERSION = 15
"""The largest QR version a qr/3 code with default claims may need (error correction M): at
25 mm printed width a module is then at least 0.3 mm (tests/formats/test_qr3.py)."""


@dataclass(frozen=True)
class QrSpec:
    spec: str
    typ: str
    key_header: str
    """The header member naming the key: ``kid`` (qr/2, qr/3) or ``x5t#S256`` (qr/1)."""
    claims: tuple[str, ...]
    optional: tuple[str, ...] = ()
    packed: tuple[str, ...] = ()
    """qr/3: the claims the fragment's payload array carries, in order (see module doc)."""
    nullable: tuple[str, ...] = ()
    """qr/3: packed claims whose value may be ``null`` (an open-ended validity), kept as such;
    a ``null`` for an `optional` claim means the claim is absent."""


QR_SPECS: Mapping[str, QrSpec] = MappingProxyType({
    QR3_SPEC: QrSpec(QR3_SPEC, QR3_TYP, "kid",
                     ("spec", "id", "h", "hc", "vf", "vt", "iat", "rh", "si"), optional=("h",),
                     packed=("h", "hc", "vf", "vt", "iat", "rh", "si"), nullable=("vf", "vt")),
    QR2_SPEC: QrSpec(QR2_SPEC, QR2_TYP, "kid",
                     ("spec", "id", "h", "hc", "vf", "vt", "iat", "rh"), optional=("h",)),
    QR1_SPEC: QrSpec(QR1_SPEC, QR1_TYP, "x5t#S256",
                     ("spec", "id", "t", "tn", "h", "hc", "vf", "vt", "iss", "in", "iat", "rh")),
})
"""Every spec a verifier accepts, by ``spec``; ecert issues `QR_SPEC`."""
QR_SPEC = QR3_SPEC
QR_TYP = QR3_TYP
"""`typ` of the QR JWS ecert issues (``ecert/qr/3``)."""
QR_SPEC_BY_TYP: Mapping[str, str] = MappingProxyType({s.typ: s.spec for s in QR_SPECS.values()})


def record_hash_claim(record_sha256_hex: str) -> str:
    """The ``rh`` claim of a record whose SHA-256 is `record_sha256_hex`."""
    return b64url(bytes.fromhex(record_sha256_hex)[:RECORD_HASH_BYTES])


def build_qr_claims(record: Mapping[str, Any], record_sha256_hex: str,
                    iat: dt.datetime, status_index: int | None = None) -> dict[str, Any]:
    """The claim set for a stored record: ``ecert/qr/3`` when the certificate has a status
    list index (``status_index``, else the record's own), ``ecert/qr/2`` otherwise.

    Type and issuer codes are not repeated: both are parts of the signed identifier. Type and
    issuer names are not carried: the page takes them from the live status and the trust list.
    An organisation holder is named by its USCC alone (``hc``, in full: it is unique and
    public); citizens by masked name ``h`` and masked ID number ``hc``.
    """
    kind = record["holder"].get("code_kind")
    holder_name, holder_code = display_holder(record["holder"]["name"], record["holder"]["code"],
                                              kind, bool(record["holder"].get("confidential")))
    if status_index is None:
        status_index = record.get("status_index")
    claims: dict[str, Any] = {
        "spec": QR2_SPEC if status_index is None else QR3_SPEC,
        "id": record["identifier"],
        "h": holder_name,
        "hc": holder_code,
        "vf": record["validity"]["from"],
        "vt": record["validity"]["to"],
        "iat": int(iat.timestamp()),
        "rh": record_hash_claim(record_sha256_hex),
    }
    if status_index is not None:
        claims["si"] = int(status_index)
    if kind == ORGANISATION:
        del claims["h"]
    return claims


def _b64url_decode(text: str) -> bytes:
    if not text or not text.isascii() or len(text) % 4 == 1:
        raise ValueError("bad base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("bad base64url") from exc


def pack_fragment(signed_jws: str) -> str:
    """The QR fragment of a qr/3 JWS signed over the whole claim set (see module doc)."""
    head, payload, sig = signed_jws.split(".")
    claims = json.loads(_b64url_decode(payload))
    packed = [claims.get(k) for k in QR_SPECS[QR3_SPEC].packed]
    text = json.dumps(packed, ensure_ascii=False, separators=(",", ":"))
    return f"{head}.{b64url(text.encode('utf-8'))}.{sig}"


def _packed_value(key: str, value: object, spec: QrSpec) -> bool:
    """Whether `value` may stand for claim `key` in a packed array."""
    if value is None:
        return key in spec.optional or key in spec.nullable
    if key in ("iat", "si"):
        return type(value) is int and 0 <= value < MAX_STATUS_INDEX
    return isinstance(value, str)


def unpack_claims(path_identifier: str, payload: bytes) -> dict[str, Any]:
    """The whole qr/3 claim set from a packed payload and the identifier of the URL path.

    Raises ValueError for anything but an array of the packed claims' types.
    """
    spec = QR_SPECS[QR3_SPEC]
    try:
        values = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError("packed claims are not JSON") from exc
    if not isinstance(values, list) or len(values) != len(spec.packed):
        raise ValueError("packed claims are not an array of the qr/3 claims")
    claims: dict[str, Any] = {"spec": QR3_SPEC, "id": path_identifier}
    for key, value in zip(spec.packed, values, strict=True):
        if not _packed_value(key, value, spec):
            raise ValueError(f"packed claim {key} has the wrong type")
        if value is not None or key in spec.nullable:
            claims[key] = value
    return claims


def unpack_fragment(path_identifier: str | None, fragment: str) -> str:
    """The compact JWS a qr/3 fragment stands for (its header, the rebuilt canonical claim
    set, its signature). Raises ValueError when it cannot be rebuilt (no path, bad array)."""
    if path_identifier is None:
        raise ValueError("a qr/3 code is verified from its whole URL (the path names the id)")
    head, payload, sig = fragment.split(".")
    claims = unpack_claims(path_identifier, _b64url_decode(payload))
    return f"{head}.{b64url(canonical_bytes(claims))}.{sig}"


def fragment_typ(fragment: str) -> str | None:
    """The ``typ`` of a fragment's JWS header (None if unreadable or not a string), before any
    check."""
    return _header_typ(fragment.partition(".")[0])


@functools.lru_cache(maxsize=256)  # a platform's QR codes share a few headers
def _header_typ(head: str) -> str | None:
    try:
        header = json.loads(_b64url_decode(head))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    typ = header.get("typ") if isinstance(header, dict) else None
    return typ if isinstance(typ, str) else None


def citizen_url(base_url: str, identifier: str, fragment: str) -> str:
    """The URL printed in the QR code: the identifier in the path, the fragment after ``#``."""
    return f"{base_url}/v/{identifier}#{fragment}"
