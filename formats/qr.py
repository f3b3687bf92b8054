"""The QR claim sets of the citizen URL ``<base>/v/<identifier>#<compact JWS>`` (docs/formats.md).

ecert issues ``ecert/qr/2`` (``typ`` ``eqr``, key named by a short ``kid``); ``ecert/qr/1``
(``typ`` ``ecert-qr+jws``, key named by ``x5t#S256``) is still on paper and still verified.
The ``typ`` selects the spec and must match the payload's ``spec``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from formats.keyids import b64url
from formats.masking import ORGANISATION, display_holder

QR_SPEC_PREFIX = "ecert/qr/"
QR1_SPEC = "ecert/qr/1"
QR1_TYP = "ecert-qr+jws"
QR2_SPEC = "ecert/qr/2"
QR2_TYP = "eqr"
RECORD_HASH_BYTES = 16
"""``rh``: base64url of the first 16 bytes of the record's SHA-256."""


@dataclass(frozen=True)
class QrSpec:
    spec: str
    typ: str
    key_header: str
    """The header member naming the key: ``kid`` (qr/2) or ``x5t#S256`` (qr/1)."""
    claims: tuple[str, ...]
    optional: tuple[str, ...] = ()


QR_SPECS: Mapping[str, QrSpec] = MappingProxyType({
    QR2_SPEC: QrSpec(QR2_SPEC, QR2_TYP, "kid",
                     ("spec", "id", "h", "hc", "vf", "vt", "iat", "rh"), optional=("h",)),
    QR1_SPEC: QrSpec(QR1_SPEC, QR1_TYP, "x5t#S256",
                     ("spec", "id", "t", "tn", "h", "hc", "vf", "vt", "iss", "in", "iat", "rh")),
})
"""Every spec a verifier accepts, by ``spec``; ecert issues `QR_SPEC`."""
QR_SPEC = QR2_SPEC
QR_TYP = QR2_TYP
"""`typ` of the QR JWS ecert issues (``ecert/qr/2``)."""
QR_SPEC_BY_TYP: Mapping[str, str] = MappingProxyType({s.typ: s.spec for s in QR_SPECS.values()})


def record_hash_claim(record_sha256_hex: str) -> str:
    """The ``rh`` claim of a record whose SHA-256 is `record_sha256_hex`."""
    return b64url(bytes.fromhex(record_sha256_hex)[:RECORD_HASH_BYTES])


def build_qr_claims(record: Mapping[str, Any], record_sha256_hex: str,
                    iat: dt.datetime) -> dict[str, Any]:
    """The ``ecert/qr/2`` claim set for a stored record.

    Type and issuer codes are not repeated: both are parts of the signed identifier. Type and
    issuer names are not carried: the page takes them from the live status and the trust list.
    An organisation holder is named by its USCC alone (``hc``, in full: it is unique and
    public); citizens by masked name ``h`` and masked ID number ``hc``.
    """
    kind = record["holder"].get("code_kind")
    holder_name, holder_code = display_holder(record["holder"]["name"], record["holder"]["code"],
                                              kind, bool(record["holder"].get("confidential")))
    claims: dict[str, Any] = {
        "spec": QR2_SPEC,
        "id": record["identifier"],
        "h": holder_name,
        "hc": holder_code,
        "vf": record["validity"]["from"],
        "vt": record["validity"]["to"],
        "iat": int(iat.timestamp()),
        "rh": record_hash_claim(record_sha256_hex),
    }
    if kind == ORGANISATION:
        del claims["h"]
    return claims


def citizen_url(base_url: str, identifier: str, jws: str) -> str:
    """The URL printed in the QR code: the identifier in the path, the JWS in the fragment."""
    return f"{base_url}/v/{identifier}#{jws}"
