"""Identifiers: GB 32100 unified social credit codes and GB/T 36904 certificate identifiers.

Identifier form (docs/formats.md):
``1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>`` where the check
character is ISO/IEC 7064 MOD 37,36 over type+issuer+serial+version without dots.

ecert only issues identifiers with the standard check character; identifiers from other
provinces whose check character was computed differently parse with ``check_standard=False``
and a problem note, so that they can still be looked up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from issuer.errors import InvalidUscc, MalformedIdentifier

# ---------------------------------------------------------------------------------------------
# GB 32100-2015: unified social credit code (统一社会信用代码)
# ---------------------------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, ...
_USCC_RE = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}")


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character (18th) for the first 17 characters of a USCC."""
    if len(first17) != 17 or any(c not in _USCC_VALUE for c in first17):
        raise InvalidUscc(
            f"统一社会信用代码前17位无效 / the first 17 characters of a USCC must use "
            f"{USCC_ALPHABET!r}: {first17!r}")
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problems(code: str) -> list[str]:
    """Every reason `code` is not a well-formed USCC (empty list when it is one)."""
    if not isinstance(code, str):
        return ["not a string"]
    if len(code) != 18:
        return [f"length {len(code)}, expected 18"]
    bad = sorted({c for c in code if c not in _USCC_VALUE})
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
    problems = uscc_problems(code)
    if problems:
        raise InvalidUscc(
            f"统一社会信用代码无效 / invalid unified social credit code {code!r}: "
            + "; ".join(problems))


def is_valid_uscc(code: str) -> bool:
    return not uscc_problems(code)


def make_uscc(first17: str) -> str:
    """Complete 17 characters with their check character (for demo departments and tests)."""
    return first17 + uscc_check_char(first17)


# ---------------------------------------------------------------------------------------------
# ISO/IEC 7064 MOD 37,36 (hybrid system over 0-9A-Z)
# ---------------------------------------------------------------------------------------------

MOD3736_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_M = 36


def mod37_36_check_char(data: str) -> str:
    """ISO/IEC 7064 MOD 37,36 check character of `data` (characters 0-9A-Z)."""
    p = _M
    for ch in data:
        v = MOD3736_ALPHABET.find(ch)
        if v < 0:
            raise ValueError(f"character {ch!r} is outside 0-9A-Z")
        s = (p + v) % _M or _M
        p = (s * 2) % (_M + 1)
    return MOD3736_ALPHABET[(_M + 1 - p) % _M]


def mod37_36_valid(data_with_check: str) -> bool:
    if len(data_with_check) < 2:
        return False
    try:
        return mod37_36_check_char(data_with_check[:-1]) == data_with_check[-1]
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------
# GB/T 36904 certificate identifiers
# ---------------------------------------------------------------------------------------------

PREFIX = "1.2.156.3005.2."
_TYPE_RE = re.compile(r"[0-9A-Z]{18}[0-9]{3}")
_ISSUER_RE = re.compile(r"[0-9A-Z]{18}")
_SERIAL_RE = re.compile(r"[0-9A-Z]{1,40}")
_VERSION_RE = re.compile(r"[0-9]{3}")
_CHECK_RE = re.compile(r"[0-9A-Z]")


@dataclass(frozen=True)
class ParsedIdentifier:
    type_code: str
    issuer_code: str
    serial: str
    version: int
    check: str
    base: str
    check_standard: bool
    problems: tuple[str, ...] = ()

    @property
    def identifier(self) -> str:
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
    check = mod37_36_check_char(type_code + issuer_code + serial + v)
    return f"{base_identifier(type_code, issuer_code, serial)}.{v}.{check}"


def parse_identifier(s: str) -> ParsedIdentifier:
    """Parse an identifier of the GB/T 36904 form.

    Raises `MalformedIdentifier` for anything not of the form. A wrong check character or a
    part that is not a valid USCC is tolerated (foreign identifiers) and reported in
    `problems`; `check_standard` tells whether the check character is MOD 37,36.
    """
    if not isinstance(s, str):
        raise MalformedIdentifier("identifier must be a string")
    text = s.strip()
    if not text.startswith(PREFIX):
        raise MalformedIdentifier(
            f"证照标识应以 {PREFIX} 开头 / identifier must start with {PREFIX!r}")
    parts = text[len(PREFIX):].split(".")
    if len(parts) != 5:
        raise MalformedIdentifier(
            "证照标识格式错误 / identifier must have the parts "
            "type.issuer.serial.version.check after the prefix")
    type_code, issuer_code, serial, version, check = parts
    for value, rx, what in ((type_code, _TYPE_RE, "type code (18-char USCC + 3 digits)"),
                            (issuer_code, _ISSUER_RE, "issuer code (18 chars 0-9A-Z)"),
                            (serial, _SERIAL_RE, "serial (1-40 chars 0-9A-Z)"),
                            (version, _VERSION_RE, "version (3 digits)"),
                            (check, _CHECK_RE, "check character (one of 0-9A-Z)")):
        if not rx.fullmatch(value):
            raise MalformedIdentifier(f"证照标识格式错误 / malformed {what}: {value!r}")
    if version == "000":
        raise MalformedIdentifier("证照标识格式错误 / version 000 does not exist")
    problems: list[str] = []
    expected = mod37_36_check_char(type_code + issuer_code + serial + version)
    standard = expected == check
    if not standard:
        problems.append(f"check character {check!r} is not the ISO/IEC 7064 MOD 37,36 "
                        f"value {expected!r} (foreign or mistyped identifier)")
    for label, code in (("type code's defining authority", type_code[:18]),
                        ("issuer code", issuer_code)):
        for p in uscc_problems(code):
            problems.append(f"{label} is not a valid USCC: {p}")
    return ParsedIdentifier(type_code=type_code, issuer_code=issuer_code, serial=serial,
                            version=int(version), check=check,
                            base=base_identifier(type_code, issuer_code, serial),
                            check_standard=standard, problems=tuple(problems))


@dataclass(frozen=True)
class IdentifierReport:
    """One line of `ecert identifier check`: ok means well-formed, standard check, valid USCCs."""

    input: str
    ok: bool
    malformed: bool
    check_standard: bool | None
    parsed: ParsedIdentifier | None
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


def make_serial(year: int, counter: int) -> str:
    """ecert's serial form: YYYY + 8 digits from the per issuer/type counter."""
    if not 1 <= counter <= 99_999_999:
        raise ValueError("counter out of range for YYYY+8 digits")
    return f"{year:04d}{counter:08d}"


# ---------------------------------------------------------------------------------------------
# GB 11643: citizen identity number (居民身份证号码), ISO 7064 MOD 11-2 check character
# ---------------------------------------------------------------------------------------------

_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"[0-9]{17}[0-9X]")


def citizen_id_check_char(first17: str) -> str:
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("the first 17 characters of an ID number are digits")
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def citizen_id_problems(code: str) -> list[str]:
    if not isinstance(code, str) or not _ID_RE.fullmatch(code):
        return ["citizen ID number must be 17 digits and a digit or X (18 chars)"]
    expected = citizen_id_check_char(code[:17])
    if code[17] != expected:
        return [f"check character is {code[17]!r}, expected {expected!r}"]
    return []


def make_citizen_id(first17: str) -> str:
    return first17 + citizen_id_check_char(first17)
