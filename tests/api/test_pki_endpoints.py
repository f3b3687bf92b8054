"""The PKI endpoints, checked by openssl and pkilint rather than by our own code."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import auth
from tests.inprocess_cli import pkilint

DEPT = "91540000MA6T000001"
OTHER = "91540000MA6T00010X"


def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if ok:
        assert res.returncode == 0, f"{args[0]} failed: {res.stdout}\n{res.stderr}"
    return res


@pytest.fixture(scope="module")
def pki_files(template, admin_token, tmp_path_factory) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    client = template.client
    d = tmp_path_factory.mktemp("pki")
    from formats.uscc import make_uscc

    other = make_uscc(OTHER[:17])
    for code, name in ((DEPT, "西藏自治区测试厅"), (other, "西藏自治区另一厅")):
        r = client.post("/api/v1/departments", json={"code": code, "name": name},
                        headers=auth(admin_token))
        assert r.status_code == 201, r.text
    files = {"ca": d / "ca.pem", "dept": d / "dept.pem", "services": d / "services.pem",
             "other": d / "other.pem", "issuing": d / "issuing.pem", "chain": d / "chain.pem"}
    files["ca"].write_text(client.get("/pki/ca.pem").text)
    from ca.certs import pem

    files["issuing"].write_text(pem(client.get("/pki/issuing-ca.crt").content))
    files["chain"].write_text(client.get("/pki/chain.pem").text)
    files["dept"].write_text(client.get(f"/pki/departments/{DEPT}/certs.pem").text)
    files["other"].write_text(client.get(f"/pki/departments/{other}/certs.pem").text)
    files["services"].write_text(client.get("/pki/services.pem").text)
    # split services bundle into single certs for linting
    parts = files["services"].read_text().split("-----END CERTIFICATE-----")
    for i, part in enumerate(p for p in parts if p.strip()):
        f = d / f"service{i}.pem"
        f.write_text(part.strip() + "\n-----END CERTIFICATE-----\n")
        files[f"service{i}"] = f
    files["other_code"] = Path(other)
    return files


def test_department_chain_verifies_with_openssl(pki_files) -> None:  # type: ignore[no-untyped-def]
    """root → issuing CA → department; the root alone does not vouch for the department."""
    out = run("openssl", "verify", "-CAfile", str(pki_files["ca"]), "-untrusted",
              str(pki_files["issuing"]), str(pki_files["dept"]), str(pki_files["issuing"]))
    assert out.stdout.count(": OK") == 2
    assert run("openssl", "verify", "-CAfile", str(pki_files["ca"]), str(pki_files["dept"]),
               ok=False).returncode != 0
    services = run("openssl", "verify", "-CAfile", str(pki_files["ca"]), "-untrusted",
                   str(pki_files["chain"]), *(str(pki_files[f"service{i}"]) for i in range(4)))
    assert services.stdout.count(": OK") == 4


def test_every_served_certificate_passes_pkilint(pki_files) -> None:  # type: ignore[no-untyped-def]
    for key in ("ca", "issuing", "dept", "service0", "service1", "service2", "service3"):
        res = pkilint("lint_pkix_cert", "lint", "-s", "WARNING", str(pki_files[key]))
        assert res.returncode == 0, f"{key}: {res.stdout}{res.stderr}"
    for issuer, cert in (("ca", "issuing"), ("issuing", "dept"), ("issuing", "service3")):
        res = pkilint("lint_pkix_signer_signee_cert_chain", "lint", str(pki_files[issuer]),
                      str(pki_files[cert]))
        assert res.returncode == 0, f"{issuer}/{cert}: {res.stdout}{res.stderr}"


def test_crl_numbers_increase_and_crl_lints(client, pki_files, tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    numbers = []
    for i in range(2):
        if i:
            clock.advance(hours=19)  # the CRL is signed again as it nears its nextUpdate
        der = client.get("/pki/crl/root.crl").content
        (tmp_path / f"c{i}.crl").write_bytes(der)
        text = run("openssl", "crl", "-inform", "DER", "-in", str(tmp_path / f"c{i}.crl"),
                   "-noout", "-text").stdout
        numbers.append(int(text.split("X509v3 CRL Number:")[1].split()[0], 16 if False else 10))
    assert numbers[1] > numbers[0]
    run("openssl", "crl", "-inform", "DER", "-in", str(tmp_path / "c1.crl"), "-out",
        str(tmp_path / "c1.pem"))
    res = pkilint("lint_crl", "lint", "-t", "CRL", "-p", "PKIX", str(tmp_path / "c1.pem"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert client.get("/pki/crl/nope.crl").status_code == 404
    issuing = client.get("/pki/crl/issuing.crl").content
    (tmp_path / "i.crl").write_bytes(issuing)
    run("openssl", "crl", "-inform", "DER", "-in", str(tmp_path / "i.crl"), "-out",
        str(tmp_path / "i.pem"))
    run("openssl", "crl", "-in", str(tmp_path / "i.pem"), "-noout", "-CAfile",
        str(pki_files["issuing"]))
    res = pkilint("lint_crl", "lint", "-t", "CRL", "-p", "PKIX", str(tmp_path / "i.pem"))
    assert res.returncode == 0, res.stdout + res.stderr


def test_ocsp_good_over_http_with_nonce(live_url, pki_files, tmp_path) -> None:  # type: ignore[no-untyped-def]
    res = run("openssl", "ocsp", "-url", f"{live_url}/pki/ocsp", "-issuer",
              str(pki_files["issuing"]), "-cert", str(pki_files["dept"]), "-CAfile",
              str(pki_files["ca"]), "-verify_other", str(pki_files["chain"]),
              "-respout", str(tmp_path / "resp.der"), "-resp_text")
    assert "WARNING" not in res.stdout + res.stderr
    assert f"{pki_files['dept']}: good" in res.stdout
    assert "OCSP Nonce" in res.stdout and "Response verify OK" in res.stderr
    lint = pkilint("lint_ocsp_response", "lint", str(tmp_path / "resp.der"))
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_ocsp_get_and_malformed(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/pki/ocsp", content=b"not der", headers={"content-type": "application/ocsp-request"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/ocsp-response"
    assert r.content == bytes.fromhex("30030a0101")  # malformedRequest
    # RFC 6960 §2.3: an undecodable GET request is answered with malformedRequest, not an HTTP error
    got = client.get("/pki/ocsp/%%%")
    assert got.status_code == 200 and got.content == bytes.fromhex("30030a0101")


def test_timestamp_verifies_with_openssl_ts(live_url, pki_files, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data.txt"
    data.write_text("电子证照 timestamp test")
    run("openssl", "ts", "-query", "-data", str(data), "-sha256", "-cert", "-out",
        str(tmp_path / "q.tsq"))
    resp = httpx.post(f"{live_url}/pki/tsa", content=(tmp_path / "q.tsq").read_bytes(),
                      headers={"content-type": "application/timestamp-query"})
    assert resp.status_code == 200
    (tmp_path / "r.tsr").write_bytes(resp.content)
    out = run("openssl", "ts", "-verify", "-in", str(tmp_path / "r.tsr"), "-queryfile",
              str(tmp_path / "q.tsq"), "-CAfile", str(pki_files["ca"]), "-untrusted",
              str(pki_files["chain"]))
    assert "Verification: OK" in out.stdout


def test_key_compromise_rotation_revokes_at_once(client, admin_token, live_url, pki_files,  # type: ignore[no-untyped-def]
                                                 tmp_path) -> None:
    other = str(pki_files["other_code"])
    old_pem = pki_files["other"]
    r = client.post(f"/api/v1/departments/{other}/rotate-key",
                    json={"revoke_reason": "key_compromise"}, headers=auth(admin_token))
    assert r.status_code == 200, r.text
    bundle = client.get(f"/pki/departments/{other}/certs.pem").text
    assert bundle.count("BEGIN CERTIFICATE") == 2  # old one stays published, new one first
    crl = tmp_path / "c.crl"
    crl.write_bytes(client.get("/pki/crl/issuing.crl").content)
    run("openssl", "crl", "-inform", "DER", "-in", str(crl), "-out", str(tmp_path / "c.pem"))
    (tmp_path / "r.crl").write_bytes(client.get("/pki/crl/root.crl").content)
    run("openssl", "crl", "-inform", "DER", "-in", str(tmp_path / "r.crl"), "-out",
        str(tmp_path / "r.pem"))
    both = ("-CRLfile", str(tmp_path / "c.pem"), "-CRLfile", str(tmp_path / "r.pem"))
    res = run("openssl", "verify", "-crl_check_all", "-CAfile", str(pki_files["ca"]),
              "-untrusted", str(pki_files["issuing"]), *both, str(old_pem), ok=False)
    assert res.returncode != 0 and "revoked" in (res.stdout + res.stderr)
    good = run("openssl", "verify", "-crl_check_all", "-CAfile", str(pki_files["ca"]),
               "-untrusted", str(pki_files["issuing"]), *both, str(pki_files["dept"]))
    assert ": OK" in good.stdout
    res = run("openssl", "ocsp", "-url", f"{live_url}/pki/ocsp", "-issuer",
              str(pki_files["issuing"]), "-cert", str(old_pem), "-CAfile", str(pki_files["ca"]),
              "-verify_other", str(pki_files["chain"]))
    assert ": revoked" in res.stdout and "Reason: keyCompromise" in res.stdout


def test_department_endpoints_need_admin(client, pki_files) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/departments", json={"code": DEPT, "name": "x"})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/unauthenticated")
    assert client.get("/pki/departments/XXXXXXXXXXXXXXXXXX/certs.pem").status_code == 404


def test_ocsp_get_form_answers_like_post(client, pki_files, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import base64
    import urllib.parse

    run("openssl", "ocsp", "-issuer", str(pki_files["issuing"]), "-cert", str(pki_files["dept"]),
        "-no_nonce", "-reqout", str(tmp_path / "req.der"))
    encoded = urllib.parse.quote(base64.b64encode((tmp_path / "req.der").read_bytes()).decode(),
                                 safe="")
    r = client.get(f"/pki/ocsp/{encoded}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/ocsp-response"
    (tmp_path / "resp.der").write_bytes(r.content)
    res = run("openssl", "ocsp", "-respin", str(tmp_path / "resp.der"), "-reqin",
              str(tmp_path / "req.der"), "-issuer", str(pki_files["issuing"]), "-cert",
              str(pki_files["dept"]), "-CAfile", str(pki_files["ca"]), "-verify_other",
              str(pki_files["chain"]), "-no_nonce")
    assert ": good" in res.stdout and "Response verify OK" in res.stderr
