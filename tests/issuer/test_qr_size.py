"""The citizen QR (ecert/qr/3) stays small enough to print 25 mm wide for every producer.

Budget (docs/formats.md, QR claim set): version <= 15 at error correction M (issue #9 §2), so
that a 25 mm symbol has modules of at least 0.3 mm (77 modules); with the 4-module quiet zone
counted they stay above the 0.25 mm floor. The old bound (version <= 19) is kept as a check
of the byte budget.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from issuer_helpers import NOW, PerCall, TestKeys, make_world, sqlite_store
from PIL import Image

import producers
from audit_log.actor import Actor
from formats.qr import MAX_QR_VERSION, citizen_url
from issuer import qr
from issuer.face import FaceInput, render_face
from issuer.issuance import IssuanceService
from issuer.seal import make_seal
from producers._common import DEPARTMENTS, dept

DEMO_ADMIN = Actor(name="test", role="admin")


def issuer_actor(key: str) -> Actor:
    return Actor(name=f"test@{key}", role="issuer", dept_code=dept(key))

BASE = "https://ecert.xizang.gov.cn"
"""A production-like host, longer than the tests' https://ecert.test."""
V19_M_BYTES = 624
"""Byte-mode capacity of a version 19 symbol at error correction M (ISO/IEC 18004 table 7)."""


@pytest.fixture(scope="module")
def urls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    store = sqlite_store(tmp_path_factory.mktemp("qr") / "q.db")
    keys = TestKeys()
    world = make_world(store, keys, enrol=False)
    svc = PerCall(store, IssuanceService(keys, world.audit))
    with store.transaction() as uow:
        for code, name in DEPARTMENTS.values():
            uow.departments.add(code, name, None, NOW)
            keys.enrol(code, name)
        for mod in producers.ALL:
            world.catalog.add(uow, mod.DEFINITION, DEMO_ADMIN, NOW)
    out: dict[str, list[str]] = {}
    for mod in producers.ALL:
        name = mod.__name__.rsplit(".", 1)[-1]
        for event in mod.sample_events(6):
            data, sk = mod.to_request(event)
            r = svc.issue(issuer_actor(mod.DEPT), mod.TYPE_CODE, data, NOW, source_key=sk)
            out.setdefault(name, []).append(
                citizen_url(BASE, r.identifier, svc.qr_jws(r.identifier, NOW)))
    store.dispose()
    return out


@pytest.mark.parametrize("producer", [m.__name__.rsplit(".", 1)[-1] for m in producers.ALL])
def test_qr_fits_version_19_and_prints_at_25mm(urls: dict[str, list[str]], producer: str) -> None:
    assert len(urls[producer]) == 6
    for url in urls[producer]:
        assert url.startswith(BASE + "/v/1.2.156.3005.2.")
        assert len(url.encode("utf-8")) <= V19_M_BYTES, len(url)
        info = qr.qr_info(url)
        assert info.version <= 19, (producer, info.version, len(url))
        assert info.version <= MAX_QR_VERSION == 15, (producer, info.version, len(url))
        assert info.module_mm(25.0, with_quiet_zone=False) >= 0.3
        assert qr.print_width_mm(url) == 25.0
        assert info.module_mm(25.0) >= qr.MIN_MODULE_MM, (producer, info.version)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils missing")
def test_face_prints_the_longest_qr_at_25mm_and_it_scans(urls: dict[str, list[str]],
                                                         tmp_path: Path) -> None:
    url = max((u for us in urls.values() for u in us), key=len)
    ident = url.split("/v/", 1)[1].split("#", 1)[0]
    view = FaceInput(
        title="跨境电子商务经营者备案证明", identifier=ident,
        issuer_name="西藏自治区人民政府国有资产监督管理委员会", issue_date=dt.date(2026, 11, 29),
        holder_name="高原商贸国有资本投资有限公司",
        rows=(("统一社会信用代码", "91540100MA42793494"), ("备案事项", "国有资产移交")),
        valid_from=dt.date(2026, 11, 29), valid_to=dt.date(2029, 11, 28),
        seal_png=make_seal("西藏自治区人民政府国有资产监督管理委员会"), qr_url=url)
    (tmp_path / "f.pdf").write_bytes(render_face(view))
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(tmp_path / "f.pdf"),
                    str(tmp_path / "p")], check=True)
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO((tmp_path / "p.png").read_bytes())))
    assert [b.text for b in found] == [url]
    pos = found[0].position
    side_px = ((pos.top_right.x - pos.top_left.x) + (pos.bottom_right.y - pos.top_right.y)) / 2
    side_mm = side_px / 150 * 25.4
    info = qr.qr_info(url)
    expected = info.modules * info.module_mm(25.0)  # the symbol without its quiet zone
    assert abs(side_mm - expected) < 0.6, (side_mm, expected)
