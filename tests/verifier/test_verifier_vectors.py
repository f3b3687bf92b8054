"""Our verifier over the published vectors in docs/vectors/ (made by scripts/make_vectors.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ca.certs import der_from_pem
from verifier.lists import load_status_list, load_trust_list
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
