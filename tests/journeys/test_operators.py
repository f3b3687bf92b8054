"""Named operators (Art. 21, 22): every staff credential belongs to a person with a post; the
log names them; disabling them stops their credentials at once; departments see their own."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


@pytest.fixture(scope="module")
def world(template: Any, admin_token: str) -> dict[str, Any]:
    from producers._common import dept

    w: dict[str, Any] = dict(setup_training(template.client, admin_token))
    w["hrss"], w["market"] = dept("hrss"), dept("market")
    return w


def _operator(client: Any, admin: str, dept: str | None, name: str, post: str) -> dict[str, Any]:
    r = client.post("/api/v1/operators", json={"dept": dept, "name": name, "post": post},
                    headers=auth(admin))
    assert r.status_code == 201, r.text
    return dict(r.json())


def _token(client: Any, admin: str, role: str, dept: str | None, operator: int) -> str:
    r = client.post("/api/v1/tokens", json={"role": role, "dept": dept, "operator": operator},
                    headers=auth(admin))
    assert r.status_code == 201, r.text
    assert r.json()["operator_id"] == operator
    return str(r.json()["token"])


def test_the_log_names_person_and_post_and_disabling_stops_at_once(
        client: Any, admin_token: str, world: dict[str, Any]) -> None:
    op = _operator(client, admin_token, world["hrss"], "卓玛", "证照签发岗")
    tok = _token(client, admin_token, "issuer", world["hrss"], op["id"])
    r = client.post("/api/v1/certificates", json=training_request(7), headers=auth(tok))
    assert r.status_code == 201, r.text
    ident = r.json()["identifier"]
    entries = client.get("/api/v1/audit/entries", params={"certificate": ident},
                         headers=auth(world["auditor"])).json()["entries"]
    issued = [e for e in entries if e["action"] == "certificate.issue"]
    assert issued and issued[0]["actor"] == f"卓玛（证照签发岗）#{op['id']}"
    assert "token:" not in issued[0]["actor"]

    r = client.post(f"/api/v1/operators/{op['id']}/disable", headers=auth(admin_token))
    assert r.status_code == 200 and r.json()["active"] is False
    r = client.get(f"/api/v1/certificates/{ident}", headers=auth(tok))
    assert r.status_code == 401, r.text
    # the disabling is itself in the log, by whom and of whom
    log = client.get("/api/v1/audit/entries", params={"action": "operator.disable"},
                     headers=auth(world["auditor"])).json()["entries"]
    assert log[0]["details"]["operator"] == op["id"] and log[0]["details"]["post"] == "证照签发岗"


def test_lookups_record_the_operator_and_departments_see_their_own(
        client: Any, admin_token: str, world: dict[str, Any]) -> None:
    issuer = client.post("/api/v1/certificates", json=training_request(8),
                         headers=auth(world["issuer"]))
    ident = issuer.json()["identifier"]
    from producers._common import dept

    agri = dept("agriculture")
    op = _operator(client, admin_token, agri, "次仁", "窗口受理岗")
    tok = _token(client, admin_token, "user", agri, op["id"])
    r = client.get(f"/api/v1/lookup/{ident}", params={"purpose": "农牧民转移就业补贴审核"},
                   headers=auth(tok))
    assert r.status_code == 200, r.text
    mine = client.get(f"/api/v1/operators/{op['id']}/actions", headers=auth(tok))
    assert mine.status_code == 200, mine.text
    acts = mine.json()["entries"]
    assert acts and all(e["actor"] == op["display"] for e in acts)
    assert any(e["cert_identifier"] == ident and e["action"] == "certificate.lookup" for e in acts)
    # the department's list shows its own operators only; another department cannot look in
    listed = client.get("/api/v1/operators", headers=auth(tok)).json()
    assert {o["dept"] for o in listed} == {agri} and op["id"] in {o["id"] for o in listed}
    other = client.get(f"/api/v1/operators/{op['id']}/actions",
                       headers=auth(world["other_user"]))
    assert other.status_code == 404, other.text


def test_a_token_without_operator_belongs_to_the_placeholder(
        client: Any, admin_token: str, world: dict[str, Any]) -> None:
    r = client.post("/api/v1/tokens", json={"role": "issuer", "dept": world["market"]},
                    headers=auth(admin_token))
    assert r.status_code == 201
    ops = client.get("/api/v1/operators", params={"dept": world["market"]},
                     headers=auth(admin_token)).json()
    holder = [o for o in ops if o["id"] == r.json()["operator_id"]]
    assert holder and holder[0]["placeholder"] is True
    # an operator of another department cannot own the token
    op = _operator(client, admin_token, world["hrss"], "扎西", "审核岗")
    bad = client.post("/api/v1/tokens", json={"role": "issuer", "dept": world["market"],
                                              "operator": op["id"]}, headers=auth(admin_token))
    assert bad.status_code == 422, bad.text
    assert bad.json()["type"].endswith("operator-mismatch")


def test_client_certificate_of_a_disabled_operator_stops(
        platform: Any, world: dict[str, Any]) -> None:
    from ca.keystore import FileKeyStore
    from ecert.cli.common import cli_actor
    from ecert.services import operators
    from ecert.services.clientcerts import find_client_cert, issue_client_cert

    op = operators.add_operator(platform, dept_code=world["hrss"], name="拉巴", post="查验岗",
                                subject=None, actor=cli_actor())
    signer = FileKeyStore(platform.settings.data_dir / "client", b"p" * 16).generate("c")
    rec = issue_client_cert(platform, world["hrss"], "user", signer.public_key_der, "c",
                            cli_actor(), operator_id=op.id)
    with platform.store.transaction() as uow:
        ident = find_client_cert(uow, rec.der, platform.now())
    assert ident is not None and ident.actor(None).name == f"拉巴（查验岗）#{op.id}"
    operators.disable_operator(platform, op.id, cli_actor())
    with platform.store.transaction() as uow:
        assert find_client_cert(uow, rec.der, platform.now()) is None
