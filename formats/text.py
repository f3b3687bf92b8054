"""Text that the platform signs, stores, prints and exports.

Two rules, each in one place:

* Text in certificate data and in the free-text fields of the API is Unicode NFC and carries no
  character a reader cannot see: no control characters (NUL, escape; newlines only where a field
  is multi-line), no bidirectional overrides or isolates (U+202A–202E, U+2066–2069, which make a
  printed name read differently from the signed one), no zero-width characters (U+200B–200D,
  U+2060, U+FEFF) and no lone surrogates (which cannot be encoded, so cannot be signed).
  :func:`text_problem` says what is wrong with one string; :func:`clean_tree` normalises a
  JSON-like tree and lists every failing field.
* Every CSV cell the platform writes goes through :func:`csv_cell`: a cell that a spreadsheet
  would run as a formula (it starts with ``= + - @``, tab or carriage return) gets a leading
  apostrophe (OWASP "CSV injection"); plain numbers stay as they are.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

BIDI_CONTROLS = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F,
                           0x061C])
ZERO_WIDTH = frozenset([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF])
MULTILINE_ALLOWED = frozenset("\n\t")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?\Z")

Problem = dict[str, str]


# Every character the loop below may refuse (Cc: U+0000-001F and U+007F-009F; Zl, Zp; Cs),
# so that text without any of them is passed in one regex search (a bulk import checks
# every string of every row).
_SUSPECT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff"
                      + "".join(re.escape(chr(c)) for c in sorted(BIDI_CONTROLS | ZERO_WIDTH))
                      + "]")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` may not be signed or stored as text, or None when it may."""
    if _SUSPECT.search(value) is None:
        return None
    for ch in value:
        cp = ord(ch)
        if cp in BIDI_CONTROLS:
            return f"不允许的双向控制字符 / bidirectional control character U+{cp:04X}"
        if cp in ZERO_WIDTH:
            return f"不允许的零宽字符 / zero-width character U+{cp:04X}"
        category = unicodedata.category(ch)
        if category == "Cs":
            return "无效的字符 / lone surrogate (not valid Unicode text)"
        if category in ("Cc", "Zl", "Zp") and not (multiline and ch in MULTILINE_ALLOWED):
            what = "换行 / line break" if ch in "\r\n\u2028\u2029" else "控制字符 / control character"
            return f"不允许的{what} U+{cp:04X}"
    return None


def normalise(value: str) -> str:
    """NFC: the one form in which text is signed and compared."""
    return unicodedata.normalize("NFC", value)


def clean_text(value: str, field: str, *, multiline: bool = False) -> tuple[str, list[Problem]]:
    """`value` in NFC, and the problem with it (as a per-field error), if any."""
    problem = text_problem(value, multiline=multiline)
    if problem is not None:
        return value, [{"field": field, "message": problem}]
    return normalise(value), []


def clean_tree(data: Any, field: str = "", *, multiline: bool = False
               ) -> tuple[Any, list[Problem]]:
    """`data` (JSON-like: dicts, lists, scalars) with every string in NFC, and a per-field error
    for every key or string that :func:`text_problem` refuses. Field paths are dotted."""
    if isinstance(data, str):
        return clean_text(data, field or "value", multiline=multiline)
    problems: list[Problem] = []
    if isinstance(data, Mapping):
        out: dict[Any, Any] = {}
        for key, sub in data.items():
            path = f"{field}.{key}" if field else str(key)
            if isinstance(key, str) and (why := text_problem(key)) is not None:
                problems.append({"field": path, "message": why})
            out[key], found = clean_tree(sub, path, multiline=multiline)
            problems.extend(found)
        return out, problems
    if isinstance(data, list):
        items = []
        for i, sub in enumerate(data):
            item, found = clean_tree(sub, f"{field}.{i}" if field else str(i), multiline=multiline)
            items.append(item)
            problems.extend(found)
        return items, problems
    return data, problems


def csv_cell(value: Any) -> Any:
    """`value` safe to open in a spreadsheet: formulas become text, numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _NUMBER.match(value):
        return "'" + value
    return value


def csv_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Every cell of a CSV row through :func:`csv_cell`."""
    return {key: csv_cell(value) for key, value in row.items()}
