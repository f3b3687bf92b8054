"""Holder login through the development real-name adapter (ECERT_REALNAME=development):
API, audit, logout, feature switch, and the holder page in headless Chromium."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.api.helpers import setup_training, training_request
from tests.conftest import auth

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    """The shared platform settings, with holder login on (development adapter)."""
    return {"ECERT_REALNAME": "development"}


@pytest.fixture(scope="module")
def w(template, admin_token) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Two certificates of one holder, one of another holder."""
    assert template.platform.settings.realname == "development"
    client = template.client
    out: dict[str, Any] = setup_training(client, admin_token)

    def issue(req: dict[str, Any]) -> dict[str, Any]:
        r = client.post("/api/v1/certificates", json=req, headers=auth(out["issuer"]))
        assert r.status_code == 201, r.text
        return r.json()

    first = training_request(71001)
    a = issue(first)
    second = training_request(71002)
    second["data"]["holder"] = copy.deepcopy(first["data"]["holder"])
    b = issue(second)
    seed = 71003
    other = training_request(seed)
    while (other["data"]["holder"]["name"] == first["data"]["holder"]["name"]  # small name pool
           or other["data"]["holder"]["code"] == first["data"]["holder"]["code"]):
        seed += 1
        other = training_request(seed)
    c = issue(other)
    out.update(name=first["data"]["holder"]["name"], code=first["data"]["holder"]["code"],
               own={a["identifier"], b["identifier"]}, other_ident=c["identifier"],
               other_name=other["data"]["holder"]["name"],
               other_code=other["data"]["holder"]["code"])
    return out


