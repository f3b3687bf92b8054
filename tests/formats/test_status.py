"""formats.status: the one table of status codes, verdicts and their words."""

from __future__ import annotations

import re
from pathlib import Path

from formats.status import STATUSES, VERDICT_TEXT, Verdict, status_verdict
from issuer import lifecycle

DOCS = Path(__file__).resolve().parents[2] / "docs" / "formats.md"

EXPECTED = {  # docs/formats.md, "Status codes"
    "01": ("valid", "有效", Verdict.VALID),
    "02": ("suspended", "暂停", Verdict.SUSPENDED),
    "03": ("withdrawn", "撤销", Verdict.REVOKED),
    "04": ("cancelled", "注销", Verdict.CANCELLED),
    "05": ("lapsed", "失效", Verdict.EXPIRED),
    "06": ("transferred", "转移", Verdict.CANCELLED),
    "07": ("revoked", "吊销", Verdict.REVOKED),
    "99": ("other", "其他", Verdict.CANCELLED),
}


def test_status_table() -> None:
    assert {c: (s.name, s.label, s.verdict) for c, s in STATUSES.items()} == EXPECTED
    assert all(s.code == c for c, s in STATUSES.items())
    assert status_verdict("03") is Verdict.REVOKED and status_verdict("08") is None


def test_table_agrees_with_the_documentation() -> None:
    rows = re.findall(r"^\| (\d\d) \| .*? ([\u4e00-\u9fff]+) \| (\w+) \|$", DOCS.read_text(),
                      re.MULTILINE)
    assert {code: (label, verdict) for code, label, verdict in rows} == {
        c: (s.label, s.verdict.value) for c, s in STATUSES.items()}


def test_lifecycle_moves_only_between_known_statuses() -> None:
    for t in lifecycle.TRANSITIONS.values():
        assert t.from_statuses <= STATUSES.keys()
        assert t.to_status is None or t.to_status in STATUSES
    assert lifecycle.TERMINAL <= STATUSES.keys()


def test_every_verdict_has_its_words() -> None:
    assert set(VERDICT_TEXT) == set(Verdict)
    for text in VERDICT_TEXT.values():
        assert text.headline and text.summary and text.advice
        assert len(text.headline) <= 7
    assert VERDICT_TEXT[Verdict.VALID].headline == "真实有效"
    assert VERDICT_TEXT[Verdict.REVOKED].summary == "已撤销或吊销"
