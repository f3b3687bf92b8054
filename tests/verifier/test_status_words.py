"""The sentence a result carries (API, CLI) names the status's own act: 撤销 is not 吊销, a
transfer is not 注销 (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest

from formats.status import CANCELLED, REVOKED, STATUSES, TRANSFERRED, WITHDRAWN, Verdict
from verifier.results import Check, make_result

NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


def _result(code: str, verdict: Verdict) -> str:
    check = Check.fail("status", f"status-{code}", "x", verdict)
    return make_result([check], identifier="x", checked_at=NOW, status_code=code).summary


@pytest.mark.parametrize(("code", "word", "not_word"), [
    (WITHDRAWN, "已撤销", "吊销"), (REVOKED, "已吊销", "撤销"),
    (TRANSFERRED, "已转移", "注销"), (CANCELLED, "已注销", "转移")])
def test_summary_names_the_status(code: str, word: str, not_word: str) -> None:
    summary = _result(code, STATUSES[code].verdict)
    assert summary.startswith(word) and not_word not in summary, summary


def test_every_status_has_its_own_headline() -> None:
    headlines = [s.headline for s in STATUSES.values()]
    assert len(set(headlines)) == len(headlines)
