"""Issue 12: the OCSP responder unreachable while verifying a PDF → fail closed.

A PAdES B-T signature carries no revocation data; its department certificate names an OCSP
responder (AIA) on a loopback port where nothing listens (this helper's range 18600-18699).
Verification is offline by design (`ca.pdf_validate`: local revocation data only, nothing
fetched), so the answer must be "cannot tell" (INDETERMINATE, `valid` None) — never valid —
and it must not wait on the dead responder. The same document signed B-LT (the OCSP answer
embedded) validates, so the refusal is about the missing revocation data and nothing else."""

from __future__ import annotations

import datetime as dt
import socket

from ca import cert_profiles, ocsp, tsa
from ca.pdf import PadesOptions, sign_pdf
from ca.pdf_validate import validate_pdf
from ca.signer import MemorySigner
from issuer.face import SIGNATURE_BOX

NOW = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)
DEAD_OCSP = "http://127.0.0.1:18632"


def _blank_pdf() -> bytes:
    import io

    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, invariant=1)
    c.drawString(100, 700, "ecert OCSP fault test")
    c.showPage()
    c.save()
    return buf.getvalue()


def test_unreachable_ocsp_never_gives_valid() -> None:
    with socket.socket() as s:  # nothing listens there
        assert s.connect_ex(("127.0.0.1", 18632)) != 0
    root = MemorySigner.generate("root")
    root_der = cert_profiles.issue_root_ca(root, "Fault Root", NOW - dt.timedelta(days=1))
    dept = MemorySigner.generate("dept")
    dept_der = cert_profiles.issue_department_cert(
        root, root_der, dept.public_key_der, "测试厅", "11540000MB0000002Y", DEAD_OCSP, None,
        NOW - dt.timedelta(hours=1))
    tsa_key = MemorySigner.generate("tsa")
    tsa_der = cert_profiles.issue_tsa_cert(root, root_der, tsa_key.public_key_der, "TSA",
                                           DEAD_OCSP, None, NOW - dt.timedelta(hours=1))
    stamper = tsa.InProcessTimeStamper(tsa_key, tsa_der, [root_der], lambda: NOW)
    box = tuple(int(round(v)) for v in SIGNATURE_BOX)

    def signed(level: str, responses: tuple[bytes, ...] = ()) -> bytes:
        return sign_pdf(_blank_pdf(), dept, dept_der, PadesOptions(
            level=level, field_name="sig", chain_ders=[root_der],  # type: ignore[arg-type]
            timestamper=stamper, ocsp_responses_der=responses, trust_root_der=root_der,
            box=box, stamp_text=""), NOW)  # type: ignore[arg-type]

    report = validate_pdf(signed("B-T"), root_der, NOW + dt.timedelta(minutes=5))
    sig = report.signatures[0]
    assert sig.intact and sig.timestamped and not sig.revocation_data_embedded
    assert sig.valid is None and sig.indication == "INDETERMINATE", sig

    ocsp_key = MemorySigner.generate("ocsp")
    ocsp_der = cert_profiles.issue_ocsp_cert(root, root_der, ocsp_key.public_key_der, "OCSP",
                                             None, NOW - dt.timedelta(hours=1))
    answers = tuple(ocsp.ocsp_response_for(ocsp_key, ocsp_der, root_der, d,
                                           ocsp.CertStatusInfo("good"), NOW)
                    for d in (dept_der, tsa_der))
    embedded = validate_pdf(signed("B-LT", answers), root_der, NOW + dt.timedelta(minutes=5))
    assert embedded.signatures[0].valid is True, embedded
