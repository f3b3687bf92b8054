"""Search by holder (issue 13 "Using departments"): the number in the body only, checked by its
check character, purpose stated, every answer and refusal audited without the number; the
fields the grant shows, with their labels; the stamp a printout carries."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.web.conftest import World, type_definition
from tests.web.test_api import entries, is_problem

BY_HOLDER = "/api/v1/lookups/by-holder"


@pytest.fixture(scope="module")
def cert(template_world: World) -> dict[str, Any]:
    return template_world.issue()


def _search(w: World, who: str, **body: Any) -> Any:
    return w.client.post(BY_HOLDER, headers=w.h(who), json=body)


def test_by_holder_shows_granted_fields_with_labels_and_a_stamp(world: World,
                                                                cert: dict[str, Any]) -> None:
    r = _search(world, "user", holder_code=world.holder_code, type=world.type_code,
                purpose="行政审批：开业核验")
    assert r.status_code == 200, r.text
    body = r.json()
    got = {x["identifier"]: x for x in body["results"]}
    assert cert["identifier"] in got
    one = got[cert["identifier"]]
    # labels from the type's schema; the personal field masked (no personal grant)
    assert one["labels"] == {"area": "经营范围", "level": "等级", "address": "住址"}
    assert list(one["record"]["fields"]) == ["area", "address", "level"]  # face, then the rest
    assert "北京中路" not in r.text and world.holder_code not in r.text
    stamp = body["stamp"]
    assert stamp["department"] == "西藏自治区使用局" and stamp["department_code"] == world.user
    assert stamp["at_text"].endswith("北京时间") and stamp["purpose"] == "行政审批：开业核验"
    assert stamp["use_only"].startswith("仅供「行政审批：开业核验」使用")
    assert stamp["looked_up_by"]
    logged = entries(world, "certificate.lookup", certificate=cert["identifier"])
    assert any(e["details"].get("by") == "holder" and e["purpose"] == "行政审批：开业核验"
               for e in logged)
    assert all(world.holder_code not in str(e) for e in logged)


def test_by_holder_without_type_searches_every_granted_type(world: World,
                                                            cert: dict[str, Any]) -> None:
    r = _search(world, "user", holder_code=world.holder_code.lower(), purpose="行政审批")
    assert r.status_code == 200, r.text
    assert cert["identifier"] in [x["identifier"] for x in r.json()["results"]]
    # a department without any grant learns nothing, and the empty answer is audited
    r = _search(world, "other", holder_code=world.holder_code, purpose="行政审批")
    assert r.status_code == 200 and r.json()["results"] == [], r.text
    empty = [e for e in entries(world, "certificate.lookup")
             if e["details"].get("found") == 0 and e["actor_dept"] == world.other]
    assert empty and all(world.holder_code not in str(e) for e in empty)
    # with the type named, the refusal says so (and is audited)
    r = _search(world, "other", holder_code=world.holder_code, type=world.type_code,
                purpose="行政审批")
    is_problem(r, 403, "not-granted")


@pytest.mark.parametrize("code", ["540102199001010010", "91540000MA6T00000X", "abc",
                                  "5401021990010100１"])
def test_malformed_holder_numbers_are_refused_and_audited(world: World, code: str) -> None:
    r = _search(world, "user", holder_code=code, purpose="行政审批")
    is_problem(r, 422, "malformed-input")
    assert code not in r.text
    denied = [e for e in entries(world, "certificate.lookup_denied")
              if e["details"].get("by") == "holder"]
    assert denied and all(code not in str(e) for e in denied)


def test_by_holder_needs_purpose_role_and_no_number_in_the_url(world: World) -> None:
    r = _search(world, "user", holder_code=world.holder_code, purpose=" ")
    is_problem(r, 422, "purpose-required")
    r = _search(world, "issuer", holder_code=world.holder_code, purpose="行政审批")
    is_problem(r, 403, "forbidden")
    r = world.client.post(BY_HOLDER, json={"holder_code": world.holder_code, "purpose": "x"})
    assert r.status_code == 401
    r = world.client.post(BY_HOLDER, headers=world.h("user"),
                          json={"holder_code": world.holder_code, "purpose": "行政审批", "x": 1})
    is_problem(r, 422, "invalid-request")
    assert world.holder_code not in r.text


def test_a_grant_can_show_only_some_fields(world: World) -> None:
    code = world.iss + "002"
    d = type_definition(code, world.iss, world.user, world.personal_user)
    d["name"] = "测试部分字段许可证"
    d["grants"][0]["fields"] = ["level"]
    bad = copy.deepcopy(d)
    bad["grants"][0]["fields"] = ["no_such_field"]
    r = world.client.post("/api/v1/catalog/types", headers=world.h("admin"), json=bad)
    assert r.status_code == 422 and "grants[0].fields" in r.text, r.text
    r = world.client.post("/api/v1/catalog/types", headers=world.h("admin"), json=d)
    assert r.status_code == 201, r.text
    r = world.client.post("/api/v1/certificates", headers=world.h("issuer"), json={
        "type": code, "data": {"holder": {"name": "扎西", "code": world.other_holder_code},
                               "fields": {"area": "零售", "level": 3, "address": "日喀则市"}}})
    assert r.status_code == 201, r.text
    ident = r.json()["identifier"]
    r = _search(world, "user", holder_code=world.other_holder_code, type=code, purpose="行政审批")
    assert r.status_code == 200, r.text
    one = r.json()["results"][0]
    assert one["record"]["fields"] == {"level": 3} and one["labels"] == {"level": "等级"}
    assert "零售" not in r.text and "日喀则" not in r.text
    # the same through the lookup by identifier; the personal grant (all fields) sees all
    r = world.client.get(f"/api/v1/lookup/{ident}", params={"purpose": "行政审批"},
                         headers=world.h("user"))
    assert r.json()["labels"] == {"level": "等级"} and r.json()["stamp"]["purpose"] == "行政审批"
    r = world.client.get(f"/api/v1/lookup/{ident}", params={"purpose": "刑侦"},
                         headers=world.h("personal"))
    assert r.json()["record"]["fields"]["address"] == "日喀则市"
