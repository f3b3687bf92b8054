"""Nothing secret or personal leaks: not into log lines, not into the audit log, not into
responses that are not entitled to it."""

from __future__ import annotations

import json
import logging

import pytest

from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


@pytest.fixture(scope="module")
def world(template, admin_token):  # type: ignore[no-untyped-def]
    return setup_training(template.client, admin_token)


def test_logs_and_audit_hold_no_secrets_or_raw_ids(client, world, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    issued = client.post("/api/v1/certificates", json=training_request(6601),
                         headers=auth(world["issuer"])).json()
    holder_code = issued["record"]["holder"]["code"]
    client.get("/api/v1/lookup", params={"holder_code": holder_code, "type": world["type"],
                                         "purpose": "农牧民转移就业补贴审核"},
               headers=auth(world["user"]))
    client.get("/api/v1/lookup", params={"holder_code": holder_code, "type": world["type"],
                                         "purpose": "随便看看"},
               headers=auth(world["other_user"]))
    client.get("/api/v1/audit/get-sth", headers=auth("ect_deadbeef_" + "A" * 43))
    client.post("/api/v1/certificates", content=b"\xff\xfe", headers={
        **auth(world["issuer"]), "content-type": "application/json"})
    # Server-side records only: the test's own HTTP client logs the URLs it requests.
    text = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records
                     if not r.name.startswith(("httpx", "httpcore")))
    for secret in (world["issuer"], world["user"], world["admin"] if "admin" in world else "",
                   holder_code, "PRIVATE KEY"):
        if secret:
            assert secret not in text
    entries = client.get("/api/v1/audit/entries", params={"limit": 500},
                         headers=auth(world["auditor"])).json()["entries"]
    dumped = json.dumps(entries, ensure_ascii=False)
    assert holder_code not in dumped
    assert world["issuer"].split("_", 2)[2] not in dumped


def test_public_answers_are_masked(client, world) -> None:  # type: ignore[no-untyped-def]
    issued = client.post("/api/v1/certificates", json=training_request(6602),
                         headers=auth(world["issuer"])).json()
    holder = issued["record"]["holder"]
    status = client.get(f"/api/v1/public/status/{issued['identifier']}").text
    assert holder["code"] not in status and holder["name"] not in status
    qr_payload = issued["qr_url"].split("#")[1].split(".")[1]
    import base64

    claims = base64.urlsafe_b64decode(qr_payload + "=" * (-len(qr_payload) % 4)).decode()
    assert holder["code"] not in claims and holder["name"] not in claims
    for path in ("/pki/trust-list", "/pki/status-list", "/pki/ca.pem", "/pki/services.pem"):
        body = client.get(path).text
        assert "PRIVATE" not in body and holder["code"] not in body


def test_security_headers_on_pages_and_api(client, world) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/staff")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    api = client.get("/api/v1/catalog/types", headers=auth(world["user"]))
    assert api.headers["content-security-policy"].startswith("default-src 'none'")
    for r in (page, api):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"


def test_bodies_are_size_limited(client, world, platform) -> None:  # type: ignore[no-untyped-def]
    big = b"x" * (platform.settings.max_body_bytes + 1)
    r = client.post("/api/v1/certificates", content=big, headers={
        **auth(world["issuer"]), "content-type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(11):
            yield b"y" * (1024 * 1024)

    r = client.post("/api/v1/certificates", content=chunks(), headers={
        **auth(world["issuer"]), "content-type": "application/json"})
    assert r.status_code == 413


def test_access_log_lines_drop_query_strings() -> None:
    from ecert.http.logredact import RedactQuery

    rec = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                            '%s - "%s %s HTTP/%s" %d', ("127.0.0.1:1", "GET",
                            "/api/v1/lookup?holder_code=540126199206051651&purpose=x", "1.1", 200),
                            None)
    RedactQuery().filter(rec)
    assert "540126199206051651" not in rec.getMessage()
    assert "/api/v1/lookup?[redacted]" in rec.getMessage()


def test_holder_index_is_keyed(client, world, platform) -> None:  # type: ignore[no-untyped-def]
    """A dump of the database does not give ID numbers away by enumeration: the holder index is
    an HMAC under a key that lives in the data dir (0600), not a plain SHA-256."""
    import hashlib

    from ecert.platform import HOLDER_INDEX_KEY

    issued = client.post("/api/v1/certificates", json=training_request(6603),
                         headers=auth(world["issuer"])).json()
    code = issued["record"]["holder"]["code"]
    plain = hashlib.sha256(code.encode()).hexdigest()
    with platform.store.transaction() as uow:
        rows = uow.certificates.by_holder(platform.store.holder_hash(code))
        assert [r.base_identifier for r in rows] == [issued["base_identifier"]]
        assert uow.certificates.by_holder(plain) == []
    key_file = platform.settings.data_dir / HOLDER_INDEX_KEY
    assert key_file.stat().st_mode & 0o777 == 0o600
