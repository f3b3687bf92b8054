"""Fast paths of bulk issuance (issue 11) against the slow forms they stand for: records are
canonicalised by formats.record itself (bytes and errors must be those of the `rfc8785`
package for every value), and formats.text passes plain text after one regex search."""

from __future__ import annotations

from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from formats.record import canonical_bytes

_text = st.text(alphabet=st.characters(codec=None), max_size=12)  # controls, astral, surrogates
_scalars = (st.none() | st.booleans() | st.integers(-(2**60), 2**60) | _text
            | st.floats(allow_nan=True, allow_infinity=True))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(_text, inner, max_size=4)
                       | st.tuples(inner, inner), max_leaves=20)


def _either(value: Any) -> tuple[str, bytes | str]:
    try:
        return "ok", rfc8785.dumps(value)
    except Exception as exc:  # noqa: BLE001 - the error's class is what we compare
        return "error", type(exc).__name__


@settings(max_examples=600, deadline=None)
@given(_values)
def test_same_bytes_and_errors_as_rfc8785(value: Any) -> None:
    assert _either_mine(value) == _either(value)


def test_hostile_members() -> None:
    value = {"\U0001f600": 1, "\ufb01": 2, "a\u2028": "\x00\x1f\x7f\"\\", "Z": [True, None],
             "ä": {"": ""}, "b": -(2**53 - 1)}
    assert canonical_bytes(value) == rfc8785.dumps(value)
    for odd in ({"s": "\ud800"}, {"\udfff": 1}, {"f": 1.5e300}, {1: "x"}, {"t": {1, 2}}):
        assert _either_mine(odd) == _either(odd)


def _either_mine(value: Any) -> tuple[str, bytes | str]:
    try:
        return "ok", canonical_bytes(value)
    except Exception as exc:  # noqa: BLE001
        return "error", type(exc).__name__


def test_unsafe_integers_are_refused_as_before() -> None:
    for n in (2**53, -(2**53)):
        assert _either({"n": n})[0] == "error"
        try:
            canonical_bytes({"n": n})
        except rfc8785.IntegerDomainError:
            continue
        raise AssertionError("accepted an integer outside the JSON-safe range")


def test_text_fast_path_refuses_what_the_character_loop_refuses() -> None:
    """formats.text.text_problem passes text without a suspect character in one regex
    search (issue 11); the loop over characters decides the rest. Every code point: the
    regex must cover every one the loop refuses."""
    import unicodedata

    from formats import text

    for cp in range(0x110000):
        ch = chr(cp)
        refused = (cp in text.BIDI_CONTROLS or cp in text.ZERO_WIDTH
                   or unicodedata.category(ch) in ("Cs", "Cc", "Zl", "Zp"))
        assert (text._SUSPECT.search(ch) is not None) == refused, hex(cp)
        if refused:
            assert text.text_problem("a" + ch) is not None or ch in "\n\t"
