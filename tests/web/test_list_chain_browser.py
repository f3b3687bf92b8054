"""The citizen page follows the list signer's chain (x509.js) in headless Chromium: lists
signed by the list-signing key (x5c: list certificate, issuing CA) verify against the pinned
root; a list signed by a department key (same chain, wrong EKU), by a key outside the chain,
or with the issuing CA left out, does not. Root-signed lists of older platforms are covered
by the published vectors (test_vectors_browser.py)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import World

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"


def _forged(world: World, jws: str, signer: Any, cert: bytes, chain: tuple[bytes, ...]) -> str:
    from ca.documents import sign_document
    from ca.jws import b64url_decode

    payload = json.loads(b64url_decode(jws.split(".")[1]))
    return sign_document(payload, signer, cert, chain)


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")
def test_page_checks_the_chain_and_the_list_key(world: World, live_url: str,
                                                tmp_path: Path) -> None:
    from ca.certs import describe_cert
    from ca.signer import MemorySigner
    from tests.web.cdp import Browser
    from verifier.lists import jwk_from_spki

    cert = world.issue()
    c = world.client
    trust, status = c.get("/pki/trust-list").text, c.get("/pki/status-list").text
    root = describe_cert(c.get("/pki/ca.crt").content)
    p = world.platform
    with p.store.transaction() as uow:
        key = p.pki.signing_key(uow, world.iss)
        _s, issuing, _chain = p.pki.issuer(uow)
        list_signer, list_cert, _x5c = p.pki.list_signer(uow)
    forged = {
        "dept": _forged(world, trust, key.signer, key.cert_der, (issuing,)),
        "stranger": _forged(world, trust, MemorySigner.generate("x"), list_cert, (issuing,)),
        "no-intermediate": _forged(world, trust, list_signer, list_cert, ()),
    }
    now = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    args = {"url": cert["qr_url"], "trust": trust, "status": status, "forged": forged, "now": now,
            "root": {"jwk": jwk_from_spki(root.public_key_der), "x5t": root.x5t_s256}}
    b = Browser(CHROMIUM, tmp_path / "profile")
    try:
        b.goto(live_url + "/v/" + cert["identifier"])
        b.wait("window.EcertVerify && window.EcertX509 && true")
        got: dict[str, Any] = b.js(
            "(async a => { const V = EcertVerify.verifyQrOffline, out = {};"
            "  out.good = (await V(a.url, a.trust, a.status, a.root, a.now)).verdict;"
            "  for (const k of Object.keys(a.forged)) {"
            "    out[k] = (await V(a.url, a.forged[k], a.status, a.root, a.now)).verdict; }"
            "  out.statusForged = (await V(a.url, a.trust, a.forged.dept, a.root, a.now)).verdict;"
            f"  return out; }})({json.dumps(args)})")
    finally:
        b.close()
    assert got["good"] == "valid", got
    for name in ("dept", "stranger", "no-intermediate", "statusForged"):
        assert got[name] != "valid", (name, got)
