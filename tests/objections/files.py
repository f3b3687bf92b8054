"""Evidence files made here, with the libraries the platform itself uses (Pillow, reportlab)."""

from __future__ import annotations

import io

from PIL import Image


def png(size: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 40)).save(out, "PNG")
    return out.getvalue()


def jpeg(size: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (20, 130, 40)).save(out, "JPEG", quality=80)
    return out.getvalue()


def pdf(text: str = "evidence") -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(72, 720, text)
    c.showPage()
    c.save()
    return out.getvalue()


def noisy_png(size: int = 256) -> bytes:
    """A PNG whose data is incompressible, so that cutting it leaves a truly truncated image."""
    import random

    rnd = random.Random(13)
    img = Image.frombytes("RGB", (size, size), bytes(rnd.getrandbits(8) for _ in range(size * size * 3)))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
