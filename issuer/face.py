"""The printable face (证照版式) of a certificate: an A4 PDF rendered from plain values.

``render_face`` is a pure function of :class:`FaceInput`: no clock, no database, the same
input gives the same bytes (reportlab's invariant mode). The page carries the title, the
licence number, a ruled table of fields, the issuer and issue date under the seal image, the
verification QR (printed at least 25 mm wide, wider when the code is dense so that modules
stay >= 0.25 mm), the identifier in small print, a footer, and an empty rectangle
(:data:`SIGNATURE_BOX`) where the PAdES signer draws the visible signature appearance.
Chinese text is embedded as a subset of the CJK TrueType font.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from formats.errors import Kind
from issuer import pdfflate, pdfimages, qr
from issuer.errors import IssuerError
from issuer.facetext import FaceText
from issuer.fonts import register_fonts

__all__ = [
    "FaceInput",
    "FaceError",
    "SIGNATURE_BOX",
    "cosignature_box",
    "PAGE_SIZE",
    "render_face",
    "chinese_date",
    "validity_text",
]

PAGE_SIZE = A4
PAGE_W, PAGE_H = A4
SIGNATURE_BOX: tuple[float, float, float, float] = (
    118 * mm, 14 * mm, 190 * mm, 32 * mm,
)
"""(x1, y1, x2, y2) in PDF points on page 1, origin bottom-left: left empty for the visible
signature appearance that the PAdES signer adds."""
_COSIGNATURE_GAP = 8.0


def cosignature_box(i: int) -> tuple[float, float, float, float]:
    """The box of the i-th co-signature (i >= 1): left of the issuer's, the same size."""
    x0, y0, x1, y1 = SIGNATURE_BOX
    shift = i * (x1 - x0 + _COSIGNATURE_GAP)
    return (x0 - shift, y0, x1 - shift, y1)


_RED = HexColor("#B22222")
_FRAME = HexColor("#9E1B1B")
_INK = HexColor("#1A1A1A")
_GREY = HexColor("#555555")
_LABEL_BG = HexColor("#F6EFE4")
_STAMP = Color(0.12, 0.30, 0.62, alpha=0.85)
_MAX_ROWS = 30
_MAX_TEXT = 400


class FaceError(IssuerError, ValueError):
    """The values do not fit a face (too many rows, text too long, missing pieces)."""

    slug = "face-error"
    kind = Kind.INTERNAL  # faces are made from stored records, checked when written


@dataclass(frozen=True)
class FaceInput:
    """Everything printed on a face. Strings are shown as given (full holder name)."""

    title: str
    identifier: str
    issuer_name: str
    issue_date: dt.date
    holder_name: str
    rows: tuple[tuple[str, str], ...]
    """(label, value) from the type's face template, in order."""
    valid_from: dt.date | None
    valid_to: dt.date | None
    seal_png: bytes
    qr_url: str
    licence_number: str = ""
    holder_label: str = "持证主体"
    footer: str = ""
    annotation: tuple[str, ...] = field(default=())
    """Lines of a boxed diagonal stamp over the face (annotated copies, 加注件)."""
    title_bo: str = ""
    """The title in Tibetan, printed under the Chinese one when the template has it."""
    issuer_note: str = ""
    """A small line under the issuer (e.g. the original department after a succession)."""
    digitised_on: dt.date | None = None
    """A legacy certificate's digitising date (Art. 9), printed apart from its issue date."""
    specimen: bool = False
    """A specimen (样本, Art. 8): watermarked, says it is not a valid certificate."""
    signature_words: tuple[str, ...] = field(default=())
    """Lines printed inside :data:`SIGNATURE_BOX` (signer and signing time), under the frame
    the PAdES signer draws there: printed with the face's fonts instead of by pyHanko."""
    cosignature_words: tuple[tuple[str, ...], ...] = field(default=())
    """The same for each co-signature, in :func:`cosignature_box` ``(1)``, ``(2)`` …"""

    def __post_init__(self) -> None:
        for name in ("title", "identifier", "issuer_name", "holder_name", "qr_url"):
            if not getattr(self, name):
                raise FaceError(f"{name} is required")
        if not self.seal_png.startswith(b"\x89PNG"):
            raise FaceError("seal_png must be a PNG image")
        if len(self.rows) > _MAX_ROWS:
            raise FaceError(f"at most {_MAX_ROWS} rows fit a face")
        for label, value in self.rows:
            if len(label) > 120 or len(value) > _MAX_TEXT:
                raise FaceError("a face row is too long")


def chinese_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def validity_text(start: dt.date | None, end: dt.date | None) -> str:
    if start is None and end is None:
        return "长期有效"
    if end is None:
        return f"自{chinese_date(start)}起长期有效"  # type: ignore[arg-type]
    if start is None:
        return f"至{chinese_date(end)}"
    return f"{chinese_date(start)}至{chinese_date(end)}"




