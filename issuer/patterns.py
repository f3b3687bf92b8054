"""Regular expressions from catalog definitions run on RE2, in time linear in the input.

A certificate type's JSON Schema is written by an issuing department, and the data checked
against it by anyone who can issue. Python's backtracking `re` takes exponential time on
patterns such as ``^(a+)+$``; RE2 (google-re2) never backtracks. So:

* :func:`data_validator` is the one way to build the validator of certificate data: its
  ``pattern`` and ``patternProperties`` keywords match with RE2;
* :func:`pattern_problems` refuses, when a type is added, every pattern RE2 cannot compile
  (back-references, look-around) and ``patternProperties`` (jsonschema's
  ``additionalProperties`` would still match its keys with `re`; a certificate's fields are
  named, so the keyword has no use here).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

import re2
from jsonschema import ValidationError, validators
from jsonschema.validators import Draft202012Validator

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is the caller's error, not a log line
MAX_PATTERN = 1000


@functools.lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Any:
    """The RE2 program of `pattern`; raises `re2.error` for what RE2 does not support."""
    if len(pattern) > MAX_PATTERN:
        raise re2.error(f"longer than {MAX_PATTERN} characters")
    return re2.compile(pattern, _OPTIONS)


def _pattern(validator: Any, patrn: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "string"):
        return
    try:
        found = compile_pattern(patrn).search(instance)
    except re2.error:
        yield ValidationError(f"pattern {patrn!r} is not supported (RE2)")
        return
    if not found:
        yield ValidationError(f"{instance!r} does not match {patrn!r}")


def _pattern_properties(validator: Any, patterns: Mapping[str, Any], instance: Any,
                        schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for patrn, subschema in patterns.items():
        try:
            rx = compile_pattern(patrn)
        except re2.error:
            yield ValidationError(f"pattern {patrn!r} is not supported (RE2)")
            continue
        for key, value in instance.items():
            if rx.search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=patrn)


Re2Validator = validators.extend(
    Draft202012Validator, {"pattern": _pattern, "patternProperties": _pattern_properties})


def data_validator(schema: Mapping[str, Any]) -> Any:
    """The validator of certificate data against a type's `fields` schema (RE2 patterns)."""
    return Re2Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _walk(node: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """(path, keyword, value) of every `pattern`/`patternProperties` in a schema."""
    if isinstance(node, Mapping):
        for key, sub in node.items():
            here = f"{path}.{key}" if path else str(key)
            if key in ("pattern", "patternProperties"):
                yield here, key, sub
            if key != "const" and key != "enum" and key != "default" and key != "examples":
                yield from _walk(sub, here)
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _walk(sub, f"{path}.{i}")


def pattern_problems(fields: Any, prefix: str = "fields") -> list[str]:
    """One message per pattern of a `fields` schema that the platform will not evaluate."""
    problems = []
    for path, keyword, value in _walk(fields, prefix):
        if keyword == "patternProperties":
            problems.append(f"{path}: patternProperties is not supported; name each field "
                            "in properties")
        elif isinstance(value, str):
            try:
                compile_pattern(value)
            except re2.error as exc:
                problems.append(f"{path}: pattern not supported by RE2 (no back-references or "
                                f"look-around): {_reason(exc)}")
    return problems


def _reason(exc: Exception) -> str:
    arg = exc.args[0] if exc.args else ""
    return arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)
