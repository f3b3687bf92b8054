"""RFC 5280 CRLs signed by any :class:`Signer`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from ca._resign import resign_crl, throwaway_key
from ca.certs import load_cert
from ca.errors import MalformedCertificate, SignatureInvalid
from ca.revocation import Reason, Revoked
from ca.signer import Signer, verify_signature

__all__ = ["build_crl", "CrlInfo", "describe_crl", "crl_pem", "crls_from_pem"]

_FLAGS = {
    Reason.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,
    Reason.CA_COMPROMISE: x509.ReasonFlags.ca_compromise,
    Reason.AFFILIATION_CHANGED: x509.ReasonFlags.affiliation_changed,
    Reason.SUPERSEDED: x509.ReasonFlags.superseded,
    Reason.CESSATION_OF_OPERATION: x509.ReasonFlags.cessation_of_operation,
    Reason.CERTIFICATE_HOLD: x509.ReasonFlags.certificate_hold,
    Reason.REMOVE_FROM_CRL: x509.ReasonFlags.remove_from_crl,
    Reason.PRIVILEGE_WITHDRAWN: x509.ReasonFlags.privilege_withdrawn,
    Reason.AA_COMPROMISE: x509.ReasonFlags.aa_compromise,
}
_REASONS = {flag: reason for reason, flag in _FLAGS.items()}


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return value.astimezone(dt.UTC).replace(microsecond=0)


def build_crl(
    ca_signer: Signer,
    ca_cert_der: bytes,
    revoked: Sequence[Revoked],
    crl_number: int,
    this_update: dt.datetime,
    next_update: dt.datetime,
) -> bytes:
    """A complete CRL (DER) with CRL number, AKI and per-entry reason codes.

    ``REMOVE_FROM_CRL`` belongs in delta CRLs only and is refused here.
    """
    if crl_number < 0 or crl_number >= 1 << 159:
        raise ValueError("crl_number must fit 20 octets")
    start, end = _utc(this_update), _utc(next_update)
    if end <= start:
        raise ValueError("next_update must follow this_update")
    ca = load_cert(ca_cert_der)
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.subject)
        .last_update(start)
        .next_update(end)
        .add_extension(x509.AuthorityKeyIdentifier(ski.digest, None, None), False)
        .add_extension(x509.CRLNumber(crl_number), False)
    )
    for entry in sorted(revoked, key=lambda r: r.serial):
        if entry.reason is Reason.REMOVE_FROM_CRL:
            raise ValueError("removeFromCRL is only for delta CRLs")
        rb = (
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial)
            .revocation_date(_utc(entry.revoked_at))
        )
        if entry.reason is not Reason.UNSPECIFIED:
            rb = rb.add_extension(x509.CRLReason(_FLAGS[entry.reason]), False)
        builder = builder.add_revoked_certificate(rb.build())
    draft = builder.sign(throwaway_key(), hashes.SHA256())
    return resign_crl(draft.public_bytes(serialization.Encoding.DER), ca_signer)


@dataclass(frozen=True)
class CrlInfo:
    issuer: str
    crl_number: int | None
    this_update: dt.datetime
    next_update: dt.datetime | None
    revoked: tuple[Revoked, ...]

    def is_revoked(self, serial: int) -> Revoked | None:
        for entry in self.revoked:
            if entry.serial == serial:
                return entry
        return None


def describe_crl(der: bytes, ca_cert_der: bytes) -> CrlInfo:
    """Parse a CRL and check its signature against the CA certificate."""
    try:
        crl = x509.load_der_x509_crl(der)
    except (ValueError, TypeError) as exc:
        raise MalformedCertificate("not a DER CRL") from exc
    ca = load_cert(ca_cert_der)
    if crl.issuer != ca.subject:
        raise SignatureInvalid("CRL not issued by this CA")
    verify_signature(
        ca.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        crl.tbs_certlist_bytes,
        crl.signature,
    )
    try:
        number: int | None = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        number = None
    entries = []
    for rc in crl:
        try:
            flag = rc.extensions.get_extension_for_class(x509.CRLReason).value.reason
            reason = _REASONS.get(flag, Reason.UNSPECIFIED)
        except x509.ExtensionNotFound:
            reason = Reason.UNSPECIFIED
        entries.append(Revoked(rc.serial_number, rc.revocation_date_utc, reason))
    return CrlInfo(
        issuer=crl.issuer.rfc4514_string(),
        crl_number=number,
        this_update=crl.last_update_utc,
        next_update=crl.next_update_utc,
        revoked=tuple(entries),
    )


def crl_pem(der: bytes) -> str:
    """DER CRL to PEM text."""
    try:
        crl = x509.load_der_x509_crl(der)
    except (ValueError, TypeError) as exc:
        raise MalformedCertificate("not a DER CRL") from exc
    return crl.public_bytes(serialization.Encoding.PEM).decode("ascii")


def crls_from_pem(text: str) -> list[bytes]:
    """Every ``X509 CRL`` block of a PEM file, as DER (a series signed in advance)."""
    out = []
    for block in text.split("-----END X509 CRL-----")[:-1]:
        start = block.find("-----BEGIN X509 CRL-----")
        if start < 0:
            raise MalformedCertificate("not a PEM CRL file")
        pem_block = block[start:] + "-----END X509 CRL-----\n"
        try:
            crl = x509.load_pem_x509_crl(pem_block.encode("ascii"))
        except (ValueError, TypeError) as exc:
            raise MalformedCertificate("not a PEM CRL") from exc
        out.append(crl.public_bytes(serialization.Encoding.DER))
    if not out:
        raise MalformedCertificate("no CRL in the file")
    return out
