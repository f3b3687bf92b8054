"""Signed JSON documents for offline verifiers (trust list, status list).

A document is a compact ES256 JWS over the RFC 8785 canonical JSON of the object,
signed by the list-signing key with ``x5c`` = [list-signing certificate, issuing CA].
Verifiers pass the root they trust and the time; the leaf must chain to it through the
``x5c`` intermediates and carry the list-signing EKU. Lists of platforms made before the
issuing CA are signed by the root itself (``x5c`` = [root]), which stays accepted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from ca.certs import LIST_EKU_OID, describe_cert, verify_chain
from ca.errors import ChainInvalid, MalformedCertificate, MalformedJws, SignatureInvalid
from ca.jws import canonical_json, parse_jws, sign_jws, verify_jws_with_cert
from ca.signer import Signer

__all__ = ["sign_document", "verify_document", "DOCUMENT_TYP"]

DOCUMENT_TYP = "ecert-list+jws"


def sign_document(obj: object, signer: Signer, cert_der: bytes,
                  chain_ders: Sequence[bytes] = ()) -> str:
    """JWS (x5c: the certificate, then ``chain_ders``) over ``canonical_json(obj)``."""
    return sign_jws(canonical_json(obj), signer, cert_der, include_x5c=True, typ=DOCUMENT_TYP,
                    chain_ders=tuple(chain_ders))


def verify_document(compact: str, trust_root_der: bytes, at: dt.datetime,
                    root_crl_der: bytes | None = None) -> Any:
    """Return the JSON value if the JWS verifies with its ``x5c`` leaf and that
    certificate chains to ``trust_root_der`` at ``at`` (and, given the root's CRL, no
    intermediate is revoked); else raise :class:`SignatureInvalid` (or :class:`MalformedJws`)."""
    parsed = parse_jws(compact)
    if parsed.header.get("typ") != DOCUMENT_TYP or not parsed.x5c:
        raise MalformedJws("not an ecert signed document")
    leaf = parsed.x5c[0]
    try:
        verify_chain(leaf, trust_root_der, at, parsed.x5c[1:])
        if leaf != trust_root_der and LIST_EKU_OID not in describe_cert(leaf).extended_key_usages:
            raise ChainInvalid("document signer is not a list-signing certificate")
        if root_crl_der is not None:
            _not_revoked(parsed.x5c[1:], trust_root_der, root_crl_der)
    except (ChainInvalid, MalformedCertificate) as exc:
        raise SignatureInvalid("document signer not trusted") from exc
    payload = verify_jws_with_cert(compact, leaf)
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedJws("payload is not JSON") from exc


def _not_revoked(intermediates: Sequence[bytes], root_der: bytes, crl_der: bytes) -> None:
    """Fail closed: a CRL that is not the root's, or one listing an x5c CA, refuses."""
    from ca.crl import describe_crl

    crl = describe_crl(crl_der, root_der)
    for der in intermediates:
        if crl.is_revoked(describe_cert(der).serial) is not None:
            raise ChainInvalid("the issuing CA is revoked by the root's CRL")
