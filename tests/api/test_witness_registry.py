"""Witness cosignatures count only from witnesses the platform operator registered (name and
public key, `ecert audit witness-add`): the auditor cannot vouch for its own freshly made key."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from audit_log import formats
from ca.signer import MemorySigner
from ecert.cli.main import main
from tests.api.helpers import token
from tests.conftest import auth


@pytest.fixture(scope="module")
def auditor(template: Any, admin_token: str) -> str:
    return token(template.client, admin_token, "auditor")


@pytest.fixture
def env(platform: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    s = platform.settings
    monkeypatch.setenv("ECERT_DATABASE_URL", s.database_url)
    monkeypatch.setenv("ECERT_KEY_PASSPHRASE", s.key_passphrase.decode())
    monkeypatch.setenv("ECERT_BASE_URL", s.base_url)
    monkeypatch.setenv("ECERT_DATA_DIR", str(s.data_dir))


def pub_pem(signer: MemorySigner, path: Path) -> Path:
    body = base64.encodebytes(signer.public_key_der).decode()
    path.write_text(f"-----BEGIN PUBLIC KEY-----\n{body}-----END PUBLIC KEY-----\n")
    return path


def cosign(platform: Any, signer: MemorySigner, name: str) -> dict[str, Any]:
    with platform.store.transaction() as uow:
        head = platform.audit.sign_head(uow, platform.head_signer(uow), platform.now())
    ts = int(platform.now().timestamp())
    msg = formats.cosignature_message(platform.audit.origin, head.tree_size, head.root_hash, ts)
    return {"tree_size": head.tree_size, "sha256_root_hash": formats.b64(head.root_hash),
            "witness_name": name,
            "witness_key_id": hashlib.sha256(signer.public_key_der).hexdigest()[:16],
            "timestamp": ts, "signature": formats.b64(signer.sign(msg)),
            "public_key": base64.b64encode(signer.public_key_der).decode()}


def test_self_made_witness_key_is_refused(client: Any, platform: Any, auditor: str) -> None:
    rogue = MemorySigner.generate("rogue")
    r = client.post("/api/v1/audit/cosignatures", json=cosign(platform, rogue, "rogue"),
                    headers=auth(auditor))
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    sth = client.get("/api/v1/audit/get-sth", headers=auth(auditor)).json()
    assert sth["ecert_cosignatures"] == []


def test_registered_witness_is_accepted_and_checked_against_its_key(
        client: Any, platform: Any, auditor: str, env: None, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    w = MemorySigner.generate("w1")
    assert main(["audit", "witness-add", "office-1", "--key", str(pub_pem(w, tmp_path / "w.pem"))]) == 0
    assert main(["audit", "witness-list"]) == 0
    out = capsys.readouterr().out
    assert "office-1" in out and hashlib.sha256(w.public_key_der).hexdigest()[:16] in out
    # the same name again is a conflict, not a silent key change
    assert main(["audit", "witness-add", "office-1", "--key", str(tmp_path / "w.pem")]) != 0

    good = cosign(platform, w, "office-1")
    r = client.post("/api/v1/audit/cosignatures", json=good, headers=auth(auditor))
    assert r.status_code == 201, r.text
    sth = client.get("/api/v1/audit/get-sth", headers=auth(auditor)).json()
    assert [c["witness"] for c in sth["ecert_cosignatures"]] == ["office-1"]

    # a registered name with another key (supplied alongside) is refused
    impostor = MemorySigner.generate("x")
    forged = cosign(platform, impostor, "office-1")
    r = client.post("/api/v1/audit/cosignatures", json=forged, headers=auth(auditor))
    assert r.status_code in (403, 422), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    # … and so is the registered key id with a signature that the registered key did not make
    forged["public_key"], forged["witness_key_id"] = good["public_key"], good["witness_key_id"]
    r = client.post("/api/v1/audit/cosignatures", json=forged, headers=auth(auditor))
    assert r.status_code == 422, r.text

    with platform.store.transaction() as uow:
        added = platform.audit.list_entries(uow, action="audit.witness.add").entries
    assert [json.loads(e.details)["name"] for e in added] == ["office-1"]
