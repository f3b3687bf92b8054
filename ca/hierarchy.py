"""The two-level hierarchy: offline root → online issuing CA → end entities.

The root key stays on an offline machine (or HSM token); it signs the issuing CA's
certificate from a PKCS#10 request carried across, and a series of CRLs in advance. The
issuing CA signs everything the running platform needs, including the list-signing
certificate whose key signs the trust and status lists (``x5c``: list cert, issuing CA).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from asn1crypto import csr as asn1_csr
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID, ObjectIdentifier

from ca._resign import throwaway_key
from ca.cert_profiles import (
    _add_years,
    _build,
    _ee,
    _issuer,
    _key_usage,
    _policy,
    _revocation_exts,
    _service_name,
)
from ca.certs import LIST_EKU_OID, load_cert, to_utc
from ca.errors import MalformedCertificate
from ca.signer import Signer

__all__ = ["IssuingRequest", "make_issuing_request", "read_issuing_request",
           "issue_issuing_ca", "issue_list_cert", "csr_pem", "csr_der_from_pem"]


@dataclass(frozen=True)
class IssuingRequest:
    """A verified PKCS#10 request: who asks, and the key it proved to hold."""

    common_name: str
    organization: str | None
    public_key_der: bytes


def make_issuing_request(signer: Signer, common_name: str,
                         organization: str | None = None) -> bytes:
    """PKCS#10 (DER) for an issuing CA key, signed by that key (file or HSM)."""
    draft = (x509.CertificateSigningRequestBuilder()
             .subject_name(_service_name(common_name, organization))
             .sign(throwaway_key(), hashes.SHA256()))
    req = asn1_csr.CertificationRequest.load(draft.public_bytes(serialization.Encoding.DER))
    info = req["certification_request_info"]
    info["subject_pk_info"] = asn1_csr.PublicKeyInfo.load(signer.public_key_der)
    out = asn1_csr.CertificationRequest({
        "certification_request_info": info,
        "signature_algorithm": req["signature_algorithm"],
        "signature": signer.sign(info.dump(force=True)),
    })
    return bytes(out.dump(force=True))


def csr_pem(der: bytes) -> str:
    csr = x509.load_der_x509_csr(der)
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def csr_der_from_pem(data: bytes) -> bytes:
    try:
        csr = x509.load_pem_x509_csr(data) if data.lstrip().startswith(b"-----") \
            else x509.load_der_x509_csr(data)
    except (ValueError, TypeError) as exc:
        raise MalformedCertificate("not a PKCS#10 certificate request") from exc
    return csr.public_bytes(serialization.Encoding.DER)


def read_issuing_request(der: bytes) -> IssuingRequest:
    """Parse a request and check its self-signature (proof of possession)."""
    try:
        csr = x509.load_der_x509_csr(der)
        ok = csr.is_signature_valid
    except (ValueError, TypeError) as exc:
        raise MalformedCertificate("not a PKCS#10 certificate request") from exc
    if not ok:
        raise MalformedCertificate("certificate request signature does not verify")
    cns = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    orgs = csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    if not cns:
        raise MalformedCertificate("certificate request has no common name")
    spki = csr.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    return IssuingRequest(str(cns[0].value), str(orgs[0].value) if orgs else None, spki)


def issue_issuing_ca(
    root_signer: Signer, root_der: bytes, request: IssuingRequest, base_url: str,
    now: dt.datetime, years: int = 5, serial: int | None = None,
) -> bytes:
    """Issuing CA: CA pathLen 0, keyCertSign + cRLSign (critical), AIA caIssuers and CRL DP
    of the root (its CRLs are signed in advance), ecert policy; validity capped at the root's."""
    issuer_name, issuer_ski = _issuer(root_der)
    start = to_utc(now)
    end = min(_add_years(start, years), load_cert(root_der).not_valid_after_utc)
    return _build(
        root_signer, issuer_name, issuer_ski,
        _service_name(request.common_name, request.organization), request.public_key_der,
        serial, start, end,
        [(x509.BasicConstraints(ca=True, path_length=0), True),
         (_key_usage(cert_sign=True), True),
         _policy(), *_revocation_exts(base_url, root_der, ocsp=False)],
    )


def issue_list_cert(
    ca_signer: Signer, ca_cert_der: bytes, subject_public_key_der: bytes, common_name: str,
    base_url: str, serial: int | None, now: dt.datetime, years: int = 2,
    organization: str | None = None,
) -> bytes:
    """List-signing certificate (trust list, status list, status shards): digitalSignature,
    EKU ecert list signing only (critical, so no other use is possible), revocation URLs."""
    return _ee(
        ca_signer, ca_cert_der, _service_name(common_name, organization),
        subject_public_key_der, serial, now, years,
        [(_key_usage(digital_signature=True), True),
         (x509.ExtendedKeyUsage([ObjectIdentifier(LIST_EKU_OID)]), True),
         _policy(), *_revocation_exts(base_url, ca_cert_der)],
    )

