from __future__ import annotations

import datetime as dt

import pytest

from ca.certs import describe_cert
from ca.crl import build_crl, describe_crl
from ca.errors import SignatureInvalid
from ca.revocation import Reason, Revoked
from tests.inprocess_cli import pkilint

from .conftest import Pki, run


def test_openssl_reads_crl(pki: Pki) -> None:
    text = run("openssl", "crl", "-inform", "DER", "-in", pki.path("crl.der"), "-noout",
               "-text").stdout
    assert "X509v3 CRL Number" in text and "7" in text
    assert "X509v3 Authority Key Identifier" in text
    assert "Key Compromise" in text
    serial_hex = format(describe_cert(pki.revoked).serial, "X")
    assert serial_hex in text.replace(":", "")
    run("openssl", "crl", "-in", pki.path("crl.pem"), "-CAfile", pki.path("root.pem"),
        "-noout")


def test_openssl_crl_check(pki: Pki) -> None:
    ok = run("openssl", "verify", "-crl_check", "-CAfile", pki.path("root.pem"), "-CRLfile",
             pki.path("crl.pem"), pki.path("dept.pem"))
    assert ": OK" in ok.stdout
    bad = run("openssl", "verify", "-crl_check", "-CAfile", pki.path("root.pem"), "-CRLfile",
              pki.path("crl.pem"), pki.path("revoked.pem"), check=False)
    assert bad.returncode != 0
    assert "certificate revoked" in bad.stdout + bad.stderr


def test_pkilint_crl(pki: Pki) -> None:
    proc = pkilint("lint_crl", "lint", "-t", "CRL", "-p", "PKIX", pki.path("crl.pem"))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_describe_crl(pki: Pki) -> None:
    info = describe_crl(pki.crl, pki.root)
    assert info.crl_number == 7
    entry = info.is_revoked(describe_cert(pki.revoked).serial)
    assert entry is not None and entry.reason is Reason.KEY_COMPROMISE
    assert entry.revoked_at == pki.revoked_at
    assert info.is_revoked(describe_cert(pki.dept).serial) is None
    with pytest.raises(SignatureInvalid):
        describe_crl(pki.crl, pki.dept)


def test_crl_rules(pki: Pki) -> None:
    now = pki.now
    with pytest.raises(ValueError):
        build_crl(pki.root_signer, pki.root, [], 1, now, now)
    with pytest.raises(ValueError):
        build_crl(pki.root_signer, pki.root, [Revoked(5, now, Reason.REMOVE_FROM_CRL)], 1, now,
                  now + dt.timedelta(days=1))
    empty = build_crl(pki.root_signer, pki.root, [Revoked(9, now)], 2, now,
                      now + dt.timedelta(days=1))
    (info,) = [describe_crl(empty, pki.root)]
    assert info.revoked[0].reason is Reason.UNSPECIFIED  # encoded without a reason code
