"""The staff page in headless Chromium (issue 13): the supervising authority sees what is
pending, approves one proposal and refuses another with a reason; the proposing department
then sees its own proposals with their state, in Chinese and in Tibetan."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import World

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")]


@pytest.fixture(scope="module")
def backend() -> str:
    """One database is enough here: the browser sees HTTP, not the store."""
    return "sqlite"


def _propose(world: World, who: str, kind: str, payload: dict[str, Any]) -> int:
    r = world.client.post("/api/v1/proposals", json={"kind": kind, "payload": payload},
                          headers=world.h(who))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _sign_in(browser: Any, token: str) -> None:
    browser.js(f"document.getElementById('token').value = {token!r};"
               "document.getElementById('save-token').click()")


def _item(pid: int) -> str:
    return f"document.querySelector('#proposals li[data-proposal=\"{pid}\"]')"


def test_authority_approves_and_refuses_on_the_staff_page(world: World, live_url: str,
                                                          browser: Any, tmp_path: Path) -> None:
    scenario = _propose(world, "issuer", "scenario",
                        {"type_code": world.type_code, "scenario": "酒店入住登记"})
    grant = _propose(world, "other", "grant", {"type_code": world.type_code, "grant": {
        "dept": world.other, "purposes": ["行政审批"], "personal": False}})
    browser.goto(live_url + "/staff")
    _sign_in(browser, world.tokens["authority"])
    text = browser.wait(f"{_item(scenario)} && {_item(grant)} && "
                        "document.getElementById('proposals').textContent")
    assert "酒店入住登记" in text and "待审批" in text, text
    browser.screenshot(tmp_path / "pending.png")
    browser.js(f"{_item(scenario)}.querySelector('button.approve').click()")
    browser.wait(f"!{_item(scenario)} && !!{_item(grant)}")
    # a refusal without a reason is stopped on the page; with one it is recorded
    browser.js(f"{_item(grant)}.querySelector('button.refuse').click()")
    assert "理由" in browser.wait("document.getElementById('error').textContent")
    browser.js(f"{_item(grant)}.querySelector('input.reason').value = '用途与职责不符';"
               f"{_item(grant)}.querySelector('button.refuse').click()")
    browser.wait(f"!{_item(grant)} && document.getElementById('proposals').textContent"
                 ".includes('暂无申请')")

    got = {p["id"]: p for p in world.client.get("/api/v1/proposals",
                                                 headers=world.h("authority")).json()}
    assert got[scenario]["state"] == "approved" and got[grant]["state"] == "refused"
    assert got[grant]["reason"] == "用途与职责不符"
    definition = world.client.get(f"/api/v1/catalog/types/{world.type_code}",
                                  headers=world.h("issuer")).json()["definition"]
    assert definition["presentation_scenarios"] == ["酒店入住登记"]

    # the proposing department sees its own proposal, approved, and nothing of the others'
    browser.js("sessionStorage.clear()")
    browser.goto(live_url + "/staff")
    _sign_in(browser, world.tokens["issuer"])
    browser.js("var s = document.getElementById('proposal-state'); s.value = '';"
               "s.dispatchEvent(new Event('change'))")
    mine = browser.wait(f"{_item(scenario)} && {_item(scenario)}.textContent")
    assert "已批准" in mine and "酒店入住登记" in mine, mine
    assert browser.js(f"!{_item(grant)} && !{_item(scenario)}.querySelector('button')")
    # in Tibetan: the section and the state word
    browser.goto(live_url + "/staff?lang=bo")
    browser.js("var s = document.getElementById('proposal-state'); s.value = '';"
               "s.dispatchEvent(new Event('change'))")
    bo = browser.wait(f"{_item(scenario)} && document.getElementById('proposals-card')"
                      ".textContent")
    assert "ཞུ་སྙན་དང་ཆོག་མཆན།" in bo and "ཆོག་མཆན་ཐོབ་ཟིན།" in bo, bo
    browser.screenshot(tmp_path / "department-bo.png")


def test_holder_shows_a_certificate_in_an_approved_scenario(world: World, live_url: str,
                                                            browser: Any) -> None:
    ident = world.issue()["identifier"]
    pid = _propose(world, "issuer", "scenario", {"type_code": world.type_code,
                                                 "scenario": "求职应聘"})
    r = world.client.post(f"/api/v1/proposals/{pid}/approve", headers=world.h("authority"))
    assert r.status_code == 200, r.text
    browser.goto(live_url + "/holder")
    _sign_in(browser, world.tokens["holder"])
    browser.wait(f"document.getElementById('certs').textContent.includes({ident!r})")
    browser.js("document.querySelector('#certs button').click()")
    options = browser.wait("!document.getElementById('scenario-box').hidden && "
                           "Array.from(document.querySelectorAll('#scenario option'))"
                           ".map(function (o) { return o.value; }).join('|')")
    assert options == "求职应聘"
    browser.js("document.getElementById('present').click()")
    src = browser.wait("document.getElementById('qr').src.startsWith('data:image/png') && "
                       "document.getElementById('qr').src")
    assert len(src) > 500
    with world.platform.store.transaction() as uow:
        shown = world.platform.audit.list_entries(uow, action="holder.present", limit=1).entries
    assert '"scenario":"求职应聘"' in shown[0].details
