"""GB/T 36904 certificate identifiers and their ISO/IEC 7064 MOD 37,36 check character.

Form (docs/formats.md): ``1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>``
where the check character is MOD 37,36 over type+issuer+serial+version without dots. The
*base identifier* leaves out version and check (same certificate, any version).

ecert only makes identifiers with the standard check character. Identifiers from other
provinces whose check character was computed differently are accepted but flagged
(``check_standard=False`` and a problem note), so that they can still be looked up.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from formats.errors import MalformedIdentifier
from formats.uscc import uscc_problems, validate_uscc

PREFIX = "1.2.156.3005.2."
MAX_LEN = 130
"""Longer input is refused before parsing (the longest identifier has 102 characters)."""
MOD3736_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_M = 36

_TYPE_RE = re.compile(r"[0-9A-Z]{18}[0-9]{3}")
_ISSUER_RE = re.compile(r"[0-9A-Z]{18}")
_SERIAL_RE = re.compile(r"[0-9A-Z]{1,40}")
_VERSION_RE = re.compile(r"[0-9]{3}")
_CHECK_RE = re.compile(r"[0-9A-Z]")
_BASE_RE = re.compile(r"1\.2\.156\.3005\.2\.[0-9A-Z]{18}[0-9]{3}\.[0-9A-Z]{18}\.[0-9A-Z]{1,40}")
_PARTS = ((_TYPE_RE, "type code (18-char USCC + 3 digits)"),
          (_ISSUER_RE, "issuer code (18 chars 0-9A-Z)"),
          (_SERIAL_RE, "serial (1-40 chars 0-9A-Z)"),
          (_VERSION_RE, "version (3 digits)"),
          (_CHECK_RE, "check character (one of 0-9A-Z)"))


# ------------------------------------------------------------- ISO/IEC 7064 MOD 37,36


def mod37_36_check_char(data: str) -> str:
    """ISO/IEC 7064 MOD 37,36 (hybrid system) check character of `data` over 0-9A-Z."""
    return _check_from(_M, data)


# The hybrid system's step as a table: _STEP[p][ch] is the state after ``ch`` in state p
# (1..36; 37 is prime, so the state never becomes 0). One dict lookup per character instead
# of a search and the arithmetic (every new identifier is checked, every issued one made).
_STEP: tuple[dict[str, int], ...] = tuple(
    {ch: (((p + v) % _M or _M) * 2) % (_M + 1) for v, ch in enumerate(MOD3736_ALPHABET)}
    for p in range(_M + 1))


def _mod_state(p: int, data: str) -> int:
    ch = ""
    try:
        for ch in data:
            p = _STEP[p][ch]
    except KeyError:
        raise ValueError(f"character {ch!r} is outside 0-9A-Z") from None
    return p


def _check_from(p: int, data: str) -> str:
    return MOD3736_ALPHABET[(_M + 1 - _mod_state(p, data)) % _M]


@functools.lru_cache(maxsize=1024)
def _prefix_state(prefix: str) -> int:
    """The MOD 37,36 state after ``prefix`` (type + issuer code: the same for a whole import)."""
    return _mod_state(_M, prefix)


@functools.lru_cache(maxsize=1024)
def _code_problems(code: str) -> tuple[str, ...]:
    return tuple(uscc_problems(code))


def mod37_36_valid(data_with_check: str) -> bool:
    if len(data_with_check) < 2:
        return False
    try:
        return mod37_36_check_char(data_with_check[:-1]) == data_with_check[-1]
    except ValueError:
        return False


# ------------------------------------------------------------- identifiers


@dataclass(frozen=True)
class Identifier:
    """A parsed identifier; `problems` says why it is not one ecert would have made."""

    type_code: str
    issuer_code: str
    serial: str
    version: int
    check: str
    check_standard: bool
    """False for a check character that is not MOD 37,36 (foreign or mistyped): flagged."""
    problems: tuple[str, ...] = ()

    # written once per (remembered) Identifier: every verification reads them several times
    @functools.cached_property
    def base(self) -> str:
        return base_identifier(self.type_code, self.issuer_code, self.serial)

    @functools.cached_property
    def text(self) -> str:
        return f"{self.base}.{self.version:03d}.{self.check}"

    @property
    def standard_check(self) -> str:
        return mod37_36_check_char(
            self.type_code + self.issuer_code + self.serial + f"{self.version:03d}")


def base_identifier(type_code: str, issuer_code: str, serial: str) -> str:
    return f"{PREFIX}{type_code}.{issuer_code}.{serial}"


def make_identifier(type_code: str, issuer_code: str, serial: str, version: int) -> str:
    """The identifier ecert issues; every part is validated.

    Raises MalformedIdentifier or InvalidUscc.
    """
    if not isinstance(type_code, str) or not _TYPE_RE.fullmatch(type_code):
        raise MalformedIdentifier(
            f"类型代码无效 / type code must be a USCC + 3 digits: {type_code!r}")
    validate_uscc(type_code[:18])
    validate_uscc(issuer_code)
    if not isinstance(serial, str) or not _SERIAL_RE.fullmatch(serial):
        raise MalformedIdentifier(
            f"流水号无效 / serial must be 1-40 uppercase letters or digits: {serial!r}")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= 999:
        raise MalformedIdentifier(f"版本号无效 / version must be 1..999: {version!r}")
    v = f"{version:03d}"
    check = _check_from(_prefix_state(type_code + issuer_code), serial + v)
    return f"{base_identifier(type_code, issuer_code, serial)}.{v}.{check}"


def _parts(value: object) -> list[str]:
    if not isinstance(value, str) or len(value) > MAX_LEN:
        raise MalformedIdentifier("证照标识格式错误 / malformed identifier")
    text = value.strip()
    if not text.startswith(PREFIX):
        raise MalformedIdentifier(
            f"证照标识应以 {PREFIX} 开头 / identifier must start with {PREFIX!r}")
    parts = text[len(PREFIX):].split(".")
    if len(parts) != 5:
        raise MalformedIdentifier(
            "证照标识格式错误 / identifier must have the parts "
            "type.issuer.serial.version.check after the prefix")
    for part, (rx, what) in zip(parts, _PARTS, strict=True):
        if not rx.fullmatch(part):
            raise MalformedIdentifier(f"证照标识格式错误 / malformed {what}: {part!r}")
    if parts[3] == "000":
        raise MalformedIdentifier("证照标识格式错误 / version 000 does not exist")
    return parts


def parse_identifier(value: object) -> Identifier:
    """Parse an identifier of the GB/T 36904 form (surrounding blanks ignored).

    Raises `MalformedIdentifier` for anything not of the form. A check character that is not
    MOD 37,36, or a code part that is not a valid USCC, is accepted but flagged (foreign
    identifiers): reported in `problems`, and `check_standard` tells about the check character.
    Results for strings are remembered (the same identifiers are parsed again and again on
    every verification path; `Identifier` is immutable).
    """
    if isinstance(value, str):
        return _parse_str(value)
    return _parse(value)


@functools.lru_cache(maxsize=4096)
def _parse_str(value: str) -> Identifier:
    return _parse(value)


def _parse(value: object) -> Identifier:
    type_code, issuer_code, serial, version, check = _parts(value)
    problems: list[str] = []
    # type + issuer code recur across a platform's identifiers: their MOD 37,36 state and
    # USCC findings are remembered (every QR verification parses a new identifier)
    expected = _check_from(_prefix_state(type_code + issuer_code), serial + version)
    standard = expected == check
    if not standard:
        problems.append(f"check character {check!r} is not the ISO/IEC 7064 MOD 37,36 "
                        f"value {expected!r} (foreign or mistyped identifier)")
    for label, code in (("type code's defining authority", type_code[:18]),
                        ("issuer code", issuer_code)):
        for p in _code_problems(code):
            problems.append(f"{label} is not a valid USCC: {p}")
    return Identifier(type_code=type_code, issuer_code=issuer_code, serial=serial,
                      version=int(version), check=check, check_standard=standard,
                      problems=tuple(problems))


def parse_base(value: object) -> str:
    """Accept a base identifier (no version, no check) and return it without blanks."""
    if not isinstance(value, str) or len(value) > MAX_LEN:
        raise MalformedIdentifier("证照标识格式错误 / malformed identifier")
    m = _BASE_RE.fullmatch(value.strip())
    if m is None:
        raise MalformedIdentifier("证照标识格式错误 / malformed identifier")
    return m.group(0)


def make_serial(year: int, counter: int) -> str:
    """ecert's serial form: YYYY + 8 digits from the per issuer/type counter."""
    if not 1 <= counter <= 99_999_999:
        raise ValueError("counter out of range for YYYY+8 digits")
    return f"{year:04d}{counter:08d}"


@dataclass(frozen=True)
class IdentifierReport:
    """One line of `ecert identifier check`: ok means well-formed, standard check, valid USCCs."""

    input: str
    ok: bool
    malformed: bool
    check_standard: bool | None
    parsed: Identifier | None
    problems: tuple[str, ...]


def check_identifiers(ids: Iterable[str]) -> list[IdentifierReport]:
    reports: list[IdentifierReport] = []
    for raw in ids:
        try:
            p = parse_identifier(raw)
        except MalformedIdentifier as exc:
            reports.append(IdentifierReport(input=raw, ok=False, malformed=True,
                                            check_standard=None, parsed=None,
                                            problems=(exc.message,)))
            continue
        reports.append(IdentifierReport(input=raw, ok=not p.problems, malformed=False,
                                        check_standard=p.check_standard, parsed=p,
                                        problems=p.problems))
    return reports
