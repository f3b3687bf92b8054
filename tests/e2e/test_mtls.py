"""Mutual TLS end to end: uvicorn terminates TLS with a server certificate from our CA and
asks for client certificates; `ecert.http.tls.ClientCertH11Protocol` hands the verified one to the
app, which maps it (through the store) to a department and role instead of a bearer token."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import free_port
from tests.conftest import tool
from tests.inprocess_cli import ecert_in_process

CLIENT_PASS = "client-key-passphrase-0123"
SERVER_PASS = "server-key-passphrase-0123"


def _run(env: dict[str, str], *args: str) -> str:
    """An `ecert` command for setup, in this process (the servers below are real processes)."""
    r = ecert_in_process(env, *args)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@dataclass
class Pki:
    dir: Path
    env: dict[str, str]
    ca: Path
    code: str
    issuer: tuple[Path, Path]
    user: tuple[Path, Path]
    doomed: tuple[Path, Path]
    unrecorded: tuple[Path, Path]  # signed by our root, never recorded
    foreign: tuple[Path, Path]  # another CA
    server: tuple[Path, Path]
    user_token: str


def _client_cert(env: dict[str, str], code: str, role: str, out: Path) -> tuple[Path, Path]:
    _run(env, "dept", "client-cert", code, "--role", role, "--out", str(out))
    key = next(out.glob("*.key.pem"))
    return key.with_name(key.name.removesuffix(".key.pem") + ".pem"), key


def _throwaway(d: Path, signer_ca: object, ca_der: bytes, code: str, server: bool) -> tuple[Path, Path]:
    """A client certificate nobody recorded, or the platform's TLS server certificate."""
    import ipaddress

    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    from ca import cert_profiles
    from ca import certs as ca_certs
    from ca.keystore import FileKeyStore

    passphrase = SERVER_PASS if server else CLIENT_PASS
    key = FileKeyStore(d, passphrase.encode()).generate("key")
    now = dt.datetime.now(dt.UTC)
    if server:
        der = cert_profiles._ee(
            signer_ca, ca_der, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]),
            key.public_key_der, None, now, 1,
            [(cert_profiles._key_usage(digital_signature=True), True),
             (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
             (x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                           x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
              False)])
    else:
        der = cert_profiles.issue_client_cert(signer_ca, ca_der, key.public_key_der,  # type: ignore[arg-type]
                                              "冒名部门", code, "https://ecert.test", None, now)
    (d / "cert.pem").write_text(ca_certs.pem(der))
    return d / "cert.pem", d / "key.key.pem"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    from ca import cert_profiles
    from ca.signer import MemorySigner
    from ecert.platform import Platform
    from ecert.settings import load_settings
    from producers import vocational_training as vt
    from producers._common import DEPARTMENTS

    d = tmp_path_factory.mktemp("mtls")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ECERT_")},
           "ECERT_DATA_DIR": str(d / "data"), "ECERT_KEY_PASSPHRASE": "mtls-test-passphrase-42",
           "ECERT_BASE_URL": "https://ecert.test", "ECERT_CLIENT_KEY_PASSPHRASE": CLIENT_PASS,
           "SERVER_KEY_PASS": SERVER_PASS}
    _run(env, "init")
    code, name = DEPARTMENTS["hrss"]
    _run(env, "dept", "add", "--code", code, "--name", name)
    (d / "type.json").write_text(json.dumps(vt.DEFINITION, ensure_ascii=False))
    _run(env, "catalog", "add", str(d / "type.json"))
    user_token = _run(env, "token", "create", "--role", "user", "--dept", code).strip()
    issuer = _client_cert(env, code, "issuer", d / "issuer")
    user = _client_cert(env, code, "user", d / "user")
    doomed = _client_cert(env, code, "issuer", d / "doomed")

    p = Platform(load_settings({k: v for k, v in env.items() if k.startswith("ECERT_")}))
    with p.store.transaction() as uow:
        root_signer, root_der = p.pki.root(uow)
    p.store.dispose()
    (d / "srv").mkdir()
    (d / "odd").mkdir()
    (d / "foreign").mkdir()
    server = _throwaway(d / "srv", root_signer, root_der, code, server=True)
    unrecorded = _throwaway(d / "odd", root_signer, root_der, code, server=False)
    other = MemorySigner.generate("other-root")
    other_der = cert_profiles.issue_root_ca(other, "别的CA", dt.datetime.now(dt.UTC))
    foreign = _throwaway(d / "foreign", other, other_der, code, server=False)
    return Pki(d, env, d / "issuer" / "ca.pem", code, issuer, user, doomed, unrecorded, foreign,
               server, user_token)


