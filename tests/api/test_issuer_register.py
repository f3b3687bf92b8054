"""An issuing department lists and searches its own certificates (Art. 5, 9): type, status,
holder, signing date, keyset pages, CSV export; holder masked; every call audited."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


@pytest.fixture(scope="module")
def world(template: Any, admin_token: str) -> dict[str, Any]:
    client = template.client
    w: dict[str, Any] = dict(setup_training(client, admin_token))
    w["certs"] = []
    for seed in range(6101, 6108):
        r = client.post("/api/v1/certificates", json=training_request(seed),
                        headers=auth(w["issuer"]))
        assert r.status_code == 201, r.text
        w["certs"].append(r.json())
    # one from another department (its own type), which must never show up in this register
    from producers import vocational_training as vt
    from producers._common import dept

    foreign_type = dict(vt.DEFINITION, type_code=dept("market") + "901",
                        defining_dept=dept("market"), grants=[])
    r = client.post("/api/v1/catalog/types", json=foreign_type, headers=auth(admin_token))
    assert r.status_code == 201, r.text
    other = dict(training_request(6199), type=foreign_type["type_code"])
    r = client.post("/api/v1/certificates", json=other, headers=auth(w["other_issuer"]))
    assert r.status_code == 201, r.text
    w["foreign"] = r.json()["identifier"]
    revoked = w["certs"][2]["identifier"]
    r = client.post(f"/api/v1/certificates/{revoked}/status",
                    json={"event": "withdraw", "reason": "核查发现材料不实"},
                    headers=auth(w["issuer"]))
    assert r.status_code == 200, r.text
    w["withdrawn"] = revoked
    return w


def _all(client: Any, token: str, **params: Any) -> list[dict[str, Any]]:
    items, before = [], None
    while True:
        q = dict(params, limit=3, **({"before": before} if before else {}))
        r = client.get("/api/v1/certificates", params=q, headers=auth(token))
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= 3
        items += body["items"]
        before = body["next_cursor"]
        if before is None:
            return items


def test_pages_list_own_certificates_newest_first_with_holder_masked(
        client: Any, world: dict[str, Any]) -> None:
    items = _all(client, world["issuer"])
    own = [c["identifier"] for c in world["certs"]]
    listed = [i["identifier"] for i in items]
    assert sorted(listed) == sorted(own) and world["foreign"] not in listed
    assert listed == sorted(listed, key=own.index, reverse=True)  # newest first, no repeats
    first = world["certs"][0]["record"]["holder"]
    row = next(i for i in items if i["identifier"] == own[0])
    assert row["holder_code"] != first["code"] and row["holder_code"][-4:] == first["code"][-4:]
    assert row["holder_name"].startswith(first["name"][0]) and "*" in row["holder_name"]


def test_filters_by_status_holder_type_and_date(client: Any, world: dict[str, Any]) -> None:
    withdrawn = _all(client, world["issuer"], status="03")
    assert [i["identifier"] for i in withdrawn] == [world["withdrawn"]]
    assert withdrawn[0]["status_label"] == "撤销" and withdrawn[0]["verdict"] == "revoked"
    target = world["certs"][4]
    by_holder = _all(client, world["issuer"], holder=target["record"]["holder"]["code"].lower())
    assert [i["identifier"] for i in by_holder] == [target["identifier"]]
    assert _all(client, world["issuer"], type="NO.SUCH.TYPE") == []
    assert _all(client, world["other_issuer"]) and all(
        i["identifier"] == world["foreign"] for i in _all(client, world["other_issuer"]))
    day = _all(client, world["issuer"])[0]["signed_on"]
    assert len(_all(client, world["issuer"], issued_from=day, issued_to=day)) == 7
    assert _all(client, world["issuer"], issued_to="2000-01-01") == []


def test_bad_filters_are_per_field_errors_and_other_roles_are_refused(
        client: Any, world: dict[str, Any]) -> None:
    r = client.get("/api/v1/certificates", params={"status": "42"}, headers=auth(world["issuer"]))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in r.json()["errors"]] == ["status"]
    r = client.get("/api/v1/certificates", params={"issued_from": "2026-02-01",
                                                   "issued_to": "2026-01-01"},
                   headers=auth(world["issuer"]))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "issued_from"
    r = client.get("/api/v1/certificates", params={"limit": 100000}, headers=auth(world["issuer"]))
    assert r.status_code == 422
    for role in ("user", "auditor"):
        assert client.get("/api/v1/certificates", headers=auth(world[role])).status_code == 403


def test_csv_export_has_every_row_neutralised_and_audited(client: Any, platform: Any,
                                                          world: dict[str, Any]) -> None:
    r = client.get("/api/v1/certificates.csv", headers=auth(world["issuer"]))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["cache-control"] == "no-store"
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert sorted(row["identifier"] for row in rows) == sorted(
        c["identifier"] for c in world["certs"])
    assert all(not row["holder_name"].startswith(("=", "+", "-", "@")) for row in rows)
    holder = world["certs"][4]["record"]["holder"]["code"]
    client.get("/api/v1/certificates", params={"holder": holder}, headers=auth(world["issuer"]))
    with platform.store.transaction() as uow:
        exports = platform.audit.list_entries(uow, action="certificate.export", limit=10).entries
        searches = platform.audit.list_entries(uow, action="certificate.search", limit=10).entries
    assert json.loads(exports[0].details)["rows"] == 7
    held = [json.loads(e.details)["filter"].get("holder") for e in searches]
    assert holder not in json.dumps(held) and any(h and h.endswith(holder[-4:]) for h in held)
