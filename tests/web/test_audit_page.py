"""The audit page in headless Chromium shows the witness cosignatures the API serves
(`ecert_cosignatures` in get-sth)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from audit_log import formats
from ca.signer import MemorySigner
from tests.web.conftest import World

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")]


@pytest.fixture(scope="module")
def backend() -> str:
    """One database is enough here: the browser sees HTTP, not the store."""
    return "sqlite"


@pytest.fixture()
def browser(tmp_path: Path):  # type: ignore[no-untyped-def]
    from tests.web.cdp import Browser

    b = Browser(CHROMIUM, tmp_path / "cdp-profile")
    try:
        yield b
    finally:
        b.close()


def _cosigned_head(platform: Any) -> int:
    from ecert.cli.common import cli_actor
    from ecert.services import audit as audit_service

    w = MemorySigner.generate("w")
    audit_service.add_witness(platform, "office-1", w.public_key_der, cli_actor())
    with platform.store.transaction() as uow:
        head = platform.audit.sign_head(uow, platform.head_signer(uow), platform.now())
    ts = int(platform.now().timestamp())
    msg = formats.cosignature_message(platform.audit.origin, head.tree_size, head.root_hash, ts)
    cosig = formats.Cosignature(head.tree_size, head.root_hash, "office-1",
                                hashlib.sha256(w.public_key_der).hexdigest()[:16], ts, w.sign(msg))
    audit_service.store_cosignature(platform, cosig, w.public_key_der, cli_actor())
    return int(head.tree_size)


def test_audit_page_counts_cosignatures(world: World, live_url: str, browser: Any) -> None:
    size = _cosigned_head(world.platform)
    sth = world.client.get("/api/v1/audit/get-sth", headers=world.h("auditor")).json()
    assert sth["tree_size"] == size and len(sth["ecert_cosignatures"]) == 1
    browser.goto(live_url + "/audit")
    browser.js(f"document.getElementById('token').value = {world.tokens['auditor']!r};"
               "document.getElementById('save-token').click()")
    text = browser.wait("document.getElementById('sth').textContent.includes('tree_size') && "
                        "document.getElementById('sth').textContent")
    assert "1 个" in text, text
    assert "office-1" in text, text


def test_assessment_chart_and_table_show_names_under_the_csp(world: World, live_url: str,
                                                             browser: Any, tmp_path: Path) -> None:
    from tests.web.conftest import ISS_NAME

    for _ in range(2):
        world.issue()
    browser.goto(live_url + "/audit")
    browser.js(f"document.getElementById('token').value = {world.tokens['auditor']!r};"
               "document.getElementById('save-token').click()")
    rows = browser.wait("Number(document.getElementById('as-chart').dataset.rows) > 0 && "
                        "document.getElementById('as-table').textContent", timeout=20)
    assert ISS_NAME in rows and "签发" in rows, rows
    last30 = browser.wait("document.getElementById('stats').textContent")
    assert ISS_NAME in last30 and world.iss not in last30, last30  # names, not codes
    # ECharts loaded from our own origin and drew the bars (svg renderer) under script-src 'self'
    bars = browser.wait("document.querySelectorAll('#as-chart svg path').length", timeout=20)
    assert bars > 0
    width = browser.js("document.querySelector('#as-chart svg').getBoundingClientRect().width")
    assert width > 100
    browser.screenshot(tmp_path / "assessment.png")
