"""Free-text fields of the API: NFC, and no invisible or control characters (formats.text).

`Line` refuses line breaks too (names, labels); `Text` allows newlines and tabs (reasons).
A refusal is a per-field 422, like any other validation error.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from formats.text import normalise, text_problem


def _line(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return normalise(value)


def _text(value: str) -> str:
    problem = text_problem(value, multiline=True)
    if problem is not None:
        raise ValueError(problem)
    return normalise(value)


Line = Annotated[str, AfterValidator(_line)]
Text = Annotated[str, AfterValidator(_text)]
