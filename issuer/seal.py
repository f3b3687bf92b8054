"""A drawn seal image (印章图样) for departments that uploaded none.

The usual form of a Chinese official seal: red outer ring, the department's name along the
upper arc with the characters' feet toward the centre, a five-pointed star in the middle and
the seal's name (e.g. 电子证照专用章) straight across below it. The image is a picture, not a
signature: the PAdES signature on the PDF is what carries legal weight.

Drawn with Pillow on a transparent background; the same input gives the same PNG bytes.
"""

from __future__ import annotations

import functools
import io
import math

from PIL import Image, ImageDraw, ImageFont

from formats.errors import Kind
from issuer.errors import IssuerError
from issuer.fonts import cjk_font_path

__all__ = ["SEAL_RED", "SealTextError", "make_seal"]

SEAL_RED = (218, 30, 40, 255)
_SIZE = 600  # pixels; printed 42 mm wide that is ~360 dpi
_MAX_NAME = 24


class SealTextError(IssuerError, ValueError):
    """The department or seal name is empty or too long for a seal."""

    slug = "seal-text-error"
    kind = Kind.INTERNAL  # seals are made from enrolled department names


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(cjk_font_path()), size)


def _glyph(ch: str, size: int, angle_deg: float, stretch: float) -> Image.Image:
    """One character, red on transparent, narrowed by ``stretch`` (seal lettering is tall),
    rotated clockwise by ``angle_deg``."""
    font = _font(size)
    box = int(size * 1.3)
    tile = Image.new("RGBA", (box, box), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((box / 2, box / 2), ch, font=font, fill=SEAL_RED, anchor="mm",
                              stroke_width=max(1, size // 28), stroke_fill=SEAL_RED)
    if stretch != 1.0:
        w = max(1, int(box * stretch))
        tile = tile.resize((w, box), Image.Resampling.LANCZOS)
    return tile.rotate(-angle_deg, resample=Image.Resampling.BICUBIC, expand=True)


def _paste_center(canvas: Image.Image, tile: Image.Image, cx: float, cy: float) -> None:
    canvas.alpha_composite(tile, (round(cx - tile.width / 2), round(cy - tile.height / 2)))


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r_outer: float) -> None:
    r_inner = r_outer * math.sin(math.radians(18)) / math.sin(math.radians(126))
    points = []
    for i in range(10):
        r = r_outer if i % 2 == 0 else r_inner
        a = math.radians(-90 + 36 * i)
        points.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    draw.polygon(points, fill=SEAL_RED)


def _check(text: str, what: str) -> str:
    text = "".join(text.split())
    if not text or len(text) > _MAX_NAME:
        raise SealTextError(f"{what} must be 1-{_MAX_NAME} characters")
    return text


@functools.lru_cache(maxsize=64)
def make_seal(dept_name: str, seal_name: str = "电子证照专用章") -> bytes:
    """PNG (RGBA, transparent background) of a round red seal, ``_SIZE`` px square."""
    dept = _check(dept_name, "department name")
    label = _check(seal_name, "seal name") if seal_name.strip() else ""
    s = _SIZE
    canvas = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    c = s / 2
    ring = s * 0.028
    draw.ellipse((ring / 2 + 2, ring / 2 + 2, s - ring / 2 - 2, s - ring / 2 - 2),
                 outline=SEAL_RED, width=int(ring))

    # department name along the upper arc, feet toward the centre
    n = len(dept)
    span = min(250.0, max(120.0, 19.0 * n))
    size = int(min(s * 0.125, s * 0.95 * math.radians(span / max(n, 1)) * 0.5 / 0.62))
    radius = c - ring - size * 0.70
    for i, ch in enumerate(dept):
        theta = -span / 2 + span * (i + 0.5) / n
        rad = math.radians(theta)
        tile = _glyph(ch, size, theta, 0.78)
        _paste_center(canvas, tile, c + radius * math.sin(rad), c - radius * math.cos(rad))

    _star(draw, c, c * 0.98, s * 0.15)

    if label:
        lsize = int(min(s * 0.085, s * 0.56 / len(label)))
        step = lsize * 0.98
        x0 = c - step * (len(label) - 1) / 2
        for i, ch in enumerate(label):
            _paste_center(canvas, _glyph(ch, lsize, 0.0, 0.85), x0 + i * step, c + s * 0.245)

    out = io.BytesIO()
    canvas.save(out, "PNG", optimize=True)
    return out.getvalue()


# -- uploaded seals ---------------------------------------------------------------------------
MAX_SEAL_BYTES = 2_000_000
_SEAL_PX = (200, 3000)


class SealImageError(IssuerError, ValueError):
    """An uploaded seal image is not a usable seal (checked by its content, not its name)."""

    slug = "invalid-seal-image"
    kind = Kind.INPUT


def checked_seal_png(data: bytes) -> bytes:
    """An uploaded seal, checked by content: a PNG (by its signature and decoder, not a file
    name or a declared type) of 200–3000 px, about square, with a transparent background
    (≥ 20 % fully transparent pixels) and some ink (≥ 1 % opaque pixels). Returned re-encoded as
    RGBA PNG without ancillary chunks (no metadata reaches the faces)."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise SealImageError("印章图样须为 PNG 图片 / the seal must be a PNG image")
    if len(data) > MAX_SEAL_BYTES:
        raise SealImageError("印章图样过大（不超过 2 MB）/ the seal image is larger than 2 MB")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        img = Image.open(io.BytesIO(data))
        img.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise SealImageError("印章图样无法解码 / the PNG cannot be decoded") from exc
    w, h = img.size
    if img.format != "PNG" or not (_SEAL_PX[0] <= min(w, h) and max(w, h) <= _SEAL_PX[1]) \
            or not 0.8 <= w / h <= 1.25:
        raise SealImageError("印章图样须为 200–3000 像素、近似正方形的 PNG / the seal must be "
                             "a roughly square PNG of 200-3000 px")
    if img.mode not in ("RGBA", "LA", "PA") and "transparency" not in img.info:
        raise SealImageError("印章图样须有透明背景 / the seal needs a transparent background")
    rgba = img.convert("RGBA")
    hist = rgba.getchannel("A").histogram()
    total = w * h
    if hist[0] < 0.2 * total:
        raise SealImageError("印章图样背景不透明 / the seal's background is not transparent")
    if sum(hist[128:]) < 0.01 * total:
        raise SealImageError("印章图样没有可见内容 / the seal image is empty")
    out = io.BytesIO()
    rgba.save(out, "PNG", optimize=True)
    return out.getvalue()
