"""Masking of personal data for display (docs/formats.md, QR claim set).

Names keep their first character (``张*``, ``张**``); codes keep the first 3 and last 4
characters (``540***********1234``); shorter codes keep only the first character.
"""

from __future__ import annotations

import hashlib


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


def mask_value(value: object) -> object:
    """Mask a personal field of any JSON type (strings keep their first character)."""
    if isinstance(value, str):
        return mask_name(value)
    if value is None:
        return None
    return "***"


def holder_hash(holder_code: str) -> str:
    """SHA-256 (hex) of the holder code, as the store indexes holders."""
    return hashlib.sha256(holder_code.strip().upper().encode("utf-8")).hexdigest()
