"""The HSM token removed and restored under the running platform (SoftHSM2): 503 problem+json
with Retry-After while it is gone, and the same process signs again once it is back (the
PKCS#11 session is reopened), without a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.softhsm import AVAILABLE, softhsm_token

PIN = "246810"

# Its own process: this one must not load the PKCS#11 module (other tests use other tokens).
_PROBE = """
import json, os, shutil, sys, time
from pathlib import Path
from fastapi.testclient import TestClient
from ecert.http.app import create_app
from ecert.platform import Platform
from ecert.settings import load_settings

settings = load_settings(data_dir=Path(os.environ["ECERT_DATA_DIR"]))
platform = Platform(settings)
tokens, aside = Path(sys.argv[1]), Path(sys.argv[1] + ".aside")
out = {}
with TestClient(create_app(settings, platform), base_url="https://ecert.test") as c:
    out["before"] = c.get("/pki/status-list").status_code
    shutil.move(tokens, aside)
    tokens.mkdir()
    r = c.get("/pki/crl/root.crl")
    out["gone"] = [r.status_code, r.headers.get("content-type"), r.headers.get("retry-after")]
    out["gone_ready"] = c.get("/readyz").status_code
    shutil.rmtree(tokens)
    shutil.move(aside, tokens)
    back = []
    for _ in range(20):
        back.append(c.get("/pki/crl/root.crl").status_code)
        if back[-1] == 200:
            break
        time.sleep(0.5)
    out["back"] = back
    out["back_ready"] = c.get("/readyz").status_code
print(json.dumps(out))
"""


@pytest.mark.skipif(not AVAILABLE, reason="softhsm2 is not installed")
def test_hsm_token_removed_and_restored(tmp_path: Path) -> None:
    with softhsm_token(tmp_path, "ecert-restore", PIN, "13579246") as conf:
        env = {**os.environ, "SOFTHSM2_CONF": str(conf), "ECERT_KEY_BACKEND": "pkcs11",
               "ECERT_PKCS11_TOKEN": "ecert-restore", "ECERT_PKCS11_PIN": PIN,
               "ECERT_KEY_PASSPHRASE": "unused-with-hsm-0123456789",
               "ECERT_DATA_DIR": str(tmp_path / "data"), "ECERT_BASE_URL": "https://ecert.test"}
        r = subprocess.run([sys.executable, "-m", "ecert", "init"], env=env, capture_output=True,
                           text=True, timeout=180)
        assert r.returncode == 0, r.stderr
        r = subprocess.run([sys.executable, "-c", _PROBE, str(tmp_path / "tokens")], env=env,
                           capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.splitlines()[-1])
    assert out["before"] == 200, out
    status, ctype, retry_after = out["gone"]
    assert status == 503 and ctype == "application/problem+json" and int(retry_after) > 0, out
    assert out["gone_ready"] == 503, out
    assert out["back"][-1] == 200 and out["back_ready"] == 200, out
