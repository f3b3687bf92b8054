"""QR codes for the citizen URL printed on every certificate.

Error correction M, the smallest version that holds the URL (the identifier as an
alphanumeric segment, everything else in byte mode), and a FIXED mask pattern:
searching the best of the eight masks costs about 8x (facts.md), and any mask reads fine.
Images are drawn straight from the module matrix (no image factory), so they are
deterministic: the same URL always gives the same bytes.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import qrcode
import qrcode.constants
from PIL import Image

from formats.errors import Kind
from issuer import qrdata
from issuer.errors import IssuerError

__all__ = [
    "MASK_PATTERN",
    "QUIET_ZONE",
    "MIN_MODULE_MM",
    "QrTooLong",
    "QrInfo",
    "qr_matrix",
    "pdf_path_ops",
    "qr_info",
    "qr_png",
    "qr_svg",
    "print_width_mm",
]

MASK_PATTERN = 2
"""The fixed mask (0-7). Changing it changes every cached image, so it is a constant."""
QUIET_ZONE = 4
"""Modules of white border that ISO/IEC 18004 asks for around the symbol."""
MIN_MODULE_MM = 0.25
"""Smallest module that cheap phone cameras read reliably from paper."""
MAX_URL_CHARS = 2000
ALNUM_RUN = 20
"""Runs of at least this many QR-alphanumeric characters (the identifier in the URL path:
digits, capitals, dots) are encoded as an alphanumeric segment, 5.5 bits a character instead
of 8; the rest stays in byte mode. Mixed segments are plain ISO/IEC 18004 that every reader
decodes; it saves about 19 bytes of capacity on a citizen URL."""


class QrTooLong(IssuerError, ValueError):
    """The URL does not fit a QR code of version 40 at error correction M (or is absurd)."""

    slug = "qr-too-long"
    kind = Kind.INTERNAL  # the URL is the platform's own


@dataclass(frozen=True)
class QrInfo:
    version: int
    modules: int
    """Modules per side, without the quiet zone."""

    def module_mm(self, width_mm: float, with_quiet_zone: bool = True) -> float:
        """Module size when the symbol (plus quiet zone, if counted) is ``width_mm`` wide."""
        n = self.modules + (2 * QUIET_ZONE if with_quiet_zone else 0)
        return width_mm / n


def _build(url: str, mask_pattern: int | None) -> qrcode.QRCode:
    if not url or len(url) > MAX_URL_CHARS:
        raise QrTooLong("URL empty or too long for a QR code")
    code = qrcode.QRCode(
        version=None,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=0,
        mask_pattern=mask_pattern,
    )
    code.add_data(url.encode("utf-8"), optimize=ALNUM_RUN)
    try:
        if mask_pattern is None:  # the library's own path (mask search: benchmarks only)
            code.make(fit=True)
            return code
        # the same version and codewords, computed table-driven (issuer.qrdata: ≈ 5× faster)
        code.version = qrdata.best_version(code.data_list, code.error_correction)
        code.data_cache = qrdata.codewords(code.version, code.error_correction, code.data_list)
    except qrcode.exceptions.DataOverflowError as exc:
        raise QrTooLong("URL does not fit a QR code") from exc
    version = code.version
    code.map_data = lambda data, mask: qrdata.place(  # type: ignore[method-assign,unused-ignore]
        code.modules, version, data, mask)
    code.make(fit=False)
    return code


# A version's PNG, SVG and PDF face are usually made together, then kept in the blob cache;
# every certificate version has its own URL, so a long cache only fills up: ≈ 100-250 KiB a
# URL (tuples of bools, the path string) made 256 entries 25-60 MiB per worker (issue 12 soak).
_RECENT = 16


@functools.lru_cache(maxsize=_RECENT)
def _matrix(url: str, mask_pattern: int | None) -> tuple[int, tuple[tuple[bool, ...], ...]]:
    code = _build(url, mask_pattern)
    return code.version, tuple(tuple(bool(m) for m in row) for row in code.modules)


def qr_matrix(url: str, *, mask_pattern: int | None = MASK_PATTERN) -> tuple[tuple[bool, ...], ...]:
    """Dark (True) / light modules, row by row, without the quiet zone.

    ``mask_pattern=None`` lets the library search all eight masks (slow; benchmarks only).
    """
    return _matrix(url, mask_pattern)[1]


def qr_info(url: str) -> QrInfo:
    version, rows = _matrix(url, MASK_PATTERN)
    return QrInfo(version=version, modules=len(rows))


def print_width_mm(url: str, minimum_mm: float = 25.0, maximum_mm: float = 40.0) -> float:
    """Printed width (quiet zone included) that keeps modules at least ``MIN_MODULE_MM``.

    Never below ``minimum_mm``; capped at ``maximum_mm`` (a denser code is then printed with
    smaller modules rather than overflowing the layout).
    """
    info = qr_info(url)
    need = (info.modules + 2 * QUIET_ZONE) * MIN_MODULE_MM
    return max(minimum_mm, min(maximum_mm, need))


def _image(rows: tuple[tuple[bool, ...], ...], box_size: int) -> Image.Image:
    """A 1-bit image (1 = white), packed row by row: no per-pixel calls."""
    side = len(rows) + 2 * QUIET_ZONE
    stride = (side + 7) // 8
    pad = stride * 8 - side
    white = ((1 << (stride * 8)) - 1).to_bytes(stride, "big")
    lines = [white] * QUIET_ZONE
    edge = "1" * QUIET_ZONE
    for row in rows:
        bits = edge + "".join("0" if dark else "1" for dark in row) + edge + "1" * pad
        lines.append(int(bits, 2).to_bytes(stride, "big"))
    lines += [white] * QUIET_ZONE
    img = Image.frombytes("1", (side, side), b"".join(lines))
    if box_size != 1:
        img = img.resize((side * box_size, side * box_size), Image.Resampling.NEAREST)
    return img


def qr_png(url: str, box_size: int = 8, *, mask_pattern: int | None = MASK_PATTERN) -> bytes:
    """A 1-bit PNG, ``box_size`` pixels per module, 4-module quiet zone."""
    if not 1 <= box_size <= 50:
        raise ValueError("box_size must be 1..50")
    out = io.BytesIO()
    _image(qr_matrix(url, mask_pattern=mask_pattern), box_size).save(out, "PNG", optimize=False)
    return out.getvalue()


def qr_svg(url: str) -> str:
    """A standalone SVG (one path, horizontal runs), scalable, 4-module quiet zone."""
    rows = qr_matrix(url)
    side = len(rows) + 2 * QUIET_ZONE
    parts: list[str] = []
    for y, row in enumerate(rows):
        x = 0
        n = len(row)
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                parts.append(f"M{start + QUIET_ZONE} {y + QUIET_ZONE}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
        f'width="{side * 4}" height="{side * 4}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(parts)}"/></svg>\n'
    )


@functools.lru_cache(maxsize=_RECENT)
def pdf_path_ops(url: str) -> str:
    """PDF path operators for the dark modules, in module units, origin top-left of the
    symbol (quiet zone included), y pointing up: one ``re`` per horizontal run."""
    rows = qr_matrix(url)
    n = len(rows) + 2 * QUIET_ZONE
    ops: list[str] = []
    for r, row in enumerate(rows):
        yy = n - (r + QUIET_ZONE + 1)
        col = 0
        while col < len(row):
            if row[col]:
                start = col
                while col < len(row) and row[col]:
                    col += 1
                ops.append(f"{start + QUIET_ZONE} {yy} {col - start} 1 re")
            else:
                col += 1
    ops.append("f")
    return "\n".join(ops)
