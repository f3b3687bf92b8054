"""Reading ecert's X.509 certificates back: facts, PEM/DER, and the chain check.

The profiles that issue them are in :mod:`ca.cert_profiles`; the identifiers (OIDs) both
sides share are here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID, ObjectIdentifier

from ca.errors import ChainInvalid, MalformedCertificate
from formats.keyids import x5t_s256

__all__ = [
    "ECERT_OID_ARC",
    "CERT_POLICY_OID",
    "TSA_POLICY_OID",
    "AUDIT_EKU_OID",
    "LIST_EKU_OID",
    "CertInfo",
    "describe_cert",
    "load_cert",
    "pem",
    "der_from_pem",
    "verify_chain",
]

ECERT_OID_ARC = "1.3.6.1.4.1.32473.7338"
"""Private arc of ecert, under IANA's documentation PEN 32473 (RFC 5612).

A deployment should move it under its own registered Private Enterprise Number;
UUID arcs (2.25.x) are not used because common linters cap arcs at 32 bits."""
CERT_POLICY_OID = ECERT_OID_ARC + ".1.1"
"""Certificate policy of ecert end-entity certificates."""
TSA_POLICY_OID = ECERT_OID_ARC + ".2.1"
"""Time-stamping policy of the ecert TSA (TSTInfo.policy)."""
AUDIT_EKU_OID = ECERT_OID_ARC + ".3.1"
"""Extended key usage of the audit-log signing key (tree heads)."""

LIST_EKU_OID = ECERT_OID_ARC + ".3.2"
"""Extended key usage of the list-signing key (trust list, status list and shards)."""

ORG_ID = NameOID.ORGANIZATION_IDENTIFIER
"""Subject attribute that carries a department's USCC."""
_SERIAL = NameOID.SERIAL_NUMBER


@dataclass(frozen=True)
class CertInfo:
    """What callers need to know about a certificate, read from its DER."""

    serial: int
    subject: str
    issuer: str
    common_name: str | None
    uscc: str | None
    """18-char unified social credit code from the subject, if any."""
    not_before: dt.datetime
    not_after: dt.datetime
    sha256_fingerprint: str
    """Lower-case hex SHA-256 of the DER."""
    x5t_s256: str
    """base64url (no padding) SHA-256 of the DER, as JOSE ``x5t#S256``."""
    public_key_der: bytes
    is_ca: bool
    extended_key_usages: tuple[str, ...]
    der: bytes

    def valid_at(self, at: dt.datetime) -> bool:
        return self.not_before <= at <= self.not_after


def to_utc(now: dt.datetime) -> dt.datetime:
    """``now`` in UTC, whole seconds (as X.509 times carry them); naive times are refused."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return now.astimezone(dt.UTC).replace(microsecond=0)


def load_cert(der: bytes) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except (ValueError, TypeError) as exc:
        raise MalformedCertificate("not a DER certificate") from exc


def pem(der: bytes) -> str:
    """DER certificate to PEM text."""
    return load_cert(der).public_bytes(serialization.Encoding.PEM).decode("ascii")


def der_from_pem(text: str | bytes) -> bytes:
    """PEM certificate to DER."""
    data = text.encode("ascii") if isinstance(text, str) else text
    try:
        cert = x509.load_pem_x509_certificate(data)
    except (ValueError, TypeError) as exc:
        raise MalformedCertificate("not a PEM certificate") from exc
    return cert.public_bytes(serialization.Encoding.DER)


def _attr(name: x509.Name, oid: ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def describe_cert(der: bytes) -> CertInfo:
    """Read the facts callers need from a DER certificate."""
    cert = load_cert(der)
    digest = hashlib.sha256(der).digest()
    try:
        extensions = cert.extensions  # parsed on first use: a damaged certificate fails here
    except (x509.DuplicateExtension, x509.UnsupportedGeneralNameType, ValueError) as exc:
        raise MalformedCertificate("certificate extensions cannot be parsed") from exc
    try:
        bc = extensions.get_extension_for_class(x509.BasicConstraints).value
        is_ca = bc.ca
    except x509.ExtensionNotFound:
        is_ca = False
    try:
        eku = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        ekus = tuple(oid.dotted_string for oid in eku)
    except x509.ExtensionNotFound:
        ekus = ()
    uscc = _attr(cert.subject, ORG_ID) or _attr(cert.subject, _SERIAL)
    return CertInfo(
        serial=cert.serial_number,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        common_name=_attr(cert.subject, NameOID.COMMON_NAME),
        uscc=uscc,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        sha256_fingerprint=digest.hex(),
        x5t_s256=x5t_s256(der),
        public_key_der=cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        is_ca=is_ca,
        extended_key_usages=ekus,
        der=der,
    )


def _ca_ok(ca: x509.Certificate, below: int) -> None:
    """``ca`` may issue certificates with ``below`` CA certificates under it."""
    try:
        bc = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
        ku = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound as exc:
        raise ChainInvalid("issuer lacks CA extensions") from exc
    if not bc.ca or not ku.key_cert_sign:
        raise ChainInvalid("issuer is not a CA")
    if bc.path_length is not None and below > bc.path_length:
        raise ChainInvalid("path length constraint exceeded")


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _path(cert: x509.Certificate, root: x509.Certificate,
          pool: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """CA certificates from ``cert``'s issuer up to the root (root last); at most 2 levels."""
    if _issued_by(cert, root):
        return [root]
    for mid in pool:
        if mid != cert and _issued_by(cert, mid) and _issued_by(mid, root):
            return [mid, root]
    raise ChainInvalid("certificate not issued by this root")


def verify_chain(cert_der: bytes, root_der: bytes, at: dt.datetime,
                 intermediates: Sequence[bytes] = ()) -> CertInfo:
    """Check ``cert_der`` chains to ``root_der`` and every certificate is valid at ``at``.

    The chain is either the pair (a root that signs directly: platforms made before the
    offline root, and the root's own issuing CAs) or cert → issuing CA → root, the issuing CA
    taken from ``intermediates`` (untrusted: each link's signature, CA flag, keyCertSign and
    path length are checked). This does not check revocation (see :mod:`ca.crl` and
    :mod:`ca.ocsp`). Raises :class:`ChainInvalid`; returns the certificate's :class:`CertInfo`.
    """
    when = to_utc(at)
    cert, root = load_cert(cert_der), load_cert(root_der)
    if cert_der == root_der:
        if not _issued_by(root, root):
            raise ChainInvalid("root is not self-signed")
        path = [root]
        _ca_ok(root, 0)
    else:
        pool = []
        for d in intermediates:
            try:
                pool.append(load_cert(d))
            except MalformedCertificate:
                continue
        path = _path(cert, root, pool)
        for below, ca in enumerate(path):
            _ca_ok(ca, below)
    for c in (cert, *path):
        if not c.not_valid_before_utc <= when <= c.not_valid_after_utc:
            raise ChainInvalid("certificate not valid at the given time")
    return describe_cert(cert_der)