# -- page parts ---------------------------------------------------------------------------
def _frame(c: Canvas) -> None:
    c.setStrokeColor(_FRAME)
    c.setLineWidth(2.2)
    c.rect(9 * mm, 9 * mm, PAGE_W - 18 * mm, PAGE_H - 18 * mm)
    c.setLineWidth(0.6)
    c.rect(11 * mm, 11 * mm, PAGE_W - 22 * mm, PAGE_H - 22 * mm)
    # corner ornaments
    for x, y, dx, dy in ((11, 11, 1, 1), (199, 11, -1, 1), (11, 286, 1, -1), (199, 286, -1, -1)):
        c.setLineWidth(1.2)
        c.line(x * mm, (y + dy * 8) * mm, (x + dx * 8) * mm, (y + dy * 8) * mm)
        c.line((x + dx * 8) * mm, y * mm, (x + dx * 8) * mm, (y + dy * 8) * mm)


def _table(tx: FaceText, rows: Sequence[tuple[str, str]], top: float, bottom: float) -> float:
    """Ruled two-column table from ``top`` down; returns its bottom y. Shrinks the type
    size until it fits above ``bottom``; raises :class:`FaceError` if it never does."""
    c = tx.c
    # bilingual labels (Tibetan under Chinese) get a wider label column: Tibetan words are
    # longer than their Chinese, and a narrow column stacks them into many lines
    bilingual = any("\n" in label for label, _ in rows)
    x0, x1, x2 = 20 * mm, (68 if bilingual else 58) * mm, 190 * mm
    pad = (1.8 if bilingual else 2.6) * mm
    for size in (12.0, 11.0, 10.0, 9.0, 8.0, 7.5, 7.0):
        lead = size * 1.45
        layout = []
        for label, value in rows:
            lines = tx.wrap(value, size, x2 - x1 - 2 * pad)
            llines = tx.wrap(label, size, x1 - x0 - 2 * pad, label=True)
            h = max(len(lines), len(llines)) * lead + 2 * pad
            layout.append((llines, lines, max(h, 9.5 * mm)))
        if top - sum(h for *_, h in layout) >= bottom:
            break
    else:
        raise FaceError("the fields do not fit one page")
    y = top
    c.setLineWidth(0.6)
    c.setStrokeColor(_GREY)
    for llines, lines, h in layout:
        c.setFillColor(_LABEL_BG)
        c.rect(x0, y - h, x1 - x0, h, stroke=0, fill=1)
        c.rect(x0, y - h, x2 - x0, h, stroke=1, fill=0)
        c.line(x1, y - h, x1, y)
        block = len(llines) * lead
        ly = y - (h - block) / 2 - size * 1.05
        for line in llines:
            tx.draw(x0 + (x1 - x0 - tx.width(line, size)) / 2, ly, line, size, _INK)
            ly -= lead
        block = len(lines) * lead
        vy = y - (h - block) / 2 - size * 1.05
        for line in lines:
            tx.draw(x1 + pad, vy, line, size, _INK)
            vy -= lead
        y -= h
    c.setLineWidth(1.2)
    c.setStrokeColor(_INK)
    c.rect(x0, y, x2 - x0, top - y, stroke=1, fill=0)
    return y


def _qr(c: Canvas, url: str, x: float, y: float) -> float:
    """Vector QR with its quiet zone, bottom-left at (x, y); returns its width in points."""
    width = float(qr.print_width_mm(url) * mm)
    n = len(qr.qr_matrix(url)) + 2 * qr.QUIET_ZONE
    c.setFillColor(HexColor("#FFFFFF"))
    c.rect(x, y, width, width, stroke=0, fill=1)
    c.saveState()
    c.translate(x, y)
    c.scale(width / n, width / n)
    c.setFillColor(HexColor("#000000"))
    c.addLiteral(qr.pdf_path_ops(url))
    c.restoreState()
    return width


def _annotation(tx: FaceText, lines: Sequence[str]) -> None:
    c = tx.c
    size = 17.0
    lead = size * 1.5
    width = max(tx.width(line, size) for line in lines) + 14 * mm
    height = lead * len(lines) + 8 * mm
    c.saveState()
    c.translate(PAGE_W / 2, PAGE_H * 0.52)
    c.rotate(28)
    c.setStrokeColor(_STAMP)
    c.setLineWidth(2.4)
    c.roundRect(-width / 2, -height / 2, width, height, 4 * mm, stroke=1, fill=0)
    c.setLineWidth(0.8)
    c.roundRect(-width / 2 + 1.6 * mm, -height / 2 + 1.6 * mm, width - 3.2 * mm,
                height - 3.2 * mm, 3 * mm, stroke=1, fill=0)
    y = height / 2 - 4 * mm - size * 1.1
    for line in lines:
        tx.draw(-tx.width(line, size) / 2, y, line, size, _STAMP, bold=True)
        y -= lead
    c.restoreState()


