"""formats.keyids: x5t#S256 and the QR kid, checked against ca's reading of a certificate."""

from __future__ import annotations

import datetime as dt
import hashlib

from ca.cert_profiles import issue_root_ca
from ca.certs import describe_cert
from ca.signer import MemorySigner
from formats.keyids import KID_ALPHABET, KID_CHARS, b64url, is_kid, kid_of, qr_kid, x5t_s256


def test_vectors() -> None:
    assert b64url(b"") == "" and b64url(b"\xff\xfe") == "__4"
    assert x5t_s256(b"abc") == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
    assert qr_kid(b"abc") == "ungWv48Bz-pB" and kid_of(x5t_s256(b"abc")) == qr_kid(b"abc")
    assert is_kid("ungWv48Bz-pB") and not is_kid("ungWv48Bz-p") and not is_kid(12)


def test_matches_the_certificate_thumbprint_ca_computes() -> None:
    signer = MemorySigner.generate("test-root")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    der = issue_root_ca(signer, "ecert test root", now)
    info = describe_cert(der)
    assert x5t_s256(der) == info.x5t_s256 == b64url(hashlib.sha256(der).digest())
    kid = qr_kid(der)
    assert len(kid) == KID_CHARS and set(kid) <= set(KID_ALPHABET)
    assert info.x5t_s256.startswith(kid)
