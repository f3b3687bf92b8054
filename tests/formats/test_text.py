"""formats.text: one rule for text we sign, one for CSV cells we write."""

from __future__ import annotations

import pytest

from formats.text import clean_tree, csv_cell, csv_row, text_problem


@pytest.mark.parametrize("bad", ["a\x00b", "a\nb", "a\rb", "a\u2028b", "a\x1bb", "a\u202ab",
                                 "a\u202eb", "a\u2066b", "a\u2069b", "a\u200bb", "a\u200db",
                                 "a\ufeffb", "a\ud800b"])
def test_single_line_text_refuses_invisible_and_control_characters(bad: str) -> None:
    assert text_problem(bad) is not None


def test_multiline_text_allows_newlines_and_tabs_only() -> None:
    assert text_problem("第一行\n第二行\t完", multiline=True) is None
    assert text_problem("a\u202eb", multiline=True) is not None
    assert text_problem("a\x00b", multiline=True) is not None


def test_ordinary_text_passes() -> None:
    for ok in ("张三", "次仁卓玛", "བཀྲ་ཤིས་བདེ་ལེགས།", "O'Brien-Smith", "拉萨市城关区 1 号"):
        assert text_problem(ok) is None


def test_clean_tree_normalises_and_names_every_field() -> None:
    data = {"holder": {"name": "Zoe\u0301", "code": "1\u200b"}, "fields": {"a": ["x", "y\x00"]},
            "n": 3}
    cleaned, problems = clean_tree(data)
    assert cleaned["holder"]["name"] == "Zo\u00e9" and cleaned["n"] == 3
    assert [p["field"] for p in problems] == ["holder.code", "fields.a.1"]


@pytest.mark.parametrize(("cell", "safe"), [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"), ("+1+2", "'+1+2"), ("-A1", "'-A1"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("-5", "-5"), ("+86", "+86"), ("3.5", "3.5"), ("张三", "张三"), (7, 7), (None, None),
])
def test_csv_cells_never_start_a_formula(cell: object, safe: object) -> None:
    assert csv_cell(cell) == safe


def test_csv_row() -> None:
    assert csv_row({"a": "=1", "b": 2}) == {"a": "'=1", "b": 2}
