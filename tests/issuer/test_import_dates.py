"""Legacy import (Art. 9) keeps the original issue date from the source row and records the
digitising date apart (the record's signed_at, and a line on the face)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from issuer_helpers import NOW, TYPE_A, World, issuer_actor, make_world, person, run_import, sqlite_store

from issuer.catalog import CertificateType
from issuer.face import render_face
from issuer.faceview import face_input_from_record
from issuer.seal import make_seal

A = issuer_actor()


def _import(tmp_path: Path, issue_dates: list[str]) -> tuple[World, list[dict[str, object]]]:
    world: World = make_world(sqlite_store(tmp_path / "db.sqlite"))
    src = tmp_path / "legacy.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["source_key", "holder_name", "holder_code", "area", "level", "issue_date"])
        for i, d in enumerate(issue_dates, 1):
            p = person(i)
            w.writerow([f"paper-{i}", p["name"], p["code"], "餐饮服务", "2", d])
    run_import(world, src, TYPE_A, A, lambda: NOW, rejects_path=tmp_path / "rej.csv")
    records = []
    with world.store.transaction() as uow:
        for i in range(1, len(issue_dates) + 1):
            cert = uow.certificates.by_source(A.dept_code, f"paper-{i}")
            if cert is not None:
                ver = uow.certificates.version(cert.id, 1)
                records.append(json.loads(ver.canonical))
    return world, records


def test_original_issue_date_is_kept_and_the_digitising_date_is_separate(tmp_path: Path) -> None:
    _world, records = _import(tmp_path, ["2019-06-18", "2024-01-02"])
    assert [r["issue_date"] for r in records] == ["2019-06-18", "2024-01-02"]
    assert all(r["signed_at"].startswith(NOW.strftime("%Y-%m-%d")) for r in records)
    # validity runs from the original date (the type's rule: 3 years)
    assert records[0]["validity"] == {"from": "2019-06-18", "to": "2022-06-17"}


def test_an_issue_date_in_the_future_is_rejected_per_field(tmp_path: Path) -> None:
    tomorrow = (NOW + dt.timedelta(days=2)).date().isoformat()
    _world, records = _import(tmp_path, [tomorrow, "2020-05-05"])
    assert [r["issue_date"] for r in records] == ["2020-05-05"]
    with (tmp_path / "rej.csv").open(encoding="utf-8") as f:
        rej = list(csv.DictReader(f))
    assert len(rej) == 1 and "issue_date" in rej[0]["reason"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_face_prints_the_original_date_and_the_digitising_date(tmp_path: Path) -> None:
    world, records = _import(tmp_path, ["2019-06-18"])
    with world.store.transaction() as uow:
        ctype = CertificateType.from_record(uow.catalog.get(TYPE_A, 1))
    pdf = render_face(face_input_from_record(records[0], ctype, make_seal("测试厅"),
                                             "https://e.test/v/x#a.b.c"))
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode().replace(" ", "")
    assert "发证日期：2019年6月18日" in text
    assert f"数字化日期：{NOW.year}年{NOW.month}月{NOW.day}日" in text
