"""Our verifier over the published vectors in docs/vectors/ (made by scripts/make_vectors.py
through a throwaway platform): QR URLs of both specs through ``verify_qr``, PDFs through
``verify_pdf``. The browser's verify.js runs the same QR cases (tests/web/test_vectors_browser.py)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from ca.certs import der_from_pem
from ca.jws import b64url_decode
from verifier.lists import load_status_list, load_trust_list
from verifier.pdf import verify_pdf
from verifier.qr import verify_qr

VEC = Path(os.environ.get("ECERT_VECTORS",
                          Path(__file__).resolve().parents[2] / "docs" / "vectors"))
DOC = json.loads((VEC / "qr-cases.json").read_text())
PDF_DOC = json.loads((VEC / "pdf-cases.json").read_text())
QR3 = VEC / "qr3"
QR3_DOC = json.loads((QR3 / "qr-cases.json").read_text())


def _at(doc: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(doc["check_at"].replace("Z", "+00:00"))


@pytest.mark.parametrize("case", DOC["cases"], ids=lambda c: c["name"])
def test_vector(case):
    at = _at(DOC)
    root = der_from_pem((VEC / "root.pem").read_text())
    trust = load_trust_list((VEC / "trust-list.jws").read_text(), root, at)
    status = load_status_list((VEC / "status-list.jws").read_text(), root, at)
    r = verify_qr(case["url"], trust, status, at)
    assert r.verdict.value == case["verdict"], r.failed
    if case["reason"]:
        assert case["reason"] in [c.reason for c in r.failed]


@pytest.mark.parametrize("case", QR3_DOC["cases"], ids=lambda c: c["name"])
def test_qr3_vector_from_one_shard(case):
    """ecert/qr/3 (issue #9 §2): the trust list and the one status shard, no status list."""
    from verifier.bitstring import load_shard

    at = _at(QR3_DOC)
    root = der_from_pem((QR3 / "root.pem").read_text())
    trust = load_trust_list((QR3 / "trust-list.jws").read_text(), root, at)
    shards = {}
    for sig in QR3.glob("status-shard-*.jws"):
        n = int(sig.stem.rsplit("-", 1)[1])
        shards[n] = load_shard(sig.read_text(), sig.with_suffix(".gz").read_bytes(), root, at,
                               shard=n)
    r = verify_qr(case["url"], trust, None, at, shards=shards)
    assert r.verdict.value == case["verdict"], r.failed
    if case["reason"]:
        assert case["reason"] in [c.reason for c in r.failed]


def test_qr3_vectors_are_qr3_and_cover_the_statuses():
    typs = {json.loads(b64url_decode(c["url"].split("#", 1)[1].split(".")[0]))["typ"]
            for c in QR3_DOC["cases"]}
    assert typs == {"eqr3"}
    packed = [json.loads(b64url_decode(c["url"].split("#", 1)[1].split(".")[1]))
              for c in QR3_DOC["cases"]]
    assert any(p[3] is None for p in packed)  # an open-ended validity (vt null)
    assert {c["verdict"] for c in QR3_DOC["cases"]} == {
        "valid", "invalid", "revoked", "suspended", "cancelled", "expired"}


@pytest.mark.parametrize("case", PDF_DOC["cases"], ids=lambda c: c["name"])
def test_pdf_vector(case):
    at = _at(PDF_DOC)
    root = der_from_pem((VEC / "root.pem").read_text())
    status = load_status_list((VEC / "pdf-status-list.jws").read_text(), root, at)
    r = verify_pdf(None, (VEC / case["file"]).read_bytes(), root, at, status_list=status)
    assert r.verdict.value == case["verdict"], r.failed
    if case["reason"]:
        assert case["reason"] in [c.reason for c in r.failed]
    if case["verdict"] == "valid":
        assert r.identifier == PDF_DOC["identifier"]


def test_vectors_cover_both_qr_specs_key_states_and_pdf_cases():
    specs = set()
    for c in DOC["cases"]:
        head = c["url"].split("#", 1)[1].split(".")[0]
        specs.add(json.loads(b64url_decode(head))["typ"])
    assert specs == {"eqr", "ecert-qr+jws"}
    assert {c["verdict"] for c in DOC["cases"]} == {
        "valid", "invalid", "revoked", "expired", "superseded", "unknown"}
    assert "key-revoked" in {c["reason"] for c in DOC["cases"]}
    assert {c["verdict"] for c in PDF_DOC["cases"]} == {"valid", "invalid", "not_original"}


def test_vectors_are_made_by_the_issuer_not_by_test_helpers():
    script = (Path(__file__).resolve().parents[2] / "scripts" / "make_vectors.py").read_text()
    assert "verifier_world" not in script and "from ecert.platform import Platform" in script
