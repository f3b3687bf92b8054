"""What a running server does by itself: lapse expired certificates, queue expiry reminders,
flag overdue objections to the supervising department — each audited."""

from __future__ import annotations

import datetime as dt

import pytest

from ecert.services.housekeeping import run_once
from tests.api.helpers import setup_training, token, training_request
from tests.conftest import auth


@pytest.fixture(scope="module")
def world(template, admin_token):  # type: ignore[no-untyped-def]
    return setup_training(template.client, admin_token)


def test_expired_certificates_lapse_by_themselves(client, world, platform, clock) -> None:  # type: ignore[no-untyped-def]
    req = training_request(8801)
    today = clock.now.date()
    req["data"]["valid_from"] = (today - dt.timedelta(days=10)).isoformat()
    req["data"]["valid_to"] = (today + dt.timedelta(days=1)).isoformat()
    ident = client.post("/api/v1/certificates", json=req, headers=auth(world["issuer"])).json()["identifier"]
    clock.advance(days=3)
    run_once(platform)
    view = client.get(f"/api/v1/certificates/{ident}", headers=auth(world["issuer"])).json()
    assert view["status"] == "05"
    assert view["events"][-1]["event"] == "lapse"
    entries = client.get("/api/v1/audit/entries", params={"certificate": view["identifier"]},
                         headers=auth(world["auditor"])).json()["entries"]
    assert any(e["action"] == "certificate.status" and e["actor"] == "system" for e in entries)


def test_overdue_objection_is_flagged_and_notified(client, world, platform, clock, admin_token) -> None:  # type: ignore[no-untyped-def]
    issued = client.post("/api/v1/certificates", json=training_request(8802),
                         headers=auth(world["issuer"])).json()
    holder = token(client, admin_token, "holder", holder=issued["record"]["holder"]["code"])
    r = client.post("/api/v1/objections", json={"identifier": issued["identifier"],
                                                "reason": "姓名有误"}, headers=auth(holder))
    assert r.status_code == 201, r.text
    objection = r.json()
    assert not objection["overdue"]
    clock.now = objection_due(objection) + dt.timedelta(hours=1)
    run_once(platform)
    mine = client.get("/api/v1/objections", headers=auth(holder)).json()
    assert next(o for o in mine if o["id"] == objection["id"])["overdue"]
    with platform.store.transaction() as uow:
        kinds = [n.kind for n in uow.notifications.pending()]
    assert any("overdue" in k for k in kinds), kinds


def objection_due(o: dict[str, object]) -> dt.datetime:
    return dt.datetime.fromisoformat(str(o["due_at"]).replace("Z", "+00:00"))
