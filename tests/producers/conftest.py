"""Every producer as a department system: its department enrolled and an issuer token made by
an administrator through the API, its type added and its certificates issued by its own
client (`producers.client.PlatformClient`) over the real app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import auth


@pytest.fixture
def clients(client: Any, admin_token: str) -> Iterator[dict[str, Any]]:
    from producers import ALL
    from producers._common import DEPARTMENTS
    from producers.client import PlatformClient
    from producers.demo import producer_departments

    h = auth(admin_token)
    for code, name in DEPARTMENTS.values():
        r = client.post("/api/v1/departments", json={"code": code, "name": name}, headers=h)
        assert r.status_code == 201, r.text
    out: dict[str, Any] = {}
    for key, code in producer_departments().items():
        r = client.post("/api/v1/tokens", json={"role": "issuer", "dept": code,
                                                "label": f"producer {key}"}, headers=h)
        assert r.status_code == 201, r.text
        out[key] = PlatformClient(client, r.json()["token"])
    r = client.post("/api/v1/tokens", json={"role": "authority", "label": "authority"},
                    headers=h)
    assert r.status_code == 201, r.text
    authority = PlatformClient(client, r.json()["token"])
    for mod in ALL:  # each department proposes its type; the supervising authority approves
        authority.approve(out[mod.DEPT].define_type(mod.DEFINITION))
    yield out
