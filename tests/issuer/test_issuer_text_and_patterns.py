"""Certificate data: RE2 for the catalog's patterns, formulas neutralised in rejects files."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest
from issuer_helpers import (
    NOW,
    TYPE_A,
    World,
    issuer_actor,
    make_world,
    person,
    run_import,
    sqlite_store,
)

from issuer.patterns import data_validator, pattern_problems

FORMULA = "=cmd|' /C calc'!A0"


def test_rejects_file_neutralises_formulas(tmp_path: Path) -> None:
    world: World = make_world(sqlite_store(tmp_path / "db.sqlite"))
    src = tmp_path / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["source_key", "holder_name", "holder_code", "area", "level", "address"])
        for i, (area, level) in enumerate([(FORMULA, "x"), ("@SUM(1+1)", "x"), ("-5", "x")], 1):
            w.writerow([f"old-{i}", person(i)["name"], person(i)["code"], area, level, "拉萨"])
    r = run_import(world, src, TYPE_A, issuer_actor(), lambda: NOW,
                   rejects_path=tmp_path / "rej.csv")
    assert r.rejected == 3
    with (tmp_path / "rej.csv").open(encoding="utf-8") as f:
        areas = [row["area"] for row in csv.DictReader(f)]
    assert areas == ["'" + FORMULA, "'@SUM(1+1)", "-5"]


def test_catastrophic_pattern_runs_in_linear_time() -> None:
    v = data_validator({"type": "object", "properties": {"x": {"type": "string",
                                                              "pattern": "^(a+)+$"}}})
    started = time.monotonic()
    errors = list(v.iter_errors({"x": "a" * 5000 + "!"}))
    assert time.monotonic() - started < 1 and len(errors) == 1
    assert not list(v.iter_errors({"x": "aaa"}))


def test_pattern_properties_match_with_re2_too() -> None:
    v = data_validator({"type": "object", "patternProperties": {"^(a+)+$": {"type": "integer"}}})
    assert list(v.iter_errors({"aaaa": "not an integer"}))
    assert not list(v.iter_errors({"a" * 5000 + "!": "anything"}))


@pytest.mark.parametrize(("schema", "fragment"), [
    ({"properties": {"x": {"pattern": r"(a)\1"}}}, "fields.properties.x.pattern"),
    ({"properties": {"x": {"items": {"pattern": "(?=a)"}}}}, "fields.properties.x.items.pattern"),
    ({"patternProperties": {"^a": {}}}, "patternProperties is not supported"),
])
def test_patterns_re2_cannot_run_are_named(schema: dict[str, object], fragment: str) -> None:
    problems = pattern_problems(schema)
    assert len(problems) == 1 and fragment in problems[0]


def test_ordinary_patterns_pass() -> None:
    assert pattern_problems({"properties": {"x": {"pattern": r"^[0-9A-Z]{18}$"},
                                            "y": {"enum": ["(a)\\1"]}}}) == []
