"""Proposals to the supervising authority and their decisions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificate_store.errors import NotFound
from certificate_store.models.proposals import Proposal
from certificate_store.repos._convert import to_record

STATES = ("pending", "approved", "refused", "withdrawn")


@dataclass(frozen=True)
class ProposalRecord:
    id: int
    kind: str
    type_code: str
    dept_code: str
    summary: str
    payload: str
    state: str
    proposed_by: str
    proposed_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    reason: str | None
    applied_version: int | None


class ProposalRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, *, kind: str, type_code: str, dept_code: str, summary: str, payload: str,
            proposed_by: str, now: dt.datetime) -> ProposalRecord:
        row = Proposal(kind=kind, type_code=type_code, dept_code=dept_code, summary=summary,
                       payload=payload, state="pending", proposed_by=proposed_by,
                       proposed_at=now)
        self._s.add(row)
        self._s.flush()
        return to_record(row, ProposalRecord)

    def get(self, proposal_id: int, *, for_update: bool = False) -> ProposalRecord:
        row = self._s.get(Proposal, proposal_id, with_for_update=for_update)
        if row is None:
            raise NotFound(f"no proposal {proposal_id}")
        return to_record(row, ProposalRecord)

    def list(self, *, state: str | None = None, dept_code: str | None = None,
             limit: int = 200) -> list[ProposalRecord]:
        """Newest first; of one state and/or one proposing department when given."""
        q = select(Proposal).order_by(Proposal.id.desc()).limit(limit)
        if state is not None:
            q = q.where(Proposal.state == state)
        if dept_code is not None:
            q = q.where(Proposal.dept_code == dept_code)
        return [to_record(r, ProposalRecord) for r in self._s.scalars(q)]

    def decide(self, proposal_id: int, *, state: str, by: str, now: dt.datetime,
               reason: str | None = None, applied_version: int | None = None) -> ProposalRecord:
        """Move a proposal out of `pending` (the caller checked it is pending under the lock)."""
        row = self._s.get(Proposal, proposal_id, with_for_update=True)
        if row is None:
            raise NotFound(f"no proposal {proposal_id}")
        row.state, row.decided_by, row.decided_at = state, by, now
        row.reason, row.applied_version = reason, applied_version
        self._s.flush()
        return to_record(row, ProposalRecord)
