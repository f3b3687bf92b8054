from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from ca.certs import describe_cert, pem
from ca.documents import sign_document, verify_document
from ca.errors import MalformedJws, SignatureInvalid
from ca.jws import b64url, canonical_json, parse_jws, sign_jws, verify_jws, verify_jws_with_cert

from .conftest import Pki, run


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_canonical_json_rfc8785() -> None:
    assert canonical_json({"b": 1, "a": [True, None, "é"], "c": 1.0}) == (
        '{"a":[true,null,"é"],"b":1,"c":1}'.encode())
    # RFC 8785 §3.2.3 sorts by UTF-16 code units.
    assert canonical_json({"\u20ac": 1, "\U0001f600": 2, "\r": 3}) == (
        '{"\\r":3,"\u20ac":1,"\U0001f600":2}'.encode())
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_jws_independent_verification(pki: Pki, tmp_path: Path) -> None:
    payload = canonical_json({"id": "1.2.156.3005.2.X", "holder": "扎西**"})
    token = sign_jws(payload, pki.dept_signer, pki.dept, include_x5c=True, typ="ecert+jws")
    h64, p64, s64 = token.split(".")
    header = json.loads(_b64d(h64))
    assert header == {"alg": "ES256", "typ": "ecert+jws",
                      "x5t#S256": describe_cert(pki.dept).x5t_s256,
                      "x5c": [base64.b64encode(pki.dept).decode()]}
    assert "=" not in token and _b64d(p64) == payload
    raw = _b64d(s64)
    assert len(raw) == 64
    # Independent check 1: cryptography directly, from the certificate in x5c.
    from cryptography import x509

    cert = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    der_sig = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key.verify(der_sig, f"{h64}.{p64}".encode(), ec.ECDSA(hashes.SHA256()))
    # Independent check 2: openssl dgst.
    (tmp_path / "in").write_bytes(f"{h64}.{p64}".encode())
    (tmp_path / "sig").write_bytes(der_sig)
    (tmp_path / "pub.pem").write_bytes(key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    out = run("openssl", "dgst", "-sha256", "-verify", tmp_path / "pub.pem", "-signature",
              tmp_path / "sig", tmp_path / "in").stdout
    assert "Verified OK" in out
    # Our verifiers.
    assert verify_jws(token, pki.dept_signer.public_key_der) == payload
    assert verify_jws_with_cert(token, pki.dept) == payload
    with pytest.raises(SignatureInvalid):
        verify_jws_with_cert(token, pki.dept_b)
    with pytest.raises(SignatureInvalid):
        verify_jws(token, pki.dept_b_signer.public_key_der)


def test_jws_tampering(pki: Pki) -> None:
    token = sign_jws(b'{"a":1}', pki.dept_signer, pki.dept, include_x5c=False)
    h64, p64, s64 = token.split(".")
    assert "x5c" not in json.loads(_b64d(h64))
    a2 = b64url(b'{"a":2}')
    forged = f"{h64}.{a2}.{s64}"
    with pytest.raises(SignatureInvalid):
        verify_jws(forged, pki.dept_signer.public_key_der)
    none_alg = b64url(b'{"alg":"none"}')
    dup = b64url(b'{"alg":"ES256","alg":"ES256"}')
    crit = b64url(b'{"alg":"ES256","crit":["x"]}')
    hs = b64url(b'{"alg":"HS256"}')
    bad_inputs = [
        "", "a.b", "a.b.c.d", f"{h64}.{p64}.", f".{p64}.{s64}", f"{h64}.{p64}.{s64}=",
        f"{h64}.{p64}.{s64[:-2]}", f"{none_alg}.{p64}.{s64}",
        f"{b64url(b'[1]')}.{p64}.{s64}",
        f"{dup}.{p64}.{s64}", f"{crit}.{p64}.{s64}", f"{hs}.{p64}.{s64}",
        f"{h64}.{p64}.{s64}".replace("-", "+") if "-" in token else "é.a.b",
    ]
    for bad in bad_inputs:
        with pytest.raises(MalformedJws):
            parse_jws(bad)
    with pytest.raises(MalformedJws):
        parse_jws(token, max_chars=10)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=400) | st.from_regex(r"[A-Za-z0-9_-]{0,40}\.[A-Za-z0-9_-]{0,40}\."
                                             r"[A-Za-z0-9_-]{0,100}", fullmatch=True))
def test_parse_jws_only_raises_malformed(text: str) -> None:
    with contextlib.suppress(MalformedJws):
        parse_jws(text)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=5), st.text(max_size=5) | st.integers(-1000, 1000)))
def test_parse_jws_json_headers(header: dict[str, object]) -> None:
    token = f"{b64url(json.dumps(header).encode())}.{b64url(b'x')}.{b64url(bytes(64))}"
    try:
        parsed = parse_jws(token)
        assert parsed.header["alg"] == "ES256"
    except MalformedJws:
        pass


def test_signed_documents(pki: Pki) -> None:
    trust_list = {"version": 3, "issued": "2026-11-29T00:00:00Z",
                  "departments": [{"uscc": "11540000MB0000000X", "cert": pem(pki.dept)}]}
    token = sign_document(trust_list, pki.root_signer, pki.root)
    assert verify_document(token, pki.root, pki.now) == trust_list
    with pytest.raises(SignatureInvalid):
        verify_document(token, pki.dept, pki.now)  # not the trusted root
    with pytest.raises(SignatureInvalid):
        verify_document(token, pki.root, pki.now + dt.timedelta(days=365 * 30))
    plain = sign_jws(canonical_json(trust_list), pki.root_signer, pki.root, include_x5c=True)
    with pytest.raises(MalformedJws):
        verify_document(plain, pki.root, pki.now)  # wrong typ
