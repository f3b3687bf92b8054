"""formats.identifiers: vectors (valid, bad check character, foreign flagged) and round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formats.errors import InvalidUscc, Kind, MalformedIdentifier, MalformedInput
from formats.identifiers import (
    MOD3736_ALPHABET,
    PREFIX,
    base_identifier,
    check_identifiers,
    make_identifier,
    make_serial,
    mod37_36_check_char,
    mod37_36_valid,
    parse_base,
    parse_identifier,
)
from formats.uscc import USCC_ALPHABET, make_uscc

TYPE = "11540000MB00000016001"
ISSUER = "11540000MB00000029"
V1 = "1.2.156.3005.2.11540000MB00000016001.11540000MB00000029.202600000001.001.V"
V2 = "1.2.156.3005.2.11540000MB00000016001.11540000MB00000029.202600000001.002.T"
BASE = "1.2.156.3005.2.11540000MB00000016001.11540000MB00000029.202600000001"


def _reference_mod37_36(data: str) -> str:
    """ISO/IEC 7064 hybrid system M+1, M = 36, written out as in the standard."""
    m = 36
    p = m
    for ch in data:
        s = (p + int(ch, 36)) % m
        p = ((s or m) * 2) % (m + 1)
    return "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(m + 1 - p) % m]


def test_valid_vectors() -> None:
    assert make_identifier(TYPE, ISSUER, "202600000001", 1) == V1
    assert make_identifier(TYPE, ISSUER, "202600000001", 2) == V2
    p = parse_identifier(V1)
    assert (p.type_code, p.issuer_code, p.serial, p.version, p.check) == (
        TYPE, ISSUER, "202600000001", 1, "V")
    assert p.check_standard and p.problems == () and p.text == V1 and p.base == BASE
    assert parse_identifier(f"  {V2}\n").text == V2  # blanks around are ignored


@pytest.mark.parametrize("data", ["0", "A", "Z9", "11540000MB0000001600111540000MB00000029"
                                  "202600000001001", "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"])
def test_mod37_36_matches_the_standard_formulation(data: str) -> None:
    assert mod37_36_check_char(data) == _reference_mod37_36(data)
    assert mod37_36_valid(data + mod37_36_check_char(data))


def test_mod37_36_refuses_characters_outside_its_alphabet() -> None:
    with pytest.raises(ValueError):
        mod37_36_check_char("abc")
    assert not mod37_36_valid("a1") and not mod37_36_valid("A")


@pytest.mark.parametrize("check", sorted(set(MOD3736_ALPHABET) - {"V"}))
def test_foreign_check_character_is_accepted_but_flagged(check: str) -> None:
    p = parse_identifier(V1[:-1] + check)
    assert not p.check_standard and p.standard_check == "V"
    assert p.text == V1[:-1] + check and p.base == BASE
    assert len(p.problems) == 1 and "MOD 37,36" in p.problems[0]


def test_codes_that_are_not_usccs_are_flagged_not_refused() -> None:
    t = "ABCDEFGHIJKLMNOPQR001"
    ident = base_identifier(t, ISSUER, "1") + ".001." + mod37_36_check_char(t + ISSUER + "1001")
    p = parse_identifier(ident)
    assert p.check_standard and any("defining authority is not a valid USCC" in x
                                    for x in p.problems)


@pytest.mark.parametrize("bad", [
    "", "nonsense", V1.replace(PREFIX, "1.2.156.3005.3."), V1 + ".X", V1.lower(),
    V1.replace(".001.", ".000."), V1.replace(".001.", ".01."), V1[:-2], V1 + "  " * 40, None, 42,
    V1.replace("202600000001", "2026-0001"), V1.replace("202600000001", "1" * 41),
])
def test_malformed_identifiers_are_refused(bad: object) -> None:
    with pytest.raises(MalformedIdentifier) as e:
        parse_identifier(bad)
    assert isinstance(e.value, MalformedInput) and e.value.kind is Kind.INPUT
    assert e.value.slug == "malformed-input"


def test_make_validates_every_part() -> None:
    with pytest.raises(MalformedIdentifier):
        make_identifier("short", ISSUER, "1", 1)
    with pytest.raises(InvalidUscc):
        make_identifier(TYPE, ISSUER[:-1] + "0", "1", 1)
    with pytest.raises(MalformedIdentifier):
        make_identifier(TYPE, ISSUER, "lower", 1)
    for version in (0, 1000, True):
        with pytest.raises(MalformedIdentifier):
            make_identifier(TYPE, ISSUER, "1", version)


def test_parse_base() -> None:
    assert parse_base(f" {BASE} ") == BASE
    for bad in (V1, BASE + ".", "x", None):
        with pytest.raises(MalformedIdentifier):
            parse_base(bad)


def test_serial_and_report() -> None:
    assert make_serial(2026, 1) == "202600000001"
    with pytest.raises(ValueError):
        make_serial(2026, 0)
    good, foreign, bad = check_identifiers([V1, V1[:-1] + "0", "x"])
    assert good.ok and good.check_standard and not good.malformed
    assert not foreign.ok and foreign.check_standard is False and foreign.parsed is not None
    assert bad.malformed and bad.parsed is None and bad.problems


uscc17 = st.tuples(st.text(USCC_ALPHABET, min_size=2, max_size=2),
                   st.text("0123456789", min_size=6, max_size=6),
                   st.text(USCC_ALPHABET, min_size=9, max_size=9)).map("".join)
usccs = uscc17.map(make_uscc)


@given(usccs, st.text("0123456789", min_size=3, max_size=3), usccs,
       st.text(MOD3736_ALPHABET, min_size=1, max_size=40), st.integers(1, 999))
def test_make_parse_round_trip(definer: str, n: str, issuer: str, serial: str,
                               version: int) -> None:
    ident = make_identifier(definer + n, issuer, serial, version)
    p = parse_identifier(ident)
    assert (p.type_code, p.issuer_code, p.serial, p.version) == (definer + n, issuer, serial,
                                                                 version)
    assert p.check_standard and p.problems == () and p.text == ident
    assert p.base == base_identifier(definer + n, issuer, serial) == parse_base(p.base)
    assert ident.startswith(p.base + ".") and len(ident) <= 102


@given(st.text(max_size=140))
def test_parse_raises_only_malformed_identifier(text: str) -> None:
    try:
        p = parse_identifier(text)
    except MalformedIdentifier:
        return
    assert p.text == text.strip()


@given(uscc17.map(make_uscc) | st.text(MOD3736_ALPHABET, min_size=18, max_size=18),
       st.text("0123456789", min_size=3, max_size=3),
       uscc17.map(make_uscc) | st.text(MOD3736_ALPHABET, min_size=18, max_size=18),
       st.text(MOD3736_ALPHABET, min_size=1, max_size=40), st.integers(1, 999),
       st.sampled_from(MOD3736_ALPHABET))
def test_parse_flags_exactly_what_the_definitions_find(definer: str, n: str, issuer: str,
                                                      serial: str, version: int,
                                                      check: str) -> None:
    """The check character and both codes' USCC findings (remembered per type and issuer
    code since issue 11) are those of the plain definitions, on every parse."""
    from formats.uscc import uscc_problems

    v = f"{version:03d}"
    for _ in range(2):
        p = parse_identifier(f"{PREFIX}{definer + n}.{issuer}.{serial}.{v}.{check}")
        want = _reference_mod37_36(definer + n + issuer + serial + v)
        assert p.check_standard is (want == check)
        assert [x for x in p.problems if "USCC" in x] == [
            f"{label} is not a valid USCC: {x}" for label, code in (
                ("type code's defining authority", definer), ("issuer code", issuer))
            for x in uscc_problems(code)]
        assert len(p.problems) == len(uscc_problems(definer)) + len(uscc_problems(issuer)) + (
            want != check)
