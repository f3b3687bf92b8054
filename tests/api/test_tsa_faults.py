"""Issue 12: the time-stamping service (ECERT_TSA_URL, RFC 3161 over HTTP) unreachable.

The TSA here is REAL and separate from the API under test: the platform's own TSA served by
uvicorn on a loopback port of this helper's range (18600-18699), stopped and started by the
test. While it is down a certificate is still issued and its signed record verifies; its PDF
is withheld (503 `pdf-pending` with Retry-After; no PDF without its time stamp is ever served)
and the issuer sees the job (attempts, last error, next attempt) on the certificate. The
housekeeping step retries with backoff; once the TSA is back the PDF is signed, the job
closed and audited, and the final PDF passes `openssl ts -verify` (its signature time stamp),
poppler's pdfsig and pyHanko's offline validation."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from tests.api.helpers import setup_training, training_request
from tests.conftest import auth

TSA_PORT = 18631


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    return {"ECERT_TSA_URL": f"http://127.0.0.1:{TSA_PORT}/pki/tsa",
            "ECERT_HOUSEKEEPING": "off"}  # the test runs the retry step itself


@contextlib.contextmanager
def tsa_server(platform: Any) -> Iterator[str]:
    """The platform's TSA over HTTP on TSA_PORT (the same keys, another server)."""
    from ecert.http.app import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(platform.settings, platform),
                                           host="127.0.0.1", port=TSA_PORT,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{TSA_PORT}"
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "TSA server did not start"
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _problem(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert int(r.headers["retry-after"]) > 0
    body: dict[str, Any] = r.json()
    assert body["type"].endswith("/pdf-pending"), body
    return body


def _signature_parts(pdf: bytes) -> tuple[bytes, bytes]:
    """(the signature's RFC 3161 token DER, the signature value it stamps)."""
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    tokens = [a["values"][0] for a in sig.signer_info["unsigned_attrs"]
              if a["type"].native == "signature_time_stamp_token"]
    assert len(tokens) == 1
    return tokens[0].dump(), sig.signer_info["signature"].native


def _pem(client: Any, path: str, out: Path) -> Path:
    der = out.with_suffix(".der")
    der.write_bytes(client.get(path).content)
    subprocess.run(["openssl", "x509", "-inform", "DER", "-in", str(der), "-out", str(out)],
                   check=True, capture_output=True)
    return out


def test_tsa_down_withholds_the_pdf_and_the_job_signs_it_when_back(  # type: ignore[no-untyped-def]
        client, admin_token, platform, clock, tmp_path, monkeypatch) -> None:
    from ca.pdf_validate import validate_pdf
    from ecert.services import pdfjobs, pdfretry

    # Backoff in seconds, so that the test clock runs at most a few seconds ahead of the wall
    # clock: pyHanko's validation takes the wall clock as the proof of existence of the PDF,
    # and a time stamp from its future has none (the test waits for the wall clock below).
    monkeypatch.setattr(pdfjobs, "BACKOFF_BASE", dt.timedelta(seconds=1))

    w = setup_training(client, admin_token)
    issued = client.post("/api/v1/certificates", json=training_request(3),
                         headers=auth(w["issuer"]))
    assert issued.status_code == 201, issued.text  # issued while the TSA is down
    ident = issued.json()["identifier"]
    pdf_url = f"/api/v1/certificates/{ident}/pdf"

    # the PDF is withheld; the record verifies meanwhile
    _problem(client.get(pdf_url, headers=auth(w["issuer"])))
    verified = client.get(f"/api/v1/verify/{ident}", headers=auth(w["user"]),
                          params={"purpose": "核验"}).json()
    assert verified["verdict"] == "valid", verified
    view = client.get(f"/api/v1/certificates/{ident}", headers=auth(w["issuer"])).json()
    (job,) = view["pdf"]
    assert job["state"] == "pending" and job["attempts"] == 1 and job["last_error"]
    assert job["what"] == "pdf" and job["next_attempt_at"] is not None
    with platform.store.transaction() as uow:
        assert uow.pdf_jobs.pending_count() == 1  # the ecert_pdfs_withheld gauge

    # before the next attempt is due, a request does not ask the TSA again
    _problem(client.get(pdf_url, headers=auth(w["issuer"])))
    # the job retries when due; the TSA is still down: attempts grow, backoff doubles
    clock.advance(seconds=1.5)
    assert pdfretry.run(platform) == (0, 1)
    (job2,) = client.get(f"/api/v1/certificates/{ident}", headers=auth(w["issuer"])).json()["pdf"]
    assert job2["attempts"] == 2 and job2["next_attempt_at"] > job["next_attempt_at"]
    assert pdfretry.run(platform) == (0, 0)  # not due yet

    with tsa_server(platform):
        clock.advance(seconds=2.5)
        assert pdfretry.run(platform) == (1, 0)
    (done,) = client.get(f"/api/v1/certificates/{ident}", headers=auth(w["issuer"])).json()["pdf"]
    assert done["state"] == "signed" and done["attempts"] == 3 and done["completed_at"]
    with platform.store.transaction() as uow:
        assert uow.pdf_jobs.pending_count() == 0
    with platform.store.transaction() as uow:
        entries = uow.audit.entries(0, uow.audit.size())
    actions = [e.action for e in entries if e.cert_identifier == ident]
    assert actions.count("certificate.pdf-pending") == 1, actions
    assert actions.count("certificate.pdf-signed") == 1, actions

    # the TSA is down again: the kept PDF is served (made once, byte-identical)
    r = client.get(pdf_url, headers=auth(w["issuer"]))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = r.content
    assert client.get(pdf_url, headers=auth(w["issuer"])).content == pdf

    root_der = client.get("/pki/ca.crt").content
    while dt.datetime.now(dt.UTC) <= platform.now():  # see BACKOFF_BASE above (≤ 4 s)
        time.sleep(0.1)
    report = validate_pdf(pdf, root_der, platform.now())
    assert report.valid is True and report.signatures[-1].timestamped, report

    token, value = _signature_parts(pdf)
    (tmp_path / "tok.der").write_bytes(token)
    (tmp_path / "sig.bin").write_bytes(value)
    root = _pem(client, "/pki/ca.crt", tmp_path / "root.pem")
    issuing = _pem(client, "/pki/issuing-ca.crt", tmp_path / "issuing.pem")
    out = subprocess.run(["openssl", "ts", "-verify", "-token_in", "-in", str(tmp_path / "tok.der"),
                          "-data", str(tmp_path / "sig.bin"), "-CAfile", str(root),
                          "-untrusted", str(issuing)], capture_output=True, text=True)
    assert "Verification: OK" in out.stdout, out.stdout + out.stderr

    if shutil.which("pdfsig") and shutil.which("certutil"):
        nss = tmp_path / "nss"
        nss.mkdir()
        (tmp_path / "final.pdf").write_bytes(pdf)
        subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True,
                       capture_output=True)
        subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "Root", "-t", "CT,C,C",
                        "-i", str(root)], check=True, capture_output=True)
        sig = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(tmp_path / "final.pdf")],
                             capture_output=True, text=True).stdout
        assert "Signature is Valid." in sig, sig
