"""`leaf_bytes` writes its members out directly (issue 11, B6); it must stay byte-for-byte the
canonical JSON (JCS) of the same object, as docs/audit-log.md defines the leaf."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from audit_log.entry import canonical_json, format_time, leaf_bytes
from audit_log.errors import InvalidEntry

TEXTS = ["", "a", "扎西", 'q"uote\\back', "tab\tnew\nline", "\u2028sep", "emoji 🏔", "\x00\x1f",
         "ཀཁག", "é"]


def _generic(**kw: object) -> bytes:
    return canonical_json({
        "v": 1, "idx": kw["idx"], "created_at": format_time(kw["created_at"]),  # type: ignore[arg-type]
        "actor": kw["actor"], "actor_dept": kw["actor_dept"], "role": kw["role"],
        "action": kw["action"], "cert_identifier": kw["cert_identifier"],
        "purpose": kw["purpose"], "request_id": kw["request_id"],
        "details_sha256": kw["details_hash"]})


def test_leaf_bytes_is_the_canonical_json_of_its_members() -> None:
    rnd = random.Random(6)
    for i in range(500):
        kw = {
            "idx": rnd.choice([0, 1, i, 2**53 - 1]),
            "created_at": dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
            + dt.timedelta(microseconds=rnd.randrange(10**12)),
            "actor": rnd.choice(TEXTS[1:]), "role": rnd.choice(TEXTS[1:]),
            "action": rnd.choice(TEXTS[1:]),
            "actor_dept": rnd.choice([None, *TEXTS]), "cert_identifier": rnd.choice([None, *TEXTS]),
            "purpose": rnd.choice([None, *TEXTS]), "request_id": rnd.choice([None, *TEXTS]),
            "details_hash": rnd.choice(TEXTS),
        }
        assert leaf_bytes(**kw) == _generic(**kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [{"idx": "0"}, {"idx": True}, {"idx": 2**53}, {"actor": ""},
                                 {"purpose": 5}, {"request_id": "\ud800"}])
def test_leaf_bytes_still_refuses_what_canonical_json_refuses(bad: dict[str, object]) -> None:
    kw: dict[str, object] = {"idx": 1, "created_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                             "actor": "a", "actor_dept": None, "role": "r", "action": "x",
                             "cert_identifier": None, "purpose": None, "request_id": None,
                             "details_hash": "00"}
    with pytest.raises(InvalidEntry):
        leaf_bytes(**{**kw, **bad})  # type: ignore[arg-type]


def test_canonical_json_orders_non_ascii_names_by_utf16() -> None:
    assert canonical_json({"\U0001f600": 1, "\uff41": 2, "b": 3}) == \
        '{"b":3,"\U0001f600":1,"\uff41":2}'.encode()
