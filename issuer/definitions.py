"""Checking a catalog definition (the JSON object of `issuer.catalog`), one section at a time.

`definition_problems` lists every problem in the order the sections appear below, so a
department sees all of them at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema
from jsonschema.validators import Draft202012Validator

from formats.uscc import uscc_problems
from issuer.patterns import pattern_problems
from issuer.rules import rule_problems

HOLDER_KINDS = {"111": "citizen ID number 居民身份证号", "001": "unified social credit code"}
_KNOWN_KEYS = {"type_code", "name", "defining_dept", "issuers", "holder_kind", "fields",
               "personal", "validity", "face", "seal", "grants", "annotated_copy_cap",
               "reminder_days", "description", "licence_number_field", "rules",
               "holder_kinds", "confidential_holder", "co_signers", "presentation_scenarios"}
RESERVED_FIELDS = {"holder", "holder_name", "holder_code", "source_key", "valid_from",
                   "valid_to", "licence_number"}
_REQUIRED_KEYS = ("type_code", "name", "defining_dept", "holder_kind", "fields", "face", "seal")


def _nonempty_str(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())


def _nonneg_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _identity(d: Mapping[str, Any]) -> list[str]:
    """Keys, type code, defining and issuing departments, names, holder kind."""
    p = [f"unknown key {key!r}" for key in sorted(set(d) - _KNOWN_KEYS)]
    p += [f"missing {key!r}" for key in _REQUIRED_KEYS if key not in d]
    tc, dd = d.get("type_code"), d.get("defining_dept")
    if "type_code" in d:
        if not isinstance(tc, str) or len(tc) != 21 or not tc[18:].isdigit():
            p.append("type_code must be the defining department's USCC + 3 digits (21 chars)")
        else:
            p.extend(f"type_code: {x}" for x in uscc_problems(tc[:18]))
    if "defining_dept" in d:
        if not isinstance(dd, str) or uscc_problems(dd):
            p.append(f"defining_dept is not a valid USCC: {dd!r}")
        elif isinstance(tc, str) and tc[:18] != dd:
            p.append("type_code must start with defining_dept")
    for key in ("name", "seal"):
        if key in d and not _nonempty_str(d[key]):
            p.append(f"{key} must be a non-empty string")
    for i, code in enumerate(d.get("issuers", []) if isinstance(d.get("issuers", []), list)
                             else [None]):
        if not isinstance(code, str) or uscc_problems(code):
            p.append(f"issuers[{i}] is not a valid USCC: {code!r}")
    if "holder_kind" in d and d["holder_kind"] not in HOLDER_KINDS:
        p.append(f"holder_kind must be one of {sorted(HOLDER_KINDS)}")
    if not isinstance(d.get("confidential_holder", False), bool):
        p.append("confidential_holder must be true or false")
    co = d.get("co_signers", [])
    if not isinstance(co, list) or any(not isinstance(c, str) or uscc_problems(c) or c == dd
                                       for c in co):
        p.append("co_signers must list USCCs of departments other than defining_dept")
    kinds = d.get("holder_kinds")
    if kinds is not None and (not isinstance(kinds, list) or not kinds or any(
            k not in HOLDER_KINDS for k in kinds) or d.get("holder_kind") not in kinds):
        p.append("holder_kinds must list holder kinds, holder_kind among them")
    return p


def _fields(fields: Any) -> tuple[list[str], Mapping[str, Any]]:
    """Problems of the `fields` JSON Schema, and the properties it defines."""
    if not isinstance(fields, Mapping):
        return ["fields must be a JSON Schema object"], {}
    p: list[str] = []
    try:
        Draft202012Validator.check_schema(fields)
    except jsonschema.SchemaError as exc:
        p.append(f"fields is not a valid JSON Schema (2020-12): {exc.message}")
    p.extend(pattern_problems(fields))  # patterns run on RE2 (issuer.patterns)
    if fields.get("type") != "object":
        p.append('fields must have "type": "object"')
    raw_props = fields.get("properties")
    props: Mapping[str, Any] = raw_props if isinstance(raw_props, Mapping) else {}
    if not props:
        p.append("fields must define properties")
    for name, sub in props.items():
        if name in RESERVED_FIELDS:
            p.append(f"field name {name!r} is reserved")
        if not isinstance(sub, Mapping) or not _nonempty_str(sub.get("title")):
            p.append(f"field {name!r} needs a title (Chinese label)")
    req = fields.get("required", [])
    if not isinstance(req, list) or any(r not in props for r in req):
        p.append("fields.required must list defined properties")
    return p, props


def _uses_of_fields(d: Mapping[str, Any], props: Mapping[str, Any]) -> list[str]:
    """Personal fields, the licence number field and the validity rule."""
    p = [f"personal field {name!r} is not defined in fields"
         for name in d.get("personal", []) or [] if name not in props]
    lnf = d.get("licence_number_field")
    if lnf is not None and lnf not in props:
        p.append(f"licence_number_field {lnf!r} is not defined in fields")
    v = d.get("validity")
    if v is not None and (
            not isinstance(v, Mapping) or set(v) - {"years", "days"} or len(v) != 1 or not all(
                isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in v.values())):
        p.append('validity must be {"years": n}, {"days": n} (n > 0) or null')
    return p


def _face(face: Any, props: Mapping[str, Any]) -> list[str]:
    if not isinstance(face, Mapping) or not _nonempty_str(face.get("title")) or not \
            isinstance(face.get("rows"), list) or not face.get("rows"):
        return ["face needs a title and a non-empty list of rows"]
    p: list[str] = []
    for i, row in enumerate(face["rows"]):
        if not isinstance(row, Mapping) or not _nonempty_str(row.get("label")) or \
                not isinstance(row.get("field"), str):
            p.append(f"face.rows[{i}] needs label and field")
        elif row["field"] not in props and row["field"] not in RESERVED_FIELDS:
            p.append(f"face.rows[{i}] refers to unknown field {row['field']!r}")
        elif not _tibetan_or_none(row.get("label_bo")):
            p.append(f"face.rows[{i}].label_bo must be Tibetan script (≤ 60 characters)")
    if face.get("footer") is not None and not isinstance(face["footer"], str):
        p.append("face.footer must be a string")
    if not _tibetan_or_none(face.get("title_bo")):
        p.append("face.title_bo must be Tibetan script (≤ 60 characters)")
    return p


def _tibetan_or_none(value: Any) -> bool:
    """None, or a short string of Tibetan script (spaces and tsheg allowed)."""
    if value is None:
        return True
    return isinstance(value, str) and 0 < len(value) <= 60 and any(
        "\u0f00" <= ch <= "\u0fff" for ch in value) and all(
        "\u0f00" <= ch <= "\u0fff" or ch.isspace() for ch in value)


def _grants(grants: Any, props: Mapping[str, Any]) -> list[str]:
    if not isinstance(grants, list):
        return ["grants must be a list"]
    p: list[str] = []
    for i, g in enumerate(grants):
        if not isinstance(g, Mapping):
            p.append(f"grants[{i}] must be an object")
            continue
        if not isinstance(g.get("dept"), str) or uscc_problems(g["dept"]):
            p.append(f"grants[{i}].dept is not a valid USCC: {g.get('dept')!r}")
        purposes = g.get("purposes")
        if not isinstance(purposes, list) or not purposes or not all(map(_nonempty_str,
                                                                         purposes)):
            p.append(f"grants[{i}].purposes must be a non-empty list of strings")
        if not isinstance(g.get("personal", False), bool):
            p.append(f"grants[{i}].personal must be true or false")
        shown = g.get("fields")  # optional: the fields a lookup under this grant shows
        if shown is not None and (not isinstance(shown, list) or not all(
                isinstance(f, str) and f in props for f in shown)):
            p.append(f"grants[{i}].fields must be a list of field names of the type")
    return p


MAX_SCENARIO_CHARS = 60


def scenario_problems(scenarios: Any) -> list[str]:
    """`presentation_scenarios`: the scenarios the authority approved for holders to show a
    certificate of the type by themselves (Art. 15); distinct names of 1-60 characters."""
    if not isinstance(scenarios, list) or not all(
            _nonempty_str(x) and len(x) <= MAX_SCENARIO_CHARS for x in scenarios) \
            or len(set(scenarios)) != len(scenarios):
        return [f"presentation_scenarios must list distinct names of 1-{MAX_SCENARIO_CHARS} "
                "characters"]
    return []


def grant_problems(grants: Any, props: Mapping[str, Any]) -> list[str]:
    """The `grants` section alone (a grant proposal is checked as a one-grant list), against
    the type's field schema `props` (a grant may name the fields it shows)."""
    return _grants(grants, props)


def definition_problems(d: Any) -> list[str]:
    """Every problem of a catalog definition (empty when it is valid)."""
    if not isinstance(d, Mapping):
        return ["definition must be a JSON object"]
    p = _identity(d)
    props: Mapping[str, Any] = {}
    if "fields" in d:
        field_problems, props = _fields(d["fields"])
        p += field_problems
    p += _uses_of_fields(d, props)
    if "face" in d:
        p += _face(d["face"], props)
    p += _grants(d.get("grants", []), props)
    if "presentation_scenarios" in d:
        p += scenario_problems(d["presentation_scenarios"])
    p += rule_problems(d.get("rules"), props)
    if "annotated_copy_cap" in d and not _nonneg_int(d["annotated_copy_cap"]):
        p.append("annotated_copy_cap must be an integer >= 0")
    rd = d.get("reminder_days", [])
    if not isinstance(rd, list) or not all(_nonneg_int(x) for x in rd):
        p.append("reminder_days must be a list of integers >= 0")
    return p
