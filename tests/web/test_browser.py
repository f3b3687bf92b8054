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
def backend() -> str:
    """One database is enough here: the browser sees HTTP, not the store."""
    return "sqlite"


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
    from ecert.services import verification

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


@pytest.fixture()
def browser(tmp_path: Path):  # type: ignore[no-untyped-def]
    from tests.web.cdp import Browser

    b = Browser(CHROMIUM, tmp_path / "cdp-profile")
    try:
        yield b
    finally:
        b.close()


def test_holder_staff_and_audit_pages(world: World, live_url: str, browser, tmp_path: Path
                                      ) -> None:  # type: ignore[no-untyped-def]
    c = world.issue()
    ident = c["identifier"]
    # holder: paste the token, list, open, present (QR image as data: URL), look-up history
    browser.goto(live_url + "/holder")
    browser.js(f"document.getElementById('token').value = {world.tokens['holder']!r};"
               "document.getElementById('save-token').click()")
    browser.wait(f"document.getElementById('certs').textContent.includes({ident!r})")
    assert browser.js("sessionStorage.length") == 1
    browser.js("document.querySelector('#certs button').click()")
    browser.wait("!document.getElementById('detail').hidden && "
                 "document.getElementById('detail-fields').textContent.length > 0")
    assert world.holder_code in browser.js("document.getElementById('detail-fields').textContent")
    browser.js("document.getElementById('present').click()")
    src = browser.wait("document.getElementById('qr').src.startsWith('data:image/png') && "
                       "document.getElementById('qr').src")
    assert len(src) > 500
    browser.screenshot(tmp_path / "holder.png")
    shutil.copy(tmp_path / "holder.png", "/tmp/ecert-holder.png")

    # staff: lookup with purpose → masked record and verdict; without purpose → error shown
    browser.goto(live_url + "/staff")
    browser.js(f"document.getElementById('token').value = {world.tokens['user']!r};"
               "document.getElementById('save-token').click();"
               f"document.getElementById('q-id').value = {ident!r};"
               "document.getElementById('q-purpose').value = '行政审批';"
               "document.getElementById('q-go').click()")
    text = browser.wait("document.getElementById('q-result').textContent.includes('真实有效') && "
                        "document.getElementById('q-result').textContent")
    assert "张**" in text and world.holder_code not in text
    browser.js("document.getElementById('q-purpose').value = '';"
               "document.getElementById('q-go').click()")
    assert "用证事由" in browser.wait("!document.getElementById('error').hidden && "
                                  "document.getElementById('error').textContent")
    browser.screenshot(tmp_path / "staff.png")
    shutil.copy(tmp_path / "staff.png", "/tmp/ecert-staff.png")

    # holder history now shows the staff lookup with its purpose
    acc = world.client.get(f"/api/v1/holder/certificates/{ident}/accesses",
                           headers=world.h("holder")).json()
    assert any(a["purpose"] == "行政审批" for a in acc)

    # audit: signed tree head and recent entries
    browser.goto(live_url + "/audit")
    browser.js(f"document.getElementById('token').value = {world.tokens['auditor']!r};"
               "document.getElementById('save-token').click()")
    browser.wait("document.getElementById('entries').textContent.includes('certificate.lookup')")
    assert browser.js("document.getElementById('sth').textContent.includes('tree_size')")


def test_service_worker_verifies_offline(world: World, browser) -> None:  # type: ignore[no-untyped-def]
    """Prime the page on a second server, stop that server, and verify again from the cache."""
    import threading

    import uvicorn

    from ecert.http.app import create_app
    from ecert.services import verification
    from tests.api.conftest import free_port

    c = world.issue(name="格桑")
    verification.invalidate_lists(world.platform)  # the status list must know this certificate
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(world.platform.settings, world.platform),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        browser.wait("true")
        for _ in range(100):
            if server.started:
                break
            __import__("time").sleep(0.05)
        local = on_live(c["qr_url"], f"http://127.0.0.1:{port}")
        browser.goto(local)
        browser.wait("document.getElementById('result').dataset.verdict === 'valid'")
        browser.wait("navigator.serviceWorker.ready.then(() => true)")
        browser.goto("about:blank")  # same URL with a fragment would not reload
        browser.goto(local)  # now controlled by the service worker, which caches the page
        browser.wait("navigator.serviceWorker.controller !== null")
        browser.wait("document.getElementById('result').dataset.verdict === 'valid'")
        browser.wait("caches.open('ecert-v3').then(c => c.match('/v/__shell__'))"
                     ".then(r => !!r)")
    finally:
        server.should_exit = True
        thread.join(timeout=5)
    browser.goto("about:blank")
    browser.goto(local)  # the server is gone: page, script and lists come from the cache
    verdict = browser.wait("['valid','unknown','invalid'].includes("
                           "document.getElementById('result').dataset.verdict) && "
                           "document.getElementById('result').dataset.verdict")
    text = browser.js("document.body.textContent")
    assert verdict == "valid", text
    assert "离线" in text and "信任列表签发于" in text
    # a tampered fragment is still caught offline
    browser.goto("about:blank")
    browser.goto(local[:-3] + ("AAA" if not local.endswith("AAA") else "BBB"))
    assert browser.wait("document.getElementById('result').dataset.verdict !== 'pending' && "
                        "document.getElementById('result').dataset.verdict") == "invalid"


