"""The public status endpoint does not expose holders (issue #9 §2): a bare identifier gets
the verdict and status only; display fields need the QR's signed fragment; enumeration is
throttled per client."""

from __future__ import annotations

import base64
import json
import urllib.parse
from typing import Any

import pytest

from tests.web.conftest import World


@pytest.fixture(scope="module")
def cert(template_world: World) -> dict[str, Any]:
    return template_world.issue()


def _split(cert: dict[str, Any]) -> tuple[str, str]:
    url = urllib.parse.urlsplit(cert["qr_url"])
    return urllib.parse.unquote(url.path.rsplit("/", 1)[1]), url.fragment


def test_bare_identifier_answers_status_only(world: World, cert: dict[str, Any]) -> None:
    r = world.client.get(f"/api/v1/public/status/{cert['identifier']}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verdict"] == "valid" and body["status"] == "01"
    assert body["display"] == {}
    for leak in ("张", world.holder_code[-4:], "holder", "valid_from", "name"):
        assert leak not in r.text


def test_qr_fragment_unlocks_masked_display(world: World, cert: dict[str, Any]) -> None:
    ident, jws = _split(cert)
    r = world.client.post("/api/v1/public/status", json={"identifier": ident, "jws": jws})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verdict"] == "valid" and body["status"] == "01"
    assert body["display"]["holder"] == "张**"
    assert world.holder_code not in r.text and "张三丰" not in r.text


def test_forged_fragment_gets_no_display(world: World, cert: dict[str, Any]) -> None:
    ident, jws = _split(cert)
    head, payload, sig = jws.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims[3] = "2099-12-31"  # ecert/qr/3 packs its claims: h, hc, vf, vt, iat, rh, si
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    r = world.client.post("/api/v1/public/status",
                          json={"identifier": ident, "jws": f"{head}.{forged}.{sig}"})
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] == "invalid" and r.json()["display"] == {}
    other = world.issue(name="李四")
    r = world.client.post("/api/v1/public/status",
                          json={"identifier": other["identifier"], "jws": jws})
    assert r.json()["verdict"] != "valid" and "李" not in r.text


def test_status_lookups_are_rate_limited(world: World, cert: dict[str, Any]) -> None:
    from ecert.http.routes.verifying import STATUS_PER_MINUTE

    codes = [world.client.get(f"/api/v1/public/status/{cert['identifier']}").status_code
             for _ in range(STATUS_PER_MINUTE + 1)]
    assert codes[:STATUS_PER_MINUTE] == [200] * STATUS_PER_MINUTE
    assert codes[-1] == 429
    r = world.client.post("/api/v1/public/status", json={"identifier": cert["identifier"],
                                                         "jws": _split(cert)[1]})
    assert r.status_code == 429
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("/rate-limited") and "retry-after" in r.headers
