"""verify_pdf over PAdES B-LT PDFs signed through ca's recipes."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from reportlab.pdfgen.canvas import Canvas
from verifier_world import T0

from ca.cert_profiles import issue_ocsp_cert, issue_tsa_cert
from ca.ocsp import CertStatusInfo, ocsp_response_for
from ca.pdf import PadesOptions, sign_pdf
from ca.signer import MemorySigner
from ca.tsa import InProcessTimeStamper
from verifier.errors import MalformedInput
from verifier.pdf import verify_pdf
from verifier.results import Verdict

NOW = T0 + dt.timedelta(days=30)


def face(identifier: str) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, invariant=1)
    c.setSubject(identifier)
    c.setTitle("测试许可证")
    c.drawString(72, 720, f"ID: {identifier}")
    c.showPage()
    c.save()
    return buf.getvalue()


def signed_pdf(world, identifier: str, at=T0) -> bytes:
    t = MemorySigner.generate("t")
    t_der = issue_tsa_cert(world.root_signer, world.root_der, t.public_key_der, "TSA",
                           "https://ecert.example", None, at - dt.timedelta(days=5))
    o = MemorySigner.generate("o")
    o_der = issue_ocsp_cert(world.root_signer, world.root_der, o.public_key_der, "OCSP", None,
                            at - dt.timedelta(days=5))
    good = CertStatusInfo("good")
    resps = [ocsp_response_for(o, o_der, world.root_der, x, good, at)
             for x in (world.issuer.cert_der, t_der)]
    ts = InProcessTimeStamper(t, t_der, [world.root_der], lambda: at)
    return sign_pdf(face(identifier), world.issuer.signer, world.issuer.cert_der, PadesOptions(
        level="B-LT", field_name="Sig1", chain_ders=[world.root_der], timestamper=ts,
        ocsp_responses_der=resps, trust_root_der=world.root_der), at)


@pytest.fixture
def pdf_case(world):
    c = world.issue()
    return world, c, signed_pdf(world, c.identifier)


def test_valid_online(pdf_case):
    world, c, pdf = pdf_case
    with world.store.transaction() as uow:
        r = verify_pdf(uow, pdf, world.root_der, NOW)
    assert r.verdict is Verdict.VALID, r.failed
    assert r.identifier == c.identifier


def test_offline_without_status_is_unknown(pdf_case):
    world, c, pdf = pdf_case
    r = verify_pdf(None, pdf, world.root_der, NOW)
    assert r.verdict is Verdict.UNKNOWN
    assert [ch.reason for ch in r.failed] == ["status-unavailable"]


def test_revoked_online(pdf_case):
    world, c, pdf = pdf_case
    world.set_status(c, "03")
    with world.store.transaction() as uow:
        assert verify_pdf(uow, pdf, world.root_der, NOW).verdict is Verdict.REVOKED


def test_unsigned_is_not_original(sqlite_world):
    c = sqlite_world.issue()
    with sqlite_world.store.transaction() as uow:
        r = verify_pdf(uow, face(c.identifier), sqlite_world.root_der, NOW)
    assert r.verdict is Verdict.NOT_ORIGINAL


def test_altered_is_invalid(sqlite_world):
    c = sqlite_world.issue()
    pdf = signed_pdf(sqlite_world, c.identifier)
    i = pdf.index(b"ReportLab")
    altered = pdf[:i] + b"ReportLaX" + pdf[i + 9:]
    with sqlite_world.store.transaction() as uow:
        r = verify_pdf(uow, altered, sqlite_world.root_der, NOW)
    assert r.verdict is Verdict.INVALID
    assert r.failed[0].name == "pdf-integrity" and r.failed[0].reason == "altered"


def test_appended_metadata_update_cannot_change_identifier(sqlite_world):
    """pyHanko's diff policy treats an /Info update after signing as harmless (LTA_UPDATES);
    the identifier must still come from the signed bytes, and the file, changed after its
    signature, is not valid as the signed document (Art. 14; docs/security.md)."""
    c = sqlite_world.issue()
    pdf = signed_pdf(sqlite_world, c.identifier)
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    info = w.trailer["/Info"]
    info[NameObject("/Subject")] = TextStringObject("forged")
    w.update_container(info)
    out = io.BytesIO()
    w.write(out)
    with sqlite_world.store.transaction() as uow:
        r = verify_pdf(uow, out.getvalue(), sqlite_world.root_der, NOW)
    assert r.identifier == c.identifier
    assert r.verdict is Verdict.INVALID
    assert [(f.name, f.reason) for f in r.failed] == [("pdf-modification", "modified-after-signing")]


def test_not_a_pdf(sqlite_world):
    with pytest.raises(MalformedInput):
        verify_pdf(None, b"hello", sqlite_world.root_der, NOW)
