"""Proposals to the supervising authority (issue 13): each operation is one `writing()` —
the proposal's state, its audit entry and, on approval, the new catalog version commit together
or not at all. Domain rules are in `issuer.proposals`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from audit_log.actor import Actor
from ecert.errors import UsageError
from issuer.proposals import AUTHORITY, ProposalService, ProposalView

if TYPE_CHECKING:
    from ecert.platform import Platform

__all__ = ["ProposalView", "approve", "authority_actor", "get", "list_proposals", "propose", "refuse",
           "withdraw"]


def _service(p: Platform) -> ProposalService:
    return ProposalService(p.catalog, p.audit)


def propose(p: Platform, actor: Actor, kind: str, payload: Any) -> ProposalView:
    with p.writing() as uow:
        return _service(p).propose(uow, actor, kind, payload, p.now())


def withdraw(p: Platform, actor: Actor, proposal_id: int) -> ProposalView:
    with p.writing() as uow:
        return _service(p).withdraw(uow, actor, proposal_id, p.now())


def approve(p: Platform, actor: Actor, proposal_id: int) -> ProposalView:
    with p.writing() as uow:
        return _service(p).approve(uow, actor, proposal_id, p.now())


def refuse(p: Platform, actor: Actor, proposal_id: int, reason: Any) -> ProposalView:
    with p.writing() as uow:
        return _service(p).refuse(uow, actor, proposal_id, reason, p.now())


def list_proposals(p: Platform, actor: Actor, state: str | None = None,
                   limit: int = 200) -> list[ProposalView]:
    with p.store.transaction() as uow:
        return _service(p).list(uow, actor, state, limit)


def get(p: Platform, actor: Actor, proposal_id: int) -> ProposalView:
    with p.store.transaction() as uow:
        return _service(p).get(uow, actor, proposal_id)


def authority_actor(p: Platform, operator_id: int) -> Actor:
    """The CLI acts as a named operator of the `authority` role (active), never anonymously."""
    with p.store.transaction() as uow:
        op = uow.operators.find(operator_id)
    if op is None or not op.active or op.role != AUTHORITY:
        raise UsageError(f"operator {operator_id} is not an active operator of the "
                         "supervising authority (ecert operator add --role authority)")
    return Actor(name=op.display, role=AUTHORITY, dept_code=op.dept_code)
