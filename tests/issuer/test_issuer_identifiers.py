from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formats.identifiers import (
    MOD3736_ALPHABET,
    check_identifiers,
    make_identifier,
    mod37_36_check_char,
    parse_identifier,
)
from formats.uscc import USCC_ALPHABET, make_uscc, uscc_check_char, validate_uscc
from issuer.errors import InvalidUscc, MalformedIdentifier

# A published USCC (used in GB 32100 explanations) and demo codes built with make_uscc.
REAL_USCC = "91350100M000100Y43"
DEMO = make_uscc("11540000MB0000001")

uscc17 = st.tuples(
    st.text(USCC_ALPHABET, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
).map("".join)
usccs = uscc17.map(make_uscc)
serials = st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=40)
versions = st.integers(1, 999)


def test_known_uscc() -> None:
    validate_uscc(REAL_USCC)
    with pytest.raises(InvalidUscc) as e:
        validate_uscc(REAL_USCC[:-1] + "4")
    assert "统一社会信用代码" in str(e.value) and "expected '3'" in str(e.value)


@pytest.mark.parametrize("bad", ["", "123", REAL_USCC.lower(), "91350100M000100YI3", REAL_USCC + "0"])
def test_bad_uscc(bad: str) -> None:
    with pytest.raises(InvalidUscc):
        validate_uscc(bad)


@given(uscc17, st.integers(0, 16), st.sampled_from(USCC_ALPHABET))
def test_uscc_detects_single_substitution(first17: str, pos: int, c: str) -> None:
    code = make_uscc(first17)
    changed = code[:pos] + c + code[pos + 1:]
    if changed != code and changed[2:8].isdigit():
        assert uscc_check_char(changed[:17]) != code[17]


@given(usccs, st.text("0123456789", min_size=3, max_size=3), usccs, serials, versions)
def test_round_trip(definer: str, n: str, issuer: str, serial: str, version: int) -> None:
    ident = make_identifier(definer + n, issuer, serial, version)
    p = parse_identifier(ident)
    assert (p.type_code, p.issuer_code, p.serial, p.version) == (definer + n, issuer, serial, version)
    assert p.check_standard and p.problems == ()
    assert p.text == ident
    assert ident.startswith(p.base + ".")


@given(st.text(MOD3736_ALPHABET, min_size=1, max_size=90), st.data())
def test_mod3736_detects_every_single_substitution(data: str, draw: st.DataObject) -> None:
    check = mod37_36_check_char(data)
    pos = draw.draw(st.integers(0, len(data)))  # may hit the check char itself
    full = data + check
    c = draw.draw(st.sampled_from(MOD3736_ALPHABET).filter(lambda x: x != full[pos]))
    changed = full[:pos] + c + full[pos + 1:]
    assert mod37_36_check_char(changed[:-1]) != changed[-1]


def test_mod3736_exhaustive_single_substitution_short() -> None:
    data = "ABC123XYZ"
    for pos in range(len(data)):
        for c in MOD3736_ALPHABET:
            if c != data[pos]:
                assert mod37_36_check_char(data[:pos] + c + data[pos + 1:]) != mod37_36_check_char(data)


@given(usccs, usccs, serials, versions, st.sampled_from(MOD3736_ALPHABET))
def test_foreign_check_flagged(definer: str, issuer: str, serial: str, v: int, c: str) -> None:
    ident = make_identifier(definer + "001", issuer, serial, v)
    foreign = ident[:-1] + c
    p = parse_identifier(foreign)
    assert p.check_standard == (c == ident[-1])
    if c != ident[-1]:
        assert any("MOD 37,36" in x for x in p.problems)


@given(st.text(max_size=200))
def test_junk_raises_only_malformed(s: str) -> None:
    try:
        parse_identifier(s)
    except MalformedIdentifier:
        pass


@given(st.lists(st.sampled_from(["1.2.156.3005.2.", "A", "0", ".", "001", DEMO]), max_size=12))
def test_structured_junk(parts: list[str]) -> None:
    try:
        parse_identifier("".join(parts))
    except MalformedIdentifier:
        pass


def test_make_identifier_rejects_bad_parts() -> None:
    with pytest.raises(InvalidUscc):
        make_identifier(DEMO + "001", REAL_USCC[:-1] + "4", "1", 1)
    with pytest.raises(MalformedIdentifier):
        make_identifier(DEMO + "001", DEMO, "abc", 1)
    with pytest.raises(MalformedIdentifier):
        make_identifier(DEMO + "001", DEMO, "A", 0)


def test_check_identifiers_report() -> None:
    good = make_identifier(DEMO + "001", DEMO, "202600000001", 1)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    reports = check_identifiers([good, bad_check, "nonsense"])
    assert [r.ok for r in reports] == [True, False, False]
    assert reports[1].check_standard is False and not reports[1].malformed
    assert reports[2].malformed and reports[2].check_standard is None
