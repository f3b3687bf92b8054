"""The whole platform with its keys in an HSM (SoftHSM2 through PKCS#11): init, enrol a
department, issue, sign a PDF, verify — and no private key ever lands in the data dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.softhsm import AVAILABLE, softhsm_token

PIN = "246810"
pytestmark = [
    pytest.mark.skipif(not AVAILABLE, reason="softhsm2 is not installed"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def hsm_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    d = tmp_path_factory.mktemp("hsm")
    with softhsm_token(d, "ecert-platform", PIN, "13579246") as conf:
        yield {"SOFTHSM2_CONF": str(conf), "ECERT_KEY_BACKEND": "pkcs11",
               "ECERT_PKCS11_TOKEN": "ecert-platform", "ECERT_PKCS11_PIN": PIN,
               "ECERT_KEY_PASSPHRASE": "unused-with-hsm-0123456789",
               "ECERT_DATA_DIR": str(d / "data"), "ECERT_BASE_URL": "https://ecert.test"}


def _ecert(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ecert", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


def test_platform_runs_on_hsm_keys(hsm_env: dict[str, str], tmp_path: Path) -> None:
    from producers import vocational_training as vt
    from producers._common import DEPARTMENTS

    code, name = DEPARTMENTS["hrss"]
    r = _ecert(hsm_env, "init")
    assert r.returncode == 0, r.stderr
    r = _ecert(hsm_env, "dept", "add", "--code", code, "--name", name)
    assert r.returncode == 0, r.stderr
    (tmp_path / "type.json").write_text(json.dumps(vt.DEFINITION, ensure_ascii=False))
    assert _ecert(hsm_env, "catalog", "add", str(tmp_path / "type.json")).returncode == 0
    data, _ = vt.to_request(vt.sample_events(1, seed=5)[0])
    (tmp_path / "data.json").write_text(json.dumps(data, ensure_ascii=False))
    r = _ecert(hsm_env, "issue", vt.TYPE_CODE, "--data", str(tmp_path / "data.json"),
               "--dept", code)
    assert r.returncode == 0, r.stderr
    identifier = r.stdout.split("/v/")[1].split("#")[0]
    r = _ecert(hsm_env, "verify", identifier)
    assert r.returncode == 0 and "valid" in r.stdout, r.stdout + r.stderr

    # A signed PDF from the HSM-held department key validates against the root. (Through the
    # CLI: this process must not load the PKCS#11 module, other tests use other tokens.)
    r = _ecert(hsm_env, "pdf", identifier, str(tmp_path / "c.pdf"))
    assert r.returncode == 0, r.stderr
    r = _ecert(hsm_env, "verify", str(tmp_path / "c.pdf"), "--json")
    assert r.returncode == 0 and '"verdict": "valid"' in r.stdout, r.stdout + r.stderr

    keys_dir = Path(hsm_env["ECERT_DATA_DIR"]) / "keys"
    assert not keys_dir.exists() or not any(keys_dir.iterdir())
    db = Path(hsm_env["ECERT_DATA_DIR"]) / "ecert.db"
    assert b"PRIVATE KEY" not in db.read_bytes()
