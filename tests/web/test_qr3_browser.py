"""``ecert/qr/3`` in headless Chromium (issue #9 §2): the page checks the signature of the
packed claims, fetches the one status shard the code names (root-signed, checked with
WebCrypto, gzip read with DecompressionStream) and the service worker keeps the shard,
revalidating it with its ETag. Valid, then revoked after revocation, and a forged fragment
is invalid."""

from __future__ import annotations

import json
import shutil
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from ca.jws import b64url, b64url_decode
from formats.statuslist import SHARD_SIZE
from tests.web.conftest import World

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")]
DONE = ("document.getElementById('result').getAttribute('data-verdict') !== 'pending' && "
        "document.getElementById('result').getAttribute('data-verdict')")


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"


@pytest.fixture()
def browser(tmp_path: Path):  # type: ignore[no-untyped-def]
    from tests.web.cdp import Browser

    b = Browser(CHROMIUM, tmp_path / "cdp-profile")
    try:
        yield b
    finally:
        b.close()


def _local(url: str, live: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return live + parts.path + "#" + parts.fragment


def _verdict(browser: Any) -> str:
    browser.wait("!!document.getElementById('result')")
    return str(browser.wait(DONE, timeout=20))


def _reload(browser: Any) -> None:
    browser.js("window.__stale = 1; location.reload()")
    browser.wait("!window.__stale && document.readyState === 'complete'")


def _checks(browser: Any) -> str:
    return str(browser.js("document.getElementById('checks').textContent"))


def _cached_etag(browser: Any, shard: int) -> Any:
    return browser.js(f"caches.open('ecert-v3').then(c => c.match('/pki/status/{shard}'))"
                      ".then(r => r ? r.headers.get('ETag') : null)")


def test_qr3_in_the_browser_valid_then_revoked_and_forged_invalid(
        world: World, live_url: str, browser: Any) -> None:
    c = world.issue(name="阿旺晋美次仁多吉")
    si = c["record"]["status_index"]
    shard = si // SHARD_SIZE
    local = _local(c["qr_url"], live_url)
    browser.goto(local)
    assert _verdict(browser) == "valid", _checks(browser)
    assert "状态分片" in _checks(browser) and "真实有效" in _checks(browser)
    browser.wait("navigator.serviceWorker.controller !== null || "
                 "navigator.serviceWorker.ready.then(() => true)")
    _reload(browser)  # the service worker controls the page now
    assert _verdict(browser) == "valid"
    etag = browser.wait(f"caches.open('ecert-v3').then(c => c.match('/pki/status/{shard}'))"
                        ".then(r => r ? r.headers.get('ETag') : null)")
    assert etag == world.client.get(f"/pki/status/{shard}").headers["etag"]

    world.status(c["identifier"], "revoke")
    _reload(browser)
    assert _verdict(browser) == "revoked", _checks(browser)
    assert "状态分片" in _checks(browser)
    fresh = world.client.get(f"/pki/status/{shard}").headers["etag"]
    assert fresh != etag and _cached_etag(browser, shard) == fresh  # revalidated, kept
    # offline the shard alone decides (EcertVerify, as docs/vectors run it)
    offline = browser.js(
        "(async () => { var root = JSON.parse(document.getElementById('trust-root').textContent);"
        f"var r = await fetch('/pki/status/{shard}'); var gz = new Uint8Array(await r.arrayBuffer());"
        "var t = await (await fetch('/pki/trust-list')).text();"
        f"var v = await EcertVerify.verifyQrOffline({json.dumps(local)}, t, null, root, Date.now(),"
        f" {{number: {shard}, jws: r.headers.get('Ecert-Shard-Signature'), gz: gz}});"
        "return v.verdict; })()")
    assert offline == "revoked"

    head, payload, sig = local.split("#", 1)[1].split(".")
    packed = json.loads(b64url_decode(payload))
    packed[3] = "2099-12-31"  # a longer validity under the issued signature
    forged = f"{head}.{b64url(json.dumps(packed, ensure_ascii=False).encode())}.{sig}"
    browser.js("document.getElementById('result').setAttribute('data-verdict', 'pending');"
               f"location.hash = {json.dumps(forged)}")  # the same tab, only the fragment
    assert _verdict(browser) == "invalid", _checks(browser)