def _signature_words(tx: FaceText, lines: Sequence[str],
                     box: tuple[float, float, float, float] = SIGNATURE_BOX) -> None:
    x1, y1, x2, y2 = box
    size = 9.0
    while size > 5 and max(tx.width(line, size) for line in lines) > x2 - x1 - 4 * mm:
        size -= 0.5
    lead = size * 1.4
    top = (y1 + y2) / 2 + lead * (len(lines) - 1) / 2 - size / 3
    for i, line in enumerate(lines):
        tx.draw(x1 + 2 * mm, top - i * lead, line, size)


def _notes(tx: FaceText, view: FaceInput, right: float, base: float) -> None:
    """Small lines under the issue date: the digitising date, the original issuer."""
    notes = [f"数字化日期：{chinese_date(view.digitised_on)}（据原证照数字化）"] \
        if view.digitised_on else []
    for i, note in enumerate([*notes, *([view.issuer_note] if view.issuer_note else [])]):
        tx.right(right, base - (6 + 4.5 * i) * mm, note, 8, color=_GREY)


def _specimen(tx: FaceText) -> None:
    """样本: a large diagonal watermark and a line saying this is no certificate."""
    c = tx.c
    c.saveState()
    c.setFillAlpha(0.18)
    c.translate(PAGE_W / 2, PAGE_H / 2)
    c.rotate(35)
    tx.draw(-tx.width("样本", 150) / 2, -50, "样本", 150, _RED, bold=True)
    c.restoreState()
    tx.centred(PAGE_H - 20 * mm, "样本 · 仅供展示版式，不是有效证照，不能作为证照使用", 10, color=_RED)


def _issuer_block(tx: FaceText, view: FaceInput, table_bottom: float) -> None:
    """Issuer name and date under the table, the seal over them, the notes below."""
    c = tx.c
    right = 182 * mm
    base = max(72 * mm, min(table_bottom - 42 * mm, 120 * mm))
    tx.right(right, base + 11 * mm, f"发证机关：{view.issuer_name}", 13)
    tx.right(right, base, f"发证日期：{chinese_date(view.issue_date)}", 13)
    _notes(tx, view, right, base)
    d = 42 * mm
    c.saveState()
    c.setFillAlpha(0.88)  # lets the printed name show through, as ink does on paper
    pdfimages.draw(c, hashlib.sha256(view.seal_png).hexdigest(), view.seal_png,
                   right - 24 * mm - d / 2, base + 5 * mm - d / 2, d, d)
    c.restoreState()


def render_face(view: FaceInput) -> bytes:
    """One A4 page as PDF bytes (deterministic for the same ``view``)."""
    fonts = register_fonts()
    pdfflate.install()  # deflate level 1: level 6 was 40 % of the render for 4 % of size
    rl_config.useA85 = 0  # binary streams: pure-Python ASCII85 of the seal costs ~70 ms
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=PAGE_SIZE, invariant=1, pageCompression=1)
    c.setTitle(view.title)
    c.setAuthor(view.issuer_name)
    c.setSubject(view.identifier)
    c.setCreator("ecert")
    tx = FaceText(c, fonts, PAGE_W)
    _frame(c)

    title_y = PAGE_H - (40 if view.title_bo else 44) * mm
    tx.centred(title_y, view.title, 26 if len(view.title) <= 14 else 20, bold=True)
    if view.title_bo:
        tx.centred(title_y - 9 * mm, view.title_bo, 14)
    if view.licence_number:
        tx.centred(PAGE_H - 56 * mm, f"证照编号：{view.licence_number}", 11, color=_GREY)

    rows = [(view.holder_label, view.holder_name), *view.rows,
            ("有效期限", validity_text(view.valid_from, view.valid_to))]
    # a bilingual table may reach further down: the seal block under it then sits at its lowest
    bilingual = any("\n" in label for label, _ in rows)
    table_bottom = _table(tx, rows, PAGE_H - 64 * mm, (100 if bilingual else 112) * mm)

    _issuer_block(tx, view, table_bottom)

    # QR, caption and identifier
    qx, qy = 22 * mm, 36 * mm
    w = _qr(c, view.qr_url, qx, qy)
    tx.draw(qx + w + 3 * mm, qy + w - 5 * mm, "扫码核验证照真伪与状态", 9, _GREY)
    ident = f"证照标识：{view.identifier}"
    isize = 6.5
    while tx.width(ident, isize) > 95 * mm and isize > 4.5:
        isize -= 0.5
    tx.draw(20 * mm, 30 * mm, ident, isize, _GREY)

    if view.footer:
        for i, line in enumerate(tx.wrap(view.footer, 7.5, 95 * mm)[:3]):
            tx.draw(20 * mm, (24 - 3.6 * i) * mm, line, 7.5, _GREY)

    if view.signature_words:
        _signature_words(tx, view.signature_words)
    for i, words in enumerate(view.cosignature_words, 1):
        _signature_words(tx, words, cosignature_box(i))
    if view.annotation:
        _annotation(tx, view.annotation)
    if view.specimen:
        _specimen(tx)
    c.showPage()
    c.save()
    return buf.getvalue()
