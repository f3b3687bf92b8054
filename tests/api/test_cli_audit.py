"""`ecert audit proof|export` print what an outside auditor can check."""

from __future__ import annotations

import base64
import json

import pytest

from audit_log import merkle
from ecert.cli.main import main
from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


@pytest.fixture(scope="module")
def heads(template, admin_token):  # type: ignore[no-untyped-def]
    client, platform = template.client, template.platform
    w = setup_training(client, admin_token)
    sizes = []
    for i in range(2):
        client.post("/api/v1/certificates", json=training_request(5500 + i), headers=auth(w["issuer"]))
        with platform.store.transaction() as uow:
            sizes.append(platform.audit.sign_head(uow, platform.head_signer(uow), platform.now()).tree_size)
    return sizes


@pytest.fixture
def env(platform, monkeypatch):  # type: ignore[no-untyped-def]
    s = platform.settings
    monkeypatch.setenv("ECERT_DATABASE_URL", s.database_url)
    monkeypatch.setenv("ECERT_KEY_PASSPHRASE", s.key_passphrase.decode())
    monkeypatch.setenv("ECERT_BASE_URL", s.base_url)
    monkeypatch.setenv("ECERT_DATA_DIR", str(s.data_dir))


def test_inclusion_and_consistency_proofs(heads, env, capsys) -> None:  # type: ignore[no-untyped-def]
    first, second = heads
    assert main(["audit", "proof", "--index", "3", "--tree-size", str(second)]) == 0
    out = json.loads(capsys.readouterr().out)
    root = base64.b64decode(out["sth"]["sha256_root_hash"])
    merkle.verify_inclusion(3, second, base64.b64decode(out["leaf_hash"]),
                            [base64.b64decode(h) for h in out["audit_path"]], root)
    assert main(["audit", "proof", "--first", str(first), "--second", str(second)]) == 0
    out = json.loads(capsys.readouterr().out)
    merkle.verify_consistency(first, second, base64.b64decode(out["first"]["sha256_root_hash"]),
                              base64.b64decode(out["second"]["sha256_root_hash"]),
                              [base64.b64decode(h) for h in out["consistency"]])
    assert main(["audit", "proof", "--index", "1", "--first", "1"]) == 2


def test_export_lists_every_leaf(heads, env, capsys, platform) -> None:  # type: ignore[no-untyped-def]
    assert main(["audit", "export", "--format", "jsonl"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    with platform.store.transaction() as uow:
        assert len(lines) == platform.audit.size(uow)
    assert [x["idx"] for x in lines] == list(range(len(lines)))
