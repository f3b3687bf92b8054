"""Art. 9 para 2: a reorganised department's certificates move to its successor, whose key
seals new versions and copies; what the predecessor signed keeps verifying."""

from __future__ import annotations

import base64
import json

import pytest

from ecert.services import issuing
from tests.api.helpers import enrol, setup_training, token, training_request
from tests.conftest import auth


@pytest.fixture(scope="module")
def world(template, admin_token):  # type: ignore[no-untyped-def]
    client = template.client
    from producers._common import DEPARTMENTS

    w = setup_training(client, admin_token)
    succ_code, succ_name = DEPARTMENTS["finance"]
    enrol(client, admin_token, succ_code, succ_name)
    w["successor"] = succ_code
    w["successor_issuer"] = token(client, admin_token, "issuer", succ_code)
    w["admin"] = admin_token
    return w


def _x5t(jws: str) -> str:
    head = jws.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["x5t#S256"])


def test_successor_takes_over(client, world, platform) -> None:  # type: ignore[no-untyped-def]
    old = client.post("/api/v1/certificates", json=training_request(3301),
                      headers=auth(world["issuer"])).json()
    pred = old["record"]["issuer"]["code"]
    r = client.post(f"/api/v1/departments/{pred}/succeed", json={"successor": world["successor"]},
                    headers=auth(world["admin"]))
    assert r.status_code == 200, r.text
    assert r.json()["successor_code"] == world["successor"]

    # the predecessor signs nothing more (its tokens ended with the succession: 401);
    # the successor maintains its certificates
    refused = client.post(f"/api/v1/certificates/{old['identifier']}/status",
                          json={"event": "inspect", "reason": "年检"}, headers=auth(world["issuer"]))
    assert refused.status_code == 401, refused.text
    changed = client.post(f"/api/v1/certificates/{old['identifier']}/change",
                          json={"data": {"fields": {"hours": 64}}, "reason": "机构改革后更正"},
                          headers=auth(world["successor_issuer"]))
    assert changed.status_code == 200, changed.text
    new = changed.json()
    assert _x5t(new["jws"]) != _x5t(old["jws"])
    with platform.store.transaction() as uow:
        signer_cert = uow.pki.by_thumbprint(_x5t(new["jws"]))
        assert signer_cert is not None and signer_cert.dept_code == world["successor"]

    # a new copy is sealed by the successor and validates
    pdf = client.get(f"/api/v1/certificates/{new['identifier']}/pdf",
                     headers=auth(world["successor_issuer"]))
    assert pdf.status_code == 200
    v = client.post("/api/v1/verify/pdf", content=pdf.content,
                    headers={**auth(world["user"]), "content-type": "application/pdf"})
    assert v.status_code == 200 and v.json()["verdict"] == "valid", v.text

    # the predecessor's signature on version 1 still verifies: superseded, not forged
    first = client.get(f"/api/v1/verify/{old['identifier']}", headers=auth(world["auditor"])).json()
    assert first["verdict"] == "superseded", first
    checked = [c for c in first["checks"] if c["name"] in ("signature", "trust")]
    assert checked and all(c["passed"] for c in checked), first["checks"]
    bundle = client.get(f"/pki/departments/{pred}/certs.pem").text
    assert "BEGIN CERTIFICATE" in bundle


def test_succession_refuses_cycles_and_repeats(client, world) -> None:  # type: ignore[no-untyped-def]
    from producers._common import DEPARTMENTS

    a = DEPARTMENTS["market"][0]
    r = client.post(f"/api/v1/departments/{world['successor']}/succeed", json={"successor": a},
                    headers=auth(world["admin"]))
    assert r.status_code == 200
    back = client.post(f"/api/v1/departments/{a}/succeed", json={"successor": world["successor"]},
                       headers=auth(world["admin"]))
    assert back.status_code == 409
    self_ = client.post(f"/api/v1/departments/{a}/succeed", json={"successor": a},
                        headers=auth(world["admin"]))
    assert self_.status_code == 422  # the request itself is invalid, whatever the state


def test_successor_sealed_qr_verifies_offline(client, world, platform) -> None:  # type: ignore[no-untyped-def]
    """The published trust list says whom a successor acts for, so offline verifiers (and the
    citizen page) accept its seal on a predecessor's certificate."""
    from producers._common import DEPARTMENTS
    from verifier.lists import load_status_list, load_trust_list
    from verifier.verify import verify_qr

    def succeed(pred: str, succ: str) -> None:
        r = client.post(f"/api/v1/departments/{pred}/succeed", json={"successor": succ},
                        headers=auth(world["admin"]))
        assert r.status_code == 200, r.text

    # a certificate of a predecessor, re-sealed by its successor …
    old = client.post("/api/v1/certificates", json=training_request(3302),
                      headers=auth(world["issuer"])).json()
    succeed(old["record"]["issuer"]["code"], world["successor"])
    changed = client.post(f"/api/v1/certificates/{old['identifier']}/change",
                          json={"data": {"fields": {"hours": 64}}, "reason": "机构改革后更正"},
                          headers=auth(world["successor_issuer"]))
    assert changed.status_code == 200, changed.text
    ident = changed.json()["identifier"]
    # … and the successor itself merged into another department: the chain is followed
    succeed(world["successor"], DEPARTMENTS["market"][0])
    with platform.store.transaction() as uow:
        _s, root = platform.pki.root(uow)
    now = platform.now()
    trust = load_trust_list(client.get("/pki/trust-list").text, root, now)
    status = load_status_list(client.get("/pki/status-list").text, root, now)
    url = issuing.qr_url(platform, ident)
    result = verify_qr(url, trust, status, now)
    assert result.verdict.value == "valid", result.to_dict()
