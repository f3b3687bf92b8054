"""Objections the issuing department did not answer in time go to the supervising authority
(主管部门, role ``authority``), which coordinates and records its answer (Art. 17).

- :func:`escalate_due` (housekeeping): every objection still open after its deadline (5
  working days, :func:`verifier.objections.due_date`) enters the authority's queue once;
  audited ``objection.escalate`` by the system.
- :func:`queue`: the authority's view, oldest deadline first.
- :func:`coordinate`: the authority's coordinated answer, once per objection; audited
  ``objection.coordinate``. An objection still open is settled by it (state ``coordinated``,
  the outcome in ``coordination_state``) and the issuer can no longer answer it; one the issuer
  answered late keeps the issuer's answer beside the authority's.
"""

from __future__ import annotations

import datetime as dt

from audit_log.actor import SYSTEM, Actor
from audit_log.log import AuditLog
from certificate_store import UnitOfWork
from certificate_store.records import ObjectionRecord
from verifier.errors import Conflict, Forbidden, MalformedInput, NotFound

MAX_ANSWER_CHARS = 2000
OUTCOME = {None: "answered", True: "upheld", False: "rejected"}


def escalate_due(uow: UnitOfWork, now: dt.datetime, audit: AuditLog, *,
                 actor: Actor = SYSTEM) -> list[ObjectionRecord]:
    """Put every open objection past its deadline into the authority's queue; audited."""
    done = []
    for o in uow.objections.due_for_escalation(now):
        uow.objections.escalate(o.id, now)
        cert = uow.certificates.get(o.certificate_id)
        audit.record_by(uow, actor, now=now, action="objection.escalate", cert_identifier=None,
                        details={"objection_id": o.id, "due_at": o.due_at.isoformat(),
                                 "issuer": cert.issuer_code,
                                 "certificate": cert.base_identifier})
        done.append(uow.objections.get(o.id))
    return done


def _authority(actor: Actor) -> None:
    if actor.role != "authority":
        raise Forbidden("仅主管部门可督办 / only the supervising authority")


def queue(uow: UnitOfWork, actor: Actor, *, pending_only: bool = True,
          limit: int = 200) -> list[ObjectionRecord]:
    _authority(actor)
    return uow.objections.escalated(pending_only=pending_only, limit=limit)


def coordinate(uow: UnitOfWork, actor: Actor, objection_id: int, text: str, now: dt.datetime,
               audit: AuditLog, *, upheld: bool | None = None) -> ObjectionRecord:
    """The authority's coordinated answer to an escalated objection (once)."""
    _authority(actor)
    text = (text or "").strip()
    if not text or len(text) > MAX_ANSWER_CHARS:
        raise MalformedInput(f"协调答复不能为空且不超过 {MAX_ANSWER_CHARS} 字 / "
                             f"answer required, max {MAX_ANSWER_CHARS}")
    try:
        o = uow.objections.get(objection_id, lock=True)
    except Exception as exc:  # certificate_store.errors.NotFound
        raise NotFound() from exc
    if o.escalated_at is None or o.coordinated_at is not None:
        raise Conflict("异议未转督办或已协调答复 / not escalated, or already coordinated")
    state = OUTCOME[upheld]
    closes = o.state == "open"
    rec = uow.objections.coordinate(o.id, text=text, state=state, by=actor.name, now=now,
                                    close=closes)
    cert = uow.certificates.get(o.certificate_id)
    audit.record_by(uow, actor, now=now, action="objection.coordinate", cert_identifier=None,
                    details={"objection_id": o.id, "state": state, "settled": closes,
                             "issuer_answered": not closes, "issuer": cert.issuer_code,
                             "certificate": cert.base_identifier})
    return rec
