"""Proposals to the supervising authority (主管部门, Art. 4, 12, 15).

Departments propose; nothing proposed takes effect until an operator of the ``authority`` role
approves it. Three kinds:

    catalog   a new certificate type or a new version of one (the whole definition)
    grant     personal data of a type to a using department: {"type_code", "grant": {"dept",
              "purposes", "personal"}} — proposed by the type's defining department, or by the
              using department for itself
    scenario  a scenario in which a holder may show a certificate of the type by themselves
              (亮证): {"type_code", "scenario"} — proposed by the defining or an issuing
              department of the type

States: ``pending`` → ``approved`` | ``refused`` (reason required) | ``withdrawn`` (by the
proposing department). Approving applies the proposal as a new catalog version in the caller's
unit of work, so approval and effect commit together; a grant or scenario is applied to the
latest version at the time of approval. Every transition writes its audit entry
(``proposal.submit|approve|refuse|withdraw``) in the same unit of work. Nobody approves a
proposal of their own department, nor one they made.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from audit_log.actor import Actor
from certificate_store.db import UnitOfWork
from certificate_store.errors import NotFound as StoreNotFound
from certificate_store.repos.proposals import ProposalRecord
from formats.record import canonical_bytes
from issuer.catalog import CatalogService, CertificateType
from issuer.definitions import grant_problems, scenario_problems
from issuer.errors import (
    Forbidden,
    InvalidCatalogDefinition,
    InvalidRequest,
    NotFound,
    ProposalNotPending,
    ReasonRequired,
    SelfApproval,
)
from issuer.records import AuditRecorder

KINDS = ("catalog", "grant", "scenario")
AUTHORITY = "authority"
MAX_REASON = 500


@dataclass(frozen=True)
class ProposalView:
    id: int
    kind: str
    type_code: str
    dept_code: str
    summary: str
    payload: Mapping[str, Any]
    state: str
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    applied_version: int | None

    @classmethod
    def of(cls, rec: ProposalRecord) -> ProposalView:
        fields = {k: getattr(rec, k) for k in cls.__dataclass_fields__ if k != "payload"}
        return cls(payload=json.loads(rec.payload), **fields)


def _invalid(problems: list[str], field: str = "payload") -> InvalidCatalogDefinition:
    return InvalidCatalogDefinition("申请内容无效 / invalid proposal",
                                    errors=[{"field": field, "message": m} for m in problems])


class ProposalService:
    def __init__(self, catalog: CatalogService, audit: AuditRecorder) -> None:
        self._catalog = catalog
        self._audit = audit

    # -- departments -----------------------------------------------------------------------
    def propose(self, uow: UnitOfWork, actor: Actor, kind: str, payload: Any,
                now: datetime) -> ProposalView:
        """Record a pending proposal of the actor's department; audited `proposal.submit`."""
        if actor.role not in ("issuer", "user") or not actor.dept_code:
            raise Forbidden("仅部门可提出申请 / proposals come from departments")
        if actor.role == "user" and kind != "grant":
            raise Forbidden("a using department proposes grants for itself only")
        if not isinstance(payload, Mapping):
            raise _invalid(["payload must be a JSON object"])
        if kind == "catalog":
            type_code, summary = self._check_catalog(uow, actor, payload)
        elif kind in ("grant", "scenario"):
            type_code, summary = self._check_addition(uow, actor, kind, payload)
        else:
            raise InvalidRequest(f"kind must be one of {', '.join(KINDS)}")
        rec = uow.proposals.add(kind=kind, type_code=type_code, dept_code=actor.dept_code,
                                summary=summary[:300],
                                payload=canonical_bytes(dict(payload)).decode("utf-8"),
                                proposed_by=actor.name, now=now)
        self._record(uow, actor, "proposal.submit", rec, now)
        return ProposalView.of(rec)

    def _check_catalog(self, uow: UnitOfWork, actor: Actor,
                       d: Mapping[str, Any]) -> tuple[str, str]:
        self._catalog.check(d)
        if actor.dept_code != d["defining_dept"]:
            raise Forbidden("only the defining department proposes its types")
        if uow.departments.find(d["defining_dept"]) is None:
            raise NotFound(f"defining department {d['defining_dept']} is not enrolled")
        latest = uow.catalog.latest(d["type_code"])
        what = "新证照类型" if latest is None else f"新版本（现为第{latest.version}版）"
        return d["type_code"], f"{what}：{d['name']}"

    def _check_addition(self, uow: UnitOfWork, actor: Actor, kind: str,
                        p: Mapping[str, Any]) -> tuple[str, str]:
        ctype = self._type(uow, p.get("type_code"))
        extra = set(p) - {"type_code", kind}
        if extra:
            raise _invalid([f"unknown key {k!r}" for k in sorted(extra)])
        if kind == "grant":
            problems = grant_problems([p.get("grant")], ctype.schema.get("properties") or {})
            if problems:
                raise _invalid(problems, "grant")
            grant = p["grant"]
            if actor.dept_code not in (ctype.defining_dept, grant["dept"]):
                raise Forbidden("a grant is proposed by the defining department or by the "
                                "using department for itself")
            if uow.departments.find(grant["dept"]) is None:
                raise NotFound(f"department {grant['dept']} is not enrolled")
            data = "含个人信息" if grant.get("personal") else "不含个人信息"
            return ctype.type_code, (f"授权 {grant['dept']} 使用「{ctype.name}」（{data}）："
                                     + "、".join(grant["purposes"]))
        problems = scenario_problems([p.get("scenario")])
        if problems:
            raise _invalid(problems, "scenario")
        if not ctype.may_issue(actor.dept_code or ""):
            raise Forbidden("a scenario is proposed by a department that issues the type")
        return ctype.type_code, f"「{ctype.name}」亮证场景：{p['scenario']}"

    def withdraw(self, uow: UnitOfWork, actor: Actor, proposal_id: int,
                 now: datetime) -> ProposalView:
        rec = self._pending(uow, proposal_id)
        if actor.role not in ("issuer", "user") or actor.dept_code != rec.dept_code:
            raise Forbidden("only the proposing department withdraws its proposal")
        rec = uow.proposals.decide(rec.id, state="withdrawn", by=actor.name, now=now)
        self._record(uow, actor, "proposal.withdraw", rec, now)
        return ProposalView.of(rec)

    # -- the authority ---------------------------------------------------------------------
    def approve(self, uow: UnitOfWork, actor: Actor, proposal_id: int,
                now: datetime) -> ProposalView:
        """Approve and apply (a new catalog version) in the caller's unit of work."""
        rec = self._decidable(uow, actor, proposal_id)
        applied = self._apply(uow, rec, actor, now)
        rec = uow.proposals.decide(rec.id, state="approved", by=actor.name, now=now,
                                   applied_version=applied.version)
        self._record(uow, actor, "proposal.approve", rec, now)
        return ProposalView.of(rec)

    def refuse(self, uow: UnitOfWork, actor: Actor, proposal_id: int, reason: Any,
               now: datetime) -> ProposalView:
        text = _reason(reason)
        rec = self._decidable(uow, actor, proposal_id)
        rec = uow.proposals.decide(rec.id, state="refused", by=actor.name, now=now,
                                   reason=text)
        self._record(uow, actor, "proposal.refuse", rec, now)
        return ProposalView.of(rec)

    # -- reading ---------------------------------------------------------------------------
    def list(self, uow: UnitOfWork, actor: Actor, state: str | None = None,
             limit: int = 200) -> list[ProposalView]:
        """The authority, admins and auditors see every proposal; a department its own."""
        dept = None if actor.role in (AUTHORITY, "admin", "auditor") else actor.dept_code
        if dept is None and actor.role not in (AUTHORITY, "admin", "auditor"):
            return []  # a holder, or a credential of no department
        return [ProposalView.of(r) for r in uow.proposals.list(state=state, dept_code=dept,
                                                               limit=limit)]

    def get(self, uow: UnitOfWork, actor: Actor, proposal_id: int) -> ProposalView:
        rec = self._find(uow, proposal_id)
        if actor.role not in (AUTHORITY, "admin", "auditor") and actor.dept_code != rec.dept_code:
            raise NotFound(f"no proposal {proposal_id}")
        return ProposalView.of(rec)

    # -- helpers ---------------------------------------------------------------------------
    def _type(self, uow: UnitOfWork, type_code: Any) -> CertificateType:
        if not isinstance(type_code, str):
            raise _invalid(["type_code required"], "type_code")
        return self._catalog.get(uow, type_code)

    def _find(self, uow: UnitOfWork, proposal_id: int, lock: bool = False) -> ProposalRecord:
        try:
            return uow.proposals.get(proposal_id, for_update=lock)
        except StoreNotFound as exc:
            raise NotFound(f"no proposal {proposal_id}") from exc

    def _pending(self, uow: UnitOfWork, proposal_id: int) -> ProposalRecord:
        rec = self._find(uow, proposal_id, lock=True)
        if rec.state != "pending":
            raise ProposalNotPending(f"proposal {proposal_id} is {rec.state}")
        return rec

    def _decidable(self, uow: UnitOfWork, actor: Actor, proposal_id: int) -> ProposalRecord:
        if actor.role != AUTHORITY:
            raise Forbidden("仅主管部门审批 / only the supervising authority decides")
        rec = self._pending(uow, proposal_id)
        if actor.dept_code == rec.dept_code or actor.name == rec.proposed_by:
            raise SelfApproval()
        return rec

    def _apply(self, uow: UnitOfWork, rec: ProposalRecord, actor: Actor,
               now: datetime) -> CertificateType:
        payload = json.loads(rec.payload)
        if rec.kind == "catalog":
            return self._catalog.add_approved(uow, payload, actor, now, rec.id)
        d = dict(self._catalog.get(uow, rec.type_code).definition)
        if rec.kind == "grant":
            grant = payload["grant"]
            d["grants"] = [g for g in d.get("grants", []) if g.get("dept") != grant["dept"]]
            d["grants"].append(grant)
        else:
            scenarios = list(d.get("presentation_scenarios", []))
            d["presentation_scenarios"] = scenarios + [payload["scenario"]] * (
                payload["scenario"] not in scenarios)
        return self._catalog.add_approved(uow, d, actor, now, rec.id)

    def _record(self, uow: UnitOfWork, actor: Actor, action: str, rec: ProposalRecord,
                now: datetime) -> None:
        self._audit.record(
            uow, now=now, actor=actor.name, actor_dept=actor.dept_code, role=actor.role,
            action=action, cert_identifier=None, purpose=None, request_id=actor.request_id,
            details={"proposal": rec.id, "kind": rec.kind, "type_code": rec.type_code,
                     "dept": rec.dept_code, "state": rec.state, "proposed_by": rec.proposed_by,
                     "reason": rec.reason, "applied_version": rec.applied_version})


def _reason(reason: Any) -> str:
    if not isinstance(reason, str):
        raise ReasonRequired()
    text = unicodedata.normalize("NFC", " ".join(reason.split()))
    if not text or len(text) > MAX_REASON or any(
            unicodedata.category(c).startswith("C") for c in text):
        raise ReasonRequired()
    return text
