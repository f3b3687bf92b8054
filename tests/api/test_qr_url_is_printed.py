"""Regression: the QR URL `POST /api/v1/certificates` returns is the QR printed in the PDF.

It used to be signed anew for the answer while the PDF carried another (cached) one; a
version now has one QR, signed once and kept, that every answer and document carries.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from tests.api.helpers import setup_training, training_request
from tests.conftest import auth

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils missing")


@pytest.fixture(scope="module")
def world(template, admin_token):  # type: ignore[no-untyped-def]
    return setup_training(template.client, admin_token)


def _printed_qr(pdf: bytes, tmp: Path) -> list[str]:
    (tmp / "c.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(tmp / "c.pdf"), str(tmp / "page")], check=True)
    image = Image.open(io.BytesIO((tmp / "page.png").read_bytes()))
    return [r.text for r in zxingcpp.read_barcodes(image)]


def test_returned_qr_url_is_the_one_in_the_pdf(client, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    h = {**auth(world["issuer"]), "Idempotency-Key": "qr-is-printed-41"}
    r = client.post("/api/v1/certificates", json=training_request(41), headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    pdf = client.get(f"/api/v1/certificates/{body['identifier']}/pdf", headers=auth(world["issuer"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert _printed_qr(pdf.content, tmp_path) == [body["qr_url"]]
    # a retried request answers with the same QR, not a newly signed one
    again = client.post("/api/v1/certificates", json=training_request(41), headers=h)
    assert again.status_code == 201 and again.json()["qr_url"] == body["qr_url"]
