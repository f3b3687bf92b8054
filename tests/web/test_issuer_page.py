"""The issuing department's page (/issuer) walked in headless Chromium against the live app:
sign in with the department's token, issue an art-troupe filing through the form generated from
the type's schema, see the recruitment-age rule's error beside its field, fix it, issue, change,
suspend with a reason, find it in the register, answer a holder's objection, and upload a small
CSV import whose progress bar reaches 100 %. Screenshots go to the test's tmp dir."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import auth
from tests.web.conftest import CHROMIUM

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")]


@pytest.fixture(scope="module")
def backend() -> str:
    """One database is enough here: the browser sees HTTP, not the store."""
    return "sqlite"


@pytest.fixture()
def troupe(client: Any, admin_token: str) -> str:
    """The prefecture culture department enrolled with its art-troupe type; its issuer token."""
    from producers import art_troupe
    from producers._common import DEPARTMENTS

    for code, name in DEPARTMENTS.values():
        r = client.post("/api/v1/departments", json={"code": code, "name": name},
                        headers=auth(admin_token))
        assert r.status_code == 201, r.text
    r = client.post("/api/v1/tokens", json={"role": "issuer", "dept": art_troupe.TYPE_CODE[:18],
                                            "label": "issuer page"}, headers=auth(admin_token))
    assert r.status_code == 201, r.text
    token: str = r.json()["token"]
    # a type takes effect when an administrator adds it (a department proposes it: approvals)
    r = client.post("/api/v1/catalog/types", json=art_troupe.DEFINITION,
                    headers=auth(admin_token))
    assert r.status_code == 201, r.text
    return token


def _fill(b: Any, form: str, values: dict[str, str]) -> None:
    b.js(f"""(function () {{
      var v = {json.dumps(values, ensure_ascii=False)};
      Object.keys(v).forEach(function (k) {{
        var c = document.querySelector('#{form} [data-field="' + k + '"] [name]');
        c.value = v[k];
        c.dispatchEvent(new Event('change'));
      }});
    }})()""")


def _click(b: Any, selector: str) -> None:
    b.js(f"document.querySelector({selector!r}).click()")


def _import_csv(path: Path) -> int:
    from producers import art_troupe

    events = art_troupe.sample_events(4)[1:4]
    cols = ["holder_name", "holder_code", "troupe", "contracting_dept", "post", "recruited_on",
            "contract_start", "contract_end", "filing_no", "valid_to"]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for e in events:
            row = {k: str(v) for k, v in dataclasses.asdict(e).items()}
            w.writerow([row[c] for c in cols])
    return len(events)


def test_issuer_page_walks_issue_change_suspend_register_objection_import(
        client: Any, platform: Any, troupe: str, live_url: str, browser: Any,
        tmp_path: Path) -> None:
    from ecert.cli.common import cli_actor
    from formats.idnumber import make_citizen_id
    from producers import art_troupe

    b = browser
    b.goto(live_url + "/issuer")
    b.js(f"document.getElementById('token').value = {troupe!r};"
         "document.getElementById('save-token').click()")
    b.wait("document.querySelectorAll('#i-type option').length > 1")
    b.js(f"var s = document.getElementById('i-type'); s.value = {art_troupe.TYPE_CODE!r};"
         "s.dispatchEvent(new Event('change'))")
    # the form follows the schema: an enum is a select, a date a date input, required marked
    kinds = b.wait("document.querySelector('#i-form [data-field=\"post\"] select') && "
                   "JSON.stringify([document.querySelectorAll('#i-form [data-field=\"post\"] option').length,"
                   "document.querySelector('#i-form [data-field=\"recruited_on\"] input').type,"
                   "!!document.querySelector('#i-form [data-field=\"troupe\"] .req'),"
                   "document.querySelector('#i-form [data-field=\"troupe\"] label').textContent])")
    assert json.loads(kinds) == [len(art_troupe.POSTS) + 1, "date", True, "艺术团名称 *"]

    typo = make_citizen_id("54022119960501003")   # born 1996: 30 at recruitment
    right = make_citizen_id("54022120060501003")  # born 2006: 20
    form = {"holder.name": "次仁卓玛", "holder.code": typo, "troupe": "定日县艺术团",
            "contracting_dept": "定日县文化局", "post": "歌唱演员", "recruited_on": "2026-06-01",
            "contract_start": "2026-06-01", "contract_end": "2029-05-31",
            "filing_no": "RKZWHBA20269001"}
    _fill(b, "i-form", {**form, "troupe": "定日县歌舞团"})
    _click(b, "#i-go")  # the schema refuses first (pattern), in Chinese beside the field
    err = b.wait("(function(){var p = document.querySelector("
                 "'#i-form [data-field=\"troupe\"] .field-error');"
                 "return p && !p.hidden && p.textContent;})()")
    assert err == "格式不符", err
    _fill(b, "i-form", {"troupe": form["troupe"]})
    _click(b, "#i-go")  # then the type's rule
    err = b.wait("(function(){var p = document.querySelector("
                 "'#i-form [data-field=\"recruited_on\"] .field-error');"
                 "return p && !p.hidden && p.textContent;})()")
    assert err == "录用时年龄应在15-22岁之间", err  # the rule's message, in the page's language
    assert b.js("document.querySelector('#i-form [data-field=\"troupe\"] .field-error').hidden")
    assert b.js("document.querySelector('#i-form [data-field=\"recruited_on\"] input')"
                ".getAttribute('aria-invalid')") == "true"
    b.screenshot(tmp_path / "1-rule-error.png")

    _fill(b, "i-form", {"holder.code": right})
    _click(b, "#i-go")
    ident = b.wait("document.getElementById('i-issued') && "
                   "document.querySelector('#i-result dd').textContent")
    assert ident.startswith("1.2.156.3005.2." + art_troupe.TYPE_CODE), ident
    assert b.js("document.querySelector('#i-form .field-error:not([hidden])')") is None
    assert f"/v/{ident}#" in b.js("document.getElementById('i-citizen').href")
    _click(b, "#i-pdf")
    pdf = b.wait("document.getElementById('i-pdf-link') && JSON.stringify(["
                 "document.getElementById('i-pdf-link').dataset.type,"
                 "+document.getElementById('i-pdf-link').dataset.size,"
                 "document.getElementById('i-pdf-link').href.slice(0, 5)])", timeout=30)
    kind, size, href = json.loads(pdf)
    assert (kind, href) == ("application/pdf", "blob:") and size > 10_000, pdf
    b.js("document.getElementById('i-result').scrollIntoView()")
    b.screenshot(tmp_path / "2-issued.png")

    # the register lists it; open it, change it through the prefilled form, suspend it
    b.wait(f"!!document.querySelector('#r-table tr[data-identifier=\"{ident}\"]')")
    _click(b, f"#r-table tr[data-identifier=\"{ident}\"] button")
    b.wait(f"document.getElementById('c-fields').dataset.identifier === {ident!r}")
    assert b.js("document.querySelector('#c-form [data-field=\"troupe\"] input').value") == "定日县艺术团"
    _fill(b, "c-form", {"filing_no": "RKZWHBA20269001-1"})
    b.js("document.getElementById('c-change-reason').value = '备案编号更正'")
    _click(b, "#c-change")
    changed = b.wait("document.getElementById('c-fields').dataset.identifier !== "
                     f"{ident!r} && document.getElementById('c-fields').dataset.identifier")
    assert changed.split(".")[-2] == "002", changed
    _click(b, "#c-go")  # no reason: refused on the page, nothing sent
    assert b.wait("document.getElementById('error').textContent") == "请填写理由"
    b.js("document.getElementById('c-event').value = 'suspend';"
         "document.getElementById('c-reason').value = '涉嫌违规，暂停使用'")
    _click(b, "#c-go")
    b.wait("document.getElementById('c-fields').dataset.status === '02'")
    row = b.wait(f"(function(){{var r = document.querySelector('#r-table tr[data-identifier=\"{changed}\"]');"
                 "return r && r.textContent.includes('02 暂停') && r.textContent;})()")
    assert right not in row  # the register masks the holder
    b.js("document.getElementById('r-status').value = '02'")
    _click(b, "#r-csv")  # the export of the same filter, fetched with the token
    exported = b.wait("document.getElementById('r-csv-link') && "
                      "document.getElementById('r-csv-link').dataset.type")
    assert exported.startswith("text/csv"), exported
    b.js("document.getElementById('r-status').value = ''")
    got = client.get(f"/api/v1/certificates/{changed}", headers=auth(troupe)).json()
    assert got["status"] == "02" and got["events"][-1]["reason"] == "涉嫌违规，暂停使用"
    b.js("document.getElementById('cert-card').scrollIntoView()")
    b.screenshot(tmp_path / "3-suspended.png")

    # the holder objects; the department answers on the page
    holder = platform.create_token(role="holder", dept_code=None, holder_code=right,
                                   label="holder", ttl_days=1, actor=cli_actor()).secret
    r = client.post("/api/v1/objections", headers=auth(holder),
                    json={"identifier": changed, "reason": "合同期记载有误"})
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    _click(b, "#o-load")
    b.wait(f"!!document.querySelector('#o-list li[data-objection=\"{oid}\"]')")
    b.js(f"document.getElementById('o-answer-{oid}').value = '经核实合同期记载无误，维持原证照'")
    _click(b, f"#o-list li[data-objection=\"{oid}\"] button.answer")
    b.wait("document.getElementById('o-list').textContent.includes('暂无待答复的异议')")
    answered = [o for o in client.get("/api/v1/objections", headers=auth(troupe)).json()
                if o["id"] == oid]
    assert answered[0]["state"] != "open" and answered[0]["answer"].startswith("经核实")

    # a small import: the bar follows the status endpoint to 100 %
    n = _import_csv(tmp_path / "troupe.csv")
    doc = b.call("DOM.getDocument", b.session)["root"]["nodeId"]
    node = b.call("DOM.querySelector", b.session, nodeId=doc, selector="#m-file")["nodeId"]
    b.call("DOM.setFileInputFiles", b.session, nodeId=node, files=[str(tmp_path / "troupe.csv")])
    b.js(f"document.getElementById('m-type').value = {art_troupe.TYPE_CODE!r}")
    _click(b, "#m-go")
    b.wait("document.getElementById('m-bar').value === 100", timeout=30)
    text = b.js("document.getElementById('m-text').textContent")
    assert f"已处理 {n} / {n} 行" in text and f"签发 {n}" in text, text
    assert b.js("document.getElementById('m-bar').dataset.state") == "done"
    b.wait(f"document.querySelectorAll('#r-table tr[data-identifier]').length === {n + 1}")
    b.js("document.getElementById('import-card').scrollIntoView()")
    b.screenshot(tmp_path / "4-imported.png")
    assert b.js("document.querySelector('#i-form [data-field]') !== null")


def test_issuer_page_in_tibetan(troupe: str, live_url: str, browser: Any) -> None:
    from producers import art_troupe

    b = browser
    b.goto(live_url + "/issuer?lang=bo")
    h1 = b.js("document.querySelector('h1').textContent")
    assert h1 and "签发" not in h1 and any("\u0f00" <= ch <= "\u0fff" for ch in h1), h1
    assert b.js("document.documentElement.lang") == "bo"
    b.js(f"document.getElementById('token').value = {troupe!r};"
         "document.getElementById('save-token').click()")
    b.wait("document.querySelectorAll('#i-type option').length > 1")
    b.js(f"var s = document.getElementById('i-type'); s.value = {art_troupe.TYPE_CODE!r};"
         "s.dispatchEvent(new Event('change'))")
    # the scripts' words come from the catalog; the type's own labels stay as defined
    hint = b.wait("document.querySelector('#i-form [data-field=\"filing_no\"] .hint')"
                  ".textContent")
    assert hint == "ཡིག་འབྲུ་ 30 ལས་མི་བརྒལ།", hint
    assert b.js("document.querySelector('#i-form [data-field=\"post\"] option').textContent") \
        == "འདེམས་རོགས།"
    assert b.js("document.querySelector('#c-event option').textContent") == "གནས་སྐབས་མཚམས་འཇོག"


def test_every_chinese_text_of_the_issuer_scripts_is_in_the_tibetan_catalog() -> None:
    """The scripts' words reach a Tibetan page through EcertT (static/i18n.js): each literal
    is a msgid (a trailing "：" joins a value, which EcertT translates part by part)."""
    import re

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    with (root / "ecert/http/locale/bo/LC_MESSAGES/messages.po").open("rb") as f:
        cat = {m.id: m.string for m in read_po(f, locale="bo") if m.id and m.string}
    missing = []
    for name in ("issuer.js", "issuer-form.js", "issuer-ops.js"):
        text = re.sub(r"/\*.*?\*/", "", (root / "ecert/http/static" / name).read_text("utf-8"),
                      flags=re.S)
        for literal in re.findall(r"'([^']*[\u4e00-\u9fff][^']*)'", text):
            if not cat.get(literal.rstrip("：")):
                missing.append((name, literal))
    assert missing == []
