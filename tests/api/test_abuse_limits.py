"""Issue #9 §3: what an anonymous caller could make the platform write or sign is bounded —
failed authentications, CRLs, OCSP responses, time stamps — and per-address limits cannot be
dodged with X-Forwarded-For."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from formats.uscc import make_uscc
from tests.api.conftest import free_port
from tests.api.helpers import enrol
from tests.conftest import auth

PER_MINUTE = 30
DEPT = make_uscc("11540000MA7T00042")


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    return {"ECERT_RATE_LIMIT_PER_MINUTE": str(PER_MINUTE)}


def _failures(platform: Any) -> list[dict[str, Any]]:
    """The details of the `auth.failure` entries."""
    with platform.store.transaction() as uow:
        page = platform.audit.list_entries(uow, action="auth.failure", limit=1000)
    return [json.loads(e.details) for e in page.entries]


# -- failed authentications -------------------------------------------------------------------
def test_bogus_tokens_are_counted_not_written_one_by_one(client, platform, clock) -> None:  # type: ignore[no-untyped-def]
    from ecert.authfail import LIMIT, PATH_CHARS

    long_path = "/api/v1/certificates/" + "x" * 300
    codes = [client.get(long_path, headers=auth(f"ect_{i:08x}_bogus")).status_code
             for i in range(LIMIT + 30)]
    assert codes[:LIMIT] == [401] * LIMIT and set(codes[LIMIT:]) == {429}
    (first,) = _failures(platform)
    assert first["count"] == 1 and len(first["path"]) <= PATH_CHARS
    assert "bogus" not in str(first)
    clock.advance(seconds=61)
    assert client.get("/api/v1/tokens", headers=auth("ect_00000000_again")).status_code == 401
    summary = next(e for e in _failures(platform) if e.get("summary"))
    assert summary["count"] == LIMIT and summary["source"] == "testclient"
    assert all(len(p) <= PATH_CHARS for p in summary["paths"])
    assert len(_failures(platform)) == 3  # first, summary, first of the new window


def test_housekeeping_writes_the_summary_of_a_closed_window(client, platform, clock) -> None:  # type: ignore[no-untyped-def]
    from ecert.services.housekeeping import run_once

    for _ in range(5):
        client.get("/api/v1/tokens", headers=auth("ect_00000000_nope"))
    clock.advance(seconds=61)
    run_once(platform)
    counts = sorted(e["count"] for e in _failures(platform))
    assert counts == [1, 5]


def test_a_valid_token_still_works_below_the_limit(client, admin_token) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        assert client.get("/api/v1/tokens", headers=auth("ect_00000000_nope")).status_code == 401
    assert client.get("/api/v1/tokens", headers=auth(admin_token)).status_code == 200


# -- CRL, OCSP, TSA ---------------------------------------------------------------------------
def _crl_number(der: bytes, tmp_path: Path) -> int:
    path = tmp_path / "c.crl"
    path.write_bytes(der)
    text = subprocess.run(["openssl", "crl", "-inform", "DER", "-in", str(path), "-noout",
                           "-text"], capture_output=True, text=True, check=True).stdout
    return int(text.split("X509v3 CRL Number:")[1].split()[0])


def test_fifty_crl_requests_sign_one_crl(client, admin_token, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # department certificates are the issuing CA's: its CRL is the one signed online
    ders = {client.get("/pki/crl/issuing.crl").content for _ in range(50)}
    assert len(ders) == 1
    before = _crl_number(ders.pop(), tmp_path)
    enrol(client, admin_token, DEPT, "测试厅")
    r = client.post(f"/api/v1/departments/{DEPT}/rotate-key",
                    json={"revoke_reason": "key_compromise"}, headers=auth(admin_token))
    assert r.status_code == 200, r.text
    after = client.get("/pki/crl/issuing.crl").content
    assert _crl_number(after, tmp_path) == before + 1
    assert client.get("/pki/crl/issuing.crl").content == after
    assert len({client.get("/pki/crl/root.crl").content for _ in range(20)}) == 1


def _ocsp_request(client: Any, admin_token: str) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509 import ocsp

    enrol(client, admin_token, DEPT, "测试厅")
    root = x509.load_der_x509_certificate(client.get("/pki/issuing-ca.crt").content)
    dept = x509.load_pem_x509_certificate(
        client.get(f"/pki/departments/{DEPT}/certs.pem").content)
    req = ocsp.OCSPRequestBuilder().add_certificate(dept, root, hashes.SHA1()).build()
    return req.public_bytes(serialization.Encoding.DER)


def test_ocsp_answers_without_nonce_are_reused(client, admin_token) -> None:  # type: ignore[no-untyped-def]
    der = _ocsp_request(client, admin_token)
    hdr = {"content-type": "application/ocsp-request"}
    answers = {client.post("/pki/ocsp", content=der, headers=hdr).content for _ in range(10)}
    assert len(answers) == 1
    r = client.post(f"/api/v1/departments/{DEPT}/rotate-key",
                    json={"revoke_reason": "key_compromise"}, headers=auth(admin_token))
    assert r.status_code == 200, r.text
    assert client.post("/pki/ocsp", content=der, headers=hdr).content not in answers


def test_time_stamps_are_rate_limited_per_address(client) -> None:  # type: ignore[no-untyped-def]
    from ecert.http.routes.pki import SIGNING_PER_MINUTE

    hdr = {"content-type": "application/timestamp-query"}
    codes = [client.post("/pki/tsa", content=b"0", headers=hdr).status_code
             for _ in range(SIGNING_PER_MINUTE["tsa"] + 1)]
    assert set(codes[:-1]) == {200} and codes[-1] == 429


# -- X-Forwarded-For --------------------------------------------------------------------------
@pytest.fixture
def server(platform) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """Serve this test's platform on loopback as `ecert serve` does, with the given proxies."""
    from ecert.http.app import create_app
    from ecert.http.edge import uvicorn_proxy_options

    started: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(proxies: tuple[str, ...]) -> str:
        settings = dataclasses.replace(platform.settings, trusted_proxies=proxies)
        port = free_port()
        srv = uvicorn.Server(uvicorn.Config(create_app(settings, platform), host="127.0.0.1",
                                            port=port, log_level="warning", lifespan="off",
                                            **uvicorn_proxy_options(proxies)))
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        started.append((srv, thread))
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(url + "/pki/ca.pem", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        return url

    yield start
    for srv, thread in started:
        srv.should_exit = True
        thread.join(timeout=5)


def _statuses(url: str, n: int) -> list[int]:
    return [httpx.get(f"{url}/api/v1/public/status/x",
                      headers={"X-Forwarded-For": f"198.51.100.{i % 250}"}).status_code
            for i in range(n)]


def test_forwarded_for_from_an_untrusted_peer_is_ignored(server) -> None:  # type: ignore[no-untyped-def]
    assert 429 in _statuses(server(()), PER_MINUTE + 5)


def test_forwarded_for_counts_from_a_configured_proxy(server) -> None:  # type: ignore[no-untyped-def]
    assert 429 not in _statuses(server(("127.0.0.1",)), PER_MINUTE + 5)


def test_client_address_takes_the_first_untrusted_hop() -> None:
    from ecert.http.edge import client_host, parse_proxies

    proxies = parse_proxies("10.0.0.0/8, 127.0.0.1")
    assert client_host("127.0.0.1", "203.0.113.9, 10.1.1.1", proxies) == "203.0.113.9"
    assert client_host("192.0.2.1", "203.0.113.9", proxies) == "192.0.2.1"
    assert client_host("127.0.0.1", "junk, 203.0.113.9", proxies) == "203.0.113.9"
    assert client_host("127.0.0.1", "203.0.113.9, junk", proxies) == "127.0.0.1"