def login(client, name: str, code: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/holder/session", json={"name": name, "code": code})


def problem(r, status: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return dict(r.json())


def test_login_lists_exactly_own_certificates(client, w, platform) -> None:  # type: ignore[no-untyped-def]
    r = login(client, w["name"], w["code"].lower())  # a lower-case x is the same number
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"token", "expires_at"}
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert expires - platform.now() == dt.timedelta(hours=12)
    tok = body["token"]
    mine = client.get("/api/v1/holder/certificates", headers=auth(tok))
    assert mine.status_code == 200, mine.text
    assert {c["identifier"] for c in mine.json()} == w["own"]
    theirs = client.get(f"/api/v1/holder/certificates/{w['other_ident']}", headers=auth(tok))
    assert theirs.status_code == 403
    # the holder role only: staff routes refuse it
    assert client.get("/api/v1/audit/entries", headers=auth(tok)).status_code == 403
    # spaces and the full-width forms of a name typed on a phone are the same name
    spaced = login(client, " ".join(w["name"]), w["code"])
    assert spaced.status_code == 201, spaced.text


def test_wrong_name_or_unknown_code_is_one_opaque_401(client, w) -> None:  # type: ignore[no-untyped-def]
    from formats.idnumber import make_citizen_id

    wrong_name = problem(login(client, w["name"] + "甲", w["code"]), 401)
    someone_elses = problem(login(client, w["other_name"], w["code"]), 401)
    unknown = problem(login(client, w["name"], make_citizen_id("54010219700101999")), 401)
    for p in (wrong_name, someone_elses, unknown):
        assert p["type"].endswith("/login-failed")
    key = ("type", "title", "status", "detail")
    assert ({tuple(p[k] for k in key) for p in (wrong_name, someone_elses, unknown)}
            == {tuple(wrong_name[k] for k in key)})
    assert w["code"] not in json.dumps(wrong_name, ensure_ascii=False)
    # a malformed number (check character) and an unknown field are refused as invalid
    # wrong check character both as an ID number and as a USCC (an 18-digit string can be a
    # well-formed USCC by chance, 1 in 31)
    from formats.idnumber import citizen_id_problems
    from formats.uscc import uscc_problems

    bad = next(w["code"][:17] + c for c in "0123456789X"
               if citizen_id_problems(w["code"][:17] + c) and uscc_problems(w["code"][:17] + c))
    problem(login(client, w["name"], bad), 422)
    r = client.post("/api/v1/holder/session",
                    json={"name": w["name"], "code": w["code"], "role": "admin"})
    problem(r, 422)


def test_audit_has_hash_only(client, w, platform) -> None:  # type: ignore[no-untyped-def]
    assert login(client, w["name"], w["code"]).status_code == 201
    assert login(client, "不是本人", w["code"]).status_code == 401
    entries = []
    for action in ("holder.login", "holder.login_failure"):
        r = client.get("/api/v1/audit/entries", params={"action": action, "limit": 100},
                       headers=auth(w["auditor"]))
        assert r.status_code == 200, r.text
        found = r.json()["entries"]
        assert found, action
        entries += found
    hh = platform.store.holder_hash(w["code"])  # keyed with the platform's index key
    assert any(e["action"] == "holder.login" and e["details"]["holder_hash"] == hh
               and e["role"] == "holder" for e in entries)
    assert any(e["action"] == "holder.login_failure" and e["details"]["holder_hash"] == hh
               and e["details"]["reason"] == "no-match" for e in entries)
    text = json.dumps(entries, ensure_ascii=False)
    for secret in (w["code"], w["code"].lower(), w["name"], "不是本人", w["other_code"]):
        assert secret not in text


def test_logout_revokes_the_session_only(client, w, admin_token) -> None:  # type: ignore[no-untyped-def]
    from tests.api.helpers import token

    tok = login(client, w["name"], w["code"]).json()["token"]
    assert client.get("/api/v1/holder/certificates", headers=auth(tok)).status_code == 200
    r = client.delete("/api/v1/holder/session", headers=auth(tok))
    assert r.status_code == 204, r.text
    assert client.get("/api/v1/holder/certificates", headers=auth(tok)).status_code == 401
    assert client.delete("/api/v1/holder/session", headers=auth(tok)).status_code == 401
    # a token an administrator made is not a login session: it stays, an admin revokes it
    admin_made = token(client, admin_token, "holder", holder=w["code"])
    problem(client.delete("/api/v1/holder/session", headers=auth(admin_made)), 409)
    assert client.get("/api/v1/holder/certificates", headers=auth(admin_made)).status_code == 200
    # only holders log out here
    problem(client.delete("/api/v1/holder/session", headers=auth(w["auditor"])), 403)
    r = client.get("/api/v1/audit/entries", params={"action": "holder.logout"},
                   headers=auth(w["auditor"]))
    assert any(e["details"]["prefix"] == tok.split("_")[1] for e in r.json()["entries"])


def test_off_unless_development(platform, w) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from ecert.errors import ConfigError
    from ecert.http.app import create_app
    from ecert.platform import Platform
    from ecert.settings import load_settings

    env = {"ECERT_KEY_PASSPHRASE": "test-passphrase-0123456789"}
    assert load_settings(env, data_dir=platform.settings.data_dir).realname == "none"
    with pytest.raises(ConfigError, match="ECERT_REALNAME"):
        load_settings({**env, "ECERT_REALNAME": "yes"}, data_dir=platform.settings.data_dir)

    off = Platform(dataclasses.replace(platform.settings, realname="none"), clock=platform.clock,
                   store=platform.store)
    with TestClient(create_app(off.settings, off), base_url="https://ecert.test") as c:
        p = problem(login(c, w["name"], w["code"]), 404)
        assert "not enabled" in p["detail"]
        page = c.get("/holder").text
        assert 'id="rn-form"' not in page and 'id="token"' in page
    with TestClient(create_app(platform.settings, platform), base_url="https://ecert.test") as c:
        page = c.get("/holder")
        assert 'id="rn-form"' in page.text and 'id="token"' in page.text
        assert "<script>" not in page.text and "style=" not in page.text


def test_login_is_rate_limited_per_address(platform, w) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from ecert.http.app import create_app
    from ecert.http.routes.holder import LOGIN_PER_MINUTE

    with TestClient(create_app(platform.settings, platform), base_url="https://ecert.test") as c:
        codes = [login(c, "某人", w["other_code"]).status_code for _ in range(LOGIN_PER_MINUTE)]
        assert set(codes) == {401}
        r = login(c, w["name"], w["code"])
        problem(r, 429)
        assert "Retry-After" in r.headers


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")
def test_holder_page_login_lists_certificates(w, live_url: str, client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.web.cdp import Browser

    b = Browser(CHROMIUM, tmp_path / "profile")
    try:
        b.goto(live_url + "/holder")
        assert b.js("!!document.getElementById('rn-form')")
        # a wrong name: one opaque message, nothing stored
        b.js(f"document.getElementById('rn-name').value = {('错' + w['name'])!r};"
             f"document.getElementById('rn-code').value = {w['code']!r};"
             "document.getElementById('rn-login').click()")
        msg = b.wait("!document.getElementById('error').hidden && "
                     "document.getElementById('error').textContent")
        assert "不匹配" in msg
        assert b.js("sessionStorage.length") == 0
        b.js(f"document.getElementById('rn-name').value = {w['name']!r};"
             f"document.getElementById('rn-code').value = {w['code']!r};"
             "document.getElementById('rn-login').click()")
        for ident in sorted(w["own"]):
            b.wait(f"document.getElementById('certs').textContent.includes({ident!r})")
        assert w["other_ident"] not in b.js("document.getElementById('certs').textContent")
        assert b.js("document.getElementById('rn-form').hidden")
        assert b.js("document.getElementById('rn-code').value") == ""
        tok = b.js("sessionStorage.getItem('ecert-token-/holder')")
        assert tok and tok.startswith("ect_")
        b.screenshot(tmp_path / "holder-login.png")
        shutil.copy(tmp_path / "holder-login.png", "/tmp/ecert-holder-login.png")
        # logout revokes the session token on the server
        b.js("document.getElementById('logout').click()")
        b.wait("sessionStorage.length === 0 && document.readyState === 'complete' && "
               "!document.getElementById('rn-form').hidden")
        assert client.get("/api/v1/holder/certificates", headers=auth(tok)).status_code == 401
    finally:
        b.close()
