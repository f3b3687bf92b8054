"""Department client certificates through nginx (deploy/nginx/ecert.conf): nginx verifies
them against the platform CA and its CRL and hands the verified one to ecert in a header that
ecert believes only from its trusted proxy."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from tests.api.helpers import training_request
from tests.deploy.conftest import Stack


def _is_nginx(res: httpx.Response) -> bool:
    """An answer nginx wrote itself (HTML), not one of ecert's (problem+json, X-Request-Id from
    ecert's edge)."""
    return res.headers.get("content-type", "").startswith("text/html") and "nginx" in res.text


def test_department_certificate_issues_through_nginx(stack: Stack) -> None:
    with stack.client(stack.issuer) as c:
        res = c.post("/api/v1/certificates", json=training_request(41))
        assert res.status_code == 201, res.text
        ident = res.json()["identifier"]
        assert f".{stack.code}." in ident
        assert c.get(f"/api/v1/certificates/{ident}").status_code == 200


def test_public_pages_need_no_certificate(stack: Stack) -> None:
    with stack.client() as c:
        assert c.get("/pki/ca.pem").status_code == 200
        res = c.post("/api/v1/certificates", json=training_request(42))
    assert res.status_code == 401
    assert res.headers["content-type"].startswith("application/problem+json")


def test_revoked_certificate_is_refused_by_nginx(stack: Stack) -> None:
    with stack.client(stack.revoked) as c:
        res = c.post("/api/v1/certificates", json=training_request(43))
    assert res.status_code == 400
    assert _is_nginx(res), res.text
    assert "certificate" in res.text.lower()


def test_foreign_ca_certificate_is_refused_by_nginx(stack: Stack) -> None:
    with stack.client(stack.foreign) as c:
        res = c.get("/api/v1/catalog/types")
    assert res.status_code == 400
    assert _is_nginx(res), res.text


def _forged(stack: Stack) -> dict[str, str]:
    return {"X-SSL-Client-Cert": quote(stack.issuer[0].read_text(), safe=""),
            "X-SSL-Client-Verify": "SUCCESS"}


def test_forged_header_sent_directly_to_ecert_is_ignored(stack: Stack) -> None:
    """The tests connect from 127.0.0.1; only 127.0.0.2 (nginx) is ECERT_TRUSTED_PROXIES."""
    res = httpx.post(stack.ecert_url + "/api/v1/certificates", json=training_request(44),
                     headers=_forged(stack), timeout=60)
    assert res.status_code == 401, res.text
    assert res.headers["content-type"].startswith("application/problem+json")


def test_forged_header_through_nginx_is_overwritten(stack: Stack) -> None:
    """Without a client certificate nginx sends its own (empty / NONE) values, never the
    client's."""
    with stack.client() as c:
        res = c.post("/api/v1/certificates", json=training_request(45), headers=_forged(stack))
    assert res.status_code == 401, res.text


def test_oversized_body_is_refused_by_nginx(stack: Stack) -> None:
    body = b"{" + b" " * (10 * 1024 * 1024) + b"}"
    with stack.client(stack.issuer) as c:
        res = c.post("/api/v1/certificates", content=body,
                     headers={"Content-Type": "application/json"})
    assert res.status_code == 413
    assert _is_nginx(res), res.text


def test_client_address_is_the_one_nginx_saw(stack: Stack) -> None:
    """ecert's access line names the client nginx saw (X-Forwarded-For from the trusted proxy),
    not nginx's own address; and carries nginx's request id."""
    import json
    import time

    with stack.client() as c:
        res = c.get("/pki/ca.pem")
    rid = res.headers["x-request-id"]
    for _ in range(50):  # the access line is written once the answer has gone out
        lines = [json.loads(x) for x in stack.log.read_text().splitlines() if x.startswith("{")]
        mine = [x for x in lines if x.get("request_id") == rid and x.get("route") == "/pki/ca.pem"]
        if mine:
            break
        time.sleep(0.1)
    assert mine, rid
    assert mine[0]["client"] == "127.0.0.1"


def test_request_rate_is_limited_by_nginx(stack: Stack) -> None:
    """20 requests/s per address with a burst of 100: a client that keeps asking gets 429
    from nginx itself. Bounded by a count, not a clock: nginx refills 20 a second, so only a
    client slower than one request per 50 ms could never exhaust the burst. From an address
    no other test used: the other tests' requests would have spent part of the burst."""
    with stack.client(source="127.0.0.2") as c:
        for n in range(1, 3001):
            res = c.get("/healthz")
            if res.status_code == 429:
                break
            assert res.status_code == 200, res.text
        else:
            raise AssertionError("3000 requests and no 429")
    assert n > 100  # the burst was allowed
    assert _is_nginx(res), res.text
