"""The printable face, the QR and the drawn seal: pure functions, checked with independent
tools (zxing-cpp for QR codes, poppler's pdffonts/pdftoppm/pdftotext for PDFs)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from issuer import qr
from issuer.face import SIGNATURE_BOX, FaceError, FaceInput, render_face
from issuer.fonts import font_runs, register_fonts, stamp_font_path
from issuer.seal import SealTextError, make_seal

IDENT = "1.2.156.3005.2.11540000MB0000001X001.11540000MB0000002Y.202600000001.001.K"
poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils missing")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def realistic_url(cjk_claims: bool = True) -> str:
    """A citizen URL shaped like docs/formats.md: ES256 header + QR claim set + signature."""
    header = {"alg": "ES256", "typ": "ecert-qr+jws", "x5t#S256": _b64(bytes(range(32)))}
    claims: dict[str, object] = {
        "spec": "ecert/qr/1", "id": IDENT, "t": "11540000MB0000001X001",
        "h": "扎**", "hc": "540***********1234", "vf": "2026-11-29", "vt": "2029-11-28",
        "iss": "11540000MB0000002Y", "iat": 1764403200, "rh": _b64(bytes(16)),
    }
    if cjk_claims:
        claims |= {"tn": "农牧民职业技能培训证书", "in": "西藏自治区人力资源和社会保障厅"}

    def j(o: object) -> bytes:
        return json.dumps(o, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()

    return f"https://ecert.xizang.gov.cn/v/{IDENT}#{_b64(j(header))}.{_b64(j(claims))}." \
           f"{_b64(bytes(range(64)))}"


def face(**over: object) -> FaceInput:
    base: dict[str, object] = dict(
        title="农牧民职业技能培训合格证书", identifier=IDENT,
        issuer_name="西藏自治区人力资源和社会保障厅", issue_date=dt.date(2026, 11, 29),
        holder_name="扎西次仁", rows=(("公民身份号码", "540102199001011234"),
                                    ("培训项目", "牦牛养殖与畜产品加工（初级）"),
                                    ("培训时间", "2026年9月1日至2026年10月30日，共计240学时")),
        valid_from=dt.date(2026, 11, 29), valid_to=dt.date(2029, 11, 28),
        seal_png=make_seal("西藏自治区人力资源和社会保障厅"), qr_url=realistic_url(),
        licence_number="藏人社培〔2026〕000001号", footer="本证照与纸质证照具有同等法律效力。",
    )
    base.update(over)
    return FaceInput(**base)  # type: ignore[arg-type]


def decode_png(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def render_page(pdf: bytes, tmp: Path, dpi: int = 150) -> bytes:
    src = tmp / "face.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(src), str(tmp / "page")], check=True)
    return (tmp / "page.png").read_bytes()


# -- QR ---------------------------------------------------------------------------------
def test_qr_png_decodes_to_the_exact_url() -> None:
    url = realistic_url()
    assert decode_png(qr.qr_png(url, box_size=4)) == [url]


def test_qr_fixed_mask_is_deterministic_and_level_m() -> None:
    url = realistic_url()
    assert qr.qr_png(url) == qr.qr_png(url)
    assert decode_png(qr.qr_png(url, 3, mask_pattern=None)) == [url]


def test_qr_density_at_25mm_is_reported_and_print_width_keeps_modules_readable() -> None:
    short = realistic_url(cjk_claims=False)
    long = realistic_url()
    info_short, info_long = qr.qr_info(short), qr.qr_info(long)
    assert len(short) < len(long)
    assert info_short.version < info_long.version <= 25
    # at 25 mm wide a ~800-char URL gets modules below 0.25 mm, so the face prints it wider
    assert info_long.module_mm(25) < qr.MIN_MODULE_MM
    width = qr.print_width_mm(long)
    assert 25 < width <= 40 and info_long.module_mm(width) >= qr.MIN_MODULE_MM - 1e-9
    assert qr.print_width_mm("https://e.x/v/1") == 25.0


def test_qr_svg_is_wellformed_and_too_long_refused() -> None:
    svg = qr.qr_svg(realistic_url())
    assert svg.startswith("<?xml") and "<path" in svg and svg.rstrip().endswith("</svg>")
    with pytest.raises(qr.QrTooLong):
        qr.qr_matrix("x" * 5000)
    with pytest.raises(qr.QrTooLong):
        qr.qr_matrix("")


# -- seal -------------------------------------------------------------------------------
def test_seal_is_red_on_transparent_and_deterministic() -> None:
    png = make_seal("西藏自治区人力资源和社会保障厅")
    assert png == make_seal("西藏自治区人力资源和社会保障厅")
    assert png != make_seal("拉萨市文化局")
    img = Image.open(io.BytesIO(png))
    assert img.mode == "RGBA" and img.width == img.height
    pixels = list(img.convert("RGBA").tobytes())
    pixels = [tuple(pixels[i:i + 4]) for i in range(0, len(pixels), 4)]
    opaque = [p for p in pixels if p[3] > 128]
    transparent = [p for p in pixels if p[3] == 0]
    assert len(transparent) > 0.5 * len(pixels)  # background and the gaps are clear
    assert len(opaque) > 0.05 * len(pixels)
    red = [p for p in opaque if p[0] > 150 and p[0] > 2 * p[1] and p[0] > 2 * p[2]]
    assert len(red) > 0.95 * len(opaque)
    assert img.getpixel((img.width // 2, img.height // 2))[3] > 200  # the star


def test_seal_refuses_empty_or_absurd_names() -> None:
    with pytest.raises(SealTextError):
        make_seal("  ")
    with pytest.raises(SealTextError):
        make_seal("厅" * 40)


# -- fonts ------------------------------------------------------------------------------
def test_font_runs_split_tibetan_and_cjk() -> None:
    fonts = register_fonts()
    runs = font_runs("扎西 བཀྲ་ཤིས་", fonts)
    assert runs[0] == (fonts.cjk, "扎西 ")
    if fonts.tibetan:
        assert runs[1] == (fonts.tibetan, "བཀྲ་ཤིས་")


def test_stamp_font_subset_is_smaller_and_cached() -> None:
    path = stamp_font_path("西藏")
    assert path == stamp_font_path("西藏")
    assert path.stat().st_size < register_fonts().cjk_path.stat().st_size


# -- face -------------------------------------------------------------------------------
def test_face_is_a_deterministic_one_page_pdf() -> None:
    a, b = render_face(face()), render_face(face())
    assert a.startswith(b"%PDF-") and a == b
    assert render_face(face(holder_name="卓玛")) != a


def test_face_refuses_what_does_not_fit() -> None:
    with pytest.raises(FaceError):
        face(rows=tuple((f"项目{i}", "值") for i in range(31)))
    with pytest.raises(FaceError):
        face(seal_png=b"GIF89a")
    with pytest.raises(FaceError):
        render_face(face(rows=tuple((f"项目{i}", "很长的内容" * 40) for i in range(20))))


@poppler
def test_face_embeds_the_cjk_font_and_keeps_the_text() -> None:
    pdf = render_face(face(rows=(("备注", "长文本" * 60),)))
    proc = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=False)
    if proc.returncode != 0:  # older poppler cannot read stdin
        pytest.skip("pdffonts cannot read stdin")
    lines = [ln.split() for ln in proc.stdout.decode().splitlines()[2:]]
    cjk = [ln for ln in lines if "Bousung" in ln[0] or "CJK" in ln[0] or "Droid" in ln[0]]
    assert cjk, proc.stdout
    assert all(ln[-5] == "yes" and ln[-4] == "yes" for ln in cjk)  # embedded, subset
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    assert "农牧民职业技能培训合格证书" in text.replace(" ", "")
    assert "西藏自治区人力资源和社会保障厅" in text.replace(" ", "")


@poppler
def test_face_qr_reads_back_from_a_150_dpi_rendering(tmp_path: Path) -> None:
    url = realistic_url()
    page = render_page(render_face(face(qr_url=url)), tmp_path)
    assert url in decode_png(page)


@poppler
def test_annotation_stamp_is_on_the_page() -> None:
    lines = ("仅供西藏自治区市场监督管理局审批使用", "有效期至2026年12月29日")
    pdf = render_face(face(annotation=lines))
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode().replace(" ", "")
    assert "有效期至2026年12月29日" in text


def test_signature_box_is_on_the_page_and_clear_of_the_qr() -> None:
    x1, y1, x2, y2 = SIGNATURE_BOX
    assert 0 < x1 < x2 < 595 and 0 < y1 < y2 < 842
    assert x1 > 22 * 72 / 25.4 + 40 * 72 / 25.4  # right of the widest QR


def test_face_streams_are_deflated_at_level_one() -> None:
    """issuer/pdfflate.py: still FlateDecode and deterministic, deflated at level 1."""
    import re
    import zlib

    pdf = render_face(face())
    assert pdf == render_face(face())
    streams = [m.group(1) for m in re.finditer(
        rb"/FlateDecode.*?stream\r?\n(.*?)endstream", pdf, re.S)]
    fast = [s for s in streams if s[:2] == b"\x78\x01"]  # the zlib header of level 1
    assert len(fast) >= 3  # page content, font file, ToUnicode map
    for s in fast:
        assert zlib.decompress(s.rstrip(b"\r\n"))