def _ctx(pki: Pki, cert: tuple[Path, Path] | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki.ca))
    if cert is not None:
        ctx.load_cert_chain(cert[0], cert[1], password=CLIENT_PASS)
    return ctx


@pytest.fixture(scope="module")
def servers(pki: Pki) -> Iterator[dict[str, str]]:
    """`optional`: `ecert serve --client-certs optional`; `required`: plain uvicorn options."""
    p_opt, p_req = free_port(), free_port()
    (cert, key) = pki.server
    procs = [
        subprocess.Popen([sys.executable, "-m", "ecert", "serve", "--port", str(p_opt),
                          "--tls-cert", str(cert), "--tls-key", str(key),
                          "--tls-key-password-env", "SERVER_KEY_PASS",
                          "--client-certs", "optional"],
                         env=pki.env, start_new_session=True, stdout=subprocess.DEVNULL),
        subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "ecert.asgi:create",
                          "--http", "ecert.http.tls:ClientCertH11Protocol",
                          "--host", "127.0.0.1", "--port", str(p_req),
                          "--ssl-certfile", str(cert), "--ssl-keyfile", str(key),
                          "--ssl-keyfile-password", SERVER_PASS,
                          "--ssl-ca-certs", str(pki.ca), "--ssl-cert-reqs", "2",
                          "--log-level", "warning"], env=pki.env, start_new_session=True),
    ]
    urls = {"optional": f"https://127.0.0.1:{p_opt}", "required": f"https://localhost:{p_req}",
            "port": str(p_req)}
    try:
        for url in (urls["optional"], urls["required"]):
            for _ in range(300):
                try:
                    httpx.get(url + "/pki/ca.pem", verify=_ctx(pki, pki.issuer), timeout=2)
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            else:
                raise AssertionError(f"{url} did not start")
        yield urls
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)


def _get(pki: Pki, url: str, cert: tuple[Path, Path] | None, **kw: object) -> httpx.Response:
    return httpx.get(url, verify=_ctx(pki, cert), timeout=30, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["optional", "required"])
def test_issuer_certificate_acts_as_its_department(pki: Pki, servers: dict[str, str],
                                                   mode: str) -> None:
    from tests.api.helpers import training_request

    base = servers[mode]
    assert _get(pki, base + "/api/v1/catalog/types", pki.issuer).status_code == 200
    with httpx.Client(verify=_ctx(pki, pki.issuer), timeout=60) as c:
        res = c.post(base + "/api/v1/certificates", json=training_request(31 if mode == "optional" else 32))
        assert res.status_code == 201, res.text
        ident = res.json()["identifier"]
        assert f".{pki.code}." in ident
        assert c.get(f"{base}/api/v1/certificates/{ident}").status_code == 200


def test_user_certificate_is_not_an_issuer(pki: Pki, servers: dict[str, str]) -> None:
    from tests.api.helpers import training_request

    with httpx.Client(verify=_ctx(pki, pki.user), timeout=60) as c:
        res = c.post(servers["optional"] + "/api/v1/certificates", json=training_request(33))
    assert res.status_code == 403
    assert res.headers["content-type"].startswith("application/problem+json")


def test_a_token_wins_over_the_certificate(pki: Pki, servers: dict[str, str]) -> None:
    from tests.api.helpers import training_request

    with httpx.Client(verify=_ctx(pki, pki.issuer), timeout=60) as c:
        res = c.post(servers["optional"] + "/api/v1/certificates", json=training_request(34),
                     headers={"Authorization": f"Bearer {pki.user_token}"})
        assert res.status_code == 403  # the user token decides, not the issuer certificate
        bad = c.get(servers["optional"] + "/api/v1/catalog/types",
                    headers={"Authorization": "Bearer ect_00000000_nonsense"})
        assert bad.status_code == 401


def test_no_certificate_no_token_and_forged_headers(pki: Pki, servers: dict[str, str]) -> None:
    pem = pki.issuer[0].read_text().replace("\n", "")
    for headers in ({}, {"X-SSL-Client-Cert": pem, "X-Client-Cert": pem,
                         "X-Forwarded-Client-Cert": f"Cert={pem}"}):
        res = _get(pki, servers["optional"] + "/api/v1/catalog/types", None, headers=headers)
        assert res.status_code == 401
        assert res.headers["content-type"].startswith("application/problem+json")


def test_certificate_we_signed_but_never_recorded_is_refused(pki: Pki,
                                                            servers: dict[str, str]) -> None:
    res = _get(pki, servers["optional"] + "/api/v1/catalog/types", pki.unrecorded)
    assert res.status_code == 401
    assert "client certificate" in res.json()["detail"]


