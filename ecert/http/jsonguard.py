"""A bound on what a JSON body may cost before anything validates it.

Validation (pydantic, JSON Schema) costs time and error text in proportion to the input: an
object with 500 000 unknown keys once took ten seconds and answered 31 MB of errors. No request
of this API needs more than :data:`MAX_KEYS` keys in one object, :data:`MAX_ITEMS` items in one
array (reconciliation posts up to 100 000 hashes), :data:`MAX_DEPTH` levels or strings longer
than :data:`MAX_STRING`; and text must be encodable (a lone surrogate cannot be signed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 32
MAX_KEYS = 1000
MAX_ITEMS = 100_000
MAX_STRING = 65_536


@dataclass(frozen=True)
class JsonRefusal:
    field: str
    message: str


class _TooManyKeys(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len(pairs) > MAX_KEYS:
        raise _TooManyKeys
    return dict(pairs)


def check_json(body: bytes) -> JsonRefusal | None:
    """Why `body` is too costly to validate, or None (also for invalid JSON: the validator
    answers that as usual)."""
    try:
        doc = json.loads(body, object_pairs_hook=_pairs)
    except _TooManyKeys:
        return JsonRefusal("", f"an object has more than {MAX_KEYS} keys")
    except RecursionError:
        return JsonRefusal("", f"nested deeper than {MAX_DEPTH} levels")
    except ValueError:
        return None
    return _walk(doc)


def _walk(doc: Any) -> JsonRefusal | None:
    stack: list[tuple[Any, str, int]] = [(doc, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return JsonRefusal(path, f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, str):
            if (why := _string_problem(node)) is not None:
                return JsonRefusal(path, why)
        elif isinstance(node, dict):
            for key, sub in node.items():
                here = f"{path}.{key}" if path else key
                if (why := _string_problem(key)) is not None:
                    return JsonRefusal(path or "body", f"a key: {why}")
                stack.append((sub, here, depth + 1))
        elif isinstance(node, list):
            if len(node) > MAX_ITEMS:
                return JsonRefusal(path, f"an array has more than {MAX_ITEMS} items")
            stack.extend((sub, f"{path}.{i}" if path else str(i), depth + 1)
                         for i, sub in enumerate(node))
    return None


def _string_problem(s: str) -> str | None:
    if len(s) > MAX_STRING:
        return f"a string is longer than {MAX_STRING} characters"
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return "无效的字符 / lone surrogate (not valid Unicode text)"
    return None
