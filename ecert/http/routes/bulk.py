"""Bulk work for issuing departments: digitising certificates in force, reconciliation, archive."""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
import threading
from pathlib import Path
from typing import cast

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from audit_log.actor import Actor
from ecert.http.auth import allow
from ecert.http.deps import PlatformDep
from ecert.http.problems import ProblemError
from ecert.http.schemas import ImportJobOut, ReconcileIn, ReconcileOut
from ecert.platform import Platform
from ecert.services import importing, issuing
from ecert.services.accesslog import require_may_import

router = APIRouter(prefix="/api/v1", tags=["issuing"])
ISSUER = Depends(allow("issuer"))
FORMATS = {"text/csv": ".csv", "application/x-ndjson": ".jsonl", "application/jsonl": ".jsonl",
           "application/json-seq": ".jsonl"}
_running: set[str] = set()
_lock = threading.Lock()


def _job_out(p: Platform, dept: str, type_code: str, sha: str) -> ImportJobOut:
    job = importing.import_job(p, dept, type_code, sha)
    url = f"/api/v1/imports/{type_code}/{sha}"
    if job is None:
        return ImportJobOut(source_sha256=sha, type_code=type_code, state="queued", rows_done=0,
                            issued=0, skipped=0, rejected=0, status_url=url)
    return ImportJobOut(source_sha256=sha, type_code=type_code, state=job.state,
                        rows_done=job.rows_done, issued=job.issued, skipped=job.skipped,
                        rejected=job.rejected, status_url=url)


@router.post("/imports", status_code=202, response_model=ImportJobOut,
             openapi_extra={"requestBody": {"required": True, "content": {
                 m: {"schema": {"type": "string", "format": "binary"}} for m in FORMATS}}})
async def start_import(request: Request, p: PlatformDep,
                       type_code: str = Query(alias="type", min_length=21, max_length=21,
                                              pattern=r"^[0-9A-Z]{21}$"),
                       actor: Actor = ISSUER) -> ImportJobOut:
    """Upload CSV (header row) or JSONL; the import runs in the background, resumable and
    idempotent: posting the same file again resumes or reports it. Poll `status_url`."""
    await run_in_threadpool(require_may_import, p, actor, type_code)  # 403 before the upload
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in FORMATS:
        raise ProblemError(415, "unsupported-media-type",
                           f"send text/csv or application/x-ndjson, not {ctype or 'nothing'}")
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=p.imports_dir, delete=False, suffix=FORMATS[ctype]) as tmp:
        try:
            async for chunk in request.stream():  # the edge cuts it off at the body limit
                digest.update(chunk)
                tmp.write(chunk)
        except BaseException:
            Path(tmp.name).unlink(missing_ok=True)
            raise
    sha = digest.hexdigest()
    dest = p.imports_dir / f"{sha}{FORMATS[ctype]}"
    Path(tmp.name).replace(dest)
    key = f"{actor.dept_code}:{type_code}:{sha}"
    with _lock:
        start = key not in _running
        if start:
            _running.add(key)
    if start:
        def work() -> None:
            try:
                importing.run_import(p, dest, type_code, actor)
            except Exception:  # recorded on the job row; the file stays for a resume
                import logging

                logging.getLogger("ecert.imports").exception("import %s failed", sha)
            finally:
                with _lock:
                    _running.discard(key)

        threading.Thread(target=work, name=f"import-{sha[:8]}", daemon=True).start()
    return _job_out(p, actor.dept_code or "", type_code, sha)


def _dept(actor: Actor) -> str:
    # Only credentials bound to a department pass allow("issuer"); no run-time check added.
    return cast(str, actor.dept_code)


@router.get("/imports/{type_code}/{sha}", response_model=ImportJobOut)
def import_status(type_code: str, sha: str, p: PlatformDep, actor: Actor = ISSUER) -> ImportJobOut:
    job = importing.import_job(p, _dept(actor), type_code, sha)
    if job is None and f"{actor.dept_code}:{type_code}:{sha}" not in _running:
        raise ProblemError(404, "not-found", "no such import")
    return _job_out(p, actor.dept_code or "", type_code, sha)


@router.post("/reconcile", response_model=ReconcileOut)
def reconcile(body: ReconcileIn, p: PlatformDep, actor: Actor = ISSUER) -> ReconcileOut:
    """Post the hashes of the records in your own system; get back what differs (Art. 10)."""
    report = issuing.reconcile(p, _dept(actor), [i.model_dump() for i in body.items], actor)
    return ReconcileOut(dept_code=report.dept_code, compared=report.compared,
                        matched=report.matched, ok=report.ok,
                        missing_in_store=list(report.missing_in_store),
                        missing_in_department=list(report.missing_in_department),
                        hash_differs=[dataclasses.asdict(h) for h in report.hash_differs])


@router.get("/archive", response_class=Response,
            responses={200: {"content": {"application/zip": {}}}})
async def archive(p: PlatformDep, identifier: str | None = Query(None, max_length=130),
                  actor: Actor = ISSUER) -> Response:
    """Everything about the department's certificates (or one), verifiable offline."""
    scope = identifier or _dept(actor)
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "archive.zip"
        await run_in_threadpool(issuing.archive, p, scope, out, actor)
        data = out.read_bytes()
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": 'attachment; filename="ecert-archive.zip"'})
