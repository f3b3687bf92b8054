"""Build with cryptography's builders, then sign with any :class:`Signer`.

cryptography's builders want a private key object. We sign with a throwaway P-256
key (same algorithm identifier, ecdsa-with-SHA256), then replace the signature with
one made by the real signer over the exact to-be-signed bytes, using asn1crypto.
The throwaway signature never leaves this module.
"""

from __future__ import annotations

import functools

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric import ec

from ca.signer import Signer

__all__ = ["throwaway_key", "resign_certificate", "resign_crl"]


@functools.cache
def throwaway_key() -> ec.EllipticCurvePrivateKey:
    """A process-local key whose signatures are always replaced."""
    return ec.generate_private_key(ec.SECP256R1())


def resign_certificate(der: bytes, signer: Signer) -> bytes:
    cert = asn1_x509.Certificate.load(der)
    tbs = cert["tbs_certificate"]
    out = asn1_x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": cert["signature_algorithm"],
            "signature_value": signer.sign(tbs.dump()),
        }
    )
    return bytes(out.dump())


def resign_crl(der: bytes, signer: Signer) -> bytes:
    crl = asn1_crl.CertificateList.load(der)
    tbs = crl["tbs_cert_list"]
    out = asn1_crl.CertificateList(
        {
            "tbs_cert_list": tbs,
            "signature_algorithm": crl["signature_algorithm"],
            "signature": signer.sign(tbs.dump()),
        }
    )
    return bytes(out.dump())
