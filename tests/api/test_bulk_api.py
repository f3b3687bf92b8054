"""Digitising through the API (resumable, idempotent), reconciliation and the archive."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile

import pytest

from audit_log import merkle
from audit_log.formats import unb64
from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


@pytest.fixture(scope="module")
def world(template, admin_token):  # type: ignore[no-untyped-def]
    return setup_training(template.client, admin_token)


def _csv(n: int, bad: int = 1) -> bytes:
    from producers import vocational_training as vt

    out = io.StringIO()
    events = vt.sample_events(n, seed=77)
    cols = ["source_key", "holder_name", "holder_code", "trade", "level", "training_body",
            "hours", "practical_hours", "completed_on", "assessment", "job_referral",
            "employer", "residence"]
    w = csv.DictWriter(out, fieldnames=cols)
    w.writeheader()
    for i, e in enumerate(events):
        w.writerow({"source_key": f"legacy-{i}", "holder_name": e.holder_name,
                    "holder_code": e.holder_code if i >= bad else "not-an-id", "trade": e.trade,
                    "level": e.level, "training_body": e.training_body, "hours": e.hours,
                    "practical_hours": e.practical_hours,
                    "completed_on": e.completed_on.isoformat(), "assessment": e.assessment,
                    "job_referral": e.job_referral, "employer": e.employer or "",
                    "residence": e.residence})
    return out.getvalue().encode()


def _wait(client, url, token):  # type: ignore[no-untyped-def]
    for _ in range(400):
        job = client.get(url, headers=auth(token)).json()
        if job["state"] == "done":
            return job
        time.sleep(0.05)
    raise AssertionError(f"import did not finish: {job}")


def test_import_is_idempotent_and_rejects_with_reason(client, world) -> None:  # type: ignore[no-untyped-def]
    body = _csv(30)
    h = {**auth(world["issuer"]), "content-type": "text/csv"}
    r = client.post("/api/v1/imports", params={"type": world["type"]}, content=body, headers=h)
    assert r.status_code == 202, r.text
    job = _wait(client, r.json()["status_url"], world["issuer"])
    assert (job["issued"], job["rejected"], job["rows_done"]) == (29, 1, 30)
    again = client.post("/api/v1/imports", params={"type": world["type"]}, content=body, headers=h)
    job2 = _wait(client, again.json()["status_url"], world["issuer"])
    assert job2["issued"] == 29  # the same job: nothing issued twice
    wrong = client.post("/api/v1/imports", params={"type": world["type"]}, content=body,
                        headers={**auth(world["issuer"]), "content-type": "application/pdf"})
    assert wrong.status_code == 415


def test_reconcile_reports_differences(client, world) -> None:  # type: ignore[no-untyped-def]
    a = client.post("/api/v1/certificates", json=training_request(501), headers=auth(world["issuer"])).json()
    b = client.post("/api/v1/certificates", json=training_request(502), headers=auth(world["issuer"])).json()
    c = client.post("/api/v1/certificates", json=training_request(504), headers=auth(world["issuer"])).json()
    items = [{"identifier": a["identifier"], "sha256": a["sha256"]},
             {"identifier": b["identifier"], "sha256": "0" * 64}]
    r = client.post("/api/v1/reconcile", json={"items": items}, headers=auth(world["issuer"]))
    assert r.status_code == 200, r.text
    rep = r.json()
    assert not rep["ok"]
    assert [d["identifier"] for d in rep["hash_differs"]] == [b["identifier"]]
    assert c["identifier"] in rep["missing_in_department"]  # not listed by the department


def test_archive_carries_verifiable_proofs(client, world) -> None:  # type: ignore[no-untyped-def]
    a = client.post("/api/v1/certificates", json=training_request(503), headers=auth(world["issuer"])).json()
    r = client.get("/api/v1/archive", params={"identifier": a["identifier"]},
                   headers=auth(world["issuer"]))
    assert r.status_code == 200, r.text
    z = zipfile.ZipFile(io.BytesIO(r.content))
    names = z.namelist()
    manifest = json.loads(z.read("manifest.json"))
    assert manifest["certificates"] and any(n.endswith(".jws") for n in names)
    sth = manifest["sth"]
    root = unb64(sth["sha256_root_hash"])
    proofs = [json.loads(line) for line in z.read(next(n for n in names if "entries" in n)).splitlines()
              if line.strip()]
    checked = 0
    for p in proofs:
        if p.get("proof") is None:
            continue
        merkle.verify_inclusion(p["proof"]["leaf_index"], sth["tree_size"],
                                merkle.leaf_hash(unb64(p["leaf_input"])),
                                [unb64(h) for h in p["proof"]["audit_path"]], root)
        checked += 1
    assert checked >= 1
    other = client.get("/api/v1/archive", params={"identifier": a["identifier"]},
                       headers=auth(world["other_issuer"]))
    assert other.status_code == 403, other.text
