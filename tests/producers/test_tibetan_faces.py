"""Every producer's face carries its Tibetan title and labels (drafts, producers/tibetan.py),
shaped and embedded as text: poppler's pdftotext recovers each one from the type's specimen."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest

from producers import ALL
from producers.tibetan import LABELS, TITLES
from tests.conftest import auth
from tests.producers.helpers import issue

poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")


def test_every_label_and_title_of_every_producer_has_a_tibetan_draft() -> None:
    used = {row["label"] for m in ALL for row in m.DEFINITION["face"]["rows"]}
    titles = {m.DEFINITION["face"]["title"] for m in ALL}
    assert used <= set(LABELS) and titles <= set(TITLES)
    assert not (set(LABELS) - used) and not (set(TITLES) - titles)  # no stale entries
    for m in ALL:
        face = m.DEFINITION["face"]
        assert face["title_bo"] == TITLES[face["title"]][0]
        assert all(r["label_bo"] == LABELS[r["label"]][0] for r in face["rows"])
    assert {c for _, c in (*LABELS.values(), *TITLES.values())} <= {"H", "M", "L"}


@poppler
def test_specimens_print_tibetan_as_searchable_text(client: Any, clients: dict[str, Any],
                                                    tmp_path: Any) -> None:
    for m in ALL:
        r = client.get(f"/api/v1/catalog/types/{m.TYPE_CODE}/specimen.pdf")
        assert r.status_code == 200, r.text
        (tmp_path / f"{m.TYPE_CODE}.pdf").write_bytes(r.content)  # artefact for a human look
        text = subprocess.run(["pdftotext", "-", "-"], input=r.content, capture_output=True,
                              check=True).stdout.decode()
        flat = "".join(text.split())
        face = m.DEFINITION["face"]
        assert "".join(face["title_bo"].split()) in flat, m.__name__
        for row in face["rows"]:
            if row["field"] in ("valid_from", "valid_to"):
                continue
            assert "".join(row["label_bo"].split()) in flat, (m.__name__, row["label"])


@poppler
def test_issued_faces_of_every_producer_fit_and_carry_tibetan(client: Any,
                                                               clients: dict[str, Any]) -> None:
    for m in ALL:
        r = issue(clients, m, 0)
        pdf = client.get(f"/api/v1/certificates/{r.identifier}/pdf",
                         headers=auth(clients[m.DEPT].token))
        assert pdf.status_code == 200, (m.__name__, pdf.text)
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True,
                              check=True).stdout.decode()
        assert "".join(m.DEFINITION["face"]["title_bo"].split()) in "".join(text.split())


def test_a_face_that_cannot_fit_one_page_is_refused_when_the_type_is_defined(
        client: Any, clients: dict[str, Any], admin_token: str) -> None:
    m = ALL[0]
    d = dict(m.DEFINITION, type_code=m.TYPE_CODE[:-3] + "999")
    long_bo = "ངོས་འཛིན་ལས་རིམ་མཇུག་སྒྲིལ་ཚེས་གྲངས། ངོས་འཛིན།"  # ≤ 60: each row is valid
    d["face"] = dict(d["face"], rows=[dict(r, label_bo=long_bo) for r in d["face"]["rows"]] * 2)
    r = client.post("/api/v1/catalog/types", json=d, headers=auth(admin_token))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert any(e["field"] == "definition.face" for e in r.json()["errors"]), r.text
