"""Signed lists reflect a change at once on every worker (issue #9 §2): two Platform
instances on one database stand for two worker processes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import auth
from tests.web.conftest import World


@pytest.fixture
def other_worker(platform: Any, clock: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from ecert.http.app import create_app
    from ecert.platform import Platform

    p = Platform(platform.settings, clock=clock)
    with TestClient(create_app(p.settings, p), base_url="https://ecert.test") as c:
        yield c
    p.store.dispose()


def _entries(client: Any) -> dict[str, Any]:
    import base64
    import json

    payload = client.get("/pki/status-list").text.split(".")[1]
    doc = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return {e["id"]: e for e in doc["entries"]}


def _trust_keys(client: Any) -> set[str]:
    import base64
    import json

    payload = client.get("/pki/trust-list").text.split(".")[1]
    doc = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return {k["x5t#S256"] for k in doc["keys"]}


def test_status_change_shows_on_the_other_worker_at_once(world: World,
                                                         other_worker: Any) -> None:
    c = world.issue(name="次仁")
    base = c["base_identifier"]
    assert _entries(other_worker)[base]["s"] == "01"  # worker B has it cached now
    world.status(c["identifier"], "revoke")           # changed through worker A
    assert _entries(other_worker)[base]["s"] != "01"
    fresh = world.issue(name="格桑")                    # a new certificate, too
    assert fresh["base_identifier"] in _entries(other_worker)


def test_key_rotation_shows_on_the_other_worker_at_once(world: World, other_worker: Any,
                                                         admin_token: str) -> None:
    before = _trust_keys(other_worker)
    r = world.client.post(f"/api/v1/departments/{world.iss}/rotate-key", json={},
                          headers=auth(admin_token))
    assert r.status_code == 200, r.text
    after = _trust_keys(other_worker)
    assert r.json()["x5t_s256"] in after and after > before


def test_unchanged_lists_are_served_from_the_cache(world: World) -> None:
    first = world.client.get("/pki/status-list").text
    assert world.client.get("/pki/status-list").text == first
