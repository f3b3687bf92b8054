"""Text on a face: mixed-script runs, Tibetan shaped as text, and Chinese line breaking.

* Tibetan runs are shaped with HarfBuzz (reportlab + uharfbuzz) in the Tibetan font and
  embedded as text: stacked letters come out right and the words stay selectable and
  searchable (pdftotext recovers them).
* Line breaking follows the usual Chinese rules (GB/T 15834 punctuation, 禁则): no closing
  punctuation (。，、）…) at the start of a line, no opening bracket (（《…) at its end; runs of
  Latin letters/digits and Tibetan syllables stay whole; labels break only between words
  (before a bracketed unit such as （平方米）), never inside one.
"""

from __future__ import annotations

import functools

from reportlab.lib.colors import Color, HexColor
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import bidiShapedText

from issuer.fonts import FontSet, font_runs, is_tibetan

__all__ = ["NO_END", "NO_START", "FaceText", "INK", "label_tokens", "text_tokens"]

INK = HexColor("#1A1A1A")
NO_START = frozenset("。，、．：；！？）》」』】〕〉”’…—·%％‰℃")
"""Characters that never begin a line."""
NO_END = frozenset("（《「『【〔〈“‘")
"""Characters that never end a line."""
_CLOSE = frozenset("）》」』】〕〉”’")
TIBETAN_SCALE = 1.2
"""Tibetan Machine Uni draws small beside Song at the same size: Tibetan runs are scaled."""


def _joins(prev: str, ch: str) -> bool:
    """Whether ``ch`` continues the word ending in ``prev`` (no line break between)."""
    glue = ".,-/:"
    latin = ch.isascii() and (ch.isalnum() or ch in glue) and prev.isascii() and \
        (prev.isalnum() or prev in glue)
    tibetan = is_tibetan(ch) and is_tibetan(prev) and prev != "\u0f0b"
    return latin or tibetan


def text_tokens(text: str) -> list[str]:
    """Units a value may break between: one CJK character, a Latin word, a Tibetan syllable
    (with its tsheg)."""
    out: list[str] = []
    for ch in text:
        if out and _joins(out[-1][-1], ch):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def label_tokens(text: str) -> list[str]:
    """Units a label may break between: words, where a bracketed part (（平方米）) is one word
    and so is the run before it (建筑面积); a break may follow 、 or a space."""
    out: list[str] = []
    depth, new = 0, True
    for ch in text:
        if ch.isspace():
            out.append(ch)
            new = True
            continue
        if ch in NO_END and depth == 0:
            new = True
        if new or not out:
            out.append(ch)
            new = False
        else:
            out[-1] += ch
        if ch in NO_END:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
            new = depth == 0
        elif depth == 0 and ch in NO_START:
            new = True
    return out


# Runs and widths are pure functions of (text, size, fonts) and most strings of a face
# (labels, fixed words, line-breaking trials of the same values) recur from document to
# document: kept per process, they were a sixth of rendering a face.
@functools.lru_cache(maxsize=8192)
def _runs(text: str, fonts: FontSet) -> tuple[tuple[str, str], ...]:
    return tuple(font_runs(text, fonts))


@functools.lru_cache(maxsize=16384)
def _width(text: str, size: float, fonts: FontSet) -> float:
    total = 0.0
    for font, run in _runs(text, fonts):
        if font == fonts.tibetan:
            total += bidiShapedText(run, None, fontName=font,
                                    fontSize=size * TIBETAN_SCALE, shaping=True)[1]
        else:
            total += stringWidth(run, font, size)
    return total


class FaceText:
    """Draws mixed-script text on one canvas."""

    def __init__(self, c: Canvas, fonts: FontSet, page_w: float) -> None:
        self.c = c
        self.fonts = fonts
        self.page_w = page_w

    def _pieces(self, text: str) -> tuple[tuple[str, str], ...]:
        return _runs(text, self.fonts)

    def _shaped(self, font: str) -> bool:
        return font == self.fonts.tibetan

    def width(self, text: str, size: float) -> float:
        return _width(text, size, self.fonts)

    def draw(self, x: float, y: float, text: str, size: float, color: Color = INK,
             bold: bool = False) -> float:
        c = self.c
        for font, run in self._pieces(text):
            if self._shaped(font):  # HarfBuzz-shaped glyphs, embedded as text
                c.setFont(font, size * TIBETAN_SCALE)
                c.setFillColor(color)
                c.drawString(x, y, run, shaping=True)
                x += self.width(run, size)
                continue
            t = c.beginText(x, y)
            t.setFont(font, size)
            t.setFillColor(color)
            t.textOut(run)
            if bold:  # the Song face has no bold: fill and stroke the outlines
                c.saveState()  # Tr and the line width are graphics state: restore them
                c.setStrokeColor(color)
                c.setLineWidth(size * 0.035)
                t.setTextRenderMode(2)
                c.drawText(t)
                c.restoreState()
            else:
                c.drawText(t)
            x += stringWidth(run, font, size)
        return x

    def centred(self, y: float, text: str, size: float, color: Color = INK,
                bold: bool = False) -> None:
        self.draw((self.page_w - self.width(text, size)) / 2, y, text, size, color, bold)

    def right(self, x_right: float, y: float, text: str, size: float,
              color: Color = INK) -> None:
        self.draw(x_right - self.width(text, size), y, text, size, color)

    def wrap(self, text: str, size: float, width: float, label: bool = False) -> list[str]:
        """Lines of at most ``width`` points, broken by the rules above."""
        lines: list[str] = []
        for para in text.splitlines() or [""]:
            tokens: list[str] = []
            for tok in (label_tokens if label else text_tokens)(para):
                if len(tok) > 1 and self.width(tok, size) > width:
                    tokens.extend(text_tokens(tok))  # a word wider than the line: break it
                else:
                    tokens.append(tok)
            lines.extend(self._fill(tokens, size, width))
        return lines

    def _fill(self, tokens: list[str], size: float, width: float) -> list[str]:
        lines: list[str] = []
        line: list[str] = []
        for tok in tokens:
            if not line or self.width("".join(line) + tok, size) <= width:
                line.append(tok)
                continue
            carry = [tok]
            while len(line) > 1 and carry[0][0] in NO_START:
                carry.insert(0, line.pop())  # the character before goes down with it
            while len(line) > 1 and line[-1][-1] in NO_END:
                carry.insert(0, line.pop())
            lines.append("".join(line).rstrip())
            line = carry if not (len(carry) == 1 and tok.isspace()) else []
        lines.append("".join(line))
        return lines
