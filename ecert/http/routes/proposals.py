"""Proposals to the supervising authority over HTTP (issue 13, Art. 4, 12, 15).

Departments propose catalog entries, grants and presentation scenarios and may withdraw them;
the `authority` role approves (applied at once, as a new catalog version) or refuses with a
reason. A department sees its own proposals; the authority, admins and auditors see all."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from audit_log.actor import Actor
from ecert.http.auth import allow
from ecert.http.deps import PlatformDep
from ecert.services import proposals

router = APIRouter(prefix="/api/v1/proposals", tags=["proposals"])
READERS = Depends(allow("authority", "issuer", "user", "admin", "auditor"))
DEPARTMENTS = Depends(allow("issuer", "user"))
AUTHORITY = Depends(allow("authority"))
State = Literal["pending", "approved", "refused", "withdrawn"]


class ProposalIn(BaseModel):
    kind: Literal["catalog", "grant", "scenario"]
    payload: dict[str, Any] = Field(description="catalog: the definition; grant: {type_code, "
                                    "grant: {dept, purposes, personal}}; scenario: {type_code, "
                                    "scenario}")


class RefusalIn(BaseModel):
    reason: str = Field(max_length=500, description="why not (required, shown to the department)")


class ProposalOut(BaseModel):
    id: int
    kind: str
    type_code: str
    dept_code: str
    summary: str
    payload: dict[str, Any]
    state: str
    proposed_by: str
    proposed_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    reason: str | None
    applied_version: int | None
    may_decide: bool = Field(False, description="the caller may approve or refuse it now")
    may_withdraw: bool = Field(False, description="the caller may withdraw it now")


def _out(v: proposals.ProposalView, actor: Actor) -> ProposalOut:
    pending = v.state == "pending"
    decide = pending and actor.role == "authority" and actor.dept_code != v.dept_code \
        and actor.name != v.proposed_by
    withdraw = pending and actor.role in ("issuer", "user") and actor.dept_code == v.dept_code
    return ProposalOut.model_validate({**dataclasses.asdict(v), "payload": dict(v.payload),
                                       "may_decide": decide, "may_withdraw": withdraw})


@router.get("", response_model=list[ProposalOut])
def list_proposals(platform: PlatformDep, state: State | None = Query(None),
                   limit: int = Query(200, ge=1, le=500),
                   actor: Actor = READERS) -> list[ProposalOut]:
    """Newest first: every proposal for the authority, a department's own for a department."""
    return [_out(v, actor) for v in proposals.list_proposals(platform, actor, state, limit)]


@router.post("", status_code=201, response_model=ProposalOut)
def propose(body: ProposalIn, platform: PlatformDep, actor: Actor = DEPARTMENTS) -> ProposalOut:
    """Propose; nothing takes effect until the authority approves. Audited `proposal.submit`."""
    return _out(proposals.propose(platform, actor, body.kind, body.payload), actor)


@router.get("/{proposal_id}", response_model=ProposalOut)
def get_proposal(proposal_id: int, platform: PlatformDep, actor: Actor = READERS) -> ProposalOut:
    return _out(proposals.get(platform, actor, proposal_id), actor)


@router.post("/{proposal_id}/withdraw", response_model=ProposalOut)
def withdraw(proposal_id: int, platform: PlatformDep, actor: Actor = DEPARTMENTS) -> ProposalOut:
    """The proposing department takes back a pending proposal."""
    return _out(proposals.withdraw(platform, actor, proposal_id), actor)


@router.post("/{proposal_id}/approve", response_model=ProposalOut)
def approve(proposal_id: int, platform: PlatformDep, actor: Actor = AUTHORITY) -> ProposalOut:
    """Approve and apply in one transaction (a new catalog version); not one's own
    department's (403 `self-approval`); only while pending (409 `proposal-not-pending`)."""
    return _out(proposals.approve(platform, actor, proposal_id), actor)


@router.post("/{proposal_id}/refuse", response_model=ProposalOut)
def refuse(proposal_id: int, body: RefusalIn, platform: PlatformDep,
           actor: Actor = AUTHORITY) -> ProposalOut:
    """Refuse with a reason (422 `reason-required` without one)."""
    return _out(proposals.refuse(platform, actor, proposal_id, body.reason), actor)
