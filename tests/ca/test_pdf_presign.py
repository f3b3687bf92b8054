"""B-LT signatures reuse the pre-signing validation of the same inputs (ca/pdf_presign.py),
only while it cannot have changed, and carry their DSS in the signed revision."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

import pytest

from ca.errors import CaError
from ca.ocsp import CertStatusInfo, ocsp_response_for
from ca.pdf import PadesOptions, sign_pdf
from ca.pdf_presign import keeper
from ca.pdf_validate import validate_pdf
from ca.revocation import Reason
from ca.tsa import InProcessTimeStamper

from .conftest import Pki, run


@pytest.fixture(autouse=True)
def _fresh_keeper() -> None:
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    keeper.clear()


def _options(pki: Pki, ocsps: list[bytes], when: dt.datetime) -> PadesOptions:
    stamper = InProcessTimeStamper(pki.tsa_signer, pki.tsa, [pki.root], clock=lambda: when)
    return PadesOptions(level="B-LT", field_name="Signature1", chain_ders=[pki.root],
                        timestamper=stamper, ocsp_responses_der=ocsps, crls_der=[pki.crl],
                        trust_root_der=pki.root)


def _ocsps(pki: Pki, cert: bytes, when: dt.datetime, status: CertStatusInfo | None = None,
           validity: dt.timedelta = dt.timedelta(days=7)) -> list[bytes]:
    return [ocsp_response_for(pki.ocsp_signer, pki.ocsp, pki.root, cert,
                              status or CertStatusInfo("good"), when, validity),
            ocsp_response_for(pki.ocsp_signer, pki.ocsp, pki.root, pki.tsa,
                              CertStatusInfo("good"), when, validity)]


def test_same_inputs_reuse_the_validation_and_validate(pki: Pki, small_pdf: bytes,
                                                       tmp_path: Path) -> None:
    ocsps = _ocsps(pki, pki.dept, pki.now)
    first = sign_pdf(small_pdf, pki.dept_signer, pki.dept, _options(pki, ocsps, pki.now), pki.now)
    assert keeper.hits == 0
    # the next document of the same second (ca.pdf_validate wants OCSP answers about as new
    # as the signature; the window of reuse is the next tests' business)
    second = sign_pdf(small_pdf, pki.dept_signer, pki.dept, _options(pki, ocsps, pki.now),
                      pki.now)
    assert keeper.hits == 1
    for pdf in (first, second):
        result = validate_pdf(pdf, pki.root, pki.now)
        assert result.valid is True
        assert result.signatures[0].timestamped
    # one revision: the DSS is inside what the signature covers
    (tmp_path / "second.pdf").write_bytes(second)
    assert second.count(b"%%EOF") == small_pdf.count(b"%%EOF") + 1
    assert b"/DSS" in second and b"/VRI" not in second
    if shutil.which("pdfsig"):
        out = run("pdfsig", tmp_path / "second.pdf", check=False).stdout
        assert "Signature is Valid." in out
        assert "Total document signed" in out


def test_a_revocation_is_never_hidden_by_a_kept_validation(pki: Pki, small_pdf: bytes) -> None:
    good = _ocsps(pki, pki.revoked, pki.now)
    sign_pdf(small_pdf, pki.revoked_signer, pki.revoked, _options(pki, good, pki.now), pki.now)
    later = pki.now + dt.timedelta(seconds=30)
    revoked = _ocsps(pki, pki.revoked, later,
                     CertStatusInfo("revoked", later, Reason.KEY_COMPROMISE))
    with pytest.raises(CaError):
        sign_pdf(small_pdf, pki.revoked_signer, pki.revoked, _options(pki, revoked, later),
                 later)
    assert keeper.hits == 0


def test_not_reused_past_next_update_or_before_it_was_made(pki: Pki, small_pdf: bytes) -> None:
    ocsps = _ocsps(pki, pki.dept, pki.now, validity=dt.timedelta(minutes=2))
    sign_pdf(small_pdf, pki.dept_signer, pki.dept, _options(pki, ocsps, pki.now), pki.now)
    earlier = pki.now - dt.timedelta(seconds=10)  # validated afresh (pyHanko's tolerance)
    sign_pdf(small_pdf, pki.dept_signer, pki.dept, _options(pki, ocsps, earlier), earlier)
    assert keeper.hits == 0
    stale = pki.now + dt.timedelta(minutes=4)  # after its nextUpdate, within KEEP_FOR
    try:  # pyHanko itself decides (it tolerates some staleness); it is asked afresh
        sign_pdf(small_pdf, pki.dept_signer, pki.dept, _options(pki, ocsps, stale), stale)
    except CaError:
        pass
    assert keeper.hits == 0
    sign_pdf(small_pdf, pki.dept_signer, pki.dept, _options(pki, ocsps, pki.now), pki.now)
    assert keeper.hits == 1  # and still kept for the time it was made
