from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID

from ca.cert_profiles import issue_root_ca, random_serial
from ca.certs import CERT_POLICY_OID, der_from_pem, describe_cert, pem, verify_chain
from ca.errors import ChainInvalid, MalformedCertificate
from ca.signer import MemorySigner
from tests.inprocess_cli import pkilint

from .conftest import BASE_URL, USCC_A, Pki, run

ALL = ("root", "dept", "dept_b", "expired", "revoked", "client", "tsa", "ocsp")


@pytest.mark.parametrize("name", ALL)
def test_pkilint_rfc5280_warning_clean(pki: Pki, name: str) -> None:
    proc = pkilint("lint_pkix_cert", "lint", "-s", "WARNING", pki.path(f"{name}.pem"))
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", ("dept", "tsa", "ocsp", "client"))
def test_pkilint_issuer_subject_chain(pki: Pki, name: str) -> None:
    proc = pkilint("lint_pkix_signer_signee_cert_chain", "lint", "-s", "WARNING",
                   pki.path("root.pem"), pki.path(f"{name}.pem"))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_openssl_verifies_chain(pki: Pki) -> None:
    out = run("openssl", "verify", "-CAfile", pki.path("root.pem"), pki.path("dept.pem"),
              pki.path("dept_b.pem"), pki.path("tsa.pem"), pki.path("ocsp.pem"),
              pki.path("client.pem")).stdout
    assert out.count(": OK") == 5
    proc = run("openssl", "verify", "-CAfile", pki.path("root.pem"), pki.path("expired.pem"),
               check=False)
    assert proc.returncode != 0 and "expired" in (proc.stdout + proc.stderr)
    proc = run("openssl", "verify", "-purpose", "timestampsign", "-CAfile",
               pki.path("root.pem"), pki.path("tsa.pem"))
    proc = run("openssl", "verify", "-purpose", "sslclient", "-CAfile",
               pki.path("root.pem"), pki.path("client.pem"))


def test_department_profile(pki: Pki) -> None:
    cert = x509.load_der_x509_certificate(pki.dept)
    ku = cert.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment
    assert not ku.value.key_cert_sign
    bc = cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS)
    assert bc.critical and not bc.value.ca
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    urls = {d.access_method.dotted_string: d.access_location.value for d in aia}
    assert urls["1.3.6.1.5.5.7.48.1"] == f"{BASE_URL}/pki/ocsp"
    assert urls["1.3.6.1.5.5.7.48.2"] == f"{BASE_URL}/pki/ca.crt"
    dp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert dp[0].full_name[0].value == f"{BASE_URL}/pki/crl/root.crl"
    policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert policies[0].policy_identifier.dotted_string == CERT_POLICY_OID
    info = describe_cert(pki.dept)
    assert info.uscc == USCC_A
    assert info.common_name == "西藏自治区商务厅"
    assert "C=CN" in info.subject
    assert 0 < info.serial < 1 << 159
    assert len(info.sha256_fingerprint) == 64 and "=" not in info.x5t_s256
    assert not info.is_ca and info.extended_key_usages == ()


def test_service_profiles(pki: Pki) -> None:
    tsa = x509.load_der_x509_certificate(pki.tsa)
    eku = tsa.extensions.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    ocsp = x509.load_der_x509_certificate(pki.ocsp)
    assert list(ocsp.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.OCSP_SIGNING]
    ocsp.extensions.get_extension_for_class(x509.OCSPNoCheck)
    client = describe_cert(pki.client)
    assert client.extended_key_usages == (ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string,)
    root = describe_cert(pki.root)
    assert root.is_ca and root.subject == root.issuer


def test_verify_chain(pki: Pki) -> None:
    assert verify_chain(pki.dept, pki.root, pki.now).uscc == USCC_A
    verify_chain(pki.root, pki.root, pki.now)
    with pytest.raises(ChainInvalid):
        verify_chain(pki.expired, pki.root, pki.now)
    verify_chain(pki.expired, pki.root, pki.expired_issued_at + dt.timedelta(days=30))
    other = MemorySigner.generate("other")
    other_root = issue_root_ca(other, "Other root", pki.now - dt.timedelta(days=1))
    with pytest.raises(ChainInvalid):
        verify_chain(pki.dept, other_root, pki.now)
    with pytest.raises(ValueError):
        verify_chain(pki.dept, pki.root, pki.now.replace(tzinfo=None))


def test_pem_helpers(pki: Pki) -> None:
    assert der_from_pem(pem(pki.dept)) == pki.dept
    with pytest.raises(MalformedCertificate):
        der_from_pem("not pem")
    with pytest.raises(MalformedCertificate):
        describe_cert(b"\x30\x03junk")


def test_random_serials() -> None:
    serials = {random_serial() for _ in range(200)}
    assert len(serials) == 200
    assert all(1 << 64 <= s < 1 << 159 for s in serials)
