"""Fonts for certificate faces, seals and signature stamps.

* CJK: a plain TrueType Chinese font (Debian ``fonts-arphic-gbsn00lp``, GB2312 Song), with a
  wider-coverage fallback (``DroidSansFallbackFull.ttf``) for characters the first lacks. When
  only a ``.ttc`` collection exists (Noto CJK, WenQuanYi), its first face is extracted with
  fontTools into a cache directory, since pyHanko cannot read collections.
* Tibetan: ``fonts-tibetan-machine`` (Tibetan Machine Uni) for runs of Tibetan script,
  registered as *shapable*: the face shapes Tibetan with HarfBuzz (reportlab + uharfbuzz), so
  subjoined consonants stack and the words stay text in the PDF (see :mod:`issuer.facetext`).
* pyHanko stamps: :func:`stamp_font_path` gives a subset (ASCII + GB2312 level 1 + extra
  characters) that pyHanko parses in a fraction of the full font's time.

Registration with reportlab happens once per process (cached, thread-safe).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import subprocess
import tempfile
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from formats.errors import Kind
from issuer.errors import IssuerError

__all__ = [
    "FontNotFound",
    "FontSet",
    "cjk_font_path",
    "tibetan_font_path",
    "register_fonts",
    "font_runs",
    "is_tibetan",
    "stamp_font_path",
]

ASSETS = Path(__file__).parent / "assets"
_CJK_TTF = (
    ASSETS / "cjk.ttf",
    Path("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf"),
    Path("/usr/share/fonts/truetype/arphic/gbsn00lp.ttf"),
)
_FALLBACK_TTF = (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),)
_CJK_TTC = (
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
_TIBETAN = (
    Path("/usr/share/fonts/truetype/tibetan-machine/TibetanMachineUni.ttf"),
    Path("/usr/share/fonts/truetype/monlam/monlam_uni_ouchan2.ttf"),
    Path("/usr/share/fonts/truetype/ddc-uchen/DDC_Uchen.ttf"),
)

CJK = "EcertCJK"
CJK_FALLBACK = "EcertCJKFallback"
TIBETAN = "EcertTibetan"
_lock = threading.Lock()


class FontNotFound(IssuerError, RuntimeError):
    """No usable CJK font is installed (install fonts-arphic-gbsn00lp)."""

    slug = "font-not-found"
    kind = Kind.INTERNAL


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir()
    path = Path(base) / f"ecert-fonts-{os.getuid() if hasattr(os, 'getuid') else 0}"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _atomic_write(path: Path, save: object) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    save(str(tmp))  # type: ignore[operator]
    os.replace(tmp, path)


def _extract_ttc_face(ttc: Path, index: int = 0) -> Path:
    from fontTools.ttLib import TTCollection

    out = _cache_dir() / f"{ttc.stem}-{index}.ttf"
    if not out.exists():
        coll = TTCollection(str(ttc))
        _atomic_write(out, coll.fonts[index].save)
    return out


def _fc_match() -> Path | None:
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True,
                             timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted(line.split(":")[0].strip() for line in out.splitlines() if line.strip())
    for f in files:
        if f.lower().endswith((".ttf", ".otf")) and "fallback" not in f.lower():
            return Path(f)
    for f in files:
        if f.lower().endswith(".ttc"):
            return _extract_ttc_face(Path(f))
    return None


@functools.cache
def cjk_font_path() -> Path:
    """The plain TrueType CJK font used for faces and seals; raises :class:`FontNotFound`."""
    for p in _CJK_TTF:
        if p.is_file():
            return p
    for p in _CJK_TTC:
        if p.is_file():
            return _extract_ttc_face(p)
    found = _fc_match()
    if found is not None:
        return found
    for p in _FALLBACK_TTF:
        if p.is_file():
            return p
    raise FontNotFound("no CJK font installed (apt-get install fonts-arphic-gbsn00lp)")


@functools.cache
def tibetan_font_path() -> Path | None:
    return next((p for p in _TIBETAN if p.is_file()), None)


@dataclass(frozen=True)
class FontSet:
    """reportlab font names registered for this process."""

    cjk: str
    fallback: str | None
    tibetan: str | None
    cjk_path: Path
    tibetan_path: Path | None

    def covers(self, font: str, ch: str) -> bool:
        face = pdfmetrics.getFont(font).face
        return ord(ch) in face.charToGlyph


_registered: FontSet | None = None


def register_fonts() -> FontSet:
    """Register the CJK (+fallback, +Tibetan) fonts with reportlab once per process."""
    global _registered
    if _registered is not None:
        return _registered
    with _lock:
        if _registered is None:
            cjk = cjk_font_path()
            pdfmetrics.registerFont(TTFont(CJK, str(cjk)))
            fallback = next((p for p in _FALLBACK_TTF if p.is_file() and p != cjk), None)
            if fallback is not None:
                pdfmetrics.registerFont(TTFont(CJK_FALLBACK, str(fallback)))
            tib = tibetan_font_path()
            if tib is not None:
                pdfmetrics.registerFont(TTFont(TIBETAN, str(tib), shapable=True))
            _registered = FontSet(CJK, CJK_FALLBACK if fallback else None,
                                  TIBETAN if tib else None, cjk, tib)
    return _registered


def is_tibetan(ch: str) -> bool:
    return 0x0F00 <= ord(ch) <= 0x0FFF


def font_runs(text: str, fonts: FontSet | None = None) -> list[tuple[str, str]]:
    """Split ``text`` into ``(font name, run)`` pieces: Tibetan script in the Tibetan font,
    characters the main CJK font lacks in the fallback, the rest in the CJK font."""
    fonts = fonts or register_fonts()
    runs: list[tuple[str, str]] = []
    for ch in text:
        if is_tibetan(ch) and fonts.tibetan:
            font = fonts.tibetan
        elif fonts.covers(fonts.cjk, ch) or unicodedata.category(ch).startswith("Z"):
            font = fonts.cjk
        elif fonts.fallback and fonts.covers(fonts.fallback, ch):
            font = fonts.fallback
        else:
            font = fonts.cjk  # drawn as .notdef; better visible than silently dropped
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    return runs


def _gb2312_level1() -> set[int]:
    chars = set(range(0x20, 0x7F))
    for hi in list(range(0xA1, 0xAA)) + list(range(0xB0, 0xD8)):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(ord(bytes([hi, lo]).decode("gb2312")))
    return chars


def stamp_font_path(extra_chars: Iterable[str] = (), *, minimal: bool = False) -> Path:
    """A TrueType subset of the CJK font for pyHanko stamps: ASCII plus ``extra_chars``,
    and unless ``minimal`` also GB2312 symbols and level-1 hanzi (2.4 MB). Built once
    (≈1.5 s) into a cache directory and reused. pyHanko parses and re-subsets the stamp
    font for every signature, so a minimal font (ASCII + the signer's name) is what makes
    visible CJK stamps cheap: ≈0.1 s less per signature than the level-1 subset."""
    src = cjk_font_path()
    base = set(range(0x20, 0x7F)) if minimal else _gb2312_level1()
    wanted = base | {ord(c) for c in "".join(extra_chars)}
    key = hashlib.sha256(
        f"{src}:{src.stat().st_size}:".encode() + ",".join(map(str, sorted(wanted))).encode()
    ).hexdigest()[:16]
    out = _cache_dir() / f"stamp-{key}.ttf"
    if out.exists():
        return out
    with _lock:
        if not out.exists():
            from fontTools import subset
            from fontTools.ttLib import TTFont as FtFont

            font = FtFont(str(src))
            opts = subset.Options()
            opts.layout_features = []
            opts.hinting = False
            opts.name_IDs = ["*"]
            opts.notdef_outline = True
            sub = subset.Subsetter(opts)
            sub.populate(unicodes=wanted)
            sub.subset(font)
            _atomic_write(out, font.save)
    return out
