"""Signed PDFs as a department would sign them (issue 14): the signature stamp in Beijing
time with the zone named, the successor's name and seal after a succession (Art. 9), a PDF
made for one base URL never served with another's QR, uploaded seals used and re-rendered.

Read back with independent tools: zxing-cpp for the QR, Ghostscript's txtwrite for the
stamp (which lives in the signature widget's appearance, where pdftotext does not look),
pdftotext for the face."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from issuer_helpers import DEPT_A, DEPT_B, NOW, TYPE_A, PerCall, good_data, issuer_actor, make_world
from issuer_helpers import sqlite_store as make_sqlite_store
from PIL import Image
from test_documents import TestMaterial

from issuer.documents import DocumentService
from issuer.seal import make_seal

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("gs") is None,
                                reason="poppler-utils / ghostscript missing")


def qr_of(pdf: bytes, tmp: Path) -> str:
    (tmp / "q.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(tmp / "q.pdf"),
                    str(tmp / "q")], check=True, timeout=60)
    found = [b.text for b in zxingcpp.read_barcodes(Image.open(tmp / "q.png"))]
    assert len(found) == 1
    return found[0]


def all_text(pdf: bytes, tmp: Path) -> str:
    """Every text drawn, annotations' appearances included (Ghostscript renders them)."""
    (tmp / "t.pdf").write_bytes(pdf)
    out = subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=txtwrite",
                          "-sOutputFile=-", str(tmp / "t.pdf")], capture_output=True,
                         check=True, timeout=60).stdout.decode("utf-8", "replace")
    face = subprocess.run(["pdftotext", str(tmp / "t.pdf"), "-"], capture_output=True,
                          check=True).stdout.decode()
    return (out + face).replace(" ", "")


def seal_rgb(pdf: bytes, tmp: Path) -> bytes:
    """The colour channels of the one image on the face (the seal), as extracted by poppler."""
    (tmp / "s.pdf").write_bytes(pdf)
    subprocess.run(["pdfimages", "-png", "-f", "1", "-l", "1", str(tmp / "s.pdf"),
                    str(tmp / "img")], check=True, timeout=60)
    return Image.open(tmp / "img-000.png").convert("RGB").tobytes()


class _Env:
    def __init__(self, tmp: Path) -> None:
        self.store = make_sqlite_store(tmp / "w.db")
        self.world = make_world(self.store)
        self.material = TestMaterial(self.world.keys)
        self.seals: dict[str, bytes] = {}
        self.tmp = tmp

    def docs(self, base_url: str) -> PerCall:
        return PerCall(self.store, DocumentService(
            self.material, base_url=base_url, qr_jws_for=self.world.service.qr_jws,
            seal_for=lambda _uow, code: self.seals.get(code)))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Env]:
    e = _Env(tmp_path_factory.mktemp("docwords"))
    yield e
    e.store.dispose()


def test_a_pdf_for_one_base_url_is_never_served_with_anothers_qr(env: _Env, tmp_path: Path) -> None:
    ident = env.world.svc.issue(issuer_actor(), TYPE_A, good_data(3), NOW).identifier
    a = env.docs("https://a.ecert.test").pdf(ident, NOW)
    b = env.docs("https://b.ecert.test").pdf(ident, NOW)
    assert qr_of(a, tmp_path).startswith(f"https://a.ecert.test/v/{ident}#")
    assert qr_of(b, tmp_path).startswith(f"https://b.ecert.test/v/{ident}#")
    assert env.docs("https://a.ecert.test").pdf(ident, NOW) == a  # each still cached
    assert env.docs("https://b.ecert.test").qr_url(ident, NOW).startswith("https://b.ecert.test/")


def test_signature_stamp_says_beijing_time(env: _Env, tmp_path: Path) -> None:
    ident = env.world.svc.issue(issuer_actor(), TYPE_A, good_data(5), NOW).identifier
    text = all_text(env.docs("https://ecert.test").pdf(ident, NOW), tmp_path)
    beijing = NOW.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert beijing.strftime("%Y-%m-%d%H:%M:%S") + "北京时间" in text, text[-600:]
    assert "UTC" not in text


def test_uploaded_seal_is_used_and_a_new_one_makes_a_new_pdf(env: _Env) -> None:
    ident = env.world.svc.issue(issuer_actor(), TYPE_A, good_data(7), NOW).identifier
    docs = env.docs("https://ecert.test")
    drawn = docs.pdf(ident, NOW)
    env.seals[DEPT_A] = make_seal("测试厅", "合同专用章")  # stands for an uploaded PNG
    uploaded = docs.pdf(ident, NOW)
    assert uploaded != drawn
    del env.seals[DEPT_A]


def test_after_a_succession_the_face_shows_the_successors_name_and_seal(
        env: _Env, tmp_path: Path) -> None:
    ident = env.world.svc.issue(issuer_actor(), TYPE_A, good_data(9), NOW).identifier
    docs = env.docs("https://ecert.test")
    before = all_text(docs.pdf(ident, NOW), tmp_path)
    assert "发证机关：测试厅" in before
    env_seal = env.seals[DEPT_B] = make_seal("承继厅")
    try:
        with env.store.transaction() as uow:
            uow.departments.set_successor(DEPT_A, DEPT_B)
        after_pdf = docs.pdf(ident, NOW)
        after = all_text(after_pdf, tmp_path)
    finally:
        with env.store.transaction() as uow:  # undo for the other tests of the module
            uow.departments.set_successor(DEPT_A, None)  # type: ignore[arg-type]
        del env.seals[DEPT_B]
    assert "发证机关：承继厅" in after and "原发证机关：测试厅" in after
    assert "承继厅电子签名" in after.replace("\n", "")  # the stamp names the signer
    # the seal drawn on the face is the successor's, pixel for pixel
    assert seal_rgb(after_pdf, tmp_path) == Image.open(io.BytesIO(env_seal)).convert("RGB").tobytes()