@pytest.mark.parametrize("mode", ["optional", "required"])
def test_foreign_ca_fails_the_handshake(pki: Pki, servers: dict[str, str], mode: str) -> None:
    # With CERT_OPTIONAL too, OpenSSL rejects a certificate that is sent but does not verify.
    with pytest.raises(httpx.TransportError):
        _get(pki, servers[mode] + "/api/v1/catalog/types", pki.foreign)


def test_required_refuses_a_client_without_certificate(pki: Pki, servers: dict[str, str]) -> None:
    with pytest.raises(httpx.TransportError):
        _get(pki, servers["required"] + "/pki/ca.pem", None)


def test_revoked_certificate_is_refused_and_published(pki: Pki, servers: dict[str, str]) -> None:
    from cryptography import x509

    from ca.certs import der_from_pem, describe_cert

    url = servers["optional"] + "/api/v1/catalog/types"
    with httpx.Client(verify=_ctx(pki, pki.doomed), timeout=30) as c:
        assert c.get(url).status_code == 200
        serial = describe_cert(der_from_pem(pki.doomed[0].read_bytes())).serial
        _run(pki.env, "tls", "revoke", str(serial), "--reason", "key_compromise")
        assert c.get(url).status_code == 401  # same TLS connection, next request
    crl = x509.load_der_x509_crl(httpx.get(servers["optional"] + "/pki/crl/issuing.crl",
                                           verify=_ctx(pki, None)).content)
    assert crl.get_revoked_certificate_by_serial_number(serial) is not None
    assert str(serial) in _run(pki.env, "tls", "list") and "revoked" in _run(pki.env, "tls", "list")


def test_openssl_s_client_completes_the_handshake(pki: Pki, servers: dict[str, str]) -> None:
    cert, key = pki.issuer
    request = (b"GET /api/v1/catalog/types HTTP/1.1\r\nHost: localhost\r\n"
               b"Connection: close\r\n\r\n")
    r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{servers['port']}",
                        "-servername", "localhost", "-cert", str(cert), "-key", str(key),
                        "-pass", f"pass:{CLIENT_PASS}", "-CAfile", str(pki.ca),
                        "-verify_return_error", "-verify_hostname", "localhost", "-quiet"],
                       input=request, capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    assert b"HTTP/1.1 200" in r.stdout, r.stdout[:500]


def test_client_certificate_passes_pkilint(pki: Pki) -> None:
    r = subprocess.run([tool("lint_pkix_cert"), "lint", "-s", "WARNING", str(pki.issuer[0])],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_key_file_is_encrypted_and_private(pki: Pki) -> None:
    key = pki.issuer[1]
    assert key.stat().st_mode & 0o777 == 0o600
    assert key.read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")


# -- the lookup itself, on SQLite and PostgreSQL ------------------------------------------------
def test_lookup_binds_kind_validity_and_revocation(platform, clock) -> None:  # type: ignore[no-untyped-def]
    from ca.signer import MemorySigner
    from ecert.cli.common import cli_actor
    from ecert.services.clientcerts import authenticate_client_cert, find_client_cert, issue_client_cert
    from producers._common import DEPARTMENTS

    code, name = DEPARTMENTS["commerce"]
    platform.add_department(code, name, None, cli_actor())
    rec = issue_client_cert(platform, code, "user", MemorySigner.generate("k").public_key_der,
                            "k", cli_actor())
    with platform.store.transaction() as uow:
        ident = find_client_cert(uow, rec.der, clock.now)
        assert ident is not None and (ident.role, ident.dept_code) == ("user", code)
        # Art. 22: the log names the operator it belongs to (here the department's placeholder)
        assert ident.operator is not None
        assert ident.actor("r1").name == ident.operator.display
        assert find_client_cert(uow, rec.der, rec.not_after + dt.timedelta(seconds=1)) is None
        assert find_client_cert(uow, rec.der, rec.not_before - dt.timedelta(seconds=1)) is None
        dept_cert = uow.pki.active("department", code)
        assert dept_cert is not None and find_client_cert(uow, dept_cert.der, clock.now) is None
    with platform.store.transaction() as uow:
        platform.pki.revoke_certificate(uow, rec.serial, "key_compromise", cli_actor(), clock.now)
    assert authenticate_client_cert(platform, rec.der, "r2", "/api/v1/x") is None
    with platform.store.transaction() as uow:
        size = uow.audit.size()
        recent = {e.action: e for e in uow.audit.entries(max(0, size - 5), size)}
    assert recent["auth.failure"].request_id == "r2"
    assert "client-certificate" in recent["auth.failure"].details
    assert str(rec.serial) in recent["key.revoke"].details
