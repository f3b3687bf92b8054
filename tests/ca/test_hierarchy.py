"""The two-level hierarchy (ca.hierarchy): root → issuing CA → department / list signing.

Profiles are judged by pkilint and openssl; the chain check and the list documents by our
own code, including what must fail (path length, wrong EKU, a revoked issuing CA, a request
whose signature does not verify)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ca import cert_profiles as cp
from ca import hierarchy as h
from ca.certs import LIST_EKU_OID, describe_cert, pem, verify_chain
from ca.crl import build_crl, crl_pem, crls_from_pem
from ca.documents import sign_document, verify_document
from ca.errors import ChainInvalid, MalformedCertificate, SignatureInvalid
from ca.revocation import Reason, Revoked
from ca.signer import MemorySigner
from tests.inprocess_cli import pkilint

from .conftest import BASE_URL, USCC_A, run

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    d = tmp_path_factory.mktemp("hier")
    root_k, ica_k, dept_k, list_k = (MemorySigner.generate(n) for n in ("r", "i", "d", "l"))
    root = cp.issue_root_ca(root_k, "电子证照根CA", NOW, organization="西藏自治区电子证照平台")
    req = h.make_issuing_request(ica_k, "电子证照签发CA", "西藏自治区电子证照平台")
    ica = h.issue_issuing_ca(root_k, root, h.read_issuing_request(req), BASE_URL, NOW)
    dept = cp.issue_department_cert(ica_k, ica, dept_k.public_key_der, "西藏自治区测试厅", USCC_A,
                                    BASE_URL, None, NOW)
    lst = h.issue_list_cert(ica_k, ica, list_k.public_key_der, "电子证照列表签名", BASE_URL, None,
                            NOW, organization="西藏自治区电子证照平台")
    tsa = cp.issue_tsa_cert(ica_k, ica, MemorySigner.generate("t").public_key_der, "TSA",
                            BASE_URL, None, NOW)
    for name, der in (("root", root), ("issuing", ica), ("dept", dept), ("list", lst),
                      ("tsa", tsa)):
        (d / f"{name}.pem").write_text(pem(der))
    return {"dir": d, "root": root, "issuing": ica, "dept": dept, "list": lst, "req": req,
            "root_k": root_k, "ica_k": ica_k, "dept_k": dept_k, "list_k": list_k}


def _p(chain: dict[str, object], name: str) -> str:
    return str(Path(str(chain["dir"])) / f"{name}.pem")


@pytest.mark.parametrize("name", ("root", "issuing", "dept", "list", "tsa"))
def test_pkilint_warning_clean(chain: dict[str, object], name: str) -> None:
    proc = pkilint("lint_pkix_cert", "lint", "-s", "WARNING", _p(chain, name))
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(("issuer", "name"), (("root", "issuing"), ("issuing", "dept"),
                                              ("issuing", "list"), ("issuing", "tsa")))
def test_pkilint_issuer_subject_chain(chain: dict[str, object], issuer: str, name: str) -> None:
    proc = pkilint("lint_pkix_signer_signee_cert_chain", "lint", "-s", "WARNING",
                   _p(chain, issuer), _p(chain, name))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_openssl_verifies_through_the_issuing_ca(chain: dict[str, object]) -> None:
    out = run("openssl", "verify", "-CAfile", _p(chain, "root"), "-untrusted",
              _p(chain, "issuing"), _p(chain, "dept"), _p(chain, "list"), _p(chain, "tsa"))
    assert out.stdout.count(": OK") == 3
    text = run("openssl", "x509", "-in", _p(chain, "issuing"), "-noout", "-text").stdout
    assert "CA:TRUE, pathlen:0" in text and "Certificate Sign, CRL Sign" in text
    assert f"{BASE_URL}/pki/crl/root.crl" in text and "OCSP" not in text
    dept = run("openssl", "x509", "-in", _p(chain, "dept"), "-noout", "-text").stdout
    assert f"{BASE_URL}/pki/crl/issuing.crl" in dept and f"{BASE_URL}/pki/issuing-ca.crt" in dept
    assert run("openssl", "verify", "-CAfile", _p(chain, "root"), _p(chain, "dept"),
               check=False).returncode != 0


def test_verify_chain_needs_the_intermediate_and_respects_path_length(
        chain: dict[str, object]) -> None:
    root, ica, dept = (bytes(chain[k]) for k in ("root", "issuing", "dept"))  # type: ignore[call-overload]
    assert verify_chain(dept, root, NOW, [ica]).uscc == USCC_A
    with pytest.raises(ChainInvalid):
        verify_chain(dept, root, NOW)
    with pytest.raises(ChainInvalid):
        verify_chain(dept, root, NOW + dt.timedelta(days=6 * 366), [ica])  # issuing CA expired
    # a root made before the issuing CA (pathLen 0) cannot vouch for an intermediate
    legacy_k = chain["root_k"]
    legacy = cp.issue_root_ca(legacy_k, "电子证照根CA", NOW, organization="西藏自治区电子证照平台",  # type: ignore[arg-type]
                              path_length=0)
    with pytest.raises(ChainInvalid, match="path length"):
        verify_chain(dept, legacy, NOW, [ica])
    # a department certificate is no CA
    fake = cp.issue_department_cert(chain["dept_k"], dept, chain["list_k"].public_key_der,  # type: ignore[arg-type, union-attr]
                                    "冒充", USCC_A, BASE_URL, None, NOW)
    with pytest.raises(ChainInvalid):
        verify_chain(fake, root, NOW, [dept, ica])


def test_request_proves_the_key(chain: dict[str, object]) -> None:
    req = bytes(chain["req"])  # type: ignore[call-overload]
    parsed = h.read_issuing_request(req)
    assert parsed.public_key_der == chain["ica_k"].public_key_der  # type: ignore[union-attr]
    assert h.csr_der_from_pem(h.csr_pem(req).encode()) == req
    bad = bytearray(req)
    bad[-5] ^= 1
    with pytest.raises(MalformedCertificate):
        h.read_issuing_request(bytes(bad))
    with pytest.raises(MalformedCertificate):
        h.csr_der_from_pem(b"not a request")


def test_documents_need_the_list_key_and_an_unrevoked_chain(chain: dict[str, object]) -> None:
    root, ica, lst = (bytes(chain[k]) for k in ("root", "issuing", "list"))  # type: ignore[call-overload]
    assert LIST_EKU_OID in describe_cert(lst).extended_key_usages
    doc = sign_document({"a": 1}, chain["list_k"], lst, [ica])  # type: ignore[arg-type]
    assert verify_document(doc, root, NOW) == {"a": 1}
    # the department key chains to the same root, but may not sign lists
    dept_doc = sign_document({"a": 1}, chain["dept_k"], bytes(chain["dept"]), [ica])  # type: ignore[arg-type, call-overload]
    with pytest.raises(SignatureInvalid):
        verify_document(dept_doc, root, NOW)
    with pytest.raises(SignatureInvalid):  # no intermediate: no chain
        verify_document(sign_document({"a": 1}, chain["list_k"], lst), root, NOW)  # type: ignore[arg-type]
    # legacy: the root signs its lists itself
    legacy = sign_document({"a": 2}, chain["root_k"], root)  # type: ignore[arg-type]
    assert verify_document(legacy, root, NOW) == {"a": 2}
    # the root's CRL revokes the issuing CA: its list key is refused where the CRL is known
    serial = describe_cert(ica).serial
    clean = build_crl(chain["root_k"], root, [], 1, NOW, NOW + dt.timedelta(days=7))  # type: ignore[arg-type]
    revoked = build_crl(chain["root_k"], root, [Revoked(serial, NOW, Reason.KEY_COMPROMISE)], 2,  # type: ignore[arg-type]
                        NOW, NOW + dt.timedelta(days=7))
    assert verify_document(doc, root, NOW, clean) == {"a": 1}
    with pytest.raises(SignatureInvalid):
        verify_document(doc, root, NOW, revoked)
    assert crls_from_pem(crl_pem(clean) + crl_pem(revoked)) == [clean, revoked]
