"""The staff page in headless Chromium: search by holder with a purpose, the granted fields
under their labels, and the annotated printout (print CSS) stamped with who, when and what —
printed with Page.printToPDF and read back with pdftotext."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import World

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() or not shutil.which("pdftotext"),
                                reason="needs chromium and poppler-utils")


@pytest.fixture()
def browser(chromium_page):  # type: ignore[no-untyped-def]
    return chromium_page


def _search(browser: Any, w: World, purpose: str) -> str:
    browser.js(f"document.getElementById('token').value = {w.tokens['user']!r};"
               "document.getElementById('save-token').click();"
               f"document.getElementById('h-code').value = {w.holder_code!r};"
               f"document.getElementById('h-purpose').value = {purpose!r};"
               "document.getElementById('h-go').click()")
    return str(browser.wait("document.querySelector('#h-result .print') && "
                            "document.getElementById('h-result').textContent"))


def test_search_by_holder_and_print_an_annotated_copy(world: World, live_url: str, browser,
                                                      tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    c = world.issue(name="格桑")
    browser.goto(live_url + "/staff?lang=zh-CN")
    text = _search(browser, world, "行政审批：开业核验")
    assert c["identifier"] in text and "经营范围" in text and "餐饮服务" in text
    assert "格*" in text and world.holder_code not in text  # no personal grant: masked
    dts = browser.js("Array.from(document.querySelectorAll('#h-result dt'))"
                     ".map(function(e){return e.textContent;})")
    assert "area" not in dts and "level" not in dts and "等级" in dts  # labels, not keys
    # the number went in the body: never in the page's address or history
    assert world.holder_code not in browser.js("location.href")

    # print: window.print is stubbed (headless has no dialog); the sheet is what prints
    browser.js("window.__printed = 0; window.print = function(){ window.__printed += 1; };"
               "document.querySelector('#h-result .print').click()")
    browser.wait("window.__printed === 1")
    pdf = base64.b64decode(browser.call("Page.printToPDF", browser.session,
                                        printBackground=True)["data"])
    (tmp_path / "annotated.pdf").write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(tmp_path / "annotated.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    assert "电子证照查询加注件" in out
    assert "仅供「行政审批：开业核验」使用" in out and "他用无效" in out
    assert "北京时间" in out and "西藏自治区使用局" in out and "查询人" in out
    assert c["identifier"] in "".join(out.split()) and "经营范围" in out
    # nothing of the screen but the sheet: no sign-in box, no other searches
    assert "部门令牌" not in out and "核验电子证照文件" not in out
    assert world.holder_code not in out
    browser.screenshot(tmp_path / "staff-by-holder.png")

    # the search and the lookup it made are in the log, with the purpose and without the number
    r = world.client.get("/api/v1/audit/entries", headers=world.h("auditor"),
                         params={"action": "certificate.lookup", "certificate": c["identifier"]})
    got = r.json()["entries"]
    assert any(e["purpose"] == "行政审批：开业核验" and e["details"]["by"] == "holder"
               for e in got)
    assert world.holder_code not in r.text


def test_staff_page_in_tibetan_prints_the_stamp_in_tibetan(world: World, live_url: str, browser
                                                           ) -> None:  # type: ignore[no-untyped-def]
    world.issue(name="达瓦")
    browser.goto(live_url + "/staff?lang=bo")
    assert "ལག་ཁྱེར་འཛིན་མཁན་ལྟར་འཚོལ་ཞིབ།" in browser.js("document.body.innerText")
    _search(browser, world, "行政审批")
    browser.js("window.print = function(){};"
               "document.querySelector('#h-result .print').click()")
    sheet = str(browser.wait("document.getElementById('print-sheet').textContent"))
    assert "འཚོལ་ཞིབ་པ།" in sheet and "「行政审批」ཁོ་ནར་བེད་སྤྱོད་ཆོག" in sheet
