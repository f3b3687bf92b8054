"""`/healthz` and `/readyz` on a working platform: cheap, public, never audited."""

from __future__ import annotations

from typing import Any


def _audit_size(platform: Any) -> int:
    with platform.store.transaction() as uow:
        return int(uow.audit.size())


def test_health_and_readiness_answer_without_auth_and_without_audit(client: Any,
                                                                    platform: Any) -> None:
    before = _audit_size(platform)
    for _ in range(3):
        r = client.get("/healthz")
        assert r.status_code == 200 and r.json() == {"status": "ok"}
        assert r.headers["cache-control"] == "no-store"
        r = client.get("/readyz")
        assert r.status_code == 200, r.text
        assert r.json() == {"status": "ready",
                            "checks": {"database": "ok", "keys": "ok", "lists": "ok"}}
    assert _audit_size(platform) == before
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/healthz" not in paths and "/readyz" not in paths
