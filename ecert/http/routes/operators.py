"""Named operators over HTTP (Art. 21, 22): who they are and what their credentials did.

A department sees its own operators and their actions; the platform's admins and auditors see
every department's. Registering and disabling is for admins (also `ecert operator …`)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from audit_log.actor import Actor
from certificate_store.records import OperatorRecord
from ecert.http.auth import allow
from ecert.http.deps import PlatformDep
from ecert.http.routes.audit import _entry_out
from ecert.http.schemas import AuditPageOut
from ecert.services import operators

router = APIRouter(prefix="/api/v1/operators", tags=["operators"])
READERS = Depends(allow("admin", "auditor", "issuer", "user"))
ADMIN = Depends(allow("admin"))


class OperatorIn(BaseModel):
    dept: str | None = Field(None, max_length=18, description="department USCC; null: platform")
    name: str = Field(max_length=60)
    post: str = Field(max_length=60, description="post (岗位)")
    subject: str | None = Field(None, max_length=200, description="identity-provider subject")
    role: str | None = Field(None, pattern="^(issuer|user|auditor|admin|authority)$",
                             description="what a sign-in through the identity provider gives")


class OperatorOut(BaseModel):
    id: int
    dept: str | None
    name: str
    post: str
    role: str | None
    display: str = Field(description="how the audit log names this operator")
    placeholder: bool
    active: bool
    created_at: dt.datetime
    disabled_at: dt.datetime | None


def _out(r: OperatorRecord) -> OperatorOut:
    return OperatorOut(id=r.id, dept=r.dept_code, name=r.name, post=r.post, role=r.role,
                       display=r.display,
                       placeholder=r.placeholder, active=r.active, created_at=r.created_at,
                       disabled_at=r.disabled_at)


@router.get("", response_model=list[OperatorOut])
def list_operators(platform: PlatformDep, dept: str | None = Query(None, max_length=18),
                   actor: Actor = READERS) -> list[OperatorOut]:
    """A department's operators (a department sees only its own)."""
    if actor.role in ("issuer", "user"):
        dept = actor.dept_code
    return [_out(r) for r in operators.list_operators(platform, dept)]


@router.post("", response_model=OperatorOut, status_code=201)
def add_operator(body: OperatorIn, platform: PlatformDep, actor: Actor = ADMIN) -> OperatorOut:
    return _out(operators.add_operator(platform, dept_code=body.dept, name=body.name,
                                       post=body.post, subject=body.subject, actor=actor,
                                       role=body.role))


@router.post("/{operator_id}/disable", response_model=OperatorOut)
def disable_operator(operator_id: int, platform: PlatformDep,
                     actor: Actor = ADMIN) -> OperatorOut:
    """Every credential of the operator stops at its next request."""
    return _out(operators.disable_operator(platform, operator_id, actor))


@router.get("/{operator_id}/actions", response_model=AuditPageOut)
def operator_actions(operator_id: int, platform: PlatformDep,
                     before: int | None = Query(None, ge=0, le=2**62),
                     limit: int = Query(50, ge=1, le=500),
                     actor: Actor = READERS) -> AuditPageOut:
    """What the operator's credentials did (audit entries, newest first)."""
    op = operators.visible_operator(platform, operator_id, actor)
    rows = operators.operator_actions(platform, op, before=before, limit=limit)
    return AuditPageOut(entries=[_entry_out(r) for r in rows],
                        next_before=rows[-1].idx if len(rows) == limit else None)
