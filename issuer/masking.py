"""Masking of personal data (docs/formats.md, QR claims and using departments' views).

Names keep the first character (`张*`, `张**`); codes keep the first 3 and the last 4
characters (`540***********1234`). The verifier needs the same rules; it cannot import
issuer/, so the lead will move this module to a shared place later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def mask_name(name: str) -> str:
    name = name.strip()
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_code(code: str) -> str:
    code = code.strip()
    if len(code) <= 7:
        return code[:1] + "*" * (len(code) - 1) if code else code
    return code[:3] + "*" * (len(code) - 7) + code[-4:]


def mask_value(value: Any) -> Any:
    """Mask a personal field value: strings as names, otherwise replaced by '***'."""
    if isinstance(value, str):
        return mask_code(value) if any(ch.isdigit() for ch in value) else mask_name(value)
    return "***"


def mask_fields(fields: Mapping[str, Any], personal: Iterable[str]) -> dict[str, Any]:
    personal = set(personal)
    return {k: (mask_value(v) if k in personal else v) for k, v in fields.items()}
