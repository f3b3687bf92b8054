"""Escalation (Art. 17): an objection the issuing department has not answered within 5 working
days (Chinese calendar) enters the supervising authority's queue in housekeeping; the authority
sees it with its evidence, records its coordinated answer, the holder sees it; every step is
audited and notified through the outbox — on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from ecert.services import outbox
from ecert.services.housekeeping import run_once
from tests.api.helpers import setup_training, token, training_request
from tests.conftest import auth
from tests.objections import files


@pytest.fixture(scope="module")
def world(template, admin_token):  # type: ignore[no-untyped-def]
    w = setup_training(template.client, admin_token)
    w["authority"] = token(template.client, admin_token, "authority")
    return w


def _due(o: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(str(o["due_at"]).replace("Z", "+00:00"))


def _file(client: Any, world: dict[str, str], admin: str, seed: int) -> tuple[dict[str, Any], str]:
    issued = client.post("/api/v1/certificates", json=training_request(seed),
                         headers=auth(world["issuer"])).json()
    holder = token(client, admin, "holder", holder=issued["record"]["holder"]["code"])
    r = client.post("/api/v1/objections", json={"identifier": issued["identifier"],
                                                "reason": "姓名有误"}, headers=auth(holder))
    assert r.status_code == 201, r.text
    return r.json(), holder


def _actions(client: Any, world: dict[str, str], action: str) -> list[dict[str, Any]]:
    return client.get("/api/v1/audit/entries", params={"action": action},
                      headers=auth(world["auditor"])).json()["entries"]


def _details(entry: dict[str, Any]) -> dict[str, Any]:
    d = entry["details"]
    return d if isinstance(d, dict) else json.loads(d)


def test_unanswered_objection_escalates_and_the_authority_coordinates(
        client, world, platform, clock, admin_token) -> None:  # type: ignore[no-untyped-def]
    obj, holder = _file(client, world, admin_token, 9201)
    oid = obj["id"]
    r = client.post(f"/api/v1/objections/{oid}/evidence", headers=auth(holder),
                    files={"file": ("身份证复印件.jpg", files.jpeg(), "image/jpeg")})
    assert r.status_code == 201, r.text
    eid = r.json()["id"]
    # 5 working days: not before the deadline (18:00 Beijing time on the 5th working day) ...
    due = _due(obj)
    assert (due - clock.now) >= dt.timedelta(days=5)
    clock.now = due - dt.timedelta(minutes=1)
    run_once(platform)
    queue = client.get("/api/v1/objections/escalated", headers=auth(world["authority"]))
    assert queue.status_code == 200 and oid not in [o["id"] for o in queue.json()]
    # ... and at once after it
    clock.now = due + dt.timedelta(minutes=1)
    run_once(platform)
    run_once(platform)  # a second round escalates nothing twice
    queue = client.get("/api/v1/objections/escalated", headers=auth(world["authority"])).json()
    item = next(o for o in queue if o["id"] == oid)
    assert item["escalated_at"] and item["state"] == "open" and item["overdue"]
    assert [a["id"] for a in item["attachments"]] == [eid]
    got = client.get(f"/api/v1/objections/{oid}/evidence/{eid}", headers=auth(world["authority"]))
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    escalations = [e for e in _actions(client, world, "objection.escalate")
                   if _details(e)["objection_id"] == oid]
    assert len(escalations) == 1 and escalations[0]["actor"] == "system"

    # only the authority reads the queue and coordinates
    assert client.get("/api/v1/objections/escalated",
                      headers=auth(world["issuer"])).status_code == 403
    r = client.post(f"/api/v1/objections/{oid}/coordinate", json={"answer": "x"},
                    headers=auth(world["issuer"]))
    assert r.status_code == 403
    r = client.post(f"/api/v1/objections/{oid}/coordinate",
                    json={"answer": "经协调，签发部门将在 3 个工作日内更正姓名", "upheld": True},
                    headers=auth(world["authority"]))
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "coordinated" and r.json()["coordination_state"] == "upheld"
    again = client.post(f"/api/v1/objections/{oid}/coordinate", json={"answer": "再次"},
                        headers=auth(world["authority"]))
    assert again.status_code == 409
    # the issuer can no longer answer a settled objection; the holder sees the answer
    late = client.post(f"/api/v1/objections/{oid}/answer", json={"answer": "迟到的答复"},
                       headers=auth(world["issuer"]))
    assert late.status_code == 409
    mine = next(o for o in client.get("/api/v1/objections", headers=auth(holder)).json()
                if o["id"] == oid)
    assert mine["coordination"].startswith("经协调") and mine["state"] == "coordinated"
    assert oid not in [o["id"] for o in client.get(
        "/api/v1/objections/escalated", headers=auth(world["authority"])).json()]
    assert oid in [o["id"] for o in client.get(
        "/api/v1/objections/escalated", params={"all": "true"},
        headers=auth(world["authority"])).json()]
    coordinated = [e for e in _actions(client, world, "objection.coordinate")
                   if _details(e)["objection_id"] == oid]
    assert len(coordinated) == 1 and coordinated[0]["role"] == "authority"
    assert _details(coordinated[0])["settled"] is True

    # notifications: escalated and coordinated, to the holder and to the issuing department
    with platform.store.transaction() as uow:
        sent = {(n.kind, n.recipient.split(":")[0]) for n in uow.notifications.pending()
                if json.loads(n.payload).get("objection_id") == oid}
    assert {("objection.escalated", "holder"), ("objection.escalated", "dept"),
            ("objection.coordinated", "holder"), ("objection.coordinated", "dept")} <= sent
    outbox.route_due(platform)  # the worker's first step: the holder's inbox channel
    inbox = client.get("/api/v1/holder/inbox", headers=auth(holder)).json()
    titles = {m["kind"]: m["title"] for m in inbox if m["data"].get("objection_id") == oid}
    assert titles["objection.escalated"] == "异议逾期未答复，已转主管部门督办"
    assert titles["objection.coordinated"] == "主管部门已就异议作出协调答复"


def test_a_late_issuer_answer_stays_beside_the_authoritys(client, world, platform, clock,
                                                          admin_token) -> None:  # type: ignore[no-untyped-def]
    obj, holder = _file(client, world, admin_token, 9202)
    oid = obj["id"]
    not_yet = client.post(f"/api/v1/objections/{oid}/coordinate", json={"answer": "过早"},
                          headers=auth(world["authority"]))
    assert not_yet.status_code == 409  # not escalated
    clock.now = _due(obj) + dt.timedelta(hours=2)
    run_once(platform)
    r = client.post(f"/api/v1/objections/{oid}/answer", json={"answer": "已核实，维持原登记",
                                                              "upheld": False},
                    headers=auth(world["issuer"]))
    assert r.status_code == 200 and r.json()["state"] == "rejected", r.text
    queue = client.get("/api/v1/objections/escalated", headers=auth(world["authority"])).json()
    assert oid in [o["id"] for o in queue]  # answered late: the authority still coordinates
    r = client.post(f"/api/v1/objections/{oid}/coordinate", json={"answer": "同意签发部门意见"},
                    headers=auth(world["authority"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "rejected" and body["answer"] == "已核实，维持原登记"
    assert body["coordination"] == "同意签发部门意见"
    coordinated = [e for e in _actions(client, world, "objection.coordinate")
                   if _details(e)["objection_id"] == oid]
    assert _details(coordinated[0])["issuer_answered"] is True


def test_the_authority_is_a_named_operator_in_the_log(client, world, platform, clock,
                                                      admin_token) -> None:  # type: ignore[no-untyped-def]
    from ecert.cli.common import cli_actor
    from ecert.services.operators import add_operator

    op = add_operator(platform, dept_code=None, name="次仁", post="督办岗", subject=None,
                      actor=cli_actor(), role="authority")
    obj, _holder = _file(client, world, admin_token, 9203)
    clock.now = _due(obj) + dt.timedelta(hours=1)
    run_once(platform)
    person = platform.create_token(role="authority", dept_code=None, holder_code=None,
                                   label="次仁", ttl_days=1, actor=cli_actor(),
                                   operator_id=op.id).secret
    r = client.post(f"/api/v1/objections/{obj['id']}/coordinate", json={"answer": "已督促更正"},
                    headers=auth(person))
    assert r.status_code == 200, r.text
    mine = next(e for e in _actions(client, world, "objection.coordinate")
                if _details(e)["objection_id"] == obj["id"])
    assert mine["actor"] == f"次仁（督办岗）#{op.id}" and mine["actor_dept"] is None
