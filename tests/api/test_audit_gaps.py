"""Art. 21: everything is logged — reads of the full record, refusals, refused imports — and
the holder's "who looked" view shows every department's use of the certificate."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.helpers import setup_training, token, training_request
from tests.conftest import auth


@pytest.fixture(scope="module")
def world(template: Any, admin_token: str) -> dict[str, Any]:
    client = template.client
    w: dict[str, Any] = dict(setup_training(client, admin_token))
    w["admin"] = admin_token
    r = client.post("/api/v1/certificates", json=training_request(5501),
                    headers=auth(w["issuer"]))
    assert r.status_code == 201, r.text
    w["cert"] = r.json()["identifier"]
    w["holder"] = token(client, admin_token, "holder", holder=r.json()["record"]["holder"]["code"])
    return w


def _entries(platform: Any, action: str) -> list[Any]:
    with platform.store.transaction() as uow:
        return list(platform.audit.list_entries(uow, action=action, limit=100).entries)


def details(entry: Any) -> dict[str, Any]:
    return dict(json.loads(entry.details))


def test_issuer_reading_the_full_record_is_audited(client: Any, platform: Any,
                                                   world: dict[str, Any]) -> None:
    r = client.get(f"/api/v1/certificates/{world['cert']}", headers=auth(world["issuer"]))
    assert r.status_code == 200, r.text
    seen = [e for e in _entries(platform, "certificate.view")
            if e.cert_identifier == world["cert"]]
    assert len(seen) == 1, seen
    assert seen[0].role == "issuer" and seen[0].actor_dept == r.json()["issuer_code"]


def test_refusals_are_audited(client: Any, platform: Any, world: dict[str, Any]) -> None:
    status = client.post(f"/api/v1/certificates/{world['cert']}/status",
                         json={"event": "inspect", "reason": "x" * 500},
                         headers=auth(world["other_issuer"]))
    assert status.status_code == 403, status.text
    role = client.post("/api/v1/certificates", json=training_request(5502),
                       headers=auth(world["user"]))
    assert role.status_code == 403, role.text
    issue = client.post("/api/v1/certificates", json=training_request(5503),
                        headers=auth(world["other_issuer"]))
    assert issue.status_code == 403, issue.text
    refused = _entries(platform, "request.refused")
    assert len(refused) == 3, refused
    by_route = {details(e)["attempted"]: e for e in refused}
    s = by_route["POST /api/v1/certificates/{identifier}/status"]
    assert s.cert_identifier == world["cert"] and s.role == "issuer"
    assert details(s)["reason"] == "forbidden" and details(s)["status"] == 403
    assert "x" * 50 not in s.details  # nothing the caller wrote is kept
    r = by_route["POST /api/v1/certificates"]
    assert {e.role for e in refused} == {"issuer", "user"}
    assert r.actor_dept is not None


def test_import_of_another_departments_type_is_refused_at_submission(
        client: Any, platform: Any, world: dict[str, Any]) -> None:
    r = client.post("/api/v1/imports", params={"type": world["type"]},
                    content=b"holder_name,holder_code\n", headers={
                        **auth(world["other_issuer"]), "content-type": "text/csv"})
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    refused = _entries(platform, "request.refused")
    assert [details(e)["attempted"] for e in refused] == ["POST /api/v1/imports"]
    assert not _entries(platform, "import.")


def test_holder_sees_refusals_verifications_downloads_and_objections(
        client: Any, world: dict[str, Any]) -> None:
    ident = world["cert"]
    assert client.get(f"/api/v1/lookup/{ident}", params={"purpose": "无关事由"},
                      headers=auth(world["other_user"])).status_code == 403
    assert client.get(f"/api/v1/verify/{ident}", headers=auth(world["auditor"])).status_code == 200
    assert client.get(f"/api/v1/certificates/{ident}/pdf",
                      headers=auth(world["issuer"])).status_code == 200
    assert client.get(f"/api/v1/lookup/{ident}", params={"purpose": "农牧民转移就业补贴审核"},
                      headers=auth(world["user"])).status_code == 200
    o = client.post("/api/v1/objections", json={"identifier": ident, "reason": "数据有误"},
                    headers=auth(world["user"]))
    assert o.status_code == 201, o.text
    acc = client.get(f"/api/v1/holder/certificates/{ident}/accesses",
                     headers=auth(world["holder"]))
    assert acc.status_code == 200, acc.text
    actions = {a["action"] for a in acc.json()}
    assert {"certificate.lookup_denied", "certificate.verify", "certificate.download",
            "objection.file", "certificate.lookup"} <= actions, actions
    assert all(a["dept_code"] for a in acc.json() if a["action"] != "certificate.verify")
