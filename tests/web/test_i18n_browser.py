"""Words and languages on the pages, in headless Chromium against the live app (issue 14).

* 撤销 (withdrawn) is not 吊销 (a penalty), a transfer is not 注销: the citizen page says which.
* A Tibetan reader verifies a certificate entirely in Tibetan: the switch on the page sets the
  language, the choice is remembered (cookie) on the next visit, the verdict, the field labels
  and every check are in Tibetan script; what stays Chinese is data (names, identifiers).
* zh-CN pages show no English UI text.
Screenshots are kept under the test's tmp_path (pytest keeps the last runs' directories).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.web.conftest import ISS_NAME, World

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")]
HAN = re.compile(r"[\u3400-\u9fff]")
TIBETAN = re.compile(r"[\u0f00-\u0fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"


@pytest.fixture()
def browser(tmp_path: Path):  # type: ignore[no-untyped-def]
    from tests.web.cdp import Browser

    b = Browser(CHROMIUM, tmp_path / "profile")
    try:
        yield b
    finally:
        b.close()


def _citizen(world: World, live: str, c: dict[str, str]) -> str:
    return live + "/v/" + c["identifier"] + "#" + c["qr_url"].split("#", 1)[1]


def _verdict(browser) -> str:  # type: ignore[no-untyped-def]
    return str(browser.wait("document.getElementById('result').dataset.verdict !== 'pending' && "
                            "document.getElementById('result').dataset.verdict"))


def _ui_text(browser) -> str:  # type: ignore[no-untyped-def]
    """Visible text of the page without the data it shows (dd values, code)."""
    return str(browser.js(
        "(function(){var c=document.body.cloneNode(true);"
        "c.querySelectorAll('dd,code,script,noscript,nav.langs').forEach(function(e){e.remove();});"
        "return c.innerText;})()"))


def test_withdrawn_is_not_revoked_and_a_transfer_is_not_cancelled(
        world: World, live_url: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    withdrawn = world.issue(name="次仁")
    world.status(withdrawn["identifier"], "withdraw")
    browser.goto(_citizen(world, live_url, withdrawn))
    assert _verdict(browser) == "revoked"
    title = browser.js("document.getElementById('verdict-title').textContent")
    sub = browser.js("document.getElementById('verdict-sub').textContent")
    assert title == "已撤销" and "吊销" not in title + sub, (title, sub)
    browser.screenshot(tmp_path / "withdrawn.png")

    transferred = world.issue(name="达瓦")
    r = world.client.post(f"/api/v1/certificates/{transferred['identifier']}/status",
                          headers=world.h("issuer"),
                          json={"event": "transfer", "reason": "转让",
                                "transfer_to": {"name": "卓嘎", "code": world.other_holder_code}})
    assert r.status_code == 200, r.text
    browser.goto(_citizen(world, live_url, transferred))
    assert _verdict(browser) == "cancelled"
    title = browser.js("document.getElementById('verdict-title').textContent")
    assert title == "已转移" and "注销" not in title

    revoked = world.issue(name="米玛")
    world.status(revoked["identifier"], "revoke")
    browser.goto(_citizen(world, live_url, revoked))
    assert _verdict(browser) == "revoked"
    assert browser.js("document.getElementById('verdict-title').textContent") == "已吊销"
    # the API's sentence names the act too
    r = world.client.get(f"/api/v1/public/status/{withdrawn['identifier']}")
    assert r.status_code == 200


def test_a_tibetan_reader_verifies_entirely_in_tibetan_and_the_choice_is_kept(
        world: World, live_url: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    c = world.issue(name="扎西")
    url = _citizen(world, live_url, c)
    browser.goto(url)
    assert _verdict(browser) == "valid"
    assert browser.js("document.documentElement.lang") == "zh-CN"
    # the switch: a link in the header; the page reloads in Tibetan, the #fragment kept
    browser.js("document.querySelector('a[data-lang=bo]').click()")
    browser.wait("document.documentElement.lang === 'bo' && document.readyState === 'complete'")
    assert _verdict(browser) == "valid"
    assert browser.js("location.hash").startswith("#ey")
    title = browser.js("document.getElementById('verdict-title').textContent")
    assert title == "ངོ་མ་ཡིན་ལ་ནུས་ལྡན།"
    text = _ui_text(browser)
    for data in (ISS_NAME, "测试经营许可证", "扎*"):  # data, not interface
        text = text.replace(data, "")
    assert not HAN.findall(text), HAN.findall(text)  # no Chinese interface text left
    assert len(TIBETAN.findall(text)) > 200
    labels = browser.js("Array.from(document.querySelectorAll('#claims dt')).map(e => e.textContent)")
    assert "ལག་ཁྱེར་འཛིན་མཁན།" in labels  # 持证主体
    shot = tmp_path / "citizen-bo.png"
    browser.screenshot(shot)
    assert shot.stat().st_size > 5000

    # remembered: a later visit (no ?lang, no click) is in Tibetan, and so are other pages
    browser.goto(url)
    assert _verdict(browser) == "valid"
    assert browser.js("document.documentElement.lang") == "bo"
    browser.goto(live_url + "/holder")
    assert browser.js("document.documentElement.lang") == "bo"
    assert "ངའི་གློག་རྡུལ་ལག་ཁྱེར།" in browser.js("document.querySelector('h1').textContent")
    browser.goto(live_url + "/staff")
    assert "ཞིབ་བཤེར།" in _ui_text(browser)
    browser.screenshot(tmp_path / "staff-bo.png")
    # and back to Chinese
    browser.js("document.querySelector('a[data-lang=\"zh-CN\"]').click()")
    browser.wait("document.documentElement.lang === 'zh-CN'")


def test_a_withdrawn_certificate_in_tibetan_says_withdrawn_not_revoked(
        world: World, live_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    c = world.issue(name="格桑")
    world.status(c["identifier"], "withdraw")
    browser.goto(live_url + "/v/" + c["identifier"] + "?lang=bo#" + c["qr_url"].split("#", 1)[1])
    assert _verdict(browser) == "revoked"
    title = browser.js("document.getElementById('verdict-title').textContent")
    assert title == "ཕྱིར་འཐེན་བྱས་ཟིན།"  # 已撤销, not ཉེས་ཆད་ཀྱིས་ཕྱིར་བསྡུས་ཟིན། (已吊销)


def test_zh_pages_show_no_english_interface_text(
        world: World, live_url: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    c = world.issue(name="央金")
    allowed = {"PDF"}  # a file format's name, as Chinese interfaces write it
    for path in (_citizen(world, live_url, c), live_url + "/holder", live_url + "/staff",
                 live_url + "/"):
        browser.goto(path)
        if "/v/" in path:
            _verdict(browser)
        words = set(LATIN_WORD.findall(_ui_text(browser))) - allowed
        assert not words, (path, words)
    browser.goto(live_url + "/holder")
    browser.js(f"document.getElementById('token').value = {world.tokens['holder']!r};"
               "document.getElementById('save-token').click()")
    browser.wait(f"document.getElementById('certs').textContent.includes({c['identifier']!r})")
    browser.js("document.querySelector('#certs button').click()")
    browser.wait("document.getElementById('accesses').textContent.length > 0")
    words = set(LATIN_WORD.findall(_ui_text(browser))) - allowed
    assert not words, words
    browser.screenshot(tmp_path / "holder-zh.png")
