"""What personal data looks like to someone not entitled to it (Art. 20).

Citizens' names keep their first character (`张*`) and codes the first 3 and last 4 characters
(`540***********1234`); organisations (holder code kind 001, a USCC) are public registry data
and are shown in full. The QR claim set, the verifier's display and the issuer's status events
all mask with these rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

CITIZEN = "111"
"""Holder code kind of a citizen ID number."""
ORGANISATION = "001"
"""Holder code kind of a USCC."""


def mask_name(name: str) -> str:
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_code(code: str) -> str:
    code = code.strip()
    if len(code) <= 7:
        return (code[:1] + "*" * (len(code) - 1)) if code else ""
    return code[:3] + "*" * (len(code) - 7) + code[-4:]


def mask_value(value: Any) -> Any:
    """A personal field: code-like strings as codes, other strings as names, else '***'."""
    if value is None:
        return None
    if isinstance(value, str):
        return mask_code(value) if any(ch.isdigit() for ch in value) else mask_name(value)
    return "***"


def mask_fields(fields: Mapping[str, Any], personal: Iterable[str]) -> dict[str, Any]:
    personal = set(personal)
    return {k: (mask_value(v) if k in personal else v) for k, v in fields.items()}


CONFIDENTIAL = "（保密）"


def display_holder(name: str, code: str, code_kind: str | None,
                   confidential: bool = False) -> tuple[str, str]:
    """(name, code) as shown to someone not entitled to the holder's personal data; a
    confidential holder (an informant) is not named at all, person or organisation."""
    if confidential:
        return CONFIDENTIAL, CONFIDENTIAL
    if code_kind == ORGANISATION:
        return name, code
    return mask_name(name), mask_code(code)
