"""The signing API end to end: issue, idempotency, validation errors, change, lifecycle, PDF."""

from __future__ import annotations

import pytest

from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


@pytest.fixture(scope="module")
def world(template, admin_token):  # type: ignore[no-untyped-def]
    return setup_training(template.client, admin_token)


def test_issue_returns_signed_record_qr_and_pdf_urls(client, world) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/certificates", json=training_request(11), headers=auth(world["issuer"]))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["identifier"].startswith("1.2.156.3005.2." + world["type"])
    assert body["status"] == "01" and body["version"] == 1
    assert body["qr_url"].startswith("https://ecert.test/v/" + body["identifier"] + "#ey")
    assert body["jws"].count(".") == 2
    got = client.get(f"/api/v1/certificates/{body['identifier']}", headers=auth(world["issuer"]))
    assert got.status_code == 200 and got.json()["sha256"] == body["sha256"]


def test_idempotency_key_makes_retries_safe(client, world) -> None:  # type: ignore[no-untyped-def]
    req = training_request(12)
    h = {**auth(world["issuer"]), "Idempotency-Key": "retry-12"}
    a = client.post("/api/v1/certificates", json=req, headers=h)
    b = client.post("/api/v1/certificates", json=req, headers=h)
    assert a.status_code == 201 and b.status_code == 201
    assert a.json()["identifier"] == b.json()["identifier"]
    other = client.post("/api/v1/certificates", json=training_request(13), headers=h)
    assert other.status_code == 409
    assert other.json()["type"].endswith("/idempotency-conflict")


def test_invalid_data_lists_every_failing_field(client, world) -> None:  # type: ignore[no-untyped-def]
    req = training_request(14)
    req["data"]["holder"]["code"] = "123"
    req["data"]["fields"]["hours"] = 1
    del req["data"]["fields"]["trade"]
    r = client.post("/api/v1/certificates", json=req, headers=auth(world["issuer"]))
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"holder.code", "hours", "trade"} <= fields


def test_only_own_departments_types(client, world) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/certificates", json=training_request(15),
                    headers=auth(world["other_issuer"]))
    assert r.status_code == 403
    ok = client.post("/api/v1/certificates", json=training_request(16), headers=auth(world["issuer"]))
    ident = ok.json()["identifier"]
    assert client.get(f"/api/v1/certificates/{ident}",
                      headers=auth(world["other_issuer"])).status_code == 403
    assert client.post(f"/api/v1/certificates/{ident}/status",
                       json={"event": "revoke", "reason": "x"},
                       headers=auth(world["other_issuer"])).status_code == 403


def test_change_makes_a_new_linked_version(client, world) -> None:  # type: ignore[no-untyped-def]
    first = client.post("/api/v1/certificates", json=training_request(17),
                        headers=auth(world["issuer"])).json()
    r = client.post(f"/api/v1/certificates/{first['identifier']}/change",
                    json={"data": {"fields": {"hours": 120, "practical_hours": 96}},
                          "reason": "学时更正"},
                    headers=auth(world["issuer"]))
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["version"] == 2 and second["identifier"] != first["identifier"]
    assert second["record"]["previous"] == first["identifier"]
    view = client.get(f"/api/v1/certificates/{first['identifier']}",
                      headers=auth(world["issuer"])).json()
    assert view["identifier"] == second["identifier"]
    assert [v["version"] for v in view["versions"]] == [1, 2]
    assert view["versions"][0]["superseded_at"] is not None


def test_lifecycle_and_illegal_moves(client, world) -> None:  # type: ignore[no-untyped-def]
    ident = client.post("/api/v1/certificates", json=training_request(18),
                        headers=auth(world["issuer"])).json()["identifier"]
    h = auth(world["issuer"])

    def move(event: str) -> object:
        return client.post(f"/api/v1/certificates/{ident}/status",
                           json={"event": event, "reason": f"测试 {event}"}, headers=h)

    assert move("pledge").json()["status"] == "02"
    assert move("release").json()["status"] == "01"
    assert move("inspect").json()["status"] == "01"
    assert move("revoke").json()["status"] == "07"
    illegal = move("release")
    assert illegal.status_code == 409
    assert illegal.json()["type"].endswith("/illegal-transition")
    events = client.get(f"/api/v1/certificates/{ident}", headers=h).json()["events"]
    assert [e["event"] for e in events] == ["issue", "pledge", "release", "inspect", "revoke"]
    assert all(e["reason"] for e in events[1:])


def test_pdf_and_qr_are_made_on_request(client, world, platform) -> None:  # type: ignore[no-untyped-def]
    ident = client.post("/api/v1/certificates", json=training_request(19),
                        headers=auth(world["issuer"])).json()["identifier"]
    h = auth(world["issuer"])
    pdf = client.get(f"/api/v1/certificates/{ident}/pdf", headers=h)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    again = client.get(f"/api/v1/certificates/{ident}/pdf", headers=h)
    assert again.content == pdf.content  # cached, byte-identical
    png = client.get(f"/api/v1/certificates/{ident}/qr.png", headers=h)
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    svg = client.get(f"/api/v1/certificates/{ident}/qr.svg", headers=h)
    assert svg.status_code == 200 and b"<svg" in svg.content[:200]
    with platform.store.transaction() as uow:
        page = platform.audit.list_entries(uow, action="certificate.download",
                                           cert_identifier=ident)
    assert sorted(e.details for e in page.entries) == sorted(
        ['{"what":"pdf"}', '{"what":"pdf"}', '{"what":"qr.png"}', '{"what":"qr.svg"}'])


def test_malformed_requests_get_problem_json(client, world) -> None:  # type: ignore[no-untyped-def]
    h = {**auth(world["issuer"]), "content-type": "application/json"}
    for body in (b"{", b"[]", b'{"type": 1}', "{\"type\": \"\ud800\"}".encode("utf-8", "surrogatepass")):
        r = client.post("/api/v1/certificates", content=body, headers=h)
        assert r.status_code == 422, (body, r.status_code, r.text)
        assert r.json()["type"].endswith("/invalid-request"), r.text
        assert r.headers["content-type"] == "application/problem+json"
    r = client.get("/api/v1/certificates/not-an-identifier", headers=auth(world["issuer"]))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/malformed-input"), r.text


def test_tree_heads_follow_every_n_entries(client, world, platform) -> None:  # type: ignore[no-untyped-def]
    """ECERT_STH_EVERY_N is 5 in the fixture: a burst of issuance keeps the newest signed head
    within 5 entries (plus the one request in flight) of the log's size."""
    for i in range(8):
        client.post("/api/v1/certificates", json=training_request(1900 + i),
                    headers=auth(world["issuer"]))
    with platform.store.transaction() as uow:
        size = platform.audit.size(uow)
        head = platform.audit.latest_head(uow)
    assert head is not None and size - head.tree_size < 5 + 2
