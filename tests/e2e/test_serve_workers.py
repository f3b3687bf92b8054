"""`ecert serve --workers N` runs N uvicorn worker processes that each build the platform from
the environment (issue 11: the benchmarks serve 1 and 2 workers this way)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import free_port
from tests.conftest import drop_pg_schema, pg_schema_url
from tests.inprocess_cli import ecert_in_process

pytestmark = pytest.mark.postgres


def _env(tmp_path: Path, url: str, port: int) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("ECERT_")},
            "ECERT_DATABASE_URL": url, "ECERT_DATA_DIR": f"{tmp_path}/data",
            "ECERT_KEY_PASSPHRASE": "serve-workers-passphrase-1",
            "ECERT_BASE_URL": f"http://127.0.0.1:{port}"}


def test_serve_with_two_workers(tmp_path: Path) -> None:
    schema, url = pg_schema_url()
    port = free_port()
    env = _env(tmp_path, url, port)
    try:
        r = ecert_in_process(env, "init")  # setup: `serve` below is the process under test
        assert r.returncode == 0, r.stdout + r.stderr
        proc = subprocess.Popen([sys.executable, "-m", "ecert", "serve", "--port", str(port),
                                 "--workers", "2"], env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            else:
                raise AssertionError("no worker answered")
            pem = httpx.get(base + "/pki/ca.pem").text
            assert pem.startswith("-----BEGIN CERTIFICATE-----")
            answers = {httpx.get(base + "/pki/ca.pem").text for _ in range(20)}
            assert answers == {pem}  # every worker serves the same root
            children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                      text=True).stdout.split()
            assert len(children) >= 2, children
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    finally:
        drop_pg_schema(schema)
