"""Several uvicorn worker processes against one PostgreSQL database, as in production:
concurrent issuance gives distinct identifiers, a contested status change has one winner,
and the audit log (one sequencer) still verifies."""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import free_port
from tests.conftest import drop_pg_schema, pg_schema_url
from tests.inprocess_cli import CliResult, ecert_in_process

pytestmark = pytest.mark.postgres


def _run(env: dict[str, str], *args: str) -> CliResult:
    """An `ecert` command for setup, in this process (the workers below are real processes)."""
    r = ecert_in_process(env, *args)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    from producers import vocational_training as vt
    from producers._common import DEPARTMENTS

    schema, url = pg_schema_url()
    d = tmp_path_factory.mktemp("workers")
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ECERT_")},
           "ECERT_DATABASE_URL": url, "ECERT_DATA_DIR": str(d / "data"),
           "ECERT_KEY_PASSPHRASE": "workers-test-passphrase-42",
           "ECERT_BASE_URL": f"http://127.0.0.1:{port}", "ECERT_STH_EVERY_N": "10"}
    _run(env, "init")
    code, name = DEPARTMENTS["hrss"]
    _run(env, "dept", "add", "--code", code, "--name", name)
    (d / "type.json").write_text(json.dumps(vt.DEFINITION, ensure_ascii=False))
    _run(env, "catalog", "add", str(d / "type.json"))
    token = _run(env, "token", "create", "--role", "issuer", "--dept", code).stdout.strip()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "ecert.asgi:create",
                             "--host", "127.0.0.1", "--port", str(port), "--workers", "3",
                             "--log-level", "warning"], env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/pki/ca.pem", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("workers did not start")
        yield {**env, "base": base, "token": token, "type": vt.TYPE_CODE}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        drop_pg_schema(schema)


def _issue(srv: dict[str, str], seed: int) -> httpx.Response:
    from tests.api.helpers import training_request

    return httpx.post(srv["base"] + "/api/v1/certificates", json=training_request(seed),
                      headers={"Authorization": f"Bearer {srv['token']}"}, timeout=60)


def test_concurrent_issuance_across_workers(server: dict[str, str]) -> None:
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: _issue(server, 10_000 + i), range(48)))
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers if a.status_code != 201]
    ids = {a.json()["identifier"] for a in answers}
    assert len(ids) == 48


def test_contested_change_has_one_winner(server: dict[str, str]) -> None:
    ident = _issue(server, 20_001).json()["identifier"]
    h = {"Authorization": f"Bearer {server['token']}"}
    view = httpx.get(f"{server['base']}/api/v1/certificates/{ident}", headers=h).json()

    def move(event: str) -> int:
        return httpx.post(f"{server['base']}/api/v1/certificates/{ident}/status", headers=h,
                          json={"event": event, "reason": "并发测试",
                                "expected_row_version": view["row_version"]}, timeout=60).status_code

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(move, ["suspend", "revoke"]))
    assert codes == [200, 409]
    events = httpx.get(f"{server['base']}/api/v1/certificates/{ident}", headers=h).json()["events"]
    assert len(events) == 2  # issue + exactly one of the two moves


def test_audit_log_verifies_after_concurrent_writers(server: dict[str, str]) -> None:
    env = {k: v for k, v in server.items() if k not in ("base", "token", "type")}
    _run(env, "audit", "sign-head")
    out = _run(env, "audit", "verify").stdout
    assert "audit log and library verified" in out
