"""Declarative rules of a catalog type, beyond what JSON Schema says (issue 14).

A definition may carry ``"rules": [...]``; each rule is an object with a ``kind`` below. They
are checked when the definition is added (`rule_problems`) and evaluated at issue and change
(`evaluate`) after the schema passed, so each names the field it refuses in the same
``errors`` list of the ``invalid-data`` problem. A rule with ``"override": "<field>"`` may be
set aside by a stated reason in that field; the override is returned for the audit entry.

    age_between       birth ("holder.code" = the citizen ID's date, or a date field), at
                      (date field), min/max whole years; `when` restricts it to some values
    share_at_least    part / whole >= min_percent %
    percent_by_level  field within [min, max] % of `of`, by the level in `by`; a `floor`
                      per level (计算不足…给予…), `cap` per case, `no_amount` when `of` is 0
    working_days_within  field no later than `max` working days after `from` (chinese-calendar)
    years_at_least    `from` to `to` (last day, inclusive) spans at least `min` years
    not_before        field on or after `other`
    forbid_words      none of `words` in the listed fields (or every string field: "*")
    contains_by       field contains one of the words listed for the value of `by`
    holder_name_in    the holder's name is one of `values`
    required_when     field required when `when` holds
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from issuer.workdays import working_days_between

Errors = list[dict[str, str]]
KINDS = ("age_between", "share_at_least", "percent_by_level", "working_days_within",
         "years_at_least", "not_before", "forbid_words", "contains_by", "holder_name_in",
         "required_when")
MIN_REASON_CHARS = 4


@dataclass(frozen=True)
class Override:
    """A rule set aside by a stated reason (recorded in the audit entry)."""

    rule: str
    field: str
    reason: str


def audit_detail(overrides: tuple[Override, ...]) -> dict[str, Any]:
    """The rules set aside by a stated reason, for the audit entry (none: no key)."""
    if not overrides:
        return {}
    return {"rule_overrides": [{"rule": o.rule, "field": o.field, "reason": o.reason}
                               for o in overrides]}


def _date(v: Any) -> dt.date | None:
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return None
    return None


def _num(v: Any) -> int | float | None:
    return v if isinstance(v, int | float) and not isinstance(v, bool) else None


def _birth(rule: Mapping[str, Any], holder_code: str, f: Mapping[str, Any]) -> dt.date | None:
    src = rule.get("birth", "holder.code")
    if src == "holder.code":
        try:
            return dt.date(int(holder_code[6:10]), int(holder_code[10:12]),
                           int(holder_code[12:14]))
        except ValueError:
            return None
    return _date(f.get(src))


def _age(birth: dt.date, at: dt.date) -> int:
    return at.year - birth.year - ((at.month, at.day) < (birth.month, birth.day))


def _applies(rule: Mapping[str, Any], f: Mapping[str, Any]) -> bool:
    when = rule.get("when")
    return not when or f.get(when["field"]) in when["in"]


def _msg(rule: Mapping[str, Any], default: str) -> str:
    return str(rule.get("message") or default)


def _age_between(r: Mapping[str, Any], holder: tuple[str, str], f: Mapping[str, Any]) -> Errors:
    birth, at = _birth(r, holder[1], f), _date(f.get(r["at"]))
    if birth is None or at is None:
        return []
    age = _age(birth, at)
    lo, hi = int(r.get("min", 0)), int(r.get("max", 200))
    if lo <= age <= hi:
        return []
    return [{"field": r.get("field", r["at"]),
             "message": _msg(r, f"年龄应在{lo}至{hi}岁之间，实为{age}岁 / age must be "
                                f"{lo}-{hi}, is {age}")}]


def _share(r: Mapping[str, Any], _h: tuple[str, str], f: Mapping[str, Any]) -> Errors:
    part, whole = _num(f.get(r["part"])), _num(f.get(r["whole"]))
    if part is None or whole is None:
        return []
    if whole > 0 and part <= whole and part * 100 >= whole * r["min_percent"]:
        return []
    return [{"field": r["part"], "message": _msg(
        r, f"应不低于{r['whole']}的{r['min_percent']}% / must be at least "
           f"{r['min_percent']}% of {r['whole']}")}]


def reward_bounds(r: Mapping[str, Any], level: str, amount: int) -> tuple[int, int] | None:
    """The (lowest, highest) whole-yuan value a `percent_by_level` rule allows."""
    spec = r["levels"].get(level)
    if spec is None:
        return None
    if amount == 0 and "no_amount" in r:
        return int(r["no_amount"]), int(r["no_amount"])
    lo = -(-amount * spec["min_percent"] // 100)  # ceiling
    hi = amount * spec["max_percent"] // 100
    floor = int(spec.get("floor", 0))
    lo, hi = max(lo, floor), max(hi, floor)
    cap = r.get("cap")
    if cap is not None:
        lo, hi = min(lo, int(cap)), min(hi, int(cap))
    return lo, hi


def _percent(r: Mapping[str, Any], _h: tuple[str, str], f: Mapping[str, Any]) -> Errors:
    value, amount, level = _num(f.get(r["field"])), _num(f.get(r["of"])), f.get(r["by"])
    if value is None or amount is None or not isinstance(level, str):
        return []
    bounds = reward_bounds(r, level, int(amount))
    if bounds is None:
        return [{"field": r["by"], "message": f"未知等级 / unknown level {level!r}"}]
    lo, hi = bounds
    if lo <= value <= hi:
        return []
    return [{"field": r["field"], "message": _msg(
        r, f"{level}应为{lo:,}至{hi:,}元 / must be {lo:,}-{hi:,} yuan for {level}")}]


def _working_days(r: Mapping[str, Any], _h: tuple[str, str], f: Mapping[str, Any]) -> Errors:
    start, end = _date(f.get(r["from"])), _date(f.get(r["field"]))
    if start is None or end is None:
        return []
    if end > start and working_days_between(start, end) <= int(r["max"]):
        return []
    return [{"field": r["field"], "message": _msg(
        r, f"应在{r['from']}后{r['max']}个工作日内 / must be within {r['max']} working days "
           f"after {r['from']}")}]


def _years(r: Mapping[str, Any], _h: tuple[str, str], f: Mapping[str, Any]) -> Errors:
    start, end = _date(f.get(r["from"])), _date(f.get(r["to"]))
    if start is None or end is None:
        return []
    n = int(r["min"])
    try:
        least = start.replace(year=start.year + n)
    except ValueError:  # 29 February
        least = start.replace(year=start.year + n, day=28)
    if end + dt.timedelta(days=1) >= least:  # `to` is the last day, inclusive
        return []
    return [{"field": r["to"], "message": _msg(
        r, f"应不少于{n}年 / must be at least {n} years after {r['from']}")}]


def _not_before(r: Mapping[str, Any], _h: tuple[str, str], f: Mapping[str, Any]) -> Errors:
    a, b = _date(f.get(r["field"])), _date(f.get(r["other"]))
    if a is None or b is None or a >= b:
        return []
    return [{"field": r["field"], "message": _msg(
        r, f"不得早于{r['other']} / must not be before {r['other']}")}]


def _forbid(r: Mapping[str, Any], holder: tuple[str, str], f: Mapping[str, Any]) -> Errors:
    names = [k for k, v in f.items() if isinstance(v, str)] if r["fields"] == "*" \
        else [k for k in r["fields"] if isinstance(f.get(k), str)]
    out: Errors = []
    texts = [(k, str(f[k])) for k in names]
    if r.get("holder"):
        texts.append(("holder.name", holder[0]))
    for k, text in texts:
        hit = next((w for w in r["words"] if w in text), None)
        if hit is not None:
            out.append({"field": k, "message": _msg(r, f"不得含有“{hit}” / must not contain {hit}")})
    return out


def _contains_by(r: Mapping[str, Any], _h: tuple[str, str], f: Mapping[str, Any]) -> Errors:
    text, key = f.get(r["field"]), f.get(r["by"])
    words = r["map"].get(key) if isinstance(key, str) else None
    if not isinstance(text, str) or words is None or any(w in text for w in words):
        return []
    return [{"field": r["field"], "message": _msg(
        r, f"名称与类别“{key}”不符（应含{'、'.join(words)}之一） / name does not match "
           f"category {key}")}]


def _holder_in(r: Mapping[str, Any], holder: tuple[str, str], _f: Mapping[str, Any]) -> Errors:
    if holder[0] in r["values"]:
        return []
    return [{"field": "holder.name", "message": _msg(
        r, f"持证主体应为{'、'.join(r['values'])} / holder must be one of the listed")}]


def _required_when(r: Mapping[str, Any], _h: tuple[str, str], f: Mapping[str, Any]) -> Errors:
    v = f.get(r["field"])
    if v not in (None, ""):
        return []
    return [{"field": r["field"], "message": _msg(r, "此情形下必填 / required here")}]


_EVAL: dict[str, Callable[[Mapping[str, Any], tuple[str, str], Mapping[str, Any]], Errors]] = {
    "age_between": _age_between, "share_at_least": _share, "percent_by_level": _percent,
    "working_days_within": _working_days, "years_at_least": _years,
    "not_before": _not_before, "forbid_words": _forbid, "contains_by": _contains_by,
    "holder_name_in": _holder_in, "required_when": _required_when,
}


def evaluate(rules: Any, holder_name: str, holder_code: str, fields: Mapping[str, Any]
             ) -> tuple[Errors, tuple[Override, ...]]:
    """Per-field errors of the data under the type's rules, and the overrides stated."""
    errors: Errors = []
    overrides: list[Override] = []
    for i, rule in enumerate(rules or ()):
        if not _applies(rule, fields):
            continue
        found = _EVAL[rule["kind"]](rule, (holder_name, holder_code), fields)
        reason_field = rule.get("override")
        reason = fields.get(reason_field) if reason_field else None
        if found and isinstance(reason, str) and len(reason.strip()) >= MIN_REASON_CHARS:
            overrides.extend(Override(str(rule.get("id", i)), e["field"], reason.strip())
                             for e in found)
            continue
        if found and reason_field:
            found = [{**e, "message": e["message"] + f"（如确需，须在{reason_field}中说明理由 / "
                      f"state a reason in {reason_field})"} for e in found]
        errors.extend(found)
    return errors, tuple(overrides)


