"""verify.js runs every published QR case (docs/vectors/qr-cases.json) in headless Chromium,
with WebCrypto, and must agree with the case's verdict and reason, as the Python verifier
does (tests/verifier/test_verifier_vectors.py). The page's constants come from /spec.js
(`formats.spec.as_json`); the script retypes none of them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
VEC = REPO / "docs" / "vectors"
STATIC = REPO / "ecert" / "http" / "static"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"


def _root(vec: Path = VEC) -> dict[str, str]:
    from ca.certs import der_from_pem, describe_cert
    from verifier.lists import jwk_from_spki

    info = describe_cert(der_from_pem((vec / "root.pem").read_text()))
    return {"jwk": jwk_from_spki(info.public_key_der), "x5t": info.x5t_s256}


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")
def test_verify_js_agrees_with_every_qr_vector(live_url: str, tmp_path: Path) -> None:
    from tests.web.cdp import Browser

    doc = json.loads((VEC / "qr-cases.json").read_text())
    now_ms = int(__import__("datetime").datetime.fromisoformat(
        doc["check_at"].replace("Z", "+00:00")).timestamp() * 1000)
    args = {"trust": (VEC / "trust-list.jws").read_text().strip(),
            "status": (VEC / "status-list.jws").read_text().strip(), "root": _root(),
            "now": now_ms, "cases": doc["cases"]}
    b = Browser(CHROMIUM, tmp_path / "profile")
    try:
        b.goto(live_url + "/v/" + doc["cases"][0]["url"].split("/v/", 1)[1].split("#")[0])
        b.wait("window.EcertVerify && true")
        got: list[dict[str, Any]] = b.js(
            f"(async a => {{ const out = []; for (const c of a.cases) {{"
            f"  const r = await EcertVerify.verifyQrOffline(c.url, a.trust, a.status, a.root, a.now);"
            f"  out.push({{name: c.name, verdict: r.verdict,"
            f"    reasons: r.checks.filter(k => k.passed !== true).map(k => k.reason)}}); }}"
            f"  return out; }})({json.dumps(args)})")
    finally:
        b.close()
    assert got is not None and len(got) == len(doc["cases"])
    wrong = [(c["name"], c["verdict"], c["reason"], g)
             for c, g in zip(doc["cases"], got, strict=True)
             if g["verdict"] != c["verdict"] or (c["reason"] and c["reason"] not in g["reasons"])]
    assert not wrong, wrong


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")
def test_verify_js_agrees_with_every_qr3_vector(live_url: str, tmp_path: Path) -> None:
    """ecert/qr/3 (issue #9 §2): the packed claims rebuilt, the one shard's signature, digest
    and bits read in the browser (DecompressionStream), no status list."""
    import base64

    from tests.web.cdp import Browser

    vec = VEC / "qr3"
    doc = json.loads((vec / "qr-cases.json").read_text())
    now_ms = int(__import__("datetime").datetime.fromisoformat(
        doc["check_at"].replace("Z", "+00:00")).timestamp() * 1000)
    shards = {sig.stem.rsplit("-", 1)[1]: {
        "jws": sig.read_text().strip(),
        "gz": base64.b64encode(sig.with_suffix(".gz").read_bytes()).decode()}
        for sig in vec.glob("status-shard-*.jws")}
    args = {"trust": (vec / "trust-list.jws").read_text().strip(), "root": _root(vec),
            "now": now_ms, "cases": doc["cases"], "shards": shards, "size": 131072}
    b = Browser(CHROMIUM, tmp_path / "profile")
    try:
        b.goto(live_url + "/v/" + doc["cases"][0]["url"].split("/v/", 1)[1].split("#")[0])
        b.wait("window.EcertVerify && true")
        got: list[dict[str, Any]] = b.js(
            "(async a => { const out = []; for (const c of a.cases) {"
            "  const packed = JSON.parse(atob(c.url.split('#')[1].split('.')[1]"
            "    .replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil("
            "    c.url.split('#')[1].split('.')[1].length / 4) * 4, '=')));"
            "  const n = Math.floor(packed[6] / a.size), s = a.shards[n] || a.shards['0'];"
            "  const gz = Uint8Array.from(atob(s.gz), ch => ch.charCodeAt(0));"
            "  const r = await EcertVerify.verifyQrOffline(c.url, a.trust, null, a.root, a.now,"
            "    {number: a.shards[n] ? n : 0, jws: s.jws, gz: gz});"
            "  out.push({name: c.name, verdict: r.verdict,"
            "    reasons: r.checks.filter(k => k.passed !== true).map(k => k.reason)}); }"
            f"  return out; }})({json.dumps(args)})")
    finally:
        b.close()
    assert got is not None and len(got) == len(doc["cases"])
    wrong = [(c["name"], c["verdict"], c["reason"], g)
             for c, g in zip(doc["cases"], got, strict=True)
             if g["verdict"] != c["verdict"] or (c["reason"] and c["reason"] not in g["reasons"])]
    assert not wrong, wrong


def test_scripts_retype_no_status_table_or_verdict_words() -> None:
    """Status codes, verdict words, QR typ values and the kid length live in formats only."""
    from formats.spec import as_json

    spec = as_json()
    for name in ("verify.js", "common.js", "sw.js"):
        text = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"['\"]0[1-7]['\"]|['\"]99['\"]", text), name
        for verdict in spec["verdicts"].values():  # as a table entry: a quoted literal
            for word in (verdict["headline"], verdict["advice"]):
                assert f"'{word}'" not in text and f'"{word}"' not in text, (name, word)
        for typ in spec["qr"]["spec_by_typ"]:
            assert f"'{typ}'" not in text and f'"{typ}"' not in text, name
        assert "KID_CHARS = 12" not in text, name


def test_spec_script_is_formats_spec(client) -> None:  # type: ignore[no-untyped-def]
    from formats.spec import as_json

    r = client.get("/spec.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    body = r.text.removeprefix("var EcertSpec = ").rstrip().removesuffix(";")
    served = json.loads(body)
    assert {k: v for k, v in served.items() if k != "lists"} == as_json()
    assert served["lists"] == {"trust": "ecert/trust-list/1", "status": "ecert/status-list/1"}
    page = client.get("/v/1.2.156.3005.2.x").text
    assert page.index('src="/spec.js"') < page.index('src="/static/verify.js"')