def test_printed_qr1_code_still_verifies_and_qr2_shows_names(
        world: World, live_url: str, tmp_path: Path) -> None:
    """A legacy ecert/qr/1 fragment (typ ecert-qr+jws, x5t#S256, t/tn/iss/in) verifies in the
    browser like the ecert/qr/2 ones issued now; v2 pages show the names from elsewhere."""
    import base64
    import json

    from ca.jws import canonical_json, sign_jws
    from formats.masking import display_holder

    c = world.issue(name="格桑")
    ident = c["identifier"]
    p = world.platform
    with p.store.transaction() as uow:
        ver = uow.certificates.version_by_identifier(ident)
        rec, sha = json.loads(ver.canonical), ver.sha256
        key = p.pki.signing_key(uow, world.iss)
    h, hc = display_holder(rec["holder"]["name"], rec["holder"]["code"],
                           rec["holder"]["code_kind"])
    claims = {"spec": "ecert/qr/1", "id": ident, "t": rec["type"]["code"],
              "tn": rec["type"]["name"], "h": h, "hc": hc, "vf": rec["validity"]["from"],
              "vt": rec["validity"]["to"], "iss": rec["issuer"]["code"],
              "in": rec["issuer"]["name"], "iat": int(dt.datetime.fromisoformat(
                  rec["signed_at"].replace("Z", "+00:00")).timestamp()),
              "rh": base64.urlsafe_b64encode(bytes.fromhex(sha)[:16]).rstrip(b"=").decode()}
    jws = sign_jws(canonical_json(claims), key.signer, key.cert_der, include_x5c=False,
                   typ="ecert-qr+jws")
    dom = chromium(f"{live_url}/v/{ident}#{jws}", tmp_path, "--dump-dom")
    assert verdict_of(dom) == "valid", dom[:3000]
    assert rec["type"]["name"] in dom and rec["issuer"]["name"] in dom
    dom2 = chromium(on_live(c["qr_url"], live_url), tmp_path, "--dump-dom")
    assert verdict_of(dom2) == "valid", dom2[:3000]
    assert rec["type"]["name"] in dom2 and rec["issuer"]["name"] in dom2 and "格*" in dom2


def test_api_docs_render_without_network(live_url: str, tmp_path: Path) -> None:
    """The API documentation page renders in a real browser from the platform's own assets."""
    dom = chromium(live_url + "/api/docs", tmp_path, "--dump-dom")
    assert "/api/v1/certificates" in dom and "opblock" in dom, dom[:2000]


def test_page_verifies_again_when_only_the_fragment_changes(
        world: World, live_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    """/v/X#genuine then /v/X#forged in the same tab: the page must not keep showing valid."""
    c = world.issue(name="卓玛")
    local = on_live(c["qr_url"], live_url)
    verdict = "document.getElementById('result').getAttribute('data-verdict')"
    browser.goto(local)
    assert browser.wait(f"{verdict} !== 'pending' && {verdict}") == "valid"
    import base64
    import json

    head, payload, sig = local.split("#", 1)[1].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims[3] = "2099-12-31"  # vt in the packed ecert/qr/3 claims; signature unchanged
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = f"{head}.{body}.{sig}"
    browser.js(f"location.hash = {forged!r}")
    assert browser.wait(f"{verdict} !== 'pending' && {verdict} !== 'valid' && {verdict}") \
        == "invalid"
    browser.js(f"location.hash = {local.split('#', 1)[1]!r}")  # and back: valid again
    assert browser.wait(f"{verdict} === 'valid' && {verdict}") == "valid"
