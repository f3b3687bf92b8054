"""The seal's image XObject prepared once (issue 11, B4) gives the same PDF bytes as letting
reportlab build it per document, for an image with an alpha channel and one without."""

from __future__ import annotations

import hashlib
import io

from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from issuer import pdfimages
from issuer.seal import make_seal


def _pdf(png: bytes, cached: bool, drawn: bool = False) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, invariant=1)
    for i in range(2):  # twice on the page: the second use finds the first
        if drawn:
            pdfimages.draw(c, hashlib.sha256(png).hexdigest(), png, 50 + 100 * i, 50, 80, 80)
            continue
        img = (pdfimages.preregister(c, hashlib.sha256(png).hexdigest(), png) if cached
               else pdfimages.ImageReader(io.BytesIO(png)))
        c.drawImage(img, 50 + 100 * i, 50, 80, 80, mask="auto")
    c.showPage()
    c.save()
    return buf.getvalue()


def _opaque_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 20, 20)).save(out, "PNG")
    return out.getvalue()


def test_prepared_xobject_gives_the_same_pdf() -> None:
    for png in (make_seal("西藏自治区人力资源和社会保障厅"), _opaque_png()):
        first = _pdf(png, cached=True)
        assert first == _pdf(png, cached=False)
        assert _pdf(png, cached=True) == first  # the template is not changed by use
        assert _pdf(png, cached=True, drawn=True) == first  # drawn without drawImage
