"""GB 32100-2015 unified social credit codes (统一社会信用代码, USCC).

18 characters over a 31-character alphabet (no I, O, S, V, Z): registration authority and
kind (2), administrative division (6 digits), organisation code (9), check character (1,
weights 3^i mod 31).
"""

from __future__ import annotations

import functools
import re

from formats.errors import InvalidUscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_LENGTH = 18
_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, ...
USCC_PATTERN = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}")
"""The form of a USCC, check character not verified."""


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character (18th) for the first 17 characters of a USCC."""
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise InvalidUscc(
            f"统一社会信用代码前17位无效 / the first 17 characters of a USCC must use "
            f"{USCC_ALPHABET!r}: {first17!r}")
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problems(code: object) -> list[str]:
    """Every reason `code` is not a well-formed USCC (empty list when it is one)."""
    if not isinstance(code, str):
        return ["not a string"]
    if len(code) != USCC_LENGTH:
        return [f"length {len(code)}, expected 18"]
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        return [f"characters not allowed in a USCC: {''.join(bad)!r} "
                f"(allowed: digits and {USCC_ALPHABET[10:]})"]
    problems = []
    if not code[2:8].isdigit():
        problems.append("characters 3-8 must be a 6-digit administrative division code")
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        problems.append(f"check character is {code[17]!r}, expected {expected!r}")
    return problems


def validate_uscc(code: str) -> None:
    """Raise `InvalidUscc` unless `code` is an 18-character USCC with a correct check character."""
    if type(code) is str and _known_valid(code):
        return  # a bulk import checks the same few department codes for every row
    problems = uscc_problems(code)
    if problems:
        raise InvalidUscc(
            f"统一社会信用代码无效 / invalid unified social credit code {code!r}: "
            + "; ".join(problems))


@functools.lru_cache(maxsize=1024)
def _known_valid(code: str) -> bool:
    return not uscc_problems(code)


def is_valid_uscc(code: str) -> bool:
    return not uscc_problems(code)


def make_uscc(first17: str) -> str:
    """Complete 17 characters with their check character (for demo departments and tests)."""
    return first17 + uscc_check_char(first17)
