"""Our verifier over the published vectors in docs/vectors/ (made by scripts/make_vectors.py):
QR URLs of both specs through ``verify_qr``, PDFs through ``verify_pdf``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ca.certs import der_from_pem
from ca.jws import b64url_decode
from verifier.lists import load_status_list, load_trust_list
from verifier.pdf import verify_pdf
from verifier.verify import verify_qr

VEC = Path(__file__).resolve().parents[2] / "docs" / "vectors"
DOC = json.loads((VEC / "qr-cases.json").read_text()) if (VEC / "qr-cases.json").exists() else None


@pytest.mark.skipif(DOC is None, reason="run scripts/make_vectors.py")
@pytest.mark.parametrize("case", DOC["cases"] if DOC else [], ids=lambda c: c["name"])
def test_vector(case):
    at = dt.datetime.fromisoformat(DOC["check_at"].replace("Z", "+00:00"))
    root = der_from_pem((VEC / "root.pem").read_text())
    trust = load_trust_list((VEC / "trust-list.jws").read_text(), root, at)
    status = load_status_list((VEC / "status-list.jws").read_text(), root, at)
    r = verify_qr(case["url"], trust, status, at)
    assert r.verdict.value == case["verdict"], r.failed
    if case["reason"]:
        assert case["reason"] in [c.reason for c in r.failed]


PDF_DOC = (json.loads((VEC / "pdf-cases.json").read_text())
           if (VEC / "pdf-cases.json").exists() else None)


@pytest.mark.skipif(PDF_DOC is None, reason="run scripts/make_vectors.py")
@pytest.mark.parametrize("case", PDF_DOC["cases"] if PDF_DOC else [], ids=lambda c: c["name"])
def test_pdf_vector(case):
    at = dt.datetime.fromisoformat(PDF_DOC["check_at"].replace("Z", "+00:00"))
    root = der_from_pem((VEC / "pdf-root.pem").read_text())
    status = load_status_list((VEC / "pdf-status-list.jws").read_text(), root, at)
    r = verify_pdf(None, (VEC / case["file"]).read_bytes(), root, at, status_list=status)
    assert r.verdict.value == case["verdict"], r.failed
    if case["reason"]:
        assert case["reason"] in [c.reason for c in r.failed]
    if case["verdict"] == "valid":
        assert r.identifier == PDF_DOC["identifier"]


def test_vectors_cover_both_qr_specs_and_pdf_cases():
    assert DOC is not None and PDF_DOC is not None
    specs = set()
    for c in DOC["cases"]:
        head = c["url"].split("#", 1)[1].split(".")[0]
        specs.add(json.loads(b64url_decode(head))["typ"])
    assert specs == {"eqr", "ecert-qr+jws"}
    assert {c["verdict"] for c in PDF_DOC["cases"]} == {"valid", "invalid", "not_original"}
