"""Seal images uploaded by each department (checked by content, audited, drawn on its faces)
and specimen faces per type (样本, Art. 8: watermarked, unsigned, not a certificate)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from issuer.seal import make_seal
from tests.web.conftest import ISS, World
from tests.web.test_api import entries, is_problem

poppler = pytest.mark.skipif(shutil.which("pdfimages") is None, reason="poppler-utils missing")


def _png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _upload(world: World, data: bytes, who: str = "issuer", code: str = ISS):  # type: ignore[no-untyped-def]
    return world.client.put(f"/api/v1/departments/{code}/seal", content=data,
                            headers={**world.h(who), "Content-Type": "image/png"})


def test_seal_upload_is_checked_by_content(world: World) -> None:
    seal = make_seal("西藏自治区测试厅", "合同专用章")
    jpeg = io.BytesIO()
    Image.open(io.BytesIO(seal)).convert("RGB").save(jpeg, "JPEG")
    is_problem(_upload(world, jpeg.getvalue()), 422, "invalid-seal-image")  # not a PNG
    opaque = _png(Image.open(io.BytesIO(seal)).convert("RGB"))  # a PNG without alpha
    is_problem(_upload(world, opaque), 422, "invalid-seal-image")
    white = Image.new("RGBA", (600, 600), (255, 255, 255, 255))
    is_problem(_upload(world, _png(white)), 422, "invalid-seal-image")  # opaque background
    empty = Image.new("RGBA", (600, 600), (0, 0, 0, 0))
    is_problem(_upload(world, _png(empty)), 422, "invalid-seal-image")  # nothing drawn
    tiny = Image.open(io.BytesIO(seal)).resize((50, 50))
    is_problem(_upload(world, _png(tiny)), 422, "invalid-seal-image")
    is_problem(_upload(world, b"\x89PNG\r\n\x1a\n" + b"\0" * 100), 422, "invalid-seal-image")
    # another department's issuer may not replace this one's seal
    assert _upload(world, seal, who="other_issuer").status_code == 403
    assert world.client.get(f"/api/v1/departments/{ISS}/seal",
                            headers=world.h("issuer")).status_code == 404


@poppler
def test_uploaded_seal_is_stored_audited_and_drawn_on_the_pdf(world: World, tmp_path: Path) -> None:
    c = world.issue(name="旺堆")
    before = world.client.get(f"/api/v1/certificates/{c['identifier']}/pdf",
                              headers=world.h("issuer")).content
    seal = make_seal("西藏自治区测试厅", "合同专用章")
    r = _upload(world, seal)
    assert r.status_code == 200, r.text
    stored = world.client.get(f"/api/v1/departments/{ISS}/seal", headers=world.h("issuer"))
    assert stored.status_code == 200 and stored.content == r.content
    assert stored.headers["content-type"] == "image/png"
    (e,) = entries(world, "department.seal")
    assert e["details"]["dept"] == ISS and len(e["details"]["sha256"]) == 64
    after = world.client.get(f"/api/v1/certificates/{c['identifier']}/pdf",
                             headers=world.h("issuer")).content
    assert after != before  # a new seal makes a new PDF, never the cached one
    (tmp_path / "a.pdf").write_bytes(after)
    subprocess.run(["pdfimages", "-png", "-f", "1", "-l", "1", str(tmp_path / "a.pdf"),
                    str(tmp_path / "img")], check=True, timeout=60)
    drawn = Image.open(tmp_path / "img-000.png").convert("RGB").tobytes()
    assert drawn == Image.open(io.BytesIO(r.content)).convert("RGB").tobytes()


@poppler
def test_specimen_per_type_is_watermarked_and_unsigned(world: World) -> None:
    r = world.client.get(f"/api/v1/catalog/types/{world.type_code}/specimen.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert b"/ByteRange" not in r.content  # not signed: a specimen never verifies
    text = subprocess.run(["pdftotext", "-", "-"], input=r.content, capture_output=True,
                          check=True).stdout.decode().replace(" ", "")
    assert "样本" in text and "不是有效证照" in text and "测试经营许可证" in text
    assert "〔经营范围〕" in text
    again = world.client.get(f"/api/v1/catalog/types/{world.type_code}/specimen.pdf")
    assert again.content == r.content  # cached
    is_problem(world.client.get("/api/v1/catalog/types/91540000MA6T000001999/specimen.pdf"),
               404, "not-found")
