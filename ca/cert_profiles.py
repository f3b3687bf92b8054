"""X.509 certificate profiles of ecert: the builders that issue each kind of certificate.

Hierarchy: a self-signed root (kept offline) issues an issuing CA
(:mod:`ca.hierarchy`), which issues every end-entity certificate (department signing,
department TLS client, TSA, OCSP responder, audit key, list signing). Platforms made
before the offline root have a root that issues end-entity certificates directly; the
builders accept either as ``ca_cert_der`` and point AIA/CRL DP at the matching URLs.
All keys are ECDSA P-256; all signatures ecdsa-with-SHA256. Every builder takes
the issuing :class:`Signer` (file or HSM), the issuer certificate (DER), the
subject's public key (SPKI DER) and ``now`` (aware UTC), and returns DER.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import (
    AuthorityInformationAccessOID,
    ExtendedKeyUsageOID,
    NameOID,
    ObjectIdentifier,
)

from ca._resign import resign_certificate, throwaway_key
from ca.certs import AUDIT_EKU_OID, CERT_POLICY_OID, ORG_ID, load_cert, to_utc
from ca.signer import Signer, load_public_key

__all__ = [
    "random_serial",
    "pki_urls",
    "issue_root_ca",
    "issue_department_cert",
    "issue_client_cert",
    "issue_tsa_cert",
    "issue_ocsp_cert",
    "issue_audit_cert",
]


def _add_years(start: dt.datetime, years: int) -> dt.datetime:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def random_serial() -> int:
    """Positive, at most 159 bits (fits 20 DER octets), at least 64 bits of entropy."""
    while True:
        value = secrets.randbits(159)
        if value >= 1 << 64:
            return value


def pki_urls(base_url: str, issuer: str = "root") -> tuple[str, str, str]:
    """(OCSP URL, caIssuers URL of the DER issuer, CRL URL) under ``base_url``, for
    certificates the root (``issuer="root"``) or the issuing CA (``"issuing"``) signs."""
    base = base_url.rstrip("/")
    if issuer == "issuing":
        return (f"{base}/pki/ocsp", f"{base}/pki/issuing-ca.crt",
                f"{base}/pki/crl/issuing.crl")
    return f"{base}/pki/ocsp", f"{base}/pki/ca.crt", f"{base}/pki/crl/root.crl"


def _self_signed(cert_der: bytes) -> bool:
    cert = load_cert(cert_der)
    return cert.issuer == cert.subject


def _dept_name(dept_name: str, uscc: str) -> x509.Name:
    if len(uscc) != 18 or not uscc.isascii() or not uscc.isalnum():
        raise ValueError("uscc must be 18 ASCII alphanumerics")
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, dept_name),
            x509.NameAttribute(ORG_ID, uscc.upper()),
            x509.NameAttribute(NameOID.COMMON_NAME, dept_name),
        ]
    )


def _key_usage(*, digital_signature: bool = False, non_repudiation: bool = False,
               cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=non_repudiation,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _build(
    issuer_signer: Signer,
    issuer_name: x509.Name,
    issuer_ski: bytes,
    subject: x509.Name,
    subject_public_key_der: bytes,
    serial: int | None,
    not_before: dt.datetime,
    not_after: dt.datetime,
    extensions: Sequence[tuple[x509.ExtensionType, bool]],
) -> bytes:
    public_key = load_public_key(subject_public_key_der)
    serial = random_serial() if serial is None else serial
    if not 0 < serial < 1 << 159:
        raise ValueError("serial must be positive and fit 20 octets")
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
        .add_extension(
            x509.AuthorityKeyIdentifier(issuer_ski, None, None), False
        )
    )
    for ext, critical in extensions:
        builder = builder.add_extension(ext, critical)
    draft = builder.sign(throwaway_key(), hashes.SHA256())
    return resign_certificate(draft.public_bytes(serialization.Encoding.DER), issuer_signer)


def _issuer(ca_cert_der: bytes) -> tuple[x509.Name, bytes]:
    ca = load_cert(ca_cert_der)
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return ca.subject, ski.digest


def _revocation_exts(base_url: str, ca_cert_der: bytes | None = None,
                     ocsp: bool = True) -> list[tuple[x509.ExtensionType, bool]]:
    issuer = "root" if ca_cert_der is None or _self_signed(ca_cert_der) else "issuing"
    ocsp_url, ca_url, crl_url = pki_urls(base_url, issuer)
    access = [x509.AccessDescription(AuthorityInformationAccessOID.OCSP,
                                     x509.UniformResourceIdentifier(ocsp_url))] if ocsp else []
    return [
        (
            x509.AuthorityInformationAccess(
                [
                    *access,
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(ca_url),
                    ),
                ]
            ),
            False,
        ),
        (
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(crl_url)], None, None, None
                    )
                ]
            ),
            False,
        ),
    ]


def _policy() -> tuple[x509.ExtensionType, bool]:
    return (
        x509.CertificatePolicies(
            [x509.PolicyInformation(ObjectIdentifier(CERT_POLICY_OID), None)]
        ),
        False,
    )


def issue_root_ca(
    signer: Signer, common_name: str, now: dt.datetime, years: int = 20,
    organization: str | None = None, serial: int | None = None, path_length: int = 1,
) -> bytes:
    """Self-signed root: CA, keyCertSign + cRLSign; pathLen 1 (root → issuing CA → end
    entity). Roots made before the offline root had pathLen 0 and signed end entities."""
    start = to_utc(now)
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    name = x509.Name(attrs)
    ski = x509.SubjectKeyIdentifier.from_public_key(
        load_public_key(signer.public_key_der)
    ).digest
    return _build(
        signer, name, ski, name, signer.public_key_der, serial, start,
        _add_years(start, years),
        [
            (x509.BasicConstraints(ca=True, path_length=path_length), True),
            (_key_usage(cert_sign=True), True),
        ],
    )


def _ee(
    ca_signer: Signer, ca_cert_der: bytes, subject: x509.Name, spki: bytes,
    serial: int | None, now: dt.datetime, years: int,
    exts: list[tuple[x509.ExtensionType, bool]],
) -> bytes:
    issuer_name, issuer_ski = _issuer(ca_cert_der)
    start = to_utc(now)
    ca_end = load_cert(ca_cert_der).not_valid_after_utc
    end = min(_add_years(start, years), ca_end)
    base: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
    ]
    return _build(ca_signer, issuer_name, issuer_ski, subject, spki, serial,
                  start, end, base + exts)


def issue_department_cert(
    ca_signer: Signer, ca_cert_der: bytes, subject_public_key_der: bytes,
    dept_name: str, uscc: str, base_url: str, serial: int | None,
    now: dt.datetime, years: int = 3,
) -> bytes:
    """Department signing certificate (JWS records, PDF seals).

    keyUsage digitalSignature + nonRepudiation (critical); subject C=CN, O, CN =
    department name and organizationIdentifier = USCC; AIA (OCSP, caIssuers DER),
    CRL distribution point, ecert certificate policy. Validity capped at the CA's.
    """
    return _ee(
        ca_signer, ca_cert_der, _dept_name(dept_name, uscc), subject_public_key_der,
        serial, now, years,
        [(_key_usage(digital_signature=True, non_repudiation=True), True),
         _policy(), *_revocation_exts(base_url, ca_cert_der)],
    )


def issue_client_cert(
    ca_signer: Signer, ca_cert_der: bytes, subject_public_key_der: bytes,
    dept_name: str, uscc: str, base_url: str, serial: int | None,
    now: dt.datetime, years: int = 1,
) -> bytes:
    """Department mutual-TLS client certificate (EKU clientAuth)."""
    return _ee(
        ca_signer, ca_cert_der, _dept_name(dept_name, uscc), subject_public_key_der,
        serial, now, years,
        [(_key_usage(digital_signature=True), True),
         (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
         _policy(), *_revocation_exts(base_url, ca_cert_der)],
    )


def _service_name(common_name: str, organization: str | None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def issue_tsa_cert(
    ca_signer: Signer, ca_cert_der: bytes, subject_public_key_der: bytes,
    common_name: str, base_url: str, serial: int | None, now: dt.datetime,
    years: int = 10, organization: str | None = None,
) -> bytes:
    """RFC 3161 TSA certificate: EKU timeStamping only, critical."""
    return _ee(
        ca_signer, ca_cert_der, _service_name(common_name, organization),
        subject_public_key_der, serial, now, years,
        [(_key_usage(digital_signature=True), True),
         (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
         _policy(), *_revocation_exts(base_url, ca_cert_der)],
    )


def issue_ocsp_cert(
    ca_signer: Signer, ca_cert_der: bytes, subject_public_key_der: bytes,
    common_name: str, serial: int | None, now: dt.datetime, days: int = 365,
    organization: str | None = None,
) -> bytes:
    """Delegated OCSP responder: EKU OCSPSigning + id-pkix-ocsp-nocheck.

    With nocheck, relying parties never check this certificate's status, so keep
    it short-lived (one year by default) and re-issue it on rotation.
    """
    issuer_name, issuer_ski = _issuer(ca_cert_der)
    start = to_utc(now)
    end = min(start + dt.timedelta(days=days), load_cert(ca_cert_der).not_valid_after_utc)
    return _build(
        ca_signer, issuer_name, issuer_ski, _service_name(common_name, organization),
        subject_public_key_der, serial, start, end,
        [(x509.BasicConstraints(ca=False, path_length=None), True),
         (_key_usage(digital_signature=True), True),
         (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False),
         (x509.OCSPNoCheck(), False),
         _policy()],
    )


def issue_audit_cert(
    ca_signer: Signer, ca_cert_der: bytes, subject_public_key_der: bytes,
    common_name: str, base_url: str, serial: int | None, now: dt.datetime,
    years: int = 10, organization: str | None = None,
) -> bytes:
    """Audit-log key (signed tree heads): digitalSignature, private EKU."""
    return _ee(
        ca_signer, ca_cert_der, _service_name(common_name, organization),
        subject_public_key_der, serial, now, years,
        [(_key_usage(digital_signature=True), True),
         (x509.ExtendedKeyUsage([ObjectIdentifier(AUDIT_EKU_OID)]), False),
         _policy(), *_revocation_exts(base_url, ca_cert_der)],
    )
