"""Art. 14: a PDF changed after its signature is never called an original. An incremental
`/Info` update or bytes appended after `%%EOF` make the verdict `invalid`, with the check
`pdf-modification` failing for reason `modified-after-signing`, online and offline."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from ecert.cli.main import main
from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


def info_update(pdf: bytes) -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(BytesIO(pdf))
    info = w.trailer["/Info"]
    info[generic.NameObject("/Title")] = generic.TextStringObject("签名后修改的标题")
    w.update_container(info)
    out = BytesIO()
    w.write(out)
    return out.getvalue()


def junk_after_eof(pdf: bytes) -> bytes:
    return pdf + b"\n%appended after signing\n1 0 obj (not part of the signed file) endobj\n"


@pytest.fixture(scope="module")
def files(template: Any, admin_token: str, tmp_path_factory: pytest.TempPathFactory
          ) -> dict[str, Any]:
    from tests.api.conftest import serve

    client = template.client
    w = setup_training(client, admin_token)
    body = client.post("/api/v1/certificates", json=training_request(6161),
                       headers=auth(w["issuer"])).json()
    pdf = client.get(f"/api/v1/certificates/{body['identifier']}/pdf",
                     headers=auth(w["issuer"])).content
    d = tmp_path_factory.mktemp("modified")
    (d / "original.pdf").write_bytes(pdf)
    (d / "archived.pdf").write_bytes(client.get(
        f"/api/v1/certificates/{body['identifier']}/pdf", params={"archived": "true"},
        headers=auth(w["issuer"])).content)
    (d / "info.pdf").write_bytes(info_update(pdf))
    (d / "junk.pdf").write_bytes(junk_after_eof(pdf))
    with serve(template.platform, housekeeping=False) as live_url:
        assert main(["trust-bundle", "--url", live_url, "--out", str(d / "bundle")]) == 0
    return {**w, "dir": d}


def _says_original(text: str) -> bool:
    return "原件" in text or "original" in text.lower()


@pytest.mark.parametrize("name", ["info", "junk"])
def test_api_names_the_change(client: Any, files: dict[str, Any], name: str) -> None:
    data = (files["dir"] / f"{name}.pdf").read_bytes()
    r = client.post("/api/v1/verify/pdf", content=data,
                    headers={**auth(files["user"]), "content-type": "application/pdf"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verdict"] == "invalid", body
    [mod] = [c for c in body["checks"] if c["name"] == "pdf-modification"]
    assert mod["passed"] is False and mod["reason"] == "modified-after-signing", mod
    assert not _says_original(json.dumps(body, ensure_ascii=False)), body


@pytest.mark.parametrize("name", ["original", "archived"])
def test_api_still_finds_the_signed_files_valid(client: Any, files: dict[str, Any],
                                                name: str) -> None:
    """Our own DSS revision (B-LT) and document time stamp (B-LTA) are not changes."""
    data = (files["dir"] / f"{name}.pdf").read_bytes()
    r = client.post("/api/v1/verify/pdf", content=data,
                    headers={**auth(files["user"]), "content-type": "application/pdf"})
    body = r.json()
    assert body["verdict"] == "valid", body
    [mod] = [c for c in body["checks"] if c["name"] == "pdf-modification"]
    assert mod["passed"] is True, mod


@pytest.mark.parametrize("name", ["info", "junk"])
def test_cli_offline_names_the_change(files: dict[str, Any], name: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    d: Path = files["dir"]
    code = main(["verify", str(d / f"{name}.pdf"), "--bundle", str(d / "bundle"), "--json"])
    out = capsys.readouterr().out
    assert code == 1, out
    body = json.loads(out)
    assert body["verdict"] == "invalid", body
    assert any(c["reason"] == "modified-after-signing" for c in body["checks"]), body
    assert not _says_original(out)


def test_report_gives_the_modification_level(files: dict[str, Any], platform: Any) -> None:
    from ca.pdf_validate import validate_pdf

    d: Path = files["dir"]
    with platform.store.transaction() as uow:
        _s, root = platform.pki.root(uow)
    original = validate_pdf((d / "original.pdf").read_bytes(), root, platform.now())
    assert original.signatures[-1].modified_after_signing is False
    for name in ("info", "junk"):
        sig = validate_pdf((d / f"{name}.pdf").read_bytes(), root, platform.now()).signatures[-1]
        assert sig.modified_after_signing is True, (name, sig.coverage, sig.modification_level)
        assert sig.intact
