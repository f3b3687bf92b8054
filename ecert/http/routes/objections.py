"""Objections (Art. 17): evidence attachments and the supervising authority's escalation queue.

Attachments are uploaded one file per request (multipart field ``file``) by whoever filed the
objection, checked by content (verifier/attachments.py) and served only to the filer, the
issuing department and the authority — as an attachment, with the verified type, nosniff and a
sandboxing CSP. Included by routes/holder.py (prefix /api/v1).
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile

from audit_log.actor import Actor
from ecert.http.auth import allow
from ecert.http.deps import PlatformDep
from ecert.http.schemas_verify import CoordinateIn, EvidenceOut, ObjectionOut
from ecert.services import objections as services

router = APIRouter(tags=["objections"])
FILER = Depends(allow("holder", "user"))
READERS = Depends(allow("holder", "user", "issuer", "authority"))
AUTHORITY = Depends(allow("authority"))
FILES: dict[int | str, dict[str, Any]] = {200: {"content": {
    "application/pdf": {}, "image/jpeg": {}, "image/png": {}}}}


@router.post("/objections/{objection_id}/evidence", status_code=201, response_model=EvidenceOut)
def upload_evidence(objection_id: int, p: PlatformDep, file: UploadFile = File(...),
                    actor: Actor = FILER) -> EvidenceOut:
    """Attach a PDF, JPEG or PNG to one's own open objection (multipart field ``file``).
    The type is judged by content: problems ``evidence-too-large`` (over
    ECERT_EVIDENCE_MAX_BYTES, 5 MB by default), ``evidence-type-not-allowed``,
    ``evidence-does-not-parse``, ``evidence-limit-reached`` (ECERT_EVIDENCE_MAX_FILES, 3)."""
    data = file.file.read(p.settings.evidence_max_bytes + 1)
    v = services.attach_evidence(p, actor, objection_id, data, file.filename or "")
    return EvidenceOut(**dataclasses.asdict(v))


@router.get("/objections/{objection_id}/evidence", response_model=list[EvidenceOut])
def list_evidence(objection_id: int, p: PlatformDep, actor: Actor = READERS
                  ) -> list[EvidenceOut]:
    """The objection's attachments (the filer, the issuing department, the authority)."""
    return [EvidenceOut(**dataclasses.asdict(v))
            for v in services.list_evidence(p, actor, objection_id)]


@router.get("/objections/{objection_id}/evidence/{evidence_id}", response_class=Response,
            responses=FILES)
def download_evidence(objection_id: int, evidence_id: int, p: PlatformDep,
                      actor: Actor = READERS) -> Response:
    """One attachment, as a download (never rendered in a page); the read is audited."""
    v, data = services.evidence_file(p, actor, objection_id, evidence_id)
    ascii_name = f"evidence-{v.id}{v.filename[v.filename.rfind('.'):]}"
    return Response(data, media_type=v.content_type, headers={
        "Content-Disposition": (f'attachment; filename="{ascii_name}"; '
                                f"filename*=UTF-8''{quote(v.filename)}"),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
        "Content-Security-Policy": "default-src 'none'; sandbox", "ETag": f'"{v.sha256}"'})


@router.get("/objections/escalated", response_model=list[ObjectionOut])
def escalated(p: PlatformDep, all_: bool = Query(False, alias="all"),
              actor: Actor = AUTHORITY) -> list[ObjectionOut]:
    """The supervising authority's queue: objections the issuing department did not answer
    within 5 working days, oldest deadline first (``all=true``: also those coordinated)."""
    return [ObjectionOut(**dataclasses.asdict(v))
            for v in services.escalated(p, actor, pending_only=not all_)]


@router.post("/objections/{objection_id}/coordinate", response_model=ObjectionOut)
def coordinate(objection_id: int, body: CoordinateIn, p: PlatformDep,
               actor: Actor = AUTHORITY) -> ObjectionOut:
    """The authority's coordinated answer to an escalated objection (once); the holder sees
    it and is notified (``objection.coordinated``)."""
    v = services.coordinate(p, actor, objection_id, body.answer, body.upheld)
    return ObjectionOut(**dataclasses.asdict(v))
