"""The supervising authority's approvals (issue 13, Art. 4, 12, 15): departments propose catalog
entries, grants and presentation scenarios; nothing takes effect before the `authority`
approves; refusals need a reason; nobody approves their own department's proposal; every
transition is audited in its own transaction with the change it makes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecert.cli.main import main
from tests.api.helpers import setup_training, token, training_request
from tests.conftest import auth

PROBLEM = "https://ecert.example/problems/"
PURPOSE = "市场主体登记核查"


@pytest.fixture(scope="module")
def training(template, admin_token):  # type: ignore[no-untyped-def]
    from producers._common import dept

    client = template.client
    w: dict[str, Any] = setup_training(client, admin_token)
    issued = client.post("/api/v1/certificates", json=training_request(8101),
                         headers=auth(w["issuer"])).json()
    w["identifier"] = issued["identifier"]
    w["holder"] = token(client, admin_token, "holder", holder=issued["record"]["holder"]["code"])
    w["authority"] = token(client, admin_token, "authority")
    w["authority_of_hrss"] = token(client, admin_token, "authority", dept("hrss"))
    w["hrss"], w["market"] = dept("hrss"), dept("market")
    w["admin"] = admin_token
    return w


def _entries(platform: Any, action: str) -> list[dict[str, Any]]:
    with platform.store.transaction() as uow:
        found = platform.audit.list_entries(uow, action=action, limit=1000).entries
    return [{"actor": e.actor, "role": e.role, "dept": e.actor_dept, **json.loads(e.details)}
            for e in found]


def _propose(client: Any, tok: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/v1/proposals", json={"kind": kind, "payload": payload},
                    headers=auth(tok))
    assert r.status_code == 201, r.text
    assert r.json()["state"] == "pending"
    return r.json()  # type: ignore[no-any-return]


def _type(client: Any, w: dict[str, Any]) -> dict[str, Any]:
    r = client.get(f"/api/v1/catalog/types/{w['type']}", headers=auth(w["issuer"]))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_a_new_version_takes_effect_only_when_approved(client, platform, training) -> None:  # type: ignore[no-untyped-def]
    w = training
    before = _type(client, w)
    definition = {**before["definition"], "name": before["definition"]["name"] + "（第二版）"}
    # a department no longer adds a type itself
    direct = client.post("/api/v1/catalog/types", json=definition, headers=auth(w["issuer"]))
    assert direct.status_code == 403
    p = _propose(client, w["issuer"], "catalog", definition)
    assert p["dept_code"] == w["hrss"] and p["kind"] == "catalog" and "第二版" in p["summary"]
    assert _type(client, w)["version"] == before["version"]  # not in force yet
    # only the authority decides; its own department's authority may not
    for tok in (w["issuer"], w["admin"], w["auditor"]):
        assert client.post(f"/api/v1/proposals/{p['id']}/approve",
                           headers=auth(tok)).status_code == 403
    own = client.post(f"/api/v1/proposals/{p['id']}/approve", headers=auth(w["authority_of_hrss"]))
    assert own.status_code == 403 and own.json()["type"] == PROBLEM + "self-approval"
    ok = client.post(f"/api/v1/proposals/{p['id']}/approve", headers=auth(w["authority"]))
    assert ok.status_code == 200, ok.text
    done = ok.json()
    assert done["state"] == "approved" and done["applied_version"] == before["version"] + 1
    assert done["decided_by"] and done["decided_by"] != done["proposed_by"]
    after = _type(client, w)
    assert after["version"] == done["applied_version"] and "第二版" in after["name"]
    again = client.post(f"/api/v1/proposals/{p['id']}/approve", headers=auth(w["authority"]))
    assert again.status_code == 409 and again.json()["type"] == PROBLEM + "proposal-not-pending"
    # audited: submit by the department, approve and the catalog version by the authority
    submit = [e for e in _entries(platform, "proposal.submit") if e["proposal"] == p["id"]]
    approve = [e for e in _entries(platform, "proposal.approve") if e["proposal"] == p["id"]]
    added = [e for e in _entries(platform, "catalog.add") if e.get("proposal") == p["id"]]
    assert [e["role"] for e in submit] == ["issuer"] and submit[0]["dept"] == w["hrss"]
    assert [e["role"] for e in approve + added] == ["authority", "authority"]
    assert approve[0]["actor"] == done["decided_by"] and added[0]["version"] == after["version"]


def test_a_grant_is_refused_with_a_reason_then_approved(client, platform, training) -> None:  # type: ignore[no-untyped-def]
    w = training
    ident = w["identifier"]
    market_user = token(client, w["admin"], "user", w["market"])

    def lookup() -> int:
        return int(client.get(f"/api/v1/lookup/{ident}", params={"purpose": PURPOSE},
                              headers=auth(market_user)).status_code)

    assert lookup() == 403
    grant = {"dept": w["market"], "purposes": [PURPOSE], "personal": False}
    # the using department asks for itself; another department cannot ask on its behalf
    other = client.post("/api/v1/proposals", json={"kind": "grant", "payload": {
        "type_code": w["type"], "grant": {**grant, "dept": w["hrss"]}}},
        headers=auth(market_user))
    assert other.status_code == 403
    p = _propose(client, market_user, "grant", {"type_code": w["type"], "grant": grant})
    assert lookup() == 403  # pending: no effect
    for body in ({"reason": ""}, {"reason": "   "}, {}):
        r = client.post(f"/api/v1/proposals/{p['id']}/refuse", json=body,
                        headers=auth(w["authority"]))
        assert r.status_code == 422, r.text
    r = client.post(f"/api/v1/proposals/{p['id']}/refuse", json={"reason": "用途与职责不符"},
                    headers=auth(w["authority"]))
    assert r.status_code == 200 and r.json()["state"] == "refused"
    assert r.json()["reason"] == "用途与职责不符"
    assert lookup() == 403
    # the department sees its own proposal with the reason; another department does not
    mine = client.get("/api/v1/proposals", headers=auth(market_user)).json()
    assert [(x["id"], x["state"], x["reason"]) for x in mine] == [
        (p["id"], "refused", "用途与职责不符")]
    assert all(x["dept_code"] == w["hrss"]
               for x in client.get("/api/v1/proposals", headers=auth(w["issuer"])).json())
    assert client.get(f"/api/v1/proposals/{p['id']}", headers=auth(w["issuer"])).status_code == 404
    p2 = _propose(client, market_user, "grant", {"type_code": w["type"], "grant": grant})
    pending = client.get("/api/v1/proposals", params={"state": "pending"},
                         headers=auth(w["authority"])).json()
    assert [x["id"] for x in pending] == [p2["id"]]
    ok = client.post(f"/api/v1/proposals/{p2['id']}/approve", headers=auth(w["authority"]))
    assert ok.status_code == 200, ok.text
    assert lookup() == 200
    grants = _type(client, w)["definition"]["grants"]
    assert grant in grants and len(grants) == 2  # the earlier grant is kept
    refused = [e for e in _entries(platform, "proposal.refuse") if e["proposal"] == p["id"]]
    assert refused[0]["reason"] == "用途与职责不符" and refused[0]["role"] == "authority"


def test_withdrawn_by_its_department_only(client, training) -> None:  # type: ignore[no-untyped-def]
    w = training
    p = _propose(client, w["issuer"], "scenario", {"type_code": w["type"], "scenario": "求职"})
    r = client.post(f"/api/v1/proposals/{p['id']}/withdraw", headers=auth(w["other_issuer"]))
    assert r.status_code == 403
    r = client.post(f"/api/v1/proposals/{p['id']}/withdraw", headers=auth(w["issuer"]))
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"
    r = client.post(f"/api/v1/proposals/{p['id']}/approve", headers=auth(w["authority"]))
    assert r.status_code == 409
    assert "presentation_scenarios" not in _type(client, w)["definition"]


def test_invalid_proposals_are_refused_with_problems(client, training) -> None:  # type: ignore[no-untyped-def]
    w = training
    cases = [("catalog", {"type_code": "x"}, 422), ("grant", {"type_code": w["type"]}, 422),
             ("scenario", {"type_code": w["type"], "scenario": ""}, 422),
             ("scenario", {"type_code": "91540000MA6T000001999", "scenario": "a"}, 404),
             ("scenario", {"type_code": w["type"], "scenario": "x", "more": 1}, 422)]
    for kind, payload, status in cases:
        r = client.post("/api/v1/proposals", json={"kind": kind, "payload": payload},
                        headers=auth(w["issuer"]))
        assert r.status_code == status, (kind, payload, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    # another department may not propose scenarios of a type it does not issue
    r = client.post("/api/v1/proposals", json={"kind": "scenario", "payload": {
        "type_code": w["type"], "scenario": "x"}}, headers=auth(w["other_issuer"]))
    assert r.status_code == 403


def test_presentation_only_in_approved_scenarios(client, platform, training) -> None:  # type: ignore[no-untyped-def]
    w = training
    url = f"/api/v1/holder/certificates/{w['identifier']}/presentation"
    holder = auth(w["holder"])
    assert client.post(url, headers=holder).status_code == 200  # a type that names none
    p = _propose(client, w["issuer"], "scenario", {"type_code": w["type"],
                                                    "scenario": "酒店入住登记"})
    assert client.post(url, headers=holder).status_code == 200  # pending: no effect
    assert client.post(f"/api/v1/proposals/{p['id']}/approve",
                       headers=auth(w["authority"])).status_code == 200
    view = client.get(f"/api/v1/holder/certificates/{w['identifier']}", headers=holder).json()
    assert view["presentation_scenarios"] == ["酒店入住登记"]
    refused = client.post(url, headers=holder)
    assert refused.status_code == 403
    assert refused.json()["type"] == PROBLEM + "scenario-not-approved"
    assert client.post(url, json={"scenario": "网吧上网"}, headers=holder).status_code == 403
    ok = client.post(url, json={"scenario": "酒店入住登记"}, headers=holder)
    assert ok.status_code == 200, ok.text
    png = client.post(url + ".png", params={"scenario": "酒店入住登记"}, headers=holder)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    shown = _entries(platform, "holder.present")
    assert shown[0]["scenario"] == "酒店入住登记"


@pytest.fixture
def env(platform, monkeypatch):  # type: ignore[no-untyped-def]
    s = platform.settings
    monkeypatch.setenv("ECERT_DATABASE_URL", s.database_url)
    monkeypatch.setenv("ECERT_KEY_PASSPHRASE", s.key_passphrase.decode())
    monkeypatch.setenv("ECERT_BASE_URL", s.base_url)
    monkeypatch.setenv("ECERT_DATA_DIR", str(s.data_dir))


def test_cli_lists_approves_and_refuses(client, platform, training, env, capsys) -> None:  # type: ignore[no-untyped-def]
    w = training
    a = _propose(client, w["issuer"], "scenario", {"type_code": w["type"], "scenario": "求职应聘"})
    b = _propose(client, w["issuer"], "scenario", {"type_code": w["type"], "scenario": "网吧"})
    assert main(["operator", "add", "--name", "卓玛", "--post", "证照目录审核岗",
                 "--role", "authority"]) == 0
    op = int(capsys.readouterr().out.split()[1].rstrip(":"))
    assert main(["proposal", "list"]) == 0
    out = capsys.readouterr().out
    assert f"{a['id']:>4}  pending" in out and "求职应聘" in out and "网吧" in out
    assert main(["proposal", "approve", str(a["id"]), "--operator", "999999"]) == 2
    assert main(["proposal", "refuse", str(b["id"]), "--operator", str(op), "--reason", " "]) == 2
    assert main(["proposal", "approve", str(a["id"]), "--operator", str(op)]) == 0
    assert main(["proposal", "refuse", str(b["id"]), "--operator", str(op),
                 "--reason", "不属于持证主体自行亮证的场景"]) == 0
    assert main(["proposal", "approve", str(b["id"]), "--operator", str(op)]) == 2
    capsys.readouterr()
    assert main(["proposal", "list", "--all"]) == 0
    out = capsys.readouterr().out
    assert "approved" in out and "refused" in out and "卓玛（证照目录审核岗）" in out
    assert _type(client, w)["definition"]["presentation_scenarios"] == ["求职应聘"]
    decided = _entries(platform, "proposal.approve") + _entries(platform, "proposal.refuse")
    assert {e["actor"] for e in decided} == {f"卓玛（证照目录审核岗）#{op}"}


def test_two_authorities_deciding_at_once_apply_it_once(client, platform, training) -> None:  # type: ignore[no-untyped-def]
    """Two decisions on one proposal at the same moment: the row lock lets one through; the
    other sees it decided (409) and nothing of it is written."""
    import threading

    from audit_log.actor import Actor
    from ecert.services import proposals as svc
    from formats.errors import DomainError

    w = training
    p = _propose(client, w["issuer"], "scenario", {"type_code": w["type"], "scenario": "求学"})
    before = _type(client, w)["version"]
    gate = threading.Barrier(2)
    results: list[object] = []

    def decide(n: int) -> None:
        actor = Actor(f"审核员{n}（审核岗）#{900 + n}", "authority")
        gate.wait()
        try:
            if n:
                results.append(svc.approve(platform, actor, p["id"]).state)
            else:
                results.append(svc.refuse(platform, actor, p["id"], "与职责不符").state)
        except DomainError as exc:
            results.append(exc.slug)

    threads = [threading.Thread(target=decide, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) in (["approved", "proposal-not-pending"],
                               ["proposal-not-pending", "refused"]), results
    decisions = [e for a in ("proposal.approve", "proposal.refuse")
                 for e in _entries(platform, a) if e["proposal"] == p["id"]]
    assert len(decisions) == 1
    after = _type(client, w)["version"]
    assert after == before + (1 if "approved" in results else 0)
