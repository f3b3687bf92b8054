"""The producers' client against the real app's rate limit (429 with Retry-After): it waits
as told (capped), retries a bounded number of times, then reports the refusal."""

from __future__ import annotations

from typing import Any

import pytest

from producers.client import ApiRefused, PlatformClient
from tests.conftest import auth

PER_MINUTE = 4


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    return {"ECERT_RATE_LIMIT_PER_MINUTE": str(PER_MINUTE)}


def test_waits_and_retries_on_429(client: Any, admin_token: str) -> None:
    from producers import vocational_training as vt
    from producers._common import DEPARTMENTS

    code, name = DEPARTMENTS[vt.DEPT]
    r = client.post("/api/v1/departments", json={"code": code, "name": name},
                    headers=auth(admin_token))
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/tokens", json={"role": "issuer", "dept": code, "label": "t"},
                    headers=auth(admin_token))
    waits: list[float] = []
    c = PlatformClient(client, r.json()["token"], retries=2, sleep=waits.append)
    for _ in range(PER_MINUTE):
        assert c.catalog_type(vt.TYPE_CODE) is None  # 404: not defined yet
    assert waits == []
    with pytest.raises(ApiRefused) as refused:
        c.catalog_type(vt.TYPE_CODE)
    assert refused.value.status == 429 and refused.value.slug == "rate-limited"
    assert len(waits) == 2 and all(0 < w <= 30 for w in waits)  # Retry-After, capped
