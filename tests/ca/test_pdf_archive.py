"""Archive time stamps on a kept B-LT PDF (ca/pdf_archive.py): B-LTA that pyHanko's LTA
validation and pdfsig accept, and a second stamp that extends the chain."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

import pytest

from ca.errors import MalformedPdf
from ca.ocsp import CertStatusInfo, ocsp_response_for
from ca.pdf import PadesOptions, sign_pdf
from ca.pdf_archive import add_archive_timestamp
from ca.pdf_validate import validate_pdf
from ca.tsa import InProcessTimeStamper

from .conftest import Pki, run


@pytest.fixture(autouse=True)
def _quiet() -> None:
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)


def _material(pki: Pki, when: dt.datetime) -> tuple[InProcessTimeStamper, tuple[bytes, ...]]:
    ocsps = tuple(ocsp_response_for(pki.ocsp_signer, pki.ocsp, pki.root, d,
                                    CertStatusInfo("good"), when) for d in (pki.dept, pki.tsa))
    return InProcessTimeStamper(pki.tsa_signer, pki.tsa, [pki.root], clock=lambda: when), ocsps


def _stamp(pki: Pki, pdf: bytes, when: dt.datetime):  # type: ignore[no-untyped-def]
    stamper, ocsps = _material(pki, when)
    return add_archive_timestamp(pdf, stamper, trust_root_der=pki.root, chain_ders=(pki.root,),
                                 ocsp_responses_der=ocsps, crls_der=(pki.crl,), now=when)


def test_b_lt_becomes_b_lta_and_a_second_stamp_extends_it(pki: Pki, small_pdf: bytes,
                                                          tmp_path: Path) -> None:
    stamper, ocsps = _material(pki, pki.now)
    lt = sign_pdf(small_pdf, pki.dept_signer, pki.dept, PadesOptions(
        level="B-LT", field_name="Signature1", chain_ders=[pki.root], timestamper=stamper,
        ocsp_responses_der=ocsps, crls_der=[pki.crl], trust_root_der=pki.root), pki.now)
    first = _stamp(pki, lt, pki.now)
    assert first.pdf.startswith(lt)  # an incremental update: the signed bytes untouched
    assert first.stamps == 1 and first.stamped_at == pki.now
    assert first.tsa_not_after > pki.now + dt.timedelta(days=365)  # the TSA's notAfter
    result = validate_pdf(first.pdf, pki.root, pki.now)
    assert result.valid is True and result.document_timestamps == 1
    later = pki.now + dt.timedelta(seconds=2)
    second = _stamp(pki, first.pdf, later)
    assert second.stamps == 2 and second.pdf.startswith(first.pdf)
    result = validate_pdf(second.pdf, pki.root, later)
    assert result.valid is True and result.document_timestamps == 2
    if shutil.which("pdfsig"):
        (tmp_path / "lta.pdf").write_bytes(second.pdf)
        out = run("pdfsig", tmp_path / "lta.pdf", check=False).stdout
        assert "Signature is Valid." in out  # the department's signature, still intact
        # both archive time stamps are listed (pdfsig does not check RFC 3161 ones)
        assert out.count("Signature Field Name: Timestamp-") == 2


def test_unsigned_or_garbage_refused(pki: Pki, small_pdf: bytes) -> None:
    for data in (small_pdf, b"not a pdf"):
        with pytest.raises(MalformedPdf):
            _stamp(pki, data, pki.now)
