"""The Tibetan catalog (ecert/http/locale/bo): complete for the citizen, holder and staff
pages, in Tibetan script, placeholders kept, every term listed in docs/i18n.md."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from ecert.http import i18n
from formats.status import STATUSES, VERDICT_TEXT

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "ecert" / "http" / "templates"
PO = ROOT / "ecert" / "http" / "locale" / "bo" / "LC_MESSAGES" / "messages.po"
MSGID = re.compile(r"""_\((["'])(.+?)\1\)""")
TIBETAN = re.compile(r"[\u0f00-\u0fff]")


def _catalog() -> dict[str, str]:
    with PO.open("rb") as f:
        return {m.id: m.string for m in read_po(f, locale="bo") if m.id}


def test_every_page_message_of_citizen_holder_and_staff_pages_is_translated() -> None:
    cat = _catalog()
    missing = []
    for name in ("base.html", "verify.html", "presentation.html", "holder.html", "staff.html",
                 "_signin.html"):
        for _q, msgid in MSGID.findall((TEMPLATES / name).read_text(encoding="utf-8")):
            if not cat.get(msgid):
                missing.append((name, msgid))
    assert not missing, missing


def test_every_status_and_verdict_word_is_translated() -> None:
    cat = _catalog()
    words = [w for s in STATUSES.values() for w in (s.headline, s.advice)]
    words += [w for t in VERDICT_TEXT.values() for w in (t.headline, t.summary, t.advice)]
    assert [w for w in words if not cat.get(w)] == []
    # 撤销 and 吊销 stay two words in Tibetan too
    assert cat["已撤销"] != cat["已吊销"] and cat["已转移"] != cat["已注销"]


def test_translations_are_tibetan_script_with_their_placeholders() -> None:
    for msgid, msgstr in _catalog().items():
        assert TIBETAN.search(msgstr), msgid
        assert sorted(re.findall(r"\{\d\}", msgid)) == sorted(re.findall(r"\{\d\}", msgstr)), msgid
        assert not re.search(r"[\u4e00-\u9fff]", msgstr), msgid  # no Chinese left inside


def test_the_catalog_compiles_and_every_term_is_in_the_glossary() -> None:
    t = i18n.translator("bo")
    assert t("证照核验") == "ལག་ཁྱེར་ཞིབ་བཤེར།"
    assert i18n.translator("zh-CN")("证照核验") == "证照核验"
    doc = (ROOT / "docs" / "i18n.md").read_text(encoding="utf-8")
    assert [m for m in _catalog() if f"| {m} |" not in doc] == []


def test_language_is_chosen_by_query_then_cookie_then_accept_language(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/holder", headers={"Accept-Language": "bo-CN,bo;q=0.9"})
    assert r.headers["content-language"] == "bo" and 'lang="bo"' in r.text
    r = client.get("/holder")
    assert r.headers["content-language"] == "zh-CN"
    r = client.get("/holder?lang=bo")
    assert r.headers["content-language"] == "bo" and "ecert_lang=bo" in r.headers["set-cookie"]
    client.cookies.set("ecert_lang", "bo")
    r = client.get("/staff")
    assert r.headers["content-language"] == "bo" and "ལས་ཁུངས་ཀྱི་ལག་འཁྱེར་ཨང་།" in r.text
