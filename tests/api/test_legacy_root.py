"""Data made before the offline root keeps verifying: a platform whose root (pathLen 0) signed
every certificate and list directly, built here as `ecert init` built it on main before the
issuing CA (root + TSA, OCSP and audit certificates from the root, no list-signing key).

Its certificates verify online, offline (trust bundle) and from the PDF; after the upgrade
(`ecert init` again adds a list-signing key, still under the old root) the old QR codes and
PDFs verify again, and the platform goes on issuing in the legacy shape."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ecert.cli.main import main
from tests.api.helpers import setup_training, training_request
from tests.conftest import auth

PASS = "legacy-root-test-passphrase"


def _legacy_initialise(p: Any) -> None:
    """`PlatformPki.initialise` as it was on main before this change."""
    from authority.pki import PLATFORM_NAME, ROOT_CN
    from ca import cert_profiles
    from ecert.cli.common import cli_actor

    now = p.now()
    p.store.create_schema()
    with p.store.transaction() as uow:
        label = "root-legacy"
        signer = p.keys.generate(label)
        der = cert_profiles.issue_root_ca(signer, ROOT_CN, now, organization=PLATFORM_NAME,
                                          path_length=0)
        p.pki._record(uow, "root", None, label, der, now)
        for kind in ("tsa", "ocsp", "audit"):
            p.pki._issue_service(uow, kind, cli_actor(), now)
        p.audit.sign_head(uow, p.head_signer(uow), now)


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from fastapi.testclient import TestClient

    from ecert.cli.common import cli_actor, platform_for
    from ecert.http.app import create_app
    from ecert.platform import Platform
    from ecert.settings import load_settings

    d = tmp_path_factory.mktemp("legacy")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("ECERT_DATABASE_URL", "ECERT_DATA_DIR", "ECERT_KEY_BACKEND", "ECERT_DEMO"):
            mp.delenv(name, raising=False)
        mp.setenv("ECERT_KEY_PASSPHRASE", PASS)
        mp.setenv("ECERT_BASE_URL", "https://ecert.test")
        data = d / "data"
        data.mkdir(mode=0o700)
        _legacy_initialise(Platform(load_settings(data_dir=data)))
        p = platform_for(data)
        admin = p.create_token(role="admin", dept_code=None, holder_code=None, label="t",
                               ttl_days=1, actor=cli_actor()).secret
        with TestClient(create_app(p.settings, p), base_url="https://ecert.test") as c:
            w = setup_training(c, admin)
            body = c.post("/api/v1/certificates", json=training_request(11),
                          headers=auth(w["issuer"])).json()
            (d / "cert.pdf").write_bytes(c.get(f"/api/v1/certificates/{body['identifier']}/pdf",
                                               headers=auth(w["issuer"])).content)
            yield {"dir": d, "data": data, "platform": p, "client": c, "body": body, **w}
        p.store.dispose()


def _verify_everywhere(legacy: dict[str, Any], bundle: Path) -> None:
    from tests.api.conftest import serve

    d, body = legacy["dir"], legacy["body"]
    with serve(legacy["platform"], housekeeping=False) as url:
        assert main(["trust-bundle", "--url", url, "--out", str(bundle)]) == 0
    offline = ["--bundle", str(bundle)]
    assert main(["verify", "--qr", body["qr_url"], *offline]) == 0
    assert main(["verify", str(d / "cert.pdf"), *offline]) == 0
    on = ["--data-dir", str(legacy["data"])]
    assert main(["verify", "--qr", body["qr_url"], *on]) == 0
    assert main(["verify", str(d / "cert.pdf"), *on]) == 0
    assert main(["verify", body["identifier"], *on]) == 0


def _x5c(jws: str) -> list[bytes]:
    header = json.loads(base64.urlsafe_b64decode(jws.split(".")[0] + "=="))
    return [base64.b64decode(x) for x in header["x5c"]]


def test_legacy_shape_verifies(legacy: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    c = legacy["client"]
    root = c.get("/pki/ca.crt").content
    assert _x5c(c.get("/pki/trust-list").text) == [root]  # the root signs the lists
    assert c.get("/pki/issuing-ca.crt").status_code == 404
    d = legacy["dir"]
    (d / "root.pem").write_text(c.get("/pki/ca.pem").text)
    from producers._common import DEPARTMENTS

    (d / "dept.pem").write_text(c.get(f"/pki/departments/{DEPARTMENTS['hrss'][0]}/certs.pem").text)
    out = subprocess.run(["openssl", "verify", "-CAfile", str(d / "root.pem"), str(d / "dept.pem")],
                         capture_output=True, text=True, timeout=60)
    assert ": OK" in out.stdout, out.stderr
    _verify_everywhere(legacy, d / "bundle")
    capsys.readouterr()


def test_after_upgrade_old_and_new_verify(legacy: dict[str, Any],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from ca.certs import LIST_EKU_OID, describe_cert

    assert main(["init", "--data-dir", str(legacy["data"])]) == 0  # the new code's init
    c = legacy["client"]
    chain = _x5c(c.get("/pki/trust-list").text)
    assert len(chain) == 1 and LIST_EKU_OID in describe_cert(chain[0]).extended_key_usages
    assert c.get("/pki/issuing-ca.crt").status_code == 404  # still the legacy shape
    _verify_everywhere(legacy, legacy["dir"] / "bundle2")
    # and it still issues, under the same root
    body = c.post("/api/v1/certificates", json=training_request(12),
                  headers=auth(legacy["issuer"])).json()
    assert main(["verify", "--qr", body["qr_url"], "--data-dir", str(legacy["data"])]) == 0
    capsys.readouterr()
