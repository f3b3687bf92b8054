"""The holder files an objection with evidence from the holder page in headless Chromium
(files chosen through CDP's DOM.setFileInputFiles, uploaded by the page's own script), sees it
listed and downloads it as the type the server verified; after 5 working days without an
answer the supervising authority coordinates from the staff page, and the holder sees the
answer. Screenshots under the test's tmp_path."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from tests.objections import files
from tests.web.conftest import World

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")]


@pytest.fixture(scope="module")
def backend() -> str:
    """One database is enough here: the browser sees HTTP, not the store."""
    return "sqlite"


@pytest.fixture
def browser(tmp_path: Path):  # type: ignore[no-untyped-def]
    from tests.web.cdp import Browser

    b = Browser(CHROMIUM, tmp_path / "cdp-profile")
    try:
        yield b
    finally:
        b.close()


def choose_files(browser, selector: str, paths: list[Path]) -> None:  # type: ignore[no-untyped-def]
    """What a person picking files in the dialog does, through the DevTools protocol."""
    root = browser.call("DOM.getDocument", browser.session)["root"]["nodeId"]
    node = browser.call("DOM.querySelector", browser.session, nodeId=root,
                        selector=selector)["nodeId"]
    browser.call("DOM.setFileInputFiles", browser.session, nodeId=node,
                 files=[str(p) for p in paths])


def fresh_auditor(world: World) -> str:
    """An auditor's token made now (the clock moved past the module's one-day tokens)."""
    from ecert.cli.common import cli_actor

    return str(world.platform.create_token(role="auditor", dept_code=None, holder_code=None,
                                           label="审计", ttl_days=1, actor=cli_actor()).secret)


def sign_in(browser, url: str, token: str) -> None:  # type: ignore[no-untyped-def]
    browser.goto(url)
    browser.js(f"document.getElementById('token').value = {token!r};"
               "document.getElementById('save-token').click()")


def test_holder_uploads_evidence_and_the_authority_answers(
        world: World, live_url: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ecert.cli.common import cli_actor
    from ecert.services.housekeeping import run_once

    ident = world.issue()["identifier"]
    (tmp_path / "诊断证明.pdf").write_bytes(files.pdf("diagnosis"))
    (tmp_path / "photo.png").write_bytes(files.png())
    (tmp_path / "page.png").write_bytes(files.HTML)

    sign_in(browser, live_url + "/holder", world.tokens["holder"])
    browser.wait(f"document.getElementById('certs').textContent.includes({ident!r})")
    browser.js("document.querySelector('#certs button').click()")
    browser.wait("!document.getElementById('detail').hidden")
    browser.js("document.getElementById('obj-reason').value = '培训等级登记错误'")
    choose_files(browser, "#obj-files", [tmp_path / "诊断证明.pdf", tmp_path / "photo.png"])
    assert browser.js("document.getElementById('obj-files').files.length") == 2
    browser.js("document.getElementById('obj-file').click()")
    browser.wait("document.querySelectorAll('#objections li[data-objection] .evidence li')"
                 ".length === 2")
    text = browser.js("document.getElementById('objections').textContent")
    assert "诊断证明.pdf" in text and "photo.png" in text and "处理中" in text
    browser.js("document.getElementById('objections').scrollIntoView()")
    browser.screenshot(tmp_path / "holder-evidence.png")

    listed = world.client.get("/api/v1/objections", headers=world.h("holder")).json()
    obj = next(o for o in listed if o["reason"] == "培训等级登记错误")
    assert [a["content_type"] for a in obj["attachments"]] == ["application/pdf", "image/png"]
    # the page fetches a download with its token: the verified type, as an attachment
    eid = obj["attachments"][1]["id"]
    head = browser.js(
        f"fetch('/api/v1/objections/{obj['id']}/evidence/{eid}', {{headers: {{Authorization: "
        "'Bearer ' + Ecert.token()}}).then(function (r) { return r.headers.get('content-type')"
        " + '|' + r.headers.get('content-disposition'); })")
    assert head.startswith("image/png|attachment;"), head

    # an HTML page named .png is refused by content; the page says so and keeps the objection
    choose_files(browser, "#obj-files", [tmp_path / "page.png"])
    browser.js("document.getElementById('obj-reason').value = '第二项异议';"
               "document.getElementById('obj-file').click()")
    error = browser.wait("!document.getElementById('error').hidden && document.getElementById("
                         "'error').textContent.includes('异议已提交') && "
                         "document.getElementById('error').textContent")
    assert "异议已提交，证据文件未被接受" in error and "仅接受 PDF、JPEG、PNG 文件" in error, error

    # 5 working days without the issuing department's answer: the authority's queue
    due = dt.datetime.fromisoformat(obj["due_at"].replace("Z", "+00:00"))
    world.platform.clock.now = due + dt.timedelta(minutes=5)
    run_once(world.platform)
    authority = world.platform.create_token(role="authority", dept_code=None, holder_code=None,
                                            label="主管部门", ttl_days=1,
                                            actor=cli_actor()).secret
    sign_in(browser, live_url + "/staff", authority)
    browser.wait("!document.getElementById('escalated-box').hidden && document.querySelector("
                 f"'#escalated li[data-objection=\"{obj['id']}\"] .evidence') !== null")
    item = f"#escalated li[data-objection=\"{obj['id']}\"]"
    browser.js(f"document.querySelector({item!r}).scrollIntoView()")
    browser.screenshot(tmp_path / "authority-queue.png")
    browser.js(f"document.querySelector({item + ' textarea'!r}).value = '经协调，签发部门已更正等级';"
               f"document.querySelector({item + ' select'!r}).value = 'true';"
               f"document.querySelector({item + ' .coordinate button'!r}).click()")
    browser.wait(f"!document.querySelector({item!r})")

    # a week later the holder signs in again (the first token was for one day)
    holder = world.platform.create_token(role="holder", dept_code=None,
                                         holder_code=world.holder_code, label="持证人",
                                         ttl_days=1, actor=cli_actor()).secret
    sign_in(browser, live_url + "/holder", holder)
    browser.wait("document.querySelector('#objections .coordination') !== null")
    text = browser.js("document.getElementById('objections').textContent")
    assert "经协调，签发部门已更正等级" in text and "主管部门已协调答复" in text
    browser.js("document.querySelector('#objections .coordination').scrollIntoView()")
    browser.screenshot(tmp_path / "holder-coordinated.png")
    # the Tibetan page names the evidence field in Tibetan
    browser.goto(live_url + "/holder?lang=bo")
    label = browser.js("document.querySelector('label[for=obj-files]').textContent")
    assert "དཔང་རྟགས" in label and "{0}" not in label, label
    browser.js("document.querySelector('label[for=obj-files]').hidden = false")
    entries = world.client.get("/api/v1/audit/entries", params={"action": "objection.coordinate"},
                               headers={"Authorization": f"Bearer {fresh_auditor(world)}"}
                               ).json()["entries"]
    assert any(json.dumps(e["details"], ensure_ascii=False).find(str(obj["id"])) >= 0
               for e in entries)
