"""Real-name sign-in by OpenID Connect, end to end in headless Chromium against a real OpenID
provider (npm oidc-provider, tests/oidc/provider.mjs) started here: a person, an
organisation's agent and a named operator sign in; the platform keeps what the provider
vouched for, never what the browser sent."""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from tests.api.conftest import free_port
from tests.api.helpers import setup_training, training_request
from tests.conftest import auth
from tests.journeys import idp

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
APP_PORT, IDP_PORT = free_port(), free_port()
APP = f"http://127.0.0.1:{APP_PORT}"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed"),
              pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")]


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    return {"ECERT_BASE_URL": APP, "ECERT_OIDC_ISSUER": f"http://127.0.0.1:{IDP_PORT}",
            "ECERT_OIDC_CLIENT_ID": idp.CLIENT_ID, "ECERT_OIDC_CLIENT_SECRET": idp.CLIENT_SECRET}


@pytest.fixture(scope="module")
def w(template: Any, admin_token: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from ecert.cli.common import cli_actor
    from ecert.services import operators
    from formats.uscc import make_uscc
    from producers._common import dept

    out: dict[str, Any] = dict(setup_training(template.client, admin_token))
    req = training_request(13001)
    r = template.client.post("/api/v1/certificates", json=req, headers=auth(out["issuer"]))
    assert r.status_code == 201, r.text
    holder = req["data"]["holder"]
    org = make_uscc("91540000MA6T00009")
    p = template.platform
    auditor = operators.add_operator(p, dept_code=None, name="央金", post="审计岗",
                                     subject="yangjin", role="auditor", actor=cli_actor())
    operators.add_operator(p, dept_code=dept("hrss"), name="旦增", post="已调离", subject="tenzin",
                           role="issuer", actor=cli_actor())
    gone = operators.list_operators(p, dept("hrss"))[-1]
    operators.disable_operator(p, gone.id, cli_actor())
    accounts = {
        "citizen": {"name": holder["name"], "id_number": holder["code"],
                    "email": "holder@example.test", "email_verified": True},
        "agent": {"name": "格桑", "id_number": "540102199001010011"[:17] + "X",
                  "uscc": org, "org_name": "拉萨测试商贸有限公司", "role_of": "agent"},
        "yangjin": {"name": "央金"}, "tenzin": {"name": "旦增"}, "stranger": {"name": "路人"},
    }
    from formats.idnumber import make_citizen_id

    accounts["agent"]["id_number"] = make_citizen_id("54010219900101001")
    out.update(ident=r.json()["identifier"], holder=holder, org=org, auditor=auditor)
    with idp.run_provider(IDP_PORT, [APP + "/login/oidc/callback"], accounts,
                          tmp_path_factory.mktemp("idp")) as issuer:
        out["issuer_url"] = issuer
        yield out


@contextlib.contextmanager
def _serve(platform: Any) -> Iterator[str]:
    from ecert.http.app import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(platform.settings, platform),
                                           host="127.0.0.1", port=APP_PORT, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        with contextlib.suppress(httpx.TransportError):
            httpx.get(APP + "/healthz", timeout=1)
            break
        time.sleep(0.05)
    try:
        yield APP
    finally:
        server.should_exit = True
        thread.join(timeout=5)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from tests.web.cdp import Browser

    b = Browser(CHROMIUM, tmp_path / "profile")
    try:
        yield b
    finally:
        b.close()


def _sign_in(b: Any, page: str, login: str) -> None:
    """Through the provider's own pages, as a person would: the link, login, consent."""
    b.goto(APP + page)
    b.wait("!!document.getElementById('oidc-login')")
    b.js("document.getElementById('oidc-login').click()")
    b.wait(f"location.port === '{IDP_PORT}' && !!document.querySelector('input[name=login]')")
    b.js(f"document.querySelector('input[name=login]').value = {login!r};"
         "document.querySelector('input[name=password]').value = 'secret';"
         "document.querySelector('form').submit()")
    b.wait(f"location.port === '{IDP_PORT}' ? "
           "!!document.querySelector('input[name=prompt][value=consent]') : true")
    if b.js("location.port") == str(IDP_PORT):
        b.js("document.querySelector('form').submit()")
    b.wait(f"location.port === '{APP_PORT}' && document.readyState === 'complete'", 20)


def _entries(client: Any, action: str) -> list[dict[str, Any]]:
    r = client.get("/api/v1/audit/entries", params={"action": action},
                   headers=auth(client.headers["x-test-admin"]))
    return list(r.json()["entries"])


@pytest.fixture(autouse=True)
def _admin_header(client: Any, admin_token: str) -> None:
    client.headers["x-test-admin"] = admin_token  # read by _entries only


def test_holder_signs_in_and_sees_own_certificates(w, platform, client, browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with _serve(platform):
        _sign_in(browser, "/holder", "citizen")
        browser.wait(f"document.getElementById('certs').textContent.includes({w['ident']!r})", 20)
        assert browser.js("location.hash") == ""  # the token left the address bar at once
        browser.wait("document.getElementById('inbox').textContent.includes('已签发')")
        tok = browser.js("sessionStorage.getItem('ecert-token-/holder')")
        browser.screenshot(tmp_path / "holder-oidc.png")
    assert tok.startswith("ect_")
    mine = client.get("/api/v1/holder/certificates", headers=auth(tok)).json()
    assert {c["identifier"] for c in mine} == {w["ident"]}
    login = _entries(client, "holder.login")[0]
    with platform.store.transaction() as uow:
        assert login["details"]["holder_hash"] == uow.holder_hash(w["holder"]["code"])
    assert login["details"]["method"] == "oidc" and w["holder"]["code"] not in str(login)
    assert login["details"]["email"] is True  # the vouched address, for notifications
    with platform.store.transaction() as uow:
        assert uow.outbox.contact(uow.holder_hash(w["holder"]["code"])) == "holder@example.test"


def test_organisation_agent_signs_in_for_the_organisation(w, platform, client, browser) -> None:  # type: ignore[no-untyped-def]
    with _serve(platform):
        _sign_in(browser, "/holder", "agent")
        tok = browser.wait("sessionStorage.getItem('ecert-token-/holder')", 20)
    login = _entries(client, "holder.login")[0]
    with platform.store.transaction() as uow:
        assert login["details"]["holder_hash"] == uow.holder_hash(w["org"])
    assert login["details"]["kind"] == "001" and login["details"]["agent_role"] == "agent"
    assert client.get("/api/v1/holder/certificates", headers=auth(tok)).status_code == 200


def test_operator_signs_in_to_the_audit_page_by_name(w, platform, client, browser) -> None:  # type: ignore[no-untyped-def]
    with _serve(platform):
        _sign_in(browser, "/audit", "yangjin")
        tok = browser.wait("sessionStorage.getItem('ecert-token-/audit')", 20)
    assert client.get("/api/v1/audit/entries", headers=auth(tok)).status_code == 200
    signin = _entries(client, "operator.signin")[0]
    assert signin["actor"] == f"央金（审计岗）#{w['auditor'].id}"


@pytest.mark.parametrize("login", ["tenzin", "stranger"])
def test_disabled_or_unknown_operator_is_refused(w, platform, client, browser, login) -> None:  # type: ignore[no-untyped-def]
    with _serve(platform):
        _sign_in(browser, "/staff", login)
        msg = browser.wait("document.getElementById('signin-error') && "
                           "document.getElementById('signin-error').textContent")
        assert "操作员" in msg
        assert browser.js("sessionStorage.length") == 0
    reasons = [e["details"]["reason"] for e in _entries(client, "signin.failure")]
    assert reasons[0] == "signin-refused"


def test_a_callback_without_our_state_is_refused(w, platform, client) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set("ecert_oidc", "forged.forged")
    r = client.get("/login/oidc/callback", params={"code": "forged", "state": "forged"})
    assert r.status_code == 400 and "登录状态无效" in r.text
    r = client.get("/login/oidc/callback", params={"error": "access_denied"})
    assert r.status_code == 400
