"""A dependency that is down answers 503 problem+json with Retry-After, never 4xx: an HSM whose
token went away under the running platform (SoftHSM2), and a database nothing listens for."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.conftest import free_port
from tests.softhsm import AVAILABLE, softhsm_token

PIN = "246810"

# Runs in its own process: this one must not load the PKCS#11 module (other tests use other
# tokens). Signs once (trust list), removes the token's files, then asks for two more
# signatures (the CRL is signed once and then reused, so it is not the first one).
_PROBE = """
import json, os, shutil, sys
from pathlib import Path
from fastapi.testclient import TestClient
from ecert.http.app import create_app
from ecert.platform import Platform
from ecert.settings import load_settings

settings = load_settings(data_dir=Path(os.environ["ECERT_DATA_DIR"]))
platform = Platform(settings)
out = []
with TestClient(create_app(settings, platform), base_url="https://ecert.test") as c:
    out.append([c.get("/pki/trust-list").status_code, {}, {}])
    ready = c.get("/readyz")
    out.append([ready.status_code, {}, ready.json()])
    for token in Path(sys.argv[1]).iterdir():
        shutil.rmtree(token)
    for path in ("/pki/crl/root.crl", "/pki/status-list"):
        r = c.get(path)
        out.append([r.status_code, dict(r.headers), r.json()])
    r = c.get("/readyz")
    out.append([r.status_code, dict(r.headers), r.json()])
print(json.dumps(out))
"""


@pytest.mark.skipif(not AVAILABLE, reason="softhsm2 is not installed")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_hsm_gone_answers_503(tmp_path: Path) -> None:
    with softhsm_token(tmp_path, "ecert-unavailable", PIN, "13579246") as conf:
        env = {**os.environ, "SOFTHSM2_CONF": str(conf), "ECERT_KEY_BACKEND": "pkcs11",
               "ECERT_PKCS11_TOKEN": "ecert-unavailable", "ECERT_PKCS11_PIN": PIN,
               "ECERT_KEY_PASSPHRASE": "unused-with-hsm-0123456789",
               "ECERT_DATA_DIR": str(tmp_path / "data"), "ECERT_BASE_URL": "https://ecert.test"}
        r = subprocess.run([sys.executable, "-m", "ecert", "init"], env=env, capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        r = subprocess.run([sys.executable, "-c", _PROBE, str(tmp_path / "tokens")], env=env,
                           capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    (before, _, _), (ready, _, ready_body), *after, (unready, _, unready_body) = json.loads(
        r.stdout.splitlines()[-1])
    assert before == 200
    assert ready == 200 and ready_body["checks"] == {"database": "ok", "keys": "ok", "lists": "ok"}
    # readiness names what is missing: the database answers, the keys are gone
    assert unready == 503 and unready_body["type"].endswith("/not-ready")
    assert unready_body["checks"] == {"database": "ok", "keys": "missing"}
    for status, headers, body in after:
        assert status == 503 and body["status"] == 503, body
        assert headers["content-type"] == "application/problem+json"
        assert int(headers["retry-after"]) > 0
        assert body["type"].endswith("/unavailable") and "PKCS" not in json.dumps(body)


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_database_down_answers_503(kind: str, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from ecert.http.app import create_app
    from ecert.platform import Platform
    from ecert.settings import load_settings

    url = (f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test" if kind == "postgresql"
           else f"sqlite:///{tmp_path / 'no-such-dir' / 'ecert.db'}")
    settings = load_settings({"ECERT_DATABASE_URL": url,
                              "ECERT_KEY_PASSPHRASE": "test-passphrase-0123456789",
                              "ECERT_BASE_URL": "https://ecert.test"}, data_dir=tmp_path / "data")
    platform = Platform(settings)
    try:
        with TestClient(create_app(settings, platform), base_url="https://ecert.test") as c:
            for path in ("/pki/ca.pem", "/api/v1/lookup"):
                r = c.get(path, headers={"Authorization": "Bearer " + "x" * 40})
                body = r.json()
                assert r.status_code == 503 and body["status"] == 503, (path, r.text)
                assert r.headers["content-type"] == "application/problem+json"
                assert int(r.headers["retry-after"]) > 0
                assert body["type"].endswith("/unavailable")
                assert "psycopg" not in r.text and "sqlite" not in r.text.lower()
            assert c.get("/healthz").status_code == 200  # the process itself is up
            r = c.get("/readyz")
            assert r.status_code == 503 and int(r.headers["retry-after"]) > 0
            assert r.json()["checks"] == {"database": "unavailable"}
    finally:
        platform.store.dispose()
