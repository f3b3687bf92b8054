"""Faces a Tibetan office would sign (issue 14): Chinese line breaking, Tibetan shaped and
embedded as text, the template's holder label, amounts in 元, the specimen watermark.

Checked with poppler's pdftotext and pdffonts on the PDF (independent of reportlab)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from test_face import face

from issuer.catalog import CertificateType
from issuer.face import render_face
from issuer.facetext import NO_END, NO_START, FaceText, label_tokens
from issuer.faceview import face_input_from_record, show_value, yuan
from issuer.fonts import register_fonts
from issuer.seal import make_seal

poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
TIBETAN_TITLE = "ལག་ཁྱེར་ཚོད་ལྟའི་དཔེ།"
HOLDER_BO = "བཀྲ་ཤིས་ཚེ་རིང་།"


def _text(pdf: bytes, *flags: str) -> str:
    return subprocess.run(["pdftotext", *flags, "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def _tx() -> FaceText:
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    return FaceText(Canvas(BytesIO()), register_fonts(), 595)


def test_label_breaks_between_words_never_inside_one() -> None:
    assert label_tokens("建筑面积（平方米）") == ["建筑面积", "（平方米）"]
    lines = _tx().wrap("建筑面积（平方米）", 12, 93, label=True)  # the face's label column
    assert lines == ["建筑面积", "（平方米）"]


@pytest.mark.parametrize("width", [60.0, 84.0, 96.0, 108.0, 120.0, 150.0, 200.0])
def test_no_closing_punctuation_starts_and_no_opening_bracket_ends_a_line(width: float) -> None:
    text = ("本证照记载的房屋（含附属设施），已于二〇二六年移交，经评估确认。产权清晰、手续完备，"
            "移交后由接收方（西藏自治区国有资本投资运营有限公司）管理。")
    lines = _tx().wrap(text, 12, width)
    assert "".join(lines) == text
    for line in lines[1:]:
        assert line[0] not in NO_START, lines
    for line in lines[:-1]:
        assert line[-1] not in NO_END, lines


def test_amounts_have_thousands_separators_and_yuan() -> None:
    assert yuan(150000) == "150,000 元"
    assert yuan(1234.5) == "1,234.50 元"
    assert show_value(2500000, amount=True) == "2,500,000 元"
    assert show_value(12, amount=False) == "12"


def _ctype(holder_label: str = "开发建设单位") -> CertificateType:
    return CertificateType.from_definition({
        "type_code": "11540000MB0000001X001", "name": "城镇小区配套幼儿园移交证明",
        "defining_dept": "11540000MB0000001X", "holder_kind": "001",
        "fields": {"type": "object", "properties": {
            "area": {"type": "number", "title": "建筑面积（平方米）"},
            "price_yuan": {"type": "integer", "title": "评估价值（元）"}}},
        "face": {"title": "城镇小区配套幼儿园移交证明", "title_bo": TIBETAN_TITLE,
                 "rows": [{"label": holder_label, "field": "holder_name",
                           "label_bo": "གསར་སྐྲུན་ལས་ཁུངས།"},
                          {"label": "建筑面积（平方米）", "field": "area"},
                          {"label": "评估价值（元）", "field": "price_yuan"}]},
        "seal": "电子证照专用章"})


def _record() -> dict[str, object]:
    return {"identifier": "1.2.156.3005.2.11540000MB0000001X001.11540000MB0000002Y."
                          "202600000001.001.K", "name": "城镇小区配套幼儿园移交证明",
            "issuer": {"name": "拉萨市教育局", "code": "11540000MB0000001X"},
            "issue_date": "2026-11-29",
            "holder": {"name": "西藏圣城置业有限公司", "code": "91540000MA6T000001",
                       "code_kind": "001"},
            "validity": {"from": "2026-11-29", "to": None},
            "fields": {"area": 2450.5, "price_yuan": 12500000}}


@poppler
def test_face_uses_the_templates_holder_label_and_formats_amounts() -> None:
    view = face_input_from_record(_record(), _ctype(), make_seal("拉萨市教育局"), "https://e.test/v/x#a.b.c")
    assert view.holder_label.startswith("开发建设单位")
    text = _text(render_face(view)).replace(" ", "")
    assert "开发建设单位" in text and "持证单位" not in text
    assert "12,500,000元" in text


@poppler
def test_tibetan_is_shaped_and_embedded_as_text_not_an_image() -> None:
    view = face_input_from_record(
        {**_record(), "holder": {"name": HOLDER_BO, "code": "91540000MA6T000001",
                                 "code_kind": "001"}},
        _ctype(), make_seal("拉萨市教育局"), "https://e.test/v/x#a.b.c")
    pdf = render_face(view)
    text = _text(pdf)
    assert TIBETAN_TITLE in text  # searchable: pdftotext recovers the Tibetan title
    assert HOLDER_BO in text and "གསར་སྐྲུན་ལས་ཁུངས།" in text
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True,
                           check=True).stdout.decode()
    assert "Tibetan_Machine_Uni" in fonts
    images = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True,
                            check=True).stdout.decode().splitlines()[2:]
    assert len(images) <= 2, images  # the seal (and its mask); no rasterised Tibetan


def test_stacked_letters_are_shaped() -> None:
    """HarfBuzz picks the subjoined glyph for སྐ (ska): its advance is one letter's, where
    unshaped text lays the two letters side by side."""
    tx = _tx()
    assert tx.width("སྐ", 20) < tx.width("སཀ", 20) * 0.75


@poppler
def test_specimen_is_watermarked_and_says_it_is_not_a_certificate() -> None:
    text = _text(render_face(face(specimen=True))).replace(" ", "")
    assert "样本" in text and "不是有效证照" in text
    assert "样本" not in _text(render_face(face())).replace(" ", "")


def test_face_has_no_english_caption() -> None:
    pdf = render_face(face(issue_date=dt.date(2026, 11, 29)))
    assert b"Scan to verify" not in pdf


@poppler
def test_the_rendered_face_obeys_the_line_breaking_rules() -> None:
    """Through render_face and pdftotext: the value column holds 29 characters at 12 pt, so a
    naive break puts the 30th (，) at a line start; the label splits 建筑面积 / （平方米）."""
    value = "西藏自治区拉萨市城关区北京中路一号院内二层东侧办公用房" + "，" + "面积以不动产登记为准。"
    assert len(value.split("，")[0]) == 27
    rows = (("建筑面积（平方米）", "2,450.5"), ("坐落", "西藏" + value))
    text = _text(render_face(face(rows=rows)), "-layout")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    assert not [ln for ln in lines if ln[0] in NO_START], lines
    assert any(ln.startswith("建筑面积") and "（平方" not in ln for ln in lines), lines
    assert any("（平方米）" in ln for ln in lines), lines
