"""Objections (Art. 17) for every audience: filing and answering, evidence attachments, the
escalation of unanswered objections to the supervising authority and its coordinated answer.

Each operation is ONE ``Platform.writing()`` unit of work holding the change, its audit entry
and its outbox events (``objection.received|answered|escalated|coordinated``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from audit_log.actor import Actor
from certificate_store import UnitOfWork
from certificate_store.records import CertificateRecord, EvidenceRecord, ObjectionRecord
from ecert.services import outbox
from verifier import attachments, escalation
from verifier import objections as vobjections
from verifier.errors import NotFound

if TYPE_CHECKING:
    from ecert.platform import Platform


@dataclass(frozen=True)
class EvidenceView:
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


@dataclass(frozen=True)
class ObjectionView:
    id: int
    identifier: str
    filed_by_role: str
    reason: str
    evidence: str
    state: str
    filed_at: dt.datetime
    due_at: dt.datetime
    due_provisional: bool
    answered_at: dt.datetime | None
    answer: str | None
    overdue: bool
    escalated_at: dt.datetime | None = None
    coordinated_at: dt.datetime | None = None
    coordination: str | None = None
    coordination_state: str | None = None
    attachments: tuple[EvidenceView, ...] = ()


def _evidence_view(e: EvidenceRecord) -> EvidenceView:
    return EvidenceView(e.id, e.filename, e.content_type, e.size, e.sha256, e.uploaded_at)


def views(uow: UnitOfWork, recs: list[ObjectionRecord], now: dt.datetime) -> list[ObjectionView]:
    files = uow.evidence.for_objections([o.id for o in recs])
    out = []
    for o in recs:
        cert = uow.certificates.get(o.certificate_id)
        out.append(ObjectionView(
            o.id, cert.base_identifier, o.filed_by_role, o.reason, o.evidence, o.state,
            o.filed_at, o.due_at, o.due_provisional, o.answered_at, o.answer,
            o.state == "open" and now > o.due_at, o.escalated_at, o.coordinated_at,
            o.coordination, o.coordination_state,
            tuple(_evidence_view(e) for e in files.get(o.id, []))))
    return out


def limits(p: Platform) -> attachments.EvidenceLimits:
    return attachments.EvidenceLimits(max_bytes=p.settings.evidence_max_bytes,
                                      max_files=p.settings.evidence_max_files)


def _notify(uow: UnitOfWork, kind: str, o: ObjectionRecord, cert: CertificateRecord,
            data: dict[str, Any], now: dt.datetime) -> None:
    """`kind` to the one who filed (holder inbox/e-mail or department webhook) and to the
    issuing department's system; once per (event, objection, recipient)."""
    issuer = uow.departments.current_holder(cert.issuer_code)
    body = json.dumps({"identifier": cert.base_identifier, "version": o.id,
                       "objection_id": o.id, **data}, ensure_ascii=False, sort_keys=True)
    for recipient in dict.fromkeys((o.filed_by, f"dept:{issuer}")):
        uow.notifications.enqueue(kind=kind, recipient=recipient, certificate_id=None,
                                  payload=body, due_at=now, now=now,
                                  dedupe_key=f"{kind}:{o.id}:{recipient}")


# -- filing and answering (the holder page, using departments, issuers) ----------------------
def file_objection(p: Platform, actor: Actor, identifier: str, reason: str,
                   evidence: str | None) -> ObjectionView:
    now = p.now()
    with p.writing() as uow:
        rec = vobjections.file(uow, actor, identifier, reason, evidence, now, audit=p.audit)
        cert = uow.certificates.get(rec.certificate_id)
        outbox.emit(uow, kind="objection.received", identifier=cert.base_identifier,
                    version=rec.id, data={"objection_id": rec.id, "due_at": rec.due_at.isoformat()},
                    now=now, dept_code=uow.departments.current_holder(cert.issuer_code))
        return views(uow, [rec], now)[0]


def answer_objection(p: Platform, actor: Actor, objection_id: int, text: str,
                     upheld: bool | None) -> ObjectionView:
    now = p.now()
    with p.writing() as uow:
        rec = vobjections.answer(uow, actor, objection_id, text, now, upheld=upheld,
                                 audit=p.audit)
        cert = uow.certificates.get(rec.certificate_id)
        outbox.emit(uow, kind="objection.answered", identifier=cert.base_identifier,
                    version=rec.id, data={"objection_id": rec.id, "state": rec.state},
                    now=now, holder_hash=cert.holder_hash)
        return views(uow, [rec], now)[0]


