"""PAdES signing and offline validation, checked by pdfsig and openssl cms too."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ca.certs import describe_cert
from ca.crl import build_crl
from ca.errors import CaError, MalformedPdf
from ca.ocsp import CertStatusInfo, ocsp_response_for
from ca.pdf import PadesOptions, sign_pdf
from ca.pdf_validate import validate_pdf
from ca.revocation import Reason, Revoked
from ca.signer import Signer
from ca.tsa import InProcessTimeStamper

from .conftest import USCC_A, Pki, run


@pytest.fixture(autouse=True, scope="module")
def _quiet_pyhanko() -> None:
    # pyHanko logs every failed path-building attempt (expected in these tests).
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Signed:
    pdf: bytes
    at: dt.datetime


def _sign(pki: Pki, pdf: bytes, signer: Signer, cert: bytes, when: dt.datetime, level: str,
          *, status: CertStatusInfo | None = None, box: bool = False) -> bytes:
    ocsps = [
        ocsp_response_for(pki.ocsp_signer, pki.ocsp, pki.root, cert,
                          status or CertStatusInfo("good"), when),
        ocsp_response_for(pki.ocsp_signer, pki.ocsp, pki.root, pki.tsa,
                          CertStatusInfo("good"), when),
    ]
    # The CRL current at signing time (as a live signing service would fetch it).
    revoked = [Revoked(describe_cert(pki.revoked).serial, pki.revoked_at, Reason.KEY_COMPROMISE)]
    crl = build_crl(pki.root_signer, pki.root, [r for r in revoked if r.revoked_at <= when], 1,
                    when, when + dt.timedelta(days=7))
    stamper = InProcessTimeStamper(pki.tsa_signer, pki.tsa, [pki.root], clock=lambda: when)
    return sign_pdf(pdf, signer, cert, PadesOptions(
        level=level, field_name="Signature1",  # type: ignore[arg-type]
        chain_ders=[pki.root], timestamper=stamper, ocsp_responses_der=ocsps, crls_der=[crl],
        trust_root_der=pki.root, box=(360, 60, 560, 140) if box else None,
        stamp_text="西藏自治区商务厅\n电子证照专用章" if box else None), when)


@pytest.fixture(scope="module")
def current_lt(pki: Pki, small_pdf: bytes) -> bytes:
    return _sign(pki, small_pdf, pki.dept_signer, pki.dept, pki.now, "B-LT", box=True)


@pytest.fixture(scope="module")
def old_lt(pki: Pki, small_pdf: bytes) -> Signed:
    when = pki.expired_issued_at + dt.timedelta(days=30)
    return Signed(_sign(pki, small_pdf, pki.expired_signer, pki.expired, when, "B-LT"), when)


def test_b_lt_validates_offline(pki: Pki, current_lt: bytes) -> None:
    result = validate_pdf(current_lt, pki.root, pki.now + dt.timedelta(minutes=1))
    assert result.valid is True
    (sig,) = result.signatures
    assert sig.intact and sig.valid is True and sig.indication == "PASSED"
    assert sig.timestamped and sig.signing_time == pki.now
    assert sig.revocation_data_embedded and sig.whole_document
    assert sig.signer is not None and sig.signer.uscc == USCC_A
    assert sig.docmdp_ok is not False


def test_b_lt_after_signer_expiry_still_valid(pki: Pki, old_lt: Signed) -> None:
    # The signing certificate expired about four months ago.
    result = validate_pdf(old_lt.pdf, pki.root, pki.now)
    (sig,) = result.signatures
    assert sig.signer is not None and sig.signer.not_after < pki.now
    assert result.valid is True, sig.message
    assert sig.signing_time == old_lt.at
    # Also while the certificate was valid but the embedded OCSP was already old.
    mid = validate_pdf(old_lt.pdf, pki.root, old_lt.at + dt.timedelta(days=100))
    assert mid.valid is True, mid.signatures[0].message


def test_b_b_is_never_valid_by_default(pki: Pki, small_pdf: bytes) -> None:
    signed = _sign(pki, small_pdf, pki.expired_signer, pki.expired,
                   pki.expired_issued_at + dt.timedelta(days=30), "B-B")
    result = validate_pdf(signed, pki.root, pki.now)
    (sig,) = result.signatures
    assert sig.intact
    assert sig.valid is None and sig.indication == "INDETERMINATE"
    assert result.valid is None
    assert not sig.timestamped and not sig.revocation_data_embedded


def test_tampering_detected(pki: Pki, current_lt: bytes) -> None:
    result = validate_pdf(current_lt, pki.root, pki.now)
    sig = result.signatures[0]
    data = bytearray(current_lt)
    data[200] ^= 0x01  # inside the first signed range
    broken = validate_pdf(bytes(data), pki.root, pki.now)
    assert broken.signatures[0].intact is False
    assert broken.signatures[0].valid is False and broken.valid is False
    assert sig.signed_content_sha256 != broken.signatures[0].signed_content_sha256


def test_wrong_root_is_not_valid(pki: Pki, current_lt: bytes) -> None:
    from ca.cert_profiles import issue_root_ca
    from ca.signer import MemorySigner

    other = issue_root_ca(MemorySigner.generate("x"), "Other", pki.now - dt.timedelta(days=1))
    result = validate_pdf(current_lt, other, pki.now)
    assert result.valid is not True and result.signatures[0].valid is not True


def test_garbage_raises_malformed(pki: Pki) -> None:
    for junk in (b"", b"hello", b"%PDF-1.7\n" + b"\x00" * 100, b"%PDF-1.4\n1 0 obj<<>>\n"):
        with pytest.raises(MalformedPdf):
            validate_pdf(junk, pki.root, pki.now)
    with pytest.raises(MalformedPdf):
        sign_pdf(b"not a pdf", pki.dept_signer, pki.dept,
                 PadesOptions(level="B-B", field_name="S", chain_ders=[pki.root]), pki.now)


def test_revoked_signer_refused(pki: Pki, small_pdf: bytes) -> None:
    status = CertStatusInfo("revoked", pki.revoked_at, Reason.KEY_COMPROMISE)
    with pytest.raises(CaError):
        _sign(pki, small_pdf, pki.revoked_signer, pki.revoked, pki.now, "B-LT", status=status)


def test_b_lta(pki: Pki, small_pdf: bytes, tmp_path: Path) -> None:
    signed = _sign(pki, small_pdf, pki.dept_signer, pki.dept, pki.now, "B-LTA")
    result = validate_pdf(signed, pki.root, pki.now)
    assert result.valid is True and result.document_timestamps == 1
    (tmp_path / "lta.pdf").write_bytes(signed)
    if shutil.which("pdfsig"):
        out = run("pdfsig", tmp_path / "lta.pdf", check=False).stdout
        assert "Signature is Valid." in out


@pytest.mark.skipif(not (shutil.which("pdfsig") and shutil.which("certutil")),
                    reason="poppler-utils / libnss3-tools not installed")
def test_pdfsig_accepts(pki: Pki, current_lt: bytes, tmp_path: Path) -> None:
    nss = tmp_path / "nss"
    nss.mkdir()
    run("certutil", "-N", "-d", f"sql:{nss}", "--empty-password")
    run("certutil", "-A", "-d", f"sql:{nss}", "-n", "Root", "-t", "CT,C,C", "-i",
        pki.path("root.pem"))
    (tmp_path / "signed.pdf").write_bytes(current_lt)
    out = run("pdfsig", "-nssdir", f"sql:{nss}", tmp_path / "signed.pdf").stdout
    assert "Signature is Valid." in out
    assert "ETSI.CAdES.detached" in out


def test_openssl_cms_verifies_byte_range(pki: Pki, current_lt: bytes, tmp_path: Path) -> None:
    sig = validate_pdf(current_lt, pki.root, pki.now).signatures[0]
    (tmp_path / "sig.der").write_bytes(sig.cms_der)
    (tmp_path / "content.bin").write_bytes(sig.signed_content)
    proc = run("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in",
               tmp_path / "sig.der", "-content", tmp_path / "content.bin", "-CAfile",
               pki.path("root.pem"), "-out", tmp_path / "out.bin")
    assert "Verification successful" in proc.stderr + proc.stdout
    (tmp_path / "content.bin").write_bytes(sig.signed_content[:-1] + b"X")
    bad = run("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in",
              tmp_path / "sig.der", "-content", tmp_path / "content.bin", "-CAfile",
              pki.path("root.pem"), "-out", tmp_path / "out.bin", check=False)
    assert bad.returncode != 0


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0), st.integers(min_value=1, max_value=255))
def test_flipped_bytes_never_crash(pki: Pki, current_lt: bytes, pos: int, mask: int) -> None:
    data = bytearray(current_lt)
    data[pos % len(data)] ^= mask
    try:
        result = validate_pdf(bytes(data), pki.root, pki.now)
    except MalformedPdf:
        return
    # Whatever the flip hit, a signature still intact covers exactly the bytes signed
    # originally, and only an intact signature may be valid.
    originals = {s.signed_content for s in validate_pdf(current_lt, pki.root, pki.now).signatures}
    for sig in result.signatures:
        assert sig.valid is not True or sig.intact
        assert not sig.intact or sig.signed_content in originals
