from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ca.certs import describe_cert
from ca.errors import MalformedRequest
from ca.ocsp import (
    CertStatusInfo,
    answer_ocsp_request,
    build_ocsp_response,
    issuer_matches,
    ocsp_error_response,
    ocsp_request_from_get,
    parse_ocsp_request,
)
from ca.revocation import Reason
from tests.inprocess_cli import pkilint

from .conftest import Pki, run


def _request(pki: Pki, cert: str, out: Path, *extra: str) -> bytes:
    run("openssl", "ocsp", *extra, "-issuer", pki.path("root.pem"), "-cert",
        pki.path(f"{cert}.pem"), "-reqout", out)
    return out.read_bytes()


def _lookup(pki: Pki):  # type: ignore[no-untyped-def]
    revoked_serial = describe_cert(pki.revoked).serial
    good = {describe_cert(pki.dept).serial, describe_cert(pki.dept_b).serial}

    def lookup(serial: int) -> CertStatusInfo:
        if serial == revoked_serial:
            return CertStatusInfo("revoked", pki.revoked_at, Reason.KEY_COMPROMISE)
        if serial in good:
            return CertStatusInfo("good")
        return CertStatusInfo("unknown")

    return lookup


@pytest.mark.parametrize("cert,expected", [("dept", "good"), ("revoked", "revoked")])
def test_openssl_accepts_response(pki: Pki, tmp_path: Path, cert: str, expected: str) -> None:
    req = _request(pki, cert, tmp_path / "req.der")
    parsed = parse_ocsp_request(req)
    assert parsed.nonce is not None and issuer_matches(parsed, pki.root)
    resp = answer_ocsp_request(req, pki.ocsp_signer, pki.ocsp, pki.root, _lookup(pki), pki.now)
    (tmp_path / "resp.der").write_bytes(resp)
    # The nonce of req.der must be echoed; openssl compares them.
    proc = run("openssl", "ocsp", "-reqin", tmp_path / "req.der", "-respin", tmp_path / "resp.der",
               "-issuer", pki.path("root.pem"), "-VAfile", pki.path("ocsp.pem"), "-resp_text")
    out = proc.stdout + proc.stderr
    assert "Response verify OK" in out
    assert "Nonce Verify error" not in out
    assert f"Cert Status: {expected}" in out
    if expected == "revoked":
        assert "keyCompromise" in out
    # Also with the root as trust anchor (delegated responder with OCSPSigning EKU).
    proc = run("openssl", "ocsp", "-reqin", tmp_path / "req.der", "-respin",
               tmp_path / "resp.der", "-CAfile", pki.path("root.pem"))
    assert "Response verify OK" in proc.stdout + proc.stderr
    lint = pkilint("lint_ocsp_response", "lint", tmp_path / "resp.der")
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_openssl_detects_wrong_nonce(pki: Pki, tmp_path: Path) -> None:
    req1 = _request(pki, "dept", tmp_path / "req1.der")
    _request(pki, "dept", tmp_path / "req2.der")
    resp = answer_ocsp_request(req1, pki.ocsp_signer, pki.ocsp, pki.root, _lookup(pki), pki.now)
    (tmp_path / "resp.der").write_bytes(resp)
    proc = run("openssl", "ocsp", "-reqin", tmp_path / "req2.der", "-respin",
               tmp_path / "resp.der", "-VAfile", pki.path("ocsp.pem"), check=False)
    assert "Nonce Verify error" in proc.stdout + proc.stderr


def test_sha256_certid_and_no_nonce(pki: Pki, tmp_path: Path) -> None:
    req = _request(pki, "dept", tmp_path / "req.der", "-sha256", "-no_nonce")
    parsed = parse_ocsp_request(req)
    assert parsed.hash_algorithm == "sha256" and parsed.nonce is None
    resp = answer_ocsp_request(req, pki.ocsp_signer, pki.ocsp, pki.root, _lookup(pki), pki.now)
    (tmp_path / "resp.der").write_bytes(resp)
    proc = run("openssl", "ocsp", "-sha256", "-issuer", pki.path("root.pem"), "-cert",
               pki.path("dept.pem"), "-respin", tmp_path / "resp.der",
               "-VAfile", pki.path("ocsp.pem"), "-no_nonce")
    assert "good" in proc.stdout


def test_get_encoding(pki: Pki, tmp_path: Path) -> None:
    import base64
    import urllib.parse

    req = _request(pki, "dept", tmp_path / "req.der")
    segment = urllib.parse.quote(base64.b64encode(req).decode(), safe="")
    assert ocsp_request_from_get(segment) == req
    with pytest.raises(MalformedRequest):
        ocsp_request_from_get("!!not base64!!")


def test_errors(pki: Pki, tmp_path: Path) -> None:
    assert ocsp_error_response("malformed_request") == bytes.fromhex("30030a0101")
    assert answer_ocsp_request(b"junk", pki.ocsp_signer, pki.ocsp, pki.root, _lookup(pki),
                               pki.now) == bytes.fromhex("30030a0101")
    # A certificate of another issuer: our responder is not authoritative.
    req = _request(pki, "dept", tmp_path / "req.der")
    resp = answer_ocsp_request(req, pki.ocsp_signer, pki.ocsp, pki.dept, _lookup(pki), pki.now)
    assert resp == ocsp_error_response("unauthorized")
    with pytest.raises(ValueError):
        build_ocsp_response(pki.ocsp_signer, pki.ocsp, pki.root, 5, "revoked", None,
                            Reason.UNSPECIFIED, pki.now, pki.now + dt.timedelta(days=1), None)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_parse_junk_raises_only_malformed(data: bytes) -> None:
    with contextlib.suppress(MalformedRequest):
        parse_ocsp_request(data)
