"""Helpers to set up departments, types and tokens through the real API."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth


def enrol(client: Any, admin: str, code: str, name: str) -> None:
    r = client.post("/api/v1/departments", json={"code": code, "name": name}, headers=auth(admin))
    assert r.status_code == 201, r.text


def token(client: Any, admin: str, role: str, dept: str | None = None,
          holder: str | None = None) -> str:
    body: dict[str, Any] = {"role": role, "label": f"test {role}"}
    if dept:
        body["dept"] = dept
    if holder:
        body["holder_code"] = holder
    r = client.post("/api/v1/tokens", json=body, headers=auth(admin))
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


def training_request(seed: int = 1) -> dict[str, Any]:
    from producers import vocational_training as vt

    event = vt.sample_events(1, seed=seed)[0]
    data, _source = vt.to_request(event)
    return {"type": vt.TYPE_CODE, "data": data}


def setup_training(client: Any, admin: str) -> dict[str, str]:
    """The vocational-training type of 人社厅, with issuer/user tokens of several departments."""
    from producers import vocational_training as vt
    from producers._common import DEPARTMENTS, dept

    for key in ("hrss", "agriculture", "market"):
        code, name = DEPARTMENTS[key]
        enrol(client, admin, code, name)
    r = client.post("/api/v1/catalog/types", json=vt.DEFINITION, headers=auth(admin))
    assert r.status_code == 201, r.text
    return {
        "type": vt.TYPE_CODE,
        "issuer": token(client, admin, "issuer", dept("hrss")),
        "other_issuer": token(client, admin, "issuer", dept("market")),
        "user": token(client, admin, "user", dept("agriculture")),
        "other_user": token(client, admin, "user", dept("market")),
        "auditor": token(client, admin, "auditor"),
    }
