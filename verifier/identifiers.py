"""Read-side parsing of GB/T 36904 identifiers (docs/formats.md).

Parsing only: the verifier never makes identifiers. A wrong check character is tolerated
(foreign identifiers) and reported with ``check_standard=False``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifier.errors import MalformedInput

PREFIX = "1.2.156.3005.2."
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_RE = re.compile(
    r"1\.2\.156\.3005\.2\.([0-9A-Z]{18}[0-9]{3})\.([0-9A-Z]{18})\.([0-9A-Z]{1,40})"
    r"\.([0-9]{3})\.([0-9A-Z])"
)
MAX_LEN = 130


def mod37_36_check_char(data: str) -> str:
    """ISO/IEC 7064 MOD 37,36 check character over 0-9A-Z."""
    p = 36
    for ch in data:
        v = _ALNUM.find(ch)
        if v < 0:
            raise MalformedInput("character outside 0-9A-Z")
        s = (p + v) % 36 or 36
        p = (s * 2) % 37
    return _ALNUM[(37 - p) % 36]


@dataclass(frozen=True)
class Identifier:
    type_code: str
    issuer_code: str
    serial: str
    version: int
    check: str
    check_standard: bool

    @property
    def base(self) -> str:
        return f"{PREFIX}{self.type_code}.{self.issuer_code}.{self.serial}"

    @property
    def text(self) -> str:
        return f"{self.base}.{self.version:03d}.{self.check}"


def parse_identifier(value: object) -> Identifier:
    """Parse ``value``; raise :class:`MalformedInput` unless it has the GB/T 36904 form."""
    if not isinstance(value, str) or len(value) > MAX_LEN:
        raise MalformedInput("证照标识格式错误 / malformed identifier")
    m = _RE.fullmatch(value.strip())
    if m is None or m.group(4) == "000":
        raise MalformedInput("证照标识格式错误 / malformed identifier")
    t, i, s, v, c = m.groups()
    standard = mod37_36_check_char(t + i + s + v) == c
    return Identifier(t, i, s, int(v), c, standard)


def parse_base(value: object) -> str:
    """Accept a base identifier (no version/check) and return it normalised."""
    if not isinstance(value, str) or len(value) > MAX_LEN:
        raise MalformedInput("证照标识格式错误 / malformed identifier")
    m = re.fullmatch(
        r"1\.2\.156\.3005\.2\.[0-9A-Z]{18}[0-9]{3}\.[0-9A-Z]{18}\.[0-9A-Z]{1,40}", value.strip()
    )
    if m is None:
        raise MalformedInput("证照标识格式错误 / malformed identifier")
    return m.group(0)
