"""The audit log over HTTP: RFC 6962 §4 shapes under /api/v1/audit/, listings, statistics."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, Response

from audit_log import formats
from audit_log.actor import Actor
from ecert.http.auth import allow
from ecert.http.deps import PlatformDep
from ecert.http.problems import ProblemError
from ecert.http.schemas import (
    AssessmentRowOut,
    AuditEntryOut,
    AuditPageOut,
    ConsistencyOut,
    CosignatureIn,
    EntriesOut,
    ProofOut,
    StatsRow,
    SthOut,
)
from ecert.services import assessment as assessment_service
from ecert.services import audit as audit_service

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
AUDITOR = Depends(allow("auditor", "admin"))
READERS = Depends(allow("auditor", "admin", "issuer", "user"))


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ProblemError(400, "bad-request", f"{what} is not base64") from exc


@router.get("/get-sth", response_model=SthOut)
def get_sth(platform: PlatformDep, actor: Actor = AUDITOR) -> dict[str, object]:
    return audit_service.sth(platform)


@router.get("/get-sth-consistency", response_model=ConsistencyOut)
def get_sth_consistency(platform: PlatformDep, first: int = Query(ge=0, le=2**62),
                        second: int = Query(ge=0, le=2**62),
                        actor: Actor = AUDITOR) -> dict[str, object]:
    return audit_service.consistency(platform, first, second)


@router.get("/get-proof-by-hash", response_model=ProofOut)
def get_proof_by_hash(platform: PlatformDep,
                      hash: str = Query(max_length=100),  # noqa: A002
                      tree_size: int = Query(ge=1, le=2**62),
                      actor: Actor = AUDITOR) -> dict[str, object]:
    leaf = _b64(hash, "hash")
    if len(leaf) != 32:
        raise ProblemError(400, "bad-request", "hash must be a base64 SHA-256 leaf hash")
    return audit_service.proof_by_hash(platform, leaf, tree_size)


@router.get("/get-entries", response_model=EntriesOut)
def get_entries(platform: PlatformDep, start: int = Query(ge=0, le=2**62),
                end: int = Query(ge=0, le=2**62), actor: Actor = AUDITOR) -> dict[str, object]:
    if end < start:
        raise ProblemError(400, "bad-request", "end must not be before start")
    return audit_service.entries(platform, start, end)


@router.get("/checkpoint", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {}}}})
def checkpoint(platform: PlatformDep, actor: Actor = AUDITOR) -> PlainTextResponse:
    """The newest signed head as a C2SP signed-note checkpoint, with witness cosignatures."""
    return PlainTextResponse(audit_service.checkpoint(platform))


@router.post("/cosignatures", status_code=201, response_model=dict[str, int])
def add_cosignature(body: CosignatureIn, platform: PlatformDep,
                    actor: Actor = Depends(allow("auditor"))) -> dict[str, int]:
    cosig = formats.Cosignature(body.tree_size, _b64(body.sha256_root_hash, "sha256_root_hash"),
                                body.witness_name, body.witness_key_id, body.timestamp,
                                _b64(body.signature, "signature"))
    audit_service.store_cosignature(platform, cosig,
                                    _b64(body.public_key, "public_key"), actor)
    return {"tree_size": body.tree_size}


def _entry_out(r: object) -> AuditEntryOut:
    return AuditEntryOut(
        index=r.idx, created_at=r.created_at, actor=r.actor, actor_dept=r.actor_dept,  # type: ignore[attr-defined]
        role=r.role, action=r.action, cert_identifier=r.cert_identifier,  # type: ignore[attr-defined]
        purpose=r.purpose, request_id=r.request_id, details_sha256=r.details_hash,  # type: ignore[attr-defined]
        details=json.loads(r.details), leaf_hash=base64.b64encode(r.leaf_hash).decode())  # type: ignore[attr-defined]


@router.get("/entries", response_model=AuditPageOut)
def list_entries(platform: PlatformDep, dept: str | None = Query(None, max_length=18),
                 actor_name: str | None = Query(None, alias="actor", max_length=120),
                 action: str | None = Query(None, max_length=80),
                 certificate: str | None = Query(None, max_length=130),
                 since: dt.datetime | None = None, until: dt.datetime | None = None,
                 before: int | None = Query(None, ge=0, le=2**62),
                 limit: int = Query(50, ge=1, le=500), actor: Actor = READERS) -> AuditPageOut:
    """Auditors see everything; a department sees the entries its own staff made."""
    if actor.role in ("issuer", "user"):
        dept = actor.dept_code
    page = audit_service.list_entries(platform, actor_dept=dept,
                                      actor=actor_name, action=action,
                                      cert_identifier=certificate, since=_aware(since),
                                      until=_aware(until), before=before, limit=limit)
    return AuditPageOut(entries=[_entry_out(r) for r in page.entries],
                        next_before=page.next_before)


def _aware(t: dt.datetime | None) -> dt.datetime | None:
    if t is not None and t.tzinfo is None:
        return t.replace(tzinfo=dt.UTC)
    return t


@router.get("/stats", response_model=list[StatsRow])
def stats(platform: PlatformDep, since: dt.datetime, until: dt.datetime,
          period: str = Query("all", pattern="^(all|month|day)$"),
          dept: str | None = Query(None, max_length=18), actor: Actor = READERS) -> list[StatsRow]:
    """Art. 23: certificates issued, changed, revoked and used, per department and period."""
    if actor.role in ("issuer", "user"):
        dept = actor.dept_code
    s, u = _aware(since), _aware(until)
    assert s is not None and u is not None
    if u <= s or (u - s).days > 3660:
        raise ProblemError(422, "invalid-request", "until must follow since, within ten years")
    rows = audit_service.statistics(platform,
                                    audit_service.periods(s, u, period), dept)
    return [StatsRow(dept=r.actor_dept, dept_name=name, since=r.since, until=r.until,
                     counts=dict(r.counts)) for r, name in rows]


def _assessment(platform: PlatformDep, actor: Actor, since: str, until: str, dept: str | None
                ) -> list[assessment_service.NamedRow]:
    if actor.role in ("issuer", "user"):
        dept = actor.dept_code  # a department sees its own figures only
    return assessment_service.assessment(platform, since, until, dept)


@router.get("/assessment", response_model=list[AssessmentRowOut])
def assessment(platform: PlatformDep, since: str = Query(..., max_length=7, examples=["2026-01"]),
               until: str = Query(..., max_length=7, examples=["2026-12"]),
               dept: str | None = Query(None, max_length=18),
               actor: Actor = READERS) -> list[AssessmentRowOut]:
    """Art. 23: per department × certificate type × month (China time, YYYY-MM, inclusive):
    issued, digitised, changed, suspended, revoked, cancelled, lookups, presentations,
    objections and how many were answered within the 5 working days; names, not codes."""
    return [AssessmentRowOut(dept_code=r.dept_code, dept_name=r.dept_name, type_code=r.type_code,
                             type_name=r.type_name, month=r.month, counts=dict(r.counts),
                             mean_answer_workdays=r.mean_answer_workdays)
            for r in _assessment(platform, actor, since, until, dept)]


@router.get("/assessment.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def assessment_csv(platform: PlatformDep, since: str = Query(..., max_length=7),
                   until: str = Query(..., max_length=7),
                   dept: str | None = Query(None, max_length=18),
                   actor: Actor = READERS) -> Response:
    """The same figures as CSV (UTF-8 with BOM)."""
    rows = _assessment(platform, actor, since, until, dept)
    return Response(assessment_service.assessment_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="assessment.csv"'})
