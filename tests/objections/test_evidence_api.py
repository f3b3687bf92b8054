"""Evidence attachments of objections through the real API: good files of each allowed type,
each kind of bad file (answered problem+json with a stable type), who may see them, how they
are served, and the audit entries — on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import setup_training, token, training_request
from tests.conftest import auth
from tests.objections import files

PROBLEMS = "https://ecert.example/problems/"


@pytest.fixture(scope="module")
def world(template, admin_token):  # type: ignore[no-untyped-def]
    w = setup_training(template.client, admin_token)
    w["authority"] = token(template.client, admin_token, "authority")
    return w


def _objection(client: Any, world: dict[str, str], admin: str, seed: int) -> tuple[int, str, str]:
    issued = client.post("/api/v1/certificates", json=training_request(seed),
                         headers=auth(world["issuer"])).json()
    holder = token(client, admin, "holder", holder=issued["record"]["holder"]["code"])
    r = client.post("/api/v1/objections", json={"identifier": issued["identifier"],
                                                "reason": "培训等级登记有误"}, headers=auth(holder))
    assert r.status_code == 201, r.text
    return r.json()["id"], holder, issued["identifier"]


def _upload(client: Any, oid: int, tok: str, name: str, data: bytes, ctype: str) -> Any:
    return client.post(f"/api/v1/objections/{oid}/evidence", headers=auth(tok),
                       files={"file": (name, data, ctype)})


def test_good_files_are_kept_and_served_as_their_verified_type(client, world, admin_token) -> None:  # type: ignore[no-untyped-def]
    oid, holder, _ = _objection(client, world, admin_token, 9101)
    pdf = files.pdf()
    r = _upload(client, oid, holder, "证明材料.pdf", pdf, "application/pdf")
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["content_type"] == "application/pdf" and got["filename"] == "证明材料.pdf"
    assert got["size"] == len(pdf)
    # a JPEG named .pdf and declared application/pdf: judged by content, kept as a JPEG
    r = _upload(client, oid, holder, "photo.pdf", files.jpeg(), "application/pdf")
    assert r.status_code == 201, r.text
    assert (r.json()["content_type"], r.json()["filename"]) == ("image/jpeg", "photo.jpg")
    jpeg_id = r.json()["id"]
    r = _upload(client, oid, holder, "../../etc/scan.png", files.png(), "image/png")
    assert r.status_code == 201 and r.json()["filename"] == "scan.png", r.text

    listed = client.get("/api/v1/objections", headers=auth(holder)).json()
    mine = next(o for o in listed if o["id"] == oid)
    assert [a["content_type"] for a in mine["attachments"]] == [
        "application/pdf", "image/jpeg", "image/png"]

    d = client.get(f"/api/v1/objections/{oid}/evidence/{jpeg_id}", headers=auth(holder))
    assert d.status_code == 200 and d.content == files.jpeg()
    assert d.headers["content-type"] == "image/jpeg"
    assert d.headers["content-disposition"].startswith("attachment;")
    assert d.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in d.headers["content-security-policy"]
    assert d.headers["cache-control"] == "no-store"
    r = client.get(f"/api/v1/objections/{oid}/evidence/{got['id']}", headers=auth(holder))
    assert "filename*=UTF-8''%E8%AF%81" in r.headers["content-disposition"]

    # a fourth file is one too many (ECERT_EVIDENCE_MAX_FILES = 3)
    r = _upload(client, oid, holder, "more.png", files.png(), "image/png")
    assert r.status_code == 409 and r.json()["type"] == PROBLEMS + "evidence-limit-reached"


@pytest.mark.parametrize(("name", "data", "ctype", "slug"), [
    ("broken.png", files.noisy_png()[:20000], "image/png", "evidence-does-not-parse"),
    ("big.pdf", files.pdf()[:-10] + b"\0" * (6 * 1024 * 1024), "application/pdf",
     "evidence-too-large"),
    ("page.png", files.HTML, "image/png", "evidence-type-not-allowed"),
    ("cut.pdf", files.pdf()[:600], "application/pdf", "evidence-does-not-parse"),
    ("empty.pdf", b"", "application/pdf", "evidence-type-not-allowed"),
])
def test_bad_files_are_refused_with_a_stable_problem_type(client, world, admin_token, name,
                                                          data, ctype, slug) -> None:  # type: ignore[no-untyped-def]
    oid, holder, _ = _objection(client, world, admin_token, 9102)
    r = _upload(client, oid, holder, name, data, ctype)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == PROBLEMS + slug
    assert client.get(f"/api/v1/objections/{oid}/evidence", headers=auth(holder)).json() == []


def test_who_may_attach_and_see(client, world, admin_token) -> None:  # type: ignore[no-untyped-def]
    oid, holder, _ = _objection(client, world, admin_token, 9103)
    other_holder = token(client, admin_token, "holder", holder="540102199001011234")
    r = _upload(client, oid, other_holder, "x.png", files.png(), "image/png")
    assert r.status_code == 404  # someone else's objection does not exist for them
    r = _upload(client, oid, world["issuer"], "x.png", files.png(), "image/png")
    assert r.status_code == 403  # issuers do not attach
    eid = _upload(client, oid, holder, "x.png", files.png(), "image/png").json()["id"]
    url = f"/api/v1/objections/{oid}/evidence/{eid}"
    for who in ("issuer", "authority"):
        assert client.get(url, headers=auth(world[who])).status_code == 200, who
        assert len(client.get(f"/api/v1/objections/{oid}/evidence",
                              headers=auth(world[who])).json()) == 1
    for who in ("other_issuer", "user"):
        assert client.get(url, headers=auth(world[who])).status_code == 404, who
    assert client.get(url, headers=auth(other_holder)).status_code == 404
    assert client.get(url).status_code == 401
    assert client.get(url, headers=auth(world["auditor"])).status_code == 403
    assert client.get(f"/api/v1/objections/{oid}/evidence/{eid + 999}",
                      headers=auth(holder)).status_code == 404
    # every upload and every read is in the audit log, with the file's SHA-256
    entries = client.get("/api/v1/audit/entries", params={"action": "objection.evidence"},
                         headers=auth(world["auditor"])).json()["entries"]
    assert any(f'"evidence_id": {eid}' in str(e["details"]) or
               (isinstance(e["details"], dict) and e["details"].get("evidence_id") == eid)
               for e in entries), entries
    reads = client.get("/api/v1/audit/entries", params={"action": "objection.evidence_read"},
                       headers=auth(world["auditor"])).json()["entries"]
    assert len([e for e in reads if "evidence" in str(e["details"])]) >= 2


def test_a_settled_objection_takes_no_more_evidence(client, world, admin_token) -> None:  # type: ignore[no-untyped-def]
    oid, holder, _ = _objection(client, world, admin_token, 9104)
    r = client.post(f"/api/v1/objections/{oid}/answer", json={"answer": "已更正", "upheld": True},
                    headers=auth(world["issuer"]))
    assert r.status_code == 200, r.text
    r = _upload(client, oid, holder, "late.png", files.png(), "image/png")
    assert r.status_code == 409, r.text


def test_references_out_of_range_are_not_found(client, world, admin_token) -> None:  # type: ignore[no-untyped-def]
    oid, holder, _ = _objection(client, world, admin_token, 9105)
    huge = 2 ** 70
    for url in (f"/api/v1/objections/{huge}/evidence", f"/api/v1/objections/{oid}/evidence/{huge}",
                f"/api/v1/objections/{-huge}/evidence"):
        r = client.get(url, headers=auth(holder))
        assert r.status_code in (404, 422), (url, r.status_code, r.text)
    r = _upload(client, huge, holder, "x.png", files.png(), "image/png")
    assert r.status_code in (404, 422), r.text
    r = client.post(f"/api/v1/objections/{huge}/coordinate", json={"answer": "x"},
                    headers=auth(world["authority"]))
    assert r.status_code in (404, 422), r.text
