"""`issuer.drafts`: a draft completed with the batch's serial, slot and time is, byte for byte,
`first_version` and the canonical bytes of its record — whatever the data, the type's licence
number rule, a confidential holder; and where the template cannot be cut it still is."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from issuer_helpers import DEPT_A, TYPE_A, World, good_data

from formats.record import canonical_bytes
from issuer.catalog import Validity
from issuer.drafts import DraftContext, draft, draft_all
from issuer.errors import InvalidCertificateData
from issuer.ledger import first_version

NOW = dt.datetime(2026, 11, 30, 3, 4, 5, 678901, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 30)


def _ctx(world: World, **over: Any) -> DraftContext:
    with world.store.transaction() as uow:
        ctx: DraftContext = world.service.bulk.draft_context(uow, DEPT_A, TYPE_A, TODAY)[0]
    return dataclasses.replace(ctx, ctype=dataclasses.replace(ctx.ctype, **over)) if over \
        else ctx


DATAS: list[dict[str, Any]] = [
    good_data(1),
    {**good_data(2), "licence_number": "旧证 No.\"7\"\\"},
    {**good_data(3), "valid_from": "2020-01-02", "valid_to": "2030-01-01",
     "issue_date": "2019-12-31"},
    good_data(4, area="含e\u0301 (NFC) \"quoted\" \\ 😀 <&>", address="拉萨 ོ"),
    good_data(5, level=5, area="x" * 300),
]


@pytest.mark.parametrize("over", [
    {}, {"licence_number_field": "area"}, {"confidential_holder": True},
    {"name": "\x00identifier\x00"},  # a placeholder elsewhere: no template, same bytes
    {"validity": Validity()},  # no end
])
def test_completed_draft_is_first_version(world: World, over: dict[str, Any]) -> None:
    ctx = _ctx(world, **over)
    for k, data in enumerate(DATAS):
        for index in (0, 7, 2**31, None):
            d = draft(ctx, data)
            fv, payload = d.complete(ctx, 41 + k, NOW, index)
            want = first_version(ctx.ctype, DEPT_A, ctx.dept_name, d.data, 41 + k, TODAY, NOW,
                                 index)
            assert fv == want
            assert payload == canonical_bytes(want.record)
    if "name" in over:
        assert draft(ctx, DATAS[0]).template is None


def test_refusals_in_place(world: World) -> None:
    ctx = _ctx(world)
    not_a_dict: Any = "not a dict"
    out = draft_all(ctx, [good_data(1), {"holder": {"name": "", "code": "1"}}, not_a_dict,
                          {**good_data(2), "issue_date": "2099-01-01"}])
    assert [type(x).__name__ for x in out] == ["Draft", "InvalidCertificateData",
                                               "InvalidCertificateData",
                                               "InvalidCertificateData"]
    assert isinstance(out[3], InvalidCertificateData)
    assert [e["field"] for e in out[3].errors] == ["issue_date"]
