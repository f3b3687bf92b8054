"""`ecert dept seal` and `ecert dept specimen`: the same checks as the API, exit 2 on refusal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from ecert.cli.main import main
from issuer.seal import make_seal
from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


@pytest.fixture(scope="module")
def training(template, admin_token):  # type: ignore[no-untyped-def]
    w = setup_training(template.client, admin_token)
    issued = template.client.post("/api/v1/certificates", json=training_request(6100),
                                  headers=auth(w["issuer"])).json()
    w["dept"] = issued["record"]["issuer"]["code"]
    return w


@pytest.fixture
def env(platform, monkeypatch):  # type: ignore[no-untyped-def]
    s = platform.settings
    monkeypatch.setenv("ECERT_DATABASE_URL", s.database_url)
    monkeypatch.setenv("ECERT_KEY_PASSPHRASE", s.key_passphrase.decode())
    monkeypatch.setenv("ECERT_BASE_URL", s.base_url)
    monkeypatch.setenv("ECERT_DATA_DIR", str(s.data_dir))


def test_cli_uploads_a_seal_and_writes_a_specimen(training, env, platform, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                  capsys) -> None:
    good = tmp_path / "seal.png"
    good.write_bytes(make_seal("西藏自治区人力资源和社会保障厅"))
    bad = tmp_path / "bad.png"
    buf = io.BytesIO()
    Image.new("RGB", (400, 400), (255, 255, 255)).save(buf, "PNG")
    bad.write_bytes(buf.getvalue())
    assert main(["dept", "seal", training["dept"], str(bad)]) == 2
    assert main(["dept", "seal", training["dept"], str(tmp_path / "missing.png")]) == 2
    assert main(["dept", "seal", training["dept"], str(good)]) == 0
    assert "stored" in capsys.readouterr().out
    with platform.store.transaction() as uow:
        assert uow.departments.seal(training["dept"]) is not None
    out = tmp_path / "specimen.pdf"
    assert main(["dept", "specimen", training["type"], "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF") and b"/ByteRange" not in out.read_bytes()
