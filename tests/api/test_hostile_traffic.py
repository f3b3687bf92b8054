"""Issue #9 §3: the public surface holds against hostile traffic — bodies, JSON cost, regular
expressions, invisible characters, caching headers, and a stalled event loop."""

from __future__ import annotations

import copy
import json
import select
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.api.conftest import serve
from tests.api.helpers import setup_training, training_request
from tests.conftest import auth

LIMIT = 4 * 1024 * 1024


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    return {"ECERT_MAX_BODY_BYTES": str(LIMIT), "ECERT_REALNAME": "development"}


@pytest.fixture(scope="module")
def world(template, admin_token) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"admin": admin_token, **setup_training(template.client, admin_token)}


def _issue(client: Any, world: dict[str, str], **changes: Any) -> httpx.Response:
    body = training_request()
    body["data"]["holder"].update(changes)
    return client.post("/api/v1/certificates", json=body, headers=auth(world["issuer"]))


# -- bodies -----------------------------------------------------------------------------------
def _chunked_post(port: int, path: str, ctype: str, total: int,
                  chunk: int = 64 * 1024) -> tuple[int, bytes]:
    """Send a chunked body of `total` bytes until the server answers or cuts the connection;
    returns (bytes sent, what the server answered)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {ctype}\r\n"
              "Transfer-Encoding: chunked\r\n\r\n".encode())
    frame = f"{chunk:x}\r\n".encode() + b" " * chunk + b"\r\n"
    sent, answer = 0, b""
    try:
        while sent < total:
            if select.select([s], [], [], 0)[0]:
                break  # the server has answered (or closed)
            s.sendall(frame)
            sent += chunk
        s.settimeout(10)
        while len(answer) < 4096:
            data = s.recv(4096)
            if not data:
                break
            answer += data
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        s.close()
    return sent, answer


@pytest.mark.parametrize(("path", "ctype"), [("/api/v1/holder/session", "application/json"),
                                             ("/pki/tsa", "application/timestamp-query")])
def test_chunked_body_is_cut_at_the_limit(platform, path: str, ctype: str) -> None:  # type: ignore[no-untyped-def]
    total = 32 * LIMIT
    with serve(platform, housekeeping=False) as url:
        sent, answer = _chunked_post(urlsplit(url).port or 80, path, ctype, total)
    assert sent < 4 * LIMIT, f"the server read {sent} bytes before answering"
    if answer:  # else the connection was cut first: the limit held all the same
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"application/problem+json" in answer and b"payload-too-large" in answer


def test_declared_length_over_the_limit_is_refused_unread(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/holder/session", content=b" " * (LIMIT + 1),
                    headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["type"].endswith("/payload-too-large")


# -- JSON cost --------------------------------------------------------------------------------
def _many_keys(n: int) -> bytes:
    return ("{" + ",".join(f'"k{i}":1' for i in range(n)) + "}").encode()


def test_huge_object_on_anonymous_login_answers_small_and_fast(client) -> None:  # type: ignore[no-untyped-def]
    body = b'{"name":"x","code":"x",' + _many_keys(300_000)[1:]
    started = time.monotonic()
    r = client.post("/api/v1/holder/session", content=body,
                    headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text[:300]
    assert len(r.content) < 4096
    assert time.monotonic() - started < 5


def test_huge_fields_object_on_issue_answers_small(client, world) -> None:  # type: ignore[no-untyped-def]
    req = training_request()
    text = json.dumps(req)
    body = text.replace('"fields": {', '"fields": {' + _many_keys(200_000).decode()[1:-1] + ",")
    r = client.post("/api/v1/certificates", content=body.encode(),
                    headers={**auth(world["issuer"]), "content-type": "application/json"})
    assert r.status_code == 422 and len(r.content) < 4096, r.text[:300]


def test_deep_nesting_and_long_strings_are_refused(client) -> None:  # type: ignore[no-untyped-def]
    for body in (b"[" * 5000 + b"]" * 5000, b'{"name":"' + b"a" * 70_000 + b'","code":"1"}'):
        r = client.post("/api/v1/holder/session", content=body,
                        headers={"content-type": "application/json"})
        assert r.status_code == 422, r.text[:300]


def test_error_list_is_capped_with_a_count(client, world) -> None:  # type: ignore[no-untyped-def]
    body: dict[str, Any] = {"role": "auditor", **{f"unknown{i}": 1 for i in range(45)}}
    r = client.post("/api/v1/tokens", json=body, headers=auth(world["admin"]))
    assert r.status_code == 422
    problem = r.json()
    assert len(problem["errors"]) == 20 and problem["error_count"] == 45


def test_unknown_request_fields_are_refused(client, world) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/holder/session", json={"name": "x", "code": "1" * 18, "extra": 1})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "extra"


# -- lone surrogates and invisible characters -------------------------------------------------
def test_lone_surrogate_is_422_on_issue_change_and_transfer(client, world) -> None:  # type: ignore[no-untyped-def]
    hdr = {**auth(world["issuer"]), "content-type": "application/json"}
    text = json.dumps(training_request())
    r = client.post("/api/v1/certificates", headers=hdr,
                    content=text.replace('"name": "', '"name": "\\ud800', 1).encode())
    assert r.status_code == 422, r.text
    issued = _issue(client, world)
    assert issued.status_code == 201, issued.text
    ident = issued.json()["identifier"]
    change = json.dumps({"data": training_request()["data"], "reason": "改正"})
    r = client.post(f"/api/v1/certificates/{ident}/change", headers=hdr,
                    content=change.replace('"name": "', '"name": "\\udfff', 1).encode())
    assert r.status_code == 422, r.text
    r = client.post(f"/api/v1/certificates/{ident}/status", headers=hdr,
                    content=b'{"event":"transfer","reason":"x",'
                            b'"transfer_to":{"name":"\\ud800","code":"x"}}')
    assert r.status_code == 422, r.text


@pytest.mark.parametrize("bad", ["张\x00三", "张\n三", "张\u202e三", "张\u2066三", "张\u200b三",
                                 "张\ufeff三"])
def test_invisible_and_control_characters_are_refused_per_field(client, world, bad) -> None:  # type: ignore[no-untyped-def]
    r = _issue(client, world, name=bad)
    assert r.status_code == 422, r.text
    assert any(e["field"] == "holder.name" for e in r.json()["errors"]), r.json()


def test_control_characters_in_certificate_fields_and_reasons(client, world) -> None:  # type: ignore[no-untyped-def]
    body = training_request()
    key = next(k for k, v in body["data"]["fields"].items() if isinstance(v, str))
    body["data"]["fields"][key] += "\u202d"
    r = client.post("/api/v1/certificates", json=body, headers=auth(world["issuer"]))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == f"fields.{key}", r.text
    ident = _issue(client, world).json()["identifier"]
    r = client.post(f"/api/v1/certificates/{ident}/status", headers=auth(world["issuer"]),
                    json={"event": "suspend", "reason": "核查\u202e中"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason", r.text


def test_text_is_signed_in_nfc(client, world) -> None:  # type: ignore[no-untyped-def]
    r = _issue(client, world, name="Zoe\u0301 张")  # e + combining acute
    assert r.status_code == 201, r.text
    assert r.json()["record"]["holder"]["name"] == "Zo\u00e9 张"


# -- regular expressions of catalog types -----------------------------------------------------
def _type_with_pattern(world: dict[str, str], pattern: str, n: int) -> dict[str, Any]:
    from producers import vocational_training as vt

    d = copy.deepcopy(vt.DEFINITION)
    d["type_code"] = vt.TYPE_CODE[:18] + f"{900 + n:03d}"
    d["name"] = f"{d['name']}（模式{n}）"
    d["fields"]["properties"]["serial_x"] = {"type": "string", "title": "编号",
                                              "pattern": pattern}
    return d


def test_catastrophic_pattern_is_evaluated_in_linear_time(client, world) -> None:  # type: ignore[no-untyped-def]
    d = _type_with_pattern(world, "^(a+)+$", 1)
    r = client.post("/api/v1/catalog/types", json=d, headers=auth(world["admin"]))
    assert r.status_code == 201, r.text
    body = training_request()
    body["type"] = d["type_code"]
    body["data"]["fields"]["serial_x"] = "a" * 30 + "!"
    started = time.monotonic()
    r = client.post("/api/v1/certificates", json=body, headers=auth(world["issuer"]))
    assert time.monotonic() - started < 5
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "serial_x", r.text


@pytest.mark.parametrize("pattern", [r"^(a)\1$", r"^(?=a)a$", "^(?<!b)a$"])
def test_patterns_re2_cannot_run_are_refused_when_the_type_is_added(client, world,  # type: ignore[no-untyped-def]
                                                                    pattern) -> None:
    r = client.post("/api/v1/catalog/types", json=_type_with_pattern(world, pattern, 2),
                    headers=auth(world["admin"]))
    assert r.status_code == 422, r.text
    messages = " ".join(e["message"] for e in r.json()["errors"])
    assert "fields.properties.serial_x.pattern" in messages and "RE2" in messages


# -- caching ----------------------------------------------------------------------------------
def test_secrets_and_personal_data_are_never_cached(client, world) -> None:  # type: ignore[no-untyped-def]
    made = client.post("/api/v1/tokens", json={"role": "auditor"}, headers=auth(world["admin"]))
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    issued = _issue(client, world)
    assert issued.headers["cache-control"] == "no-store"
    ident = issued.json()["identifier"]
    for path, who in ((f"/api/v1/certificates/{ident}", "issuer"),
                      (f"/api/v1/lookup/{ident}?purpose=核验", "user"), ("/api/v1/tokens", "admin")):
        r = client.get(path, headers=auth(world[who]))
        assert r.headers["cache-control"] == "no-store", (path, r.text)
    for path in ("/holder", f"/api/v1/public/status/{ident}", f"/v/{ident}", "/api/v1/nope"):
        assert client.get(path).headers["cache-control"] == "no-store", path


def test_public_pki_objects_and_static_assets_say_how_long_to_cache(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/pki/ca.pem", "/pki/ca.crt", "/pki/services.pem", "/pki/crl/root.crl"):
        assert client.get(path).headers["cache-control"].startswith("public, max-age="), path
    assert client.get("/static/common.js").headers["cache-control"].startswith("public")


# -- the event loop ---------------------------------------------------------------------------
def test_a_slow_time_stamp_does_not_stall_other_requests(platform, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ecert.services import pki as pki_service

    def slow(_p: Any, _der: bytes) -> bytes:
        time.sleep(2.5)
        return b"0"

    monkeypatch.setattr(pki_service, "timestamp", slow)
    with serve(platform, housekeeping=False) as url:
        stamp = threading.Thread(target=httpx.post, args=(url + "/pki/tsa",),
                                 kwargs={"content": b"0", "timeout": 30})
        stamp.start()
        time.sleep(0.5)
        started = time.monotonic()
        assert httpx.get(url + "/pki/ca.pem", timeout=30).status_code == 200
        elapsed = time.monotonic() - started
        stamp.join()
    assert elapsed < 1.5, f"/pki/ca.pem waited {elapsed:.1f}s behind a time stamp"
