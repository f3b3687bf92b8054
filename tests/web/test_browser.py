"""The citizen page in a real browser: QR from the PDF → headless Chromium → verdict.

The QR is read from the rendered PDF with zxing-cpp, its URL is opened in headless Chromium
against the live app (uvicorn on loopback) and the verdict the page's JavaScript computed with
WebCrypto is read from the DOM (`data-verdict`).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pytest

from tests.web.conftest import World

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")]
_VERDICT = re.compile(r'id="result"[^>]*data-verdict="([a-z]+)"'
                      r'|data-verdict="([a-z]+)"[^>]*id="result"')


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One database is enough here: the browser sees HTTP, not the store."""
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'ecert.db'}"


def chromium(url: str, tmp: Path, *extra: str) -> str:
    profile = tmp / f"profile-{len(list(tmp.iterdir()))}"
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=5000",
            *extra, url]
    res = subprocess.run(args, capture_output=True, text=True, timeout=60)
    return res.stdout


def verdict_of(dom: str) -> str | None:
    m = _VERDICT.search(dom)
    return (m.group(1) or m.group(2)) if m else None


def qr_url_from_pdf(pdf: bytes, tmp: Path) -> str:
    import zxingcpp
    from PIL import Image

    (tmp / "c.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(tmp / "c.pdf"),
                    str(tmp / "page")], check=True, timeout=60)
    page = next(tmp.glob("page*.png"))
    found = [b.text for b in zxingcpp.read_barcodes(Image.open(page))
             if b.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(found) == 1, found
    return found[0]


def on_live(url: str, live: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return live + parts.path + ("#" + parts.fragment if parts.fragment else "")


def test_qr_from_pdf_verifies_in_browser_then_revoked_and_tampered(
        world: World, live_url: str, tmp_path: Path) -> None:
    c = world.issue()
    pdf = world.client.get(f"/api/v1/certificates/{c['identifier']}/pdf",
                           headers=world.h("issuer")).content
    url = qr_url_from_pdf(pdf, tmp_path)
    assert url.startswith("https://ecert.test/v/" + c["identifier"] + "#")
    local = on_live(url, live_url)

    dom = chromium(local, tmp_path, "--dump-dom")
    assert verdict_of(dom) == "valid", dom[:3000]
    assert "真实有效" in dom and "张**" in dom and world.holder_code not in dom

    shot = tmp_path / "valid.png"
    chromium(local, tmp_path, f"--screenshot={shot}", "--window-size=412,915")
    assert shot.exists() and shot.stat().st_size > 5000
    shutil.copy(shot, "/tmp/ecert-citizen-valid.png")

    # a flipped character of the signature: forged, never "expired"
    frag = url.split("#", 1)[1]
    sig = frag.rsplit(".", 1)[1]
    flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
    tampered = local.split("#", 1)[0] + "#" + frag.rsplit(".", 1)[0] + "." + flipped
    assert verdict_of(chromium(tampered, tmp_path, "--dump-dom")) == "invalid"
    # random junk and a fragment from another certificate are forged too
    assert verdict_of(chromium(local.split("#")[0] + "#abc.def.ghi", tmp_path,
                               "--dump-dom")) == "invalid"
    other = world.issue(name="卓玛")
    other_url = world.client.get(f"/api/v1/certificates/{other['identifier']}",
                                 headers=world.h("issuer"))
    assert other_url.status_code == 200
    other_qr = other["qr_url"]
    swapped = local.split("#")[0] + "#" + other_qr.split("#", 1)[1]
    assert verdict_of(chromium(swapped, tmp_path, "--dump-dom")) == "invalid"

    # no fragment: live status only, and the page says the printed QR was not checked
    bare = chromium(local.split("#")[0], tmp_path, "--dump-dom")
    assert verdict_of(bare) == "valid" and "未核验纸面二维码内容" in bare

    world.status(c["identifier"], "revoke")
    dom = chromium(local, tmp_path, "--dump-dom")
    assert verdict_of(dom) == "revoked", dom[:3000]
    assert "已吊销" in dom


def test_stale_trust_list_gives_unknown(world: World, live_url: str, tmp_path: Path,
                                        clock) -> None:  # type: ignore[no-untyped-def]
    c = world.issue(name="次仁")
    local = on_live(c["qr_url"], live_url)
    from ecert import verification

    saved = clock.now
    try:
        verification.invalidate_lists(world.platform)
        # the server's clock two hours behind: it signs a list that expired an hour ago
        clock.now = saved - dt.timedelta(hours=2)
        dom = chromium(local, tmp_path, "--dump-dom")
    finally:
        clock.now = saved
        verification.invalidate_lists(world.platform)
    assert verdict_of(dom) == "unknown", dom[:3000]
    assert "信任列表已过期" in dom
