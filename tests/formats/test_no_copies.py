"""issuer/ and verifier/ define none of what formats/ owns (not expressible in import-linter).

A second MOD 37,36, a second x5t#S256 or kid computation, a second copy of a typ/spec
literal, of the status table, of the masking rules or of the China-time helpers would agree
with formats/ only by luck; they import it instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("issuer", "verifier")

FORBIDDEN = {
    "a MOD 37,36 implementation": r"def \w*mod37|\(\s*37\s*-\s*p\s*\)|% 37\b|\(_M \+ 1\)",
    "a USCC check": r"def \w*uscc\w*\(|0123456789ABCDEFGHJKLMNPQRTUWXY",
    "an ID-number check": r"def \w*citizen_id\w*\(|10X98765432",
    "an identifier parser": r"def parse_identifier|def parse_base|def make_identifier"
                            r"|[\"']1\.2\.156\.3005\.2\.[\"']",
    "an x5t#S256 or kid computation": r"def x5t_s256\((?!self)|def qr_kid\(|urlsafe_b64encode\(\s*hashlib"
                                      r"|sha256\([^)]*der[^)]*\)\.digest|\[:12\]",
    "a base64url encoder": r"def _?b64url\(",
    "a typ or spec literal": r"[\"'](?:eqr|ecert-qr\+jws|ecert-record\+jws|ecert/qr/\d?|ecert/record/1)[\"']",
    "a status code table": r"[\"']0[1-7][\"']\s*:\s*(?:\(|Verdict|[\"'](?:valid|revoked|suspended))",
    "verdict words": r"真实有效|已撤销或吊销|已暂停（含质押）",
    "masking rules": r"def (?:mask_name|mask_code|mask_value|mask_fields|display_holder)\(",
    "China-time helpers": r"def (?:china_date|utc_z|day_start_utc|end_of_day_utc|valid_to_date"
                          r"|last_valid_day|require_utc|zulu|parse_zulu)\(|timedelta\(hours=8\)"
                          r"|ZoneInfo\([\"']Asia/Shanghai",
    "the canonical JSON of the record": r"rfc8785\.dumps",
}


def _sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def test_the_packages_are_there() -> None:
    assert len(_sources()) > 20


@pytest.mark.parametrize("what", sorted(FORBIDDEN))
def test_no_second_definition(what: str) -> None:
    rx = re.compile(FORBIDDEN[what])
    hits = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
            for p in _sources()
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if rx.search(line)]
    assert hits == [], f"{what} outside formats/ (import it from formats instead):\n" + "\n".join(hits)


def test_the_patterns_find_what_formats_defines() -> None:
    """Each pattern matches the definition in formats/, so that it would match a copy."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "formats").rglob("*.py"))
    for what, pattern in FORBIDDEN.items():
        if what in ("verdict words", "a status code table"):
            continue  # formats/status.py spells the table as Status(...) rows
        assert re.search(pattern, text), what
