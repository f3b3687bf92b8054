"""Signed JSON documents for offline verifiers (trust list, status list).

A document is a compact ES256 JWS over the RFC 8785 canonical JSON of the object,
signed by the root (or another key) with the certificate in ``x5c``. Verifiers
pass the root they trust and the time; the embedded certificate must chain to it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ca.certs import verify_chain
from ca.errors import ChainInvalid, MalformedCertificate, MalformedJws, SignatureInvalid
from ca.jws import canonical_json, parse_jws, sign_jws, verify_jws_with_cert
from ca.signer import Signer

__all__ = ["sign_document", "verify_document", "DOCUMENT_TYP"]

DOCUMENT_TYP = "ecert-list+jws"


def sign_document(obj: object, signer: Signer, cert_der: bytes) -> str:
    """JWS (x5c included) over ``canonical_json(obj)``."""
    return sign_jws(canonical_json(obj), signer, cert_der, include_x5c=True, typ=DOCUMENT_TYP)


def verify_document(compact: str, trust_root_der: bytes, at: dt.datetime) -> Any:
    """Return the JSON value if the JWS verifies with its ``x5c`` leaf and that
    certificate chains to ``trust_root_der`` at ``at``; else raise
    :class:`SignatureInvalid` (or :class:`MalformedJws`)."""
    parsed = parse_jws(compact)
    if parsed.header.get("typ") != DOCUMENT_TYP or not parsed.x5c:
        raise MalformedJws("not an ecert signed document")
    leaf = parsed.x5c[0]
    try:
        verify_chain(leaf, trust_root_der, at)
    except (ChainInvalid, MalformedCertificate) as exc:
        raise SignatureInvalid("document signer not trusted") from exc
    payload = verify_jws_with_cert(compact, leaf)
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedJws("payload is not JSON") from exc
