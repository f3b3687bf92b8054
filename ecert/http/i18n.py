"""Languages of the pages: Chinese (zh-CN, the source text) and Tibetan (bo).

The messages are gettext catalogs kept as ``.po`` files under ``ecert/http/locale`` (msgid: the
Chinese text, msgstr: its Tibetan). They are compiled with Babel when first needed (``.po`` →
``.mo`` in memory → :class:`gettext.GNUTranslations`), so no compiled file is committed and none
can go stale; ``./dev i18n`` compiles them with ``pybabel`` and fails on a broken catalog.
Fuzzy or empty entries are not used: the Chinese shows instead (never an invented word).

The reader's choice is kept in a cookie (``ecert_lang``, one year, the switch on every page
sets it); ``?lang=`` sets it too, and without either the browser's Accept-Language decides.
See docs/i18n.md for the terms and where each comes from.
"""

from __future__ import annotations

import functools
import gettext
import io
import json
from collections.abc import Callable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from starlette.requests import Request

__all__ = ["COOKIE", "DEFAULT", "LANGS", "LANG_NAMES", "catalog", "js_messages", "pick",
           "translator"]

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
DEFAULT = "zh-CN"
LANGS = ("zh-CN", "bo")
LANG_NAMES = {"zh-CN": "中文", "bo": "བོད་ཡིག"}
"""Each language named in itself (the switch shows these)."""
COOKIE = "ecert_lang"
COOKIE_AGE = 365 * 24 * 3600


def _normalise(value: str | None) -> str | None:
    v = (value or "").strip().lower()
    if v.startswith("bo"):
        return "bo"
    if v.startswith("zh"):
        return "zh-CN"
    return None


def pick(request: Request) -> str:
    """The page language: ``?lang=``, then the cookie, then Accept-Language, then zh-CN."""
    for value in (request.query_params.get("lang"), request.cookies.get(COOKIE)):
        lang = _normalise(value)
        if lang:
            return lang
    for part in request.headers.get("accept-language", "").split(","):
        lang = _normalise(part.split(";")[0])
        if lang:
            return lang
    return DEFAULT


@functools.cache
def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (zh-CN: the source text itself)."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == DEFAULT or not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as f:
        cat = read_po(f, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def translator(lang: str) -> Callable[[str], str]:
    return catalog(lang).gettext


@functools.cache
def js_messages(lang: str) -> str:
    """Every translated message of ``lang`` as JSON for the pages' scripts (``EcertT``)."""
    if lang == DEFAULT:
        return "{}"
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as f:
        cat = read_po(f, locale=lang)
    pairs = {m.id: m.string for m in cat if m.id and isinstance(m.id, str)
             and isinstance(m.string, str) and m.string and not m.fuzzy}
    # "</" never appears inside the <script> element that carries it
    return json.dumps(pairs, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
