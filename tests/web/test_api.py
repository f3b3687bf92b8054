"""Lookup, verification, annotated copies, holder and objection APIs, with their refusals."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import World


def entries(w: World, action: str, **params: Any) -> list[dict[str, Any]]:
    r = w.client.get("/api/v1/audit/entries", headers=w.h("auditor"),
                     params={"action": action, "limit": 100, **params})
    assert r.status_code == 200, r.text
    return r.json()["entries"]


def is_problem(r: Any, status: int, slug: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"].endswith("/" + slug), body
    assert "Traceback" not in r.text


@pytest.fixture(scope="module")
def cert(template_world: World) -> dict[str, Any]:
    return template_world.issue()


# ---------------------------------------------------------------- lists and public status


def test_trust_and_status_lists_are_root_signed_jose(world: World, cert: dict[str, Any]) -> None:
    from verifier.lists import load_status_list, load_trust_list

    root = world.client.get("/pki/ca.crt").content
    now = world.platform.now()
    t = world.client.get("/pki/trust-list")
    assert t.status_code == 200 and t.headers["content-type"].startswith("application/jose")
    assert "max-age" in t.headers["cache-control"]
    trust = load_trust_list(t.text, root, now)
    assert any(k.key.dept_code == world.iss for k in trust.keys.values())
    world.platform  # the status list is cached briefly: a fresh certificate may lag a minute
    s = world.client.get("/pki/status-list")
    status = load_status_list(s.text, root, now)
    assert status.next_update > now


def test_public_status_is_masked_and_anonymous(world: World, cert: dict[str, Any]) -> None:
    r = world.client.get(f"/api/v1/public/status/{cert['identifier']}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verdict"] == "valid" and body["status"] == "01"
    assert set(body) == {"verdict", "status", "checked_at", "identifier", "current_identifier",
                         "display"}
    assert world.holder_code not in r.text and "张三丰" not in r.text
    assert body["display"] == {}  # display fields need the QR (tests/web/test_public_status.py)
    assert "address" not in r.text and "北京中路" not in r.text
    bad = world.client.get("/api/v1/public/status/nonsense")
    is_problem(bad, 422, "malformed-input")


# ---------------------------------------------------------------- lookup


def test_lookup_needs_purpose_and_refusal_is_audited(world: World, cert: dict[str, Any]) -> None:
    ident = cert["identifier"]
    r = world.client.get(f"/api/v1/lookup/{ident}", headers=world.h("user"))
    is_problem(r, 422, "purpose-required")
    denied = entries(world, "certificate.lookup_denied", certificate=ident)
    assert any(e["details"]["reason"] == "purpose-required" for e in denied)


def test_lookup_granted_is_masked_and_audited(world: World, cert: dict[str, Any]) -> None:
    ident = cert["identifier"]
    r = world.client.get(f"/api/v1/lookup/{ident}", params={"purpose": "行政审批：开业核验"},
                         headers=world.h("user"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["personal_visible"] is False
    assert world.holder_code not in r.text and "北京中路" not in r.text
    assert body["record"]["holder"]["code"].startswith(world.holder_code[:3])
    assert body["verification"]["verdict"] == "valid"
    assert {c["name"] for c in body["verification"]["checks"]} >= {"signature", "status"}
    got = entries(world, "certificate.lookup", certificate=ident)
    assert any(e["purpose"] == "行政审批：开业核验" for e in got)


def test_lookup_personal_grant_sees_holder_code(world: World, cert: dict[str, Any]) -> None:
    r = world.client.get(f"/api/v1/lookup/{cert['identifier']}", params={"purpose": "刑侦"},
                         headers=world.h("personal"))
    assert r.status_code == 200, r.text
    assert r.json()["personal_visible"] is True
    assert r.json()["record"]["holder"]["code"] == world.holder_code


def test_lookup_outside_grant_and_other_department(world: World, cert: dict[str, Any]) -> None:
    ident = cert["identifier"]
    r = world.client.get(f"/api/v1/lookup/{ident}", params={"purpose": "随便看看"},
                         headers=world.h("user"))
    is_problem(r, 403, "not-granted")
    r = world.client.get(f"/api/v1/lookup/{ident}", params={"purpose": "行政审批"},
                         headers=world.h("other"))
    is_problem(r, 403, "not-granted")
    denied = entries(world, "certificate.lookup_denied", certificate=ident)
    assert sum(e["details"]["reason"] == "not-granted" for e in denied) >= 2


@pytest.mark.parametrize("who", ["holder", "auditor", "issuer"])
def test_lookup_wrong_role(world: World, cert: dict[str, Any], who: str) -> None:
    r = world.client.get(f"/api/v1/lookup/{cert['identifier']}", params={"purpose": "行政审批"},
                         headers=world.h(who))
    is_problem(r, 403, "forbidden")
    assert world.client.get(f"/api/v1/lookup/{cert['identifier']}").status_code == 401


def test_lookup_by_holder(world: World, cert: dict[str, Any]) -> None:
    r = world.client.get("/api/v1/lookup", headers=world.h("user"), params={
        "holder_code": world.holder_code, "type": world.type_code, "purpose": "行政审批"})
    assert r.status_code == 200, r.text
    ids = [x["identifier"] for x in r.json()["results"]]
    assert cert["identifier"] in ids
    assert world.holder_code not in r.text
    r = world.client.get("/api/v1/lookup", headers=world.h("user"), params={
        "holder_code": world.holder_code, "type": world.type_code})
    is_problem(r, 422, "purpose-required")
    r = world.client.get("/api/v1/lookup", headers=world.h("other"), params={
        "holder_code": world.holder_code, "type": world.type_code, "purpose": "行政审批"})
    is_problem(r, 403, "not-granted")
    denied = entries(world, "certificate.lookup_denied")
    assert any(e["details"].get("by") == "holder" for e in denied)
    assert all(world.holder_code not in str(e) for e in denied)


# ---------------------------------------------------------------- verification


def test_verify_identifier_roles(world: World, cert: dict[str, Any]) -> None:
    ident = cert["identifier"]
    for who in ("user", "issuer", "auditor"):
        r = world.client.get(f"/api/v1/verify/{ident}", headers=world.h(who))
        assert r.status_code == 200, r.text
        assert r.json()["verdict"] == "valid"
        assert world.holder_code not in r.text
    is_problem(world.client.get(f"/api/v1/verify/{ident}", headers=world.h("holder")), 403,
               "forbidden")


def test_verify_pdf_raw_and_multipart(world: World, cert: dict[str, Any]) -> None:
    ident = cert["identifier"]
    pdf = world.client.get(f"/api/v1/certificates/{ident}/pdf", headers=world.h("issuer")).content
    r = world.client.post("/api/v1/verify/pdf", content=pdf, params={"purpose": "行政审批"},
                          headers={**world.h("user"), "Content-Type": "application/pdf"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verdict"] == "valid" and body["identifier"] == ident
    assert all(set(c) == {"name", "passed", "reason", "message"} for c in body["checks"])
    r = world.client.post("/api/v1/verify/pdf", files={"file": ("c.pdf", pdf, "application/pdf")},
                          headers=world.h("user"))
    assert r.status_code == 200 and r.json()["verdict"] == "valid", r.text
    tampered = bytearray(pdf)
    i = pdf.index(b"/Subject")
    tampered[i + 12] ^= 1
    r = world.client.post("/api/v1/verify/pdf", content=bytes(tampered),
                          headers={**world.h("user"), "Content-Type": "application/pdf"})
    assert r.status_code == 200, r.text  # a parsable PDF whose signature fails: a verdict
    assert r.json()["verdict"] == "invalid"
    r = world.client.post("/api/v1/verify/pdf", content=b"hello",
                          headers={**world.h("user"), "Content-Type": "application/pdf"})
    is_problem(r, 422, "malformed-input")
    r = world.client.post("/api/v1/verify/pdf", content=b"%PDF-" + b"0" * (5 * 1024 * 1024),
                          headers={**world.h("user"), "Content-Type": "application/pdf"})
    is_problem(r, 413, "payload-too-large")
    is_problem(world.client.post("/api/v1/verify/pdf", content=pdf, headers={
        **world.h("holder"), "Content-Type": "application/pdf"}), 403, "forbidden")
    assert entries(world, "certificate.use", certificate=ident)


# ---------------------------------------------------------------- annotated copies


def test_annotated_copies_capped_and_audited(world: World) -> None:
    c = world.issue(name="卓玛")
    ident = c["identifier"]
    url = f"/api/v1/certificates/{ident}/annotated-copies"
    body = {"purpose": "行政审批", "expires_in_days": 7}
    is_problem(world.client.post(url, json=body, headers=world.h("other")), 403, "not-granted")
    is_problem(world.client.post(url, json=body, headers=world.h("issuer")), 403, "forbidden")
    is_problem(world.client.post(url, json={**body, "purpose": "其他事"},
                                 headers=world.h("user")), 403, "not-granted")
    for n in (1, 2):
        r = world.client.post(url, json=body, headers=world.h("user"))
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf"
        assert r.content.startswith(b"%PDF-")
        assert r.headers["x-annotated-copies-used"] == f"{n}/2"
    r = world.client.post(url, json=body, headers=world.h("user"))
    is_problem(r, 429, "cap-reached")
    made = entries(world, "certificate.annotated_copy", certificate=ident)
    assert len(made) == 2 and made[0]["purpose"] == "行政审批"
    denied = entries(world, "certificate.annotated_copy_denied", certificate=ident)
    assert {e["details"]["reason"] for e in denied} >= {"cap-reached", "not-granted"}
    # the copy verifies as a signed PDF of the certificate
    v = world.client.post("/api/v1/verify/pdf", content=r.content if r.status_code == 200 else
                          world.client.get(f"/api/v1/certificates/{ident}/pdf",
                                           headers=world.h("issuer")).content,
                          headers={**world.h("user"), "Content-Type": "application/pdf"})
    assert v.json()["verdict"] == "valid"


# ---------------------------------------------------------------- holder


def test_holder_lists_own_and_sees_who_looked(world: World, cert: dict[str, Any]) -> None:
    ident = cert["identifier"]
    looked = world.client.get(f"/api/v1/lookup/{ident}", params={"purpose": "行政审批：开业核验"},
                              headers=world.h("user"))
    assert looked.status_code == 200, looked.text
    r = world.client.get("/api/v1/holder/certificates", headers=world.h("holder"))
    assert r.status_code == 200, r.text
    assert ident in [c["identifier"] for c in r.json()]
    r = world.client.get(f"/api/v1/holder/certificates/{ident}", headers=world.h("holder"))
    assert r.status_code == 200 and r.json()["record"]["holder"]["code"] == world.holder_code
    r = world.client.get(f"/api/v1/holder/certificates/{ident}/accesses", headers=world.h("holder"))
    assert r.status_code == 200, r.text
    assert any(a["purpose"] == "行政审批：开业核验" and a["dept_code"] == world.user
               for a in r.json())
    other = world.client.get(f"/api/v1/holder/certificates/{ident}",
                             headers=world.h("other_holder"))
    is_problem(other, 403, "forbidden")
    assert world.client.get("/api/v1/holder/certificates",
                            headers=world.h("other_holder")).json() == []
    is_problem(world.client.get("/api/v1/holder/certificates", headers=world.h("user")), 403,
               "forbidden")


def test_presentation_fresh_then_expired(world: World, cert: dict[str, Any], clock) -> None:  # type: ignore[no-untyped-def]
    ident = cert["identifier"]
    r = world.client.post(f"/api/v1/holder/certificates/{ident}/presentation",
                          headers=world.h("holder"))
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    assert r.json()["url"].endswith("/p/" + token)
    page = world.client.get(f"/p/{token}")
    assert page.status_code == 200 and 'data-verdict="valid"' in page.text
    assert "张**" in page.text and world.holder_code not in page.text
    png = world.client.post(f"/api/v1/holder/certificates/{ident}/presentation.png",
                            headers=world.h("holder"))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    is_problem(world.client.post(f"/api/v1/holder/certificates/{ident}/presentation",
                                 headers=world.h("other_holder")), 403, "forbidden")
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert 'data-verdict="invalid"' in world.client.get(f"/p/{forged}").text
    clock.advance(seconds=121)  # this test's own clock
    late = world.client.get(f"/p/{token}")
    assert 'data-verdict="expired"' in late.text and "已过期" in late.text
    assert "已过期 expired" not in late.text  # no English words on a zh-CN page (issue 14)
    acc = world.client.get(f"/api/v1/holder/certificates/{ident}/accesses",
                           headers=world.h("holder")).json()
    assert any(a["action"] == "certificate.presentation.verify" for a in acc)


# ---------------------------------------------------------------- objections


def test_objections_file_answer_list(world: World, cert: dict[str, Any]) -> None:
    ident = cert["identifier"]
    r = world.client.post("/api/v1/objections", headers=world.h("holder"),
                          json={"identifier": ident, "reason": "住址有误"})
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    assert r.json()["state"] == "open" and r.json()["due_at"]
    r = world.client.post("/api/v1/objections", headers=world.h("user"),
                          json={"identifier": ident, "reason": "等级与现场不符"})
    assert r.status_code == 201, r.text
    is_problem(world.client.post("/api/v1/objections", headers=world.h("other_holder"),
                                 json={"identifier": ident, "reason": "x"}), 403, "forbidden")
    is_problem(world.client.post("/api/v1/objections", headers=world.h("auditor"),
                                 json={"identifier": ident, "reason": "x"}), 403, "forbidden")
    mine = world.client.get("/api/v1/objections", headers=world.h("holder")).json()
    assert [o["id"] for o in mine] == [oid]
    theirs = world.client.get("/api/v1/objections", headers=world.h("user")).json()
    assert len(theirs) == 1 and theirs[0]["reason"] == "等级与现场不符"
    issuer_view = world.client.get("/api/v1/objections", headers=world.h("issuer")).json()
    assert {o["id"] for o in issuer_view} >= {oid}
    is_problem(world.client.post(f"/api/v1/objections/{oid}/answer",
                                 headers=world.h("other_issuer"), json={"answer": "不是我"}),
               403, "forbidden")
    is_problem(world.client.post(f"/api/v1/objections/{oid}/answer", headers=world.h("user"),
                                 json={"answer": "x"}), 403, "forbidden")
    r = world.client.post(f"/api/v1/objections/{oid}/answer", headers=world.h("issuer"),
                          json={"answer": "已核实并更正", "upheld": True})
    assert r.status_code == 200 and r.json()["state"] == "upheld", r.text
    is_problem(world.client.post(f"/api/v1/objections/{oid}/answer", headers=world.h("issuer"),
                                 json={"answer": "again"}), 409, "conflict")
    assert entries(world, "objection.answer")


# ---------------------------------------------------------------- pages


def test_pages_render_without_inline_script(world: World, cert: dict[str, Any]) -> None:
    for path in (f"/v/{cert['identifier']}", "/holder", "/staff", "/issuer", "/audit"):
        r = world.client.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert "<script>" not in r.text and "style=" not in r.text and "http" not in \
            r.text.replace("http-equiv", "")
    sw = world.client.get("/sw.js")
    assert sw.status_code == 200 and "javascript" in sw.headers["content-type"]
    assert sw.headers["service-worker-allowed"] == "/"
    assert world.client.get("/static/verify.js").status_code == 200


def test_revoked_certificate_public_status(world: World) -> None:
    c = world.issue(name="次仁")
    world.status(c["identifier"], "revoke")
    assert world.client.get(f"/api/v1/public/status/{c['identifier']}").json()["verdict"] == \
        "revoked"


def test_every_new_route_declares_roles(platform) -> None:  # type: ignore[no-untyped-def]
    from ecert.http.app import api_routes, create_app, route_roles

    prefixes = ("/api/v1/lookup", "/api/v1/verify", "/api/v1/holder", "/api/v1/objections",
                "/api/v1/public", "/pki/trust-list", "/pki/status-list", "/v/", "/p/",
                "/holder", "/staff", "/issuer", "/audit", "/sw.js")
    mine = [r for path, r in api_routes(create_app(platform.settings, platform))
            if path.startswith(prefixes)]
    assert len(mine) >= 15
    assert all(route_roles(r) for r in mine)
