"""Archive time stamps (PAdES B-LTA) added to an already signed PDF.

A kept B-LT PDF becomes B-LTA with a document time stamp over the whole file, after the
validation data of what came before (the previous archive time stamp's TSA chain and its
revocation data) has been written into the DSS; doing it again before the last stamp's
TSA certificate expires, or its algorithms weaken, extends the evidence (ETSI EN 319 142-1,
5.5). pyHanko does the PDF work (``PdfTimeStamper.async_update_archival_timestamp_chain``);
revocation data comes from the caller (offline, like :func:`ca.pdf.sign_pdf`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from asn1crypto import crl, ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko_certvalidator import ValidationContext

from ca.errors import CaError, MalformedPdf
from ca.pdf import run_pdf_job

__all__ = ["ArchiveStamp", "add_archive_timestamp"]


@dataclass(frozen=True)
class ArchiveStamp:
    """The PDF with one more archive time stamp, the stamp's time and how long its TSA
    certificate lasts (re-stamp before then)."""

    pdf: bytes
    stamped_at: dt.datetime
    tsa_not_after: dt.datetime
    stamps: int
    """Document time stamps in the PDF now."""


def _last_stamp(pdf: bytes) -> tuple[dt.datetime, dt.datetime, int]:
    stamps = PdfFileReader(BytesIO(pdf), strict=False).embedded_timestamp_signatures
    last = stamps[-1]
    tst: Any = last.signed_data["encap_content_info"]["content"].parsed
    cert: asn1_x509.Certificate = last.signer_cert
    return tst["gen_time"].native, cert.not_valid_after, len(stamps)


def add_archive_timestamp(pdf_bytes: bytes, timestamper: TimeStamper, *,
                          trust_root_der: bytes, chain_ders: tuple[bytes, ...] = (),
                          ocsp_responses_der: tuple[bytes, ...] = (),
                          crls_der: tuple[bytes, ...] = (),
                          now: dt.datetime) -> ArchiveStamp:
    """Add a document time stamp to a signed PDF (B-LT → B-LTA, or one more in the chain).

    The previous document time stamp, if any, is validated at ``now`` with the revocation
    data given (the TSA's OCSP answer or CRL) and that data is embedded first; raises
    :class:`TimestampUnavailable` when the TSA does not answer, :class:`MalformedPdf` for
    an unreadable file and :class:`CaError` when the previous stamp does not validate."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(trust_root_der)],
        other_certs=[asn1_x509.Certificate.load(d) for d in chain_ders],
        ocsps=[ocsp.OCSPResponse.load(d) for d in ocsp_responses_der],
        crls=[crl.CertificateList.load(d) for d in crls_der],
        allow_fetching=False, revocation_mode="require", moment=now)
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
        if not reader.embedded_signatures:
            raise MalformedPdf("only a signed PDF gets archive time stamps")
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise MalformedPdf("not a readable PDF") from exc
    out = BytesIO()
    try:
        run_pdf_job(PdfTimeStamper(timestamper).async_update_archival_timestamp_chain(
            reader, context, in_place=False, output=out), "archive time stamp")
    except ValueError as exc:  # the previous time stamp did not validate
        raise CaError(f"archive time stamp refused: {exc}") from exc
    data = out.getvalue()
    stamped_at, not_after, stamps = _last_stamp(data)
    return ArchiveStamp(data, stamped_at, not_after, stamps)