_NEEDS: dict[str, tuple[str, ...]] = {
    "age_between": ("at",), "share_at_least": ("part", "whole", "min_percent"),
    "percent_by_level": ("field", "of", "by", "levels"),
    "working_days_within": ("field", "from", "max"), "years_at_least": ("from", "to", "min"),
    "not_before": ("field", "other"), "forbid_words": ("fields", "words"),
    "contains_by": ("field", "by", "map"), "holder_name_in": ("values",),
    "required_when": ("field", "when"),
}
_FIELD_KEYS = ("at", "part", "whole", "field", "of", "by", "from", "to", "other", "override")


def rule_problems(rules: Any, props: Mapping[str, Any]) -> list[str]:
    """What is wrong with a definition's `rules` (kinds, keys, fields it names)."""
    if rules is None:
        return []
    if not isinstance(rules, list):
        return ["rules must be a list"]
    p: list[str] = []
    for i, r in enumerate(rules):
        if not isinstance(r, Mapping) or r.get("kind") not in _EVAL:
            p.append(f"rules[{i}]: kind must be one of {', '.join(KINDS)}")
            continue
        p += [f"rules[{i}]: missing {k!r}" for k in _NEEDS[r["kind"]] if k not in r]
        named = [r[k] for k in _FIELD_KEYS if isinstance(r.get(k), str)]
        if isinstance(r.get("when"), Mapping):
            named.append(r["when"].get("field"))
            if not isinstance(r["when"].get("in"), list):
                p.append(f"rules[{i}]: when.in must be a list")
        if r.get("birth", "holder.code") != "holder.code":
            named.append(r["birth"])
        if isinstance(r.get("fields"), list):
            named += r["fields"]
        p += [f"rules[{i}]: unknown field {n!r}" for n in named if n not in props]
    return p
