"""Issue 11: archive time stamps (PAdES B-LTA) are added by a batch job, not on the request
path. The job archives the kept PDFs (and only those), audits each copy, is idempotent,
stamps copies again when their last stamp is old or its TSA certificate nears expiry; a
request for an archived copy gets the job's copy, byte for byte. With the platform's real
in-process TSA; the copies pass pyHanko's LTA validation and pdfsig."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    return {"ECERT_HOUSEKEEPING": "off"}  # the test runs the batch itself


def _validated(platform: Any, client: Any, pdf: bytes) -> Any:
    from ca.pdf_validate import validate_pdf

    # pyHanko takes the wall clock as the proof of existence: wait for it to pass the
    # platform's clock, which the test moved on
    while dt.datetime.now(dt.UTC) <= platform.now():
        time.sleep(0.1)
    return validate_pdf(pdf, client.get("/pki/ca.crt").content, platform.now())


def _archived_actions(platform: Any) -> list[str | None]:
    with platform.store.transaction() as uow:
        entries = uow.audit.entries(0, uow.audit.size())
    return [e.cert_identifier for e in entries if e.action == "certificate.pdf-archived"]


def test_batch_job_archives_kept_pdfs_and_requests_get_its_copies(  # type: ignore[no-untyped-def]
        client, admin_token, platform, clock, tmp_path: Path) -> None:
    from ecert.services import pdfarchive
    from issuer.pdfarchive import ArchivePolicy, ArchiveTask

    w = setup_training(client, admin_token)
    idents = [client.post("/api/v1/certificates", json=training_request(40 + i),
                          headers=auth(w["issuer"])).json()["identifier"] for i in range(3)]
    url = "/api/v1/certificates/{}/pdf"
    kept = {i: client.get(url.format(i), headers=auth(w["issuer"])).content for i in idents[:2]}

    clock.advance(seconds=1)
    first = pdfarchive.run(platform)
    assert (first.archived, first.restamped, first.failed) == (2, 0, 0)  # only kept PDFs
    assert pdfarchive.run(platform) == pdfarchive.ArchiveRun()  # nothing left: idempotent
    assert sorted(_archived_actions(platform)) == sorted(idents[:2])
    # a worker that took the same task before another stored it: left alone, not audited
    with platform.store.transaction() as uow:
        done = uow.pdf_archives.due(platform.now() + dt.timedelta(days=1), platform.now(), 1)[0]
    stale = ArchiveTask(done.key, done.source_key, done.identifier, 0)
    assert pdfarchive._one(platform, stale) == pdfarchive.ArchiveRun(skipped=1)
    assert len(_archived_actions(platform)) == 2

    copies = {}
    for i in idents[:2]:
        r = client.get(url.format(i), params={"archived": "true"}, headers=auth(w["issuer"]))
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        assert r.content.startswith(kept[i]) and r.content != kept[i]
        copies[i] = r.content
    with platform.store.transaction() as uow:
        assert uow.pdf_archives.count() == 2  # served, not made again
    report = _validated(platform, client, copies[idents[0]])
    assert report.valid is True and report.document_timestamps == 1, report
    if shutil.which("pdfsig"):
        (tmp_path / "lta.pdf").write_bytes(copies[idents[0]])
        out = subprocess.run(["pdfsig", str(tmp_path / "lta.pdf")], capture_output=True,
                             text=True).stdout
        assert "Signature is Valid." in out and "Signature Field Name: Timestamp-" in out

    # the last stamp is older than the policy allows: stamped again, audited again
    clock.advance(seconds=2)
    again = pdfarchive.run(platform, policy=ArchivePolicy(restamp_after=dt.timedelta(seconds=1)))
    assert (again.archived, again.restamped) == (0, 2)
    # the TSA certificate expires within the margin: stamped again
    margin = ArchivePolicy(tsa_margin=dt.timedelta(days=365 * 100))
    assert pdfarchive.run(platform, policy=margin).restamped == 2
    assert len(_archived_actions(platform)) == 6
    third = client.get(url.format(idents[0]), params={"archived": "true"},
                       headers=auth(w["issuer"])).content
    assert third.startswith(copies[idents[0]])
    report = _validated(platform, client, third)
    assert report.valid is True and report.document_timestamps == 3, report

    # a copy the job has not made yet is made on request (the B-LT kept with it), and the
    # job then has nothing new to do
    r = client.get(url.format(idents[2]), params={"archived": "true"}, headers=auth(w["issuer"]))
    assert r.status_code == 200
    blt = client.get(url.format(idents[2]), headers=auth(w["issuer"])).content
    assert r.content.startswith(blt) and r.content != blt
    assert pdfarchive.run(platform).done == 0
    with platform.store.transaction() as uow:
        assert uow.pdf_archives.count() == 3


def test_a_failing_document_gets_a_retry_job_and_does_not_hold_up_the_batch(  # type: ignore[no-untyped-def]
        client, admin_token, platform, clock) -> None:
    from ecert.services import pdfarchive, pdfretry

    w = setup_training(client, admin_token)
    ident = client.post("/api/v1/certificates", json=training_request(50),
                        headers=auth(w["issuer"])).json()["identifier"]
    assert client.get(f"/api/v1/certificates/{ident}/pdf",
                      headers=auth(w["issuer"])).status_code == 200
    with platform.writing() as uow:  # a kept PDF that cannot be stamped (a broken file)
        [(key, _ct)] = uow.pdf_archives.unarchived("doc/", "/pdf-B-LT-", "/pdf-B-LTA-", 10)
        broken = key.replace(".pdf", "-broken.pdf")
        uow.certificates.put_blob(broken, "application/pdf", b"%PDF-1.7 broken", platform.now())
    run = pdfarchive.run(platform)
    assert (run.archived, run.failed) == (1, 1)
    job_key = broken.replace("/pdf-B-LT-", "/pdf-B-LTA-")
    with platform.store.transaction() as uow:
        job = uow.pdf_jobs.get(job_key)
    assert job is not None and job.state == "pending" and job.what == "pdf-archived"
    assert job.attempts == 1 and job.last_error
    assert pdfarchive.run(platform) == pdfarchive.ArchiveRun()  # passed by while it waits
    clock.advance(seconds=31)  # the job is due: pdfretry asks for the version's archived copy
    assert pdfretry.run(platform) == (1, 0)
    with platform.store.transaction() as uow:
        assert uow.pdf_jobs.get(job_key).state != "pending"  # type: ignore[union-attr]
