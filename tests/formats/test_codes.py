"""formats.uscc (GB 32100) and formats.idnumber (GB 11643): vectors."""

from __future__ import annotations

import pytest

from formats.errors import InvalidUscc, Kind
from formats.idnumber import citizen_id_check_char, citizen_id_problems, make_citizen_id
from formats.uscc import is_valid_uscc, make_uscc, uscc_check_char, uscc_problems, validate_uscc

REAL_USCC = "91350100M000100Y43"  # published in GB 32100 explanations


def test_uscc_vectors() -> None:
    assert uscc_check_char(REAL_USCC[:17]) == "3"
    assert is_valid_uscc(REAL_USCC) and uscc_problems(REAL_USCC) == []
    assert make_uscc("11540000MB0000001") == "11540000MB00000016"
    validate_uscc(REAL_USCC)


@pytest.mark.parametrize(("bad", "why"), [
    (REAL_USCC[:-1] + "4", "expected '3'"),
    ("", "length 0"),
    (REAL_USCC.lower(), "not allowed"),
    ("91350100M000100YI3", "not allowed"),  # I is not in the alphabet
    ("91ABCDEFM000100Y43", "administrative division"),
    (None, "not a string"),
])
def test_uscc_problems(bad: object, why: str) -> None:
    problems = uscc_problems(bad)
    assert problems and any(why in p for p in problems)


def test_invalid_uscc_error() -> None:
    with pytest.raises(InvalidUscc) as e:
        validate_uscc(REAL_USCC[:-1] + "4")
    assert e.value.slug == "invalid-uscc" and e.value.kind is Kind.INPUT
    assert "统一社会信用代码" in e.value.message
    with pytest.raises(InvalidUscc):
        uscc_check_char("I" * 17)


def test_id_number_vectors() -> None:
    assert citizen_id_check_char("11010519491231002") == "X"  # the GB 11643 example
    assert make_citizen_id("44052418800101001") == "440524188001010014"
    assert citizen_id_problems("11010519491231002X") == []
    assert citizen_id_problems("110105194912310021") == ["check character is '1', expected 'X'"]
    for bad in ("", "11010519491231002x", "1101051949123100", None):
        assert citizen_id_problems(bad)
    with pytest.raises(ValueError):
        citizen_id_check_char("1101051949123100A")
