"""GB 11643 citizen identity numbers (居民身份证号码): 17 digits and an ISO 7064 MOD 11-2
check character (a digit or X)."""

from __future__ import annotations

import re

ID_NUMBER_LENGTH = 18
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK = "10X98765432"
_RE = re.compile(r"[0-9]{17}[0-9X]")


def citizen_id_check_char(first17: str) -> str:
    """The check character for the first 17 digits; ValueError unless they are 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("the first 17 characters of an ID number are digits")
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def citizen_id_problems(code: object) -> list[str]:
    """Every reason `code` is not a well-formed ID number (empty list when it is one)."""
    if not isinstance(code, str) or not _RE.fullmatch(code):
        return ["citizen ID number must be 17 digits and a digit or X (18 chars)"]
    expected = citizen_id_check_char(code[:17])
    if code[17] != expected:
        return [f"check character is {code[17]!r}, expected {expected!r}"]
    return []


def make_citizen_id(first17: str) -> str:
    """Complete 17 digits with their check character (demo data and tests)."""
    return first17 + citizen_id_check_char(first17)