def _issuer_certificate_ids(uow: UnitOfWork, dept_code: str) -> list[int]:
    ids: list[int] = []
    after = 0
    while len(ids) < 5000:
        page = uow.certificates.page(issuer_code=dept_code, after_id=after, limit=1000)
        if not page:
            break
        ids += [c.id for c in page]
        after = page[-1].id
    return ids


def list_objections(p: Platform, actor: Actor, limit: int = 200) -> list[ObjectionView]:
    """Holder: objections they filed; user: its department filed; issuer: on its certificates."""
    now = p.now()
    with p.store.transaction() as uow:
        recs: list[ObjectionRecord] = []
        if actor.role == "holder" and actor.holder_hash:
            ids = [c.id for c in uow.certificates.by_holder(actor.holder_hash, limit=500)]
            mine = f"holder:{actor.holder_hash}"
            recs = [o for o in uow.objections.for_certificates(ids) if o.filed_by == mine]
        elif actor.role == "user" and actor.dept_code:
            page = p.audit.list_entries(uow, actor_dept=actor.dept_code, action="objection.file",
                                        limit=limit)
            for e in page.entries:
                oid = json.loads(e.details).get("objection_id")
                if isinstance(oid, int):
                    recs.append(uow.objections.get(oid))
        elif actor.role in ("issuer", "admin") and actor.dept_code:
            recs = uow.objections.for_certificates(_issuer_certificate_ids(uow, actor.dept_code))
        recs.sort(key=lambda o: o.filed_at, reverse=True)
        return views(uow, recs[:limit], now)


# -- evidence ------------------------------------------------------------------------------------
def attach_evidence(p: Platform, actor: Actor, objection_id: int, data: bytes,
                    filename: str) -> EvidenceView:
    now = p.now()
    with p.writing() as uow:
        rec = attachments.attach(uow, actor, objection_id, data, filename, now, limits(p),
                                 p.audit)
        return _evidence_view(rec)


def list_evidence(p: Platform, actor: Actor, objection_id: int) -> list[EvidenceView]:
    with p.store.transaction() as uow:
        o = attachments._objection(uow, objection_id)  # noqa: SLF001 - the same 404
        if not attachments.may_see(uow, actor, o):
            raise NotFound()
        return [_evidence_view(e) for e in uow.evidence.for_objections([o.id])[o.id]]


def evidence_file(p: Platform, actor: Actor, objection_id: int,
                  evidence_id: int) -> tuple[EvidenceView, bytes]:
    """The bytes of one attachment; the read is audited in the same transaction."""
    with p.writing() as uow:
        rec, data = attachments.read(uow, actor, objection_id, evidence_id, p.now(), p.audit)
        return _evidence_view(rec), data


# -- escalation to the supervising authority -------------------------------------------------
def escalate_due(p: Platform) -> int:
    """Housekeeping: overdue open objections enter the authority's queue (one transaction)."""
    now = p.now()
    with p.writing() as uow:
        done = escalation.escalate_due(uow, now, p.audit)
        for o in done:
            cert = uow.certificates.get(o.certificate_id)
            _notify(uow, "objection.escalated", o, cert, {"due_at": o.due_at.isoformat()}, now)
    return len(done)


def escalated(p: Platform, actor: Actor, *, pending_only: bool = True) -> list[ObjectionView]:
    now = p.now()
    with p.store.transaction() as uow:
        return views(uow, escalation.queue(uow, actor, pending_only=pending_only), now)


def coordinate(p: Platform, actor: Actor, objection_id: int, text: str,
               upheld: bool | None) -> ObjectionView:
    now = p.now()
    with p.writing() as uow:
        rec = escalation.coordinate(uow, actor, objection_id, text, now, p.audit, upheld=upheld)
        cert = uow.certificates.get(rec.certificate_id)
        _notify(uow, "objection.coordinated", rec, cert,
                {"state": rec.coordination_state, "settled": rec.state == "coordinated"}, now)
        return views(uow, [rec], now)[0]
