"""Every route × every role (× own/other department where it matters) — the declared roles
must be exactly these, and the answers must follow them."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI, Request
from fastapi.routing import APIRoute

from tests.api.helpers import setup_training, token, training_request
from tests.conftest import auth

PUBLIC, ADMIN = {"public"}, {"admin"}
STAFF = {"admin", "auditor", "user", "issuer"}
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/api/v1/audit/assessment"): STAFF,
    ("GET", "/api/v1/audit/assessment.csv"): STAFF,
    ("GET", "/api/v1/certificates"): {"issuer"},
    ("GET", "/api/v1/certificates.csv"): {"issuer"},
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/pki/ca.pem"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,  # and only from ECERT_METRICS_ALLOW (404 otherwise)
    ("GET", "/pki/ca.crt"): PUBLIC,
    ("GET", "/pki/departments/{code}/certs.pem"): PUBLIC,
    ("GET", "/pki/services.pem"): PUBLIC,
    ("GET", "/pki/crl/{ca}.crl"): PUBLIC,
    ("GET", "/pki/crls.pem"): PUBLIC,
    ("GET", "/pki/issuing-ca.crt"): PUBLIC,
    ("GET", "/pki/chain.pem"): PUBLIC,
    ("POST", "/pki/ocsp"): PUBLIC,
    ("GET", "/pki/ocsp/{encoded:path}"): PUBLIC,
    ("POST", "/pki/tsa"): PUBLIC,
    ("GET", "/pki/trust-list"): PUBLIC,
    ("GET", "/pki/status-list"): PUBLIC,
    ("GET", "/pki/status/{shard}"): PUBLIC,
    ("POST", "/api/v1/departments"): ADMIN,
    ("GET", "/api/v1/departments"): STAFF,
    ("POST", "/api/v1/departments/{code}/rotate-key"): ADMIN,
    ("POST", "/api/v1/departments/{code}/succeed"): ADMIN,
    ("POST", "/api/v1/tokens"): ADMIN,
    ("GET", "/api/v1/tokens"): ADMIN,
    ("DELETE", "/api/v1/tokens/{token_id}"): ADMIN,
    ("GET", "/api/v1/audit/get-sth"): {"admin", "auditor"},
    ("GET", "/api/v1/audit/get-sth-consistency"): {"admin", "auditor"},
    ("GET", "/api/v1/audit/get-proof-by-hash"): {"admin", "auditor"},
    ("GET", "/api/v1/audit/get-entries"): {"admin", "auditor"},
    ("GET", "/api/v1/audit/checkpoint"): {"admin", "auditor"},
    ("POST", "/api/v1/audit/cosignatures"): {"auditor"},
    ("GET", "/api/v1/audit/entries"): STAFF,
    ("GET", "/api/v1/audit/stats"): STAFF,
    ("GET", "/api/v1/catalog/types"): STAFF | {"authority"},
    ("GET", "/api/v1/catalog/types/{type_code}"): STAFF | {"authority"},
    ("POST", "/api/v1/catalog/types"): ADMIN,  # a department proposes instead (issue 13)
    ("POST", "/api/v1/certificates"): {"issuer"},
    ("GET", "/api/v1/certificates/{identifier}"): {"issuer"},
    ("POST", "/api/v1/certificates/{identifier}/change"): {"issuer"},
    ("POST", "/api/v1/certificates/{identifier}/status"): {"issuer"},
    ("POST", "/api/v1/certificates/{identifier}/cosign"): {"issuer"},
    ("GET", "/api/v1/certificates/{identifier}/cosignatures"): {"issuer", "admin", "auditor"},
    ("GET", "/api/v1/certificates/{identifier}/pdf"): {"issuer"},
    ("GET", "/api/v1/certificates/{identifier}/qr.png"): {"issuer"},
    ("GET", "/api/v1/certificates/{identifier}/qr.svg"): {"issuer"},
    ("POST", "/api/v1/imports"): {"issuer"},
    ("GET", "/api/v1/imports/{type_code}/{sha}"): {"issuer"},
    ("POST", "/api/v1/reconcile"): {"issuer"},
    ("GET", "/api/v1/archive"): {"issuer"},
    ("GET", "/api/v1/lookup/{identifier}"): {"user"},
    ("GET", "/api/v1/lookup"): {"user"},
    ("POST", "/api/v1/lookups/by-holder"): {"user"},
    ("POST", "/api/v1/verify/pdf"): {"auditor", "user", "issuer"},
    ("GET", "/api/v1/verify/{identifier}"): {"auditor", "user", "issuer"},
    ("POST", "/api/v1/certificates/{identifier}/annotated-copies"): {"user"},
    ("GET", "/api/v1/public/status/{identifier}"): PUBLIC,
    ("POST", "/api/v1/public/status"): PUBLIC,
    ("POST", "/api/v1/holder/session"): PUBLIC,
    ("DELETE", "/api/v1/holder/session"): {"holder"},
    ("GET", "/api/v1/holder/certificates"): {"holder"},
    ("GET", "/api/v1/holder/certificates/{identifier}"): {"holder"},
    ("GET", "/api/v1/holder/certificates/{identifier}/accesses"): {"holder"},
    ("POST", "/api/v1/holder/certificates/{identifier}/presentation"): {"holder"},
    ("POST", "/api/v1/holder/certificates/{identifier}/presentation.png"): {"holder"},
    ("POST", "/api/v1/objections"): {"user", "holder"},
    ("POST", "/api/v1/objections/{objection_id}/answer"): {"issuer"},
    ("GET", "/api/v1/objections"): {"issuer", "user", "holder"},
    ("GET", "/v/{identifier}"): PUBLIC,
    ("GET", "/p/{token}"): PUBLIC,
    ("GET", "/holder"): PUBLIC,
    ("GET", "/staff"): PUBLIC,
    ("GET", "/issuer"): PUBLIC,
    ("GET", "/audit"): PUBLIC,
    ("GET", "/sw.js"): PUBLIC,
    ("GET", "/spec.js"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/api/docs"): PUBLIC,
    ("PUT", "/api/v1/departments/{code}/seal"): {"issuer", "admin"},
    ("GET", "/api/v1/departments/{code}/seal"): {"issuer", "admin"},
    ("GET", "/api/v1/catalog/types/{type_code}/specimen.pdf"): PUBLIC,
    # issue 13: named operators, sign-in through the identity service, the holder's inbox
    ("GET", "/api/v1/operators"): STAFF,
    ("POST", "/api/v1/operators"): ADMIN,
    ("POST", "/api/v1/operators/{operator_id}/disable"): ADMIN,
    ("GET", "/api/v1/operators/{operator_id}/actions"): STAFF,
    ("GET", "/login/oidc"): PUBLIC,
    ("GET", "/login/oidc/callback"): PUBLIC,
    ("GET", "/login/client-cert"): PUBLIC,
    ("GET", "/api/v1/holder/inbox"): {"holder"},
    ("GET", "/api/v1/outbox/deliveries"): STAFF,
    ("GET", "/api/v1/proposals"): STAFF | {"authority"},
    ("POST", "/api/v1/proposals"): {"issuer", "user"},
    ("GET", "/api/v1/proposals/{proposal_id}"): STAFF | {"authority"},
    ("POST", "/api/v1/proposals/{proposal_id}/withdraw"): {"issuer", "user"},
    ("POST", "/api/v1/proposals/{proposal_id}/approve"): {"authority"},
    ("POST", "/api/v1/proposals/{proposal_id}/refuse"): {"authority"},
    # issue 13: objection evidence and the supervising authority's escalation queue
    ("POST", "/api/v1/objections/{objection_id}/evidence"): {"holder", "user"},
    ("GET", "/api/v1/objections/{objection_id}/evidence"): {"holder", "user", "issuer",
                                                            "authority"},
    ("GET", "/api/v1/objections/{objection_id}/evidence/{evidence_id}"): {
        "holder", "user", "issuer", "authority"},
    ("GET", "/api/v1/objections/escalated"): {"authority"},
    ("POST", "/api/v1/objections/{objection_id}/coordinate"): {"authority"},
}
ROLES = ("issuer", "user", "holder", "auditor", "admin", "authority")
ROLE_REFUSAL = "this token's role may not use this endpoint"


@pytest.fixture(scope="module")
def world(template, admin_token):  # type: ignore[no-untyped-def]
    client = template.client
    w = setup_training(client, admin_token)
    issued = client.post("/api/v1/certificates", json=training_request(7001),
                         headers=auth(w["issuer"])).json()
    holder_code = issued["record"]["holder"]["code"]
    w["identifier"] = issued["identifier"]
    w["holder"] = token(client, admin_token, "holder", holder=holder_code)
    w["other_holder"] = token(client, admin_token, "holder", holder="540102199001011234")
    w["admin"] = admin_token
    w["authority"] = token(client, admin_token, "authority")
    w["dept"] = issued["record"]["issuer"]["code"]
    return w


def _routes(client) -> dict[tuple[str, str], frozenset[str] | None]:  # type: ignore[no-untyped-def]
    from ecert.http.app import api_routes, route_roles

    app = client.app
    return {(m, path): route_roles(r) for path, r in api_routes(app) for m in r.methods}


def test_declared_roles_are_exactly_the_matrix(client) -> None:  # type: ignore[no-untyped-def]
    declared = {k: set(v or ()) for k, v in _routes(client).items()}
    assert declared == EXPECTED


def test_a_route_without_declared_roles_is_refused(platform) -> None:  # type: ignore[no-untyped-def]
    from ecert.http.app import _check_every_route_declares_roles

    app = FastAPI()

    @app.get("/undeclared")
    def undeclared(request: Request) -> dict[str, str]:
        return {}

    with pytest.raises(RuntimeError, match="undeclared"):
        _check_every_route_declares_roles(app)


def _fill(path: str, w: dict[str, str]) -> str:
    values = {"code": w["dept"], "identifier": w["identifier"], "token_id": "999999",
              "type_code": w["type"], "objection_id": "999999", "ca": "root",
              "encoded:path": "MAA=", "token": "x", "sha": "0" * 64, "shard": "0",
              "operator_id": "999999", "proposal_id": "999999", "evidence_id": "999999"}
    return re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], path)


@pytest.mark.parametrize("role", (None, *ROLES))
def test_every_route_answers_by_role(client, world, role) -> None:  # type: ignore[no-untyped-def]
    headers = auth(world[role if role != "user" else "user"]) if role else {}
    for (method, path), roles in sorted(EXPECTED.items()):
        url = _fill(path, world)
        kwargs = {"json": {}} if method in ("POST", "PUT") and "ocsp" not in path and "tsa" not in path else {}
        r = client.request(method, url, headers=headers, **kwargs)
        where = f"{method} {path} as {role}: {r.status_code} {r.text[:200]}"
        assert r.status_code < 500, where
        if "public" in roles:
            assert r.status_code not in (401, 403), where
        elif role is None:
            assert r.status_code == 401, where
            assert r.headers["content-type"] == "application/problem+json", where
        elif role not in roles:
            assert r.status_code == 403 and r.json()["detail"] == ROLE_REFUSAL, where
        else:
            assert r.status_code != 401, where
            assert not (r.status_code == 403 and r.json().get("detail") == ROLE_REFUSAL), where


def test_own_and_other_department(client, world) -> None:  # type: ignore[no-untyped-def]
    ident = world["identifier"]
    assert client.get(f"/api/v1/certificates/{ident}", headers=auth(world["issuer"])).status_code == 200
    assert client.get(f"/api/v1/certificates/{ident}",
                      headers=auth(world["other_issuer"])).status_code == 403
    assert client.get(f"/api/v1/certificates/{ident}/pdf",
                      headers=auth(world["other_issuer"])).status_code == 403
    granted = client.get(f"/api/v1/lookup/{ident}", params={"purpose": "农牧民转移就业补贴审核"},
                         headers=auth(world["user"]))
    assert granted.status_code == 200, granted.text
    other = client.get(f"/api/v1/lookup/{ident}", params={"purpose": "农牧民转移就业补贴审核"},
                       headers=auth(world["other_user"]))
    assert other.status_code == 403 and other.json()["type"].endswith("/not-granted")
    no_purpose = client.get(f"/api/v1/lookup/{ident}", headers=auth(world["user"]))
    assert no_purpose.status_code == 422
    mine = client.get(f"/api/v1/holder/certificates/{ident}", headers=auth(world["holder"]))
    assert mine.status_code == 200, mine.text
    theirs = client.get(f"/api/v1/holder/certificates/{ident}", headers=auth(world["other_holder"]))
    assert theirs.status_code == 403
    # an issuer reads its own department's audit entries only, whatever it asks for
    from producers._common import dept

    own = client.get("/api/v1/audit/entries", params={"dept": world["dept"]},
                     headers=auth(world["issuer"])).json()["entries"]
    assert own and all(e["actor_dept"] == world["dept"] for e in own)
    asked = client.get("/api/v1/audit/entries", params={"dept": world["dept"]},
                       headers=auth(world["other_issuer"]))
    assert asked.status_code == 200, asked.text
    assert all(e["actor_dept"] == dept("market") for e in asked.json()["entries"])


def test_revoked_and_expired_tokens_are_refused(client, world, platform, clock) -> None:  # type: ignore[no-untyped-def]
    t = token(client, world["admin"], "auditor")
    assert client.get("/api/v1/audit/get-sth", headers=auth(t)).status_code == 200
    listing = client.get("/api/v1/tokens", headers=auth(world["admin"])).json()
    tid = next(x["id"] for x in listing if t.split("_")[1] == x["prefix"])
    assert client.delete(f"/api/v1/tokens/{tid}", headers=auth(world["admin"])).status_code == 200
    assert client.get("/api/v1/audit/get-sth", headers=auth(t)).status_code == 401
    assert client.get("/api/v1/audit/get-sth",
                      headers=auth(t[:-2] + "xx")).status_code == 401
    listing = client.get("/api/v1/tokens", headers=auth(world["admin"])).text
    assert t not in listing and t.split("_", 2)[2] not in listing


def test_login_failures_are_audited(client, world) -> None:  # type: ignore[no-untyped-def]
    client.get("/api/v1/audit/get-sth", headers=auth("ect_00000000_nope"))
    entries = client.get("/api/v1/audit/entries", params={"action": "auth.failure"},
                         headers=auth(world["auditor"])).json()["entries"]
    assert entries and "nope" not in str(entries)


def test_no_route_is_unclassified(client) -> None:  # type: ignore[no-untyped-def]
    for key, roles in _routes(client).items():
        assert roles, f"{key} declares no roles"
    assert isinstance(next(iter(client.app.routes)), object)
    _ = APIRoute


def test_openapi_states_the_roles_of_every_operation(client) -> None:  # type: ignore[no-untyped-def]
    doc = client.get("/api/openapi.json").json()
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["x-roles"], (method, path)
            assert ("security" in op) == ("public" not in op["x-roles"]), (method, path)


def test_api_docs_page_loads_nothing_from_outside(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/api/docs")
    assert page.status_code == 200 and "/static/apidocs/swagger-ui-bundle.js" in page.text
    assert "http" not in page.text.split("<body>")[1].replace("data-openapi-url", "")
    assert client.get("/static/apidocs/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/apidocs-init.js").status_code == 200
