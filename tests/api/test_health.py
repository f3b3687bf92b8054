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


def test_a_wrong_key_passphrase_is_not_ready_and_stops_housekeeping(platform: Any,
                                                                   tmp_path: Any) -> None:
    """Keys are opened only when something is signed (a tree head only when due), so a
    process with a wrong passphrase could look healthy until then: readiness opens the keys,
    and `ecert housekeeping` opens them before its first round."""
    from fastapi.testclient import TestClient

    from ecert.cli.main import app as cli
    from ecert.http.app import create_app
    from ecert.platform import Platform
    from ecert.services.health import readiness
    from tests.conftest import platform_settings

    settings = platform_settings(platform.settings.database_url, platform.settings.data_dir,
                                 {"ECERT_KEY_PASSPHRASE": "wrong-passphrase-0123456789"})
    wrong = Platform(settings)
    try:
        checks = {c.name: (c.ok, c.reason) for c in readiness(wrong).checks}
        assert checks == {"database": (True, None), "keys": (False, "locked")}
        with TestClient(create_app(settings, wrong), base_url="https://ecert.test") as c:
            r = c.get("/readyz")
            assert r.status_code == 503 and r.json()["checks"]["keys"] == "locked"
    finally:
        wrong.store.dispose()
    assert {c.name: c.ok for c in readiness(platform).checks} == {
        "database": True, "keys": True, "lists": True}
    from typer.testing import CliRunner

    env = {"ECERT_DATABASE_URL": platform.settings.database_url,
           "ECERT_DATA_DIR": str(platform.settings.data_dir),
           "ECERT_KEY_PASSPHRASE": "wrong-passphrase-0123456789"}
    res = CliRunner().invoke(cli, ["housekeeping"], env=env)
    assert res.exit_code != 0 and "housekeeping done" not in res.output
