"""Named operators (Art. 21, 22): registered, listed and disabled, each in one transaction
with its audit entry. A token or client certificate belongs to one operator; disabling the
operator stops every credential of theirs at the next request (`ecert.tokens.authenticate`,
`ecert.services.clientcerts.find_client_cert` check it on every call)."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from audit_log.actor import Actor
from certificate_store.records import OperatorRecord
from certificate_store.repos.audit import AuditEntryRecord, EntryFilter
from ecert import credentials
from ecert.errors import UsageError
from ecert.tokens import DepartmentSucceeded, department_acts
from formats import errors as generic

if TYPE_CHECKING:
    from ecert.platform import Platform

MAX_TEXT = 60
STAFF_ROLES = ("issuer", "user", "auditor", "admin", "authority")


class OperatorNotVisible(generic.NotFound):
    """没有该操作员 / No such operator (or not of the caller's department)."""

    slug = "operator-not-found"


def _text(value: str, what: str) -> str:
    clean = unicodedata.normalize("NFC", value).strip()
    if not clean or len(clean) > MAX_TEXT or any(unicodedata.category(c)[0] == "C" for c in clean):
        raise UsageError(f"{what} must be 1–{MAX_TEXT} printable characters")
    return clean


def add_operator(p: Platform, *, dept_code: str | None, name: str, post: str,
                 subject: str | None, actor: Actor, role: str | None = None) -> OperatorRecord:
    """Register a person of `dept_code` (None: the platform's own staff) with their post;
    `subject` and `role` let them sign in through the identity provider (ecert.services.oidc)."""
    name, post = _text(name, "name"), _text(post, "post")
    _check_role(role, dept_code, subject)
    subject = _text(subject, "subject") if subject else None
    now = p.now()
    with p.writing() as uow:
        if dept_code is not None:
            dept = uow.departments.get(dept_code)
            if not department_acts(uow, dept_code):
                raise DepartmentSucceeded(f"{dept_code} was succeeded by {dept.successor_code}")
        if subject and uow.operators.by_subject(subject) is not None:
            raise UsageError("another operator already has this identity-provider subject")
        rec = uow.operators.add(dept_code=dept_code, name=name, post=post, subject=subject,
                                now=now, role=role)
        _audit(p, uow, actor, "operator.add", rec, {"subject": bool(subject)})
        return rec


def _check_role(role: str | None, dept_code: str | None, subject: str | None) -> None:
    if role is None:
        if subject:
            raise UsageError("an operator who signs in (--subject) needs a --role")
        return
    if role not in STAFF_ROLES:
        raise UsageError(f"role must be one of {', '.join(STAFF_ROLES)}")
    if role != "authority" and (role in ("issuer", "user")) != (dept_code is not None):
        raise UsageError("issuers and users belong to a department; auditors and admins to "
                         "the platform (the supervising authority to either)")


def disable_operator(p: Platform, operator_id: int, actor: Actor) -> OperatorRecord:
    now = p.now()
    with p.writing() as uow:
        rec = uow.operators.disable(operator_id, now)
        _audit(p, uow, actor, "operator.disable", rec,
               {"tokens": uow.operators.token_count(operator_id)})
    credentials.forget()  # committed: the operator's tokens stop in this process now
    return rec


def list_operators(p: Platform, dept_code: str | None = None) -> list[OperatorRecord]:
    with p.store.transaction() as uow:
        return uow.operators.list(dept_code)


def visible_operator(p: Platform, operator_id: int, viewer: Actor) -> OperatorRecord:
    """The operator, if `viewer` may see them: platform staff see all, a department its own."""
    with p.store.transaction() as uow:
        rec = uow.operators.find(operator_id)
    if rec is None or (viewer.role in ("issuer", "user") and rec.dept_code != viewer.dept_code):
        raise OperatorNotVisible(f"no operator {operator_id}")
    return rec


def operator_actions(p: Platform, op: OperatorRecord, *, before: int | None,
                     limit: int) -> list[AuditEntryRecord]:
    """The audit entries the operator's credentials wrote, newest first."""
    with p.store.transaction() as uow:
        return uow.audit.list_entries(EntryFilter(actor=op.display), before=before, limit=limit)


def _audit(p: Platform, uow: Any, actor: Actor, action: str, rec: OperatorRecord,
           extra: dict[str, Any]) -> None:
    p.audit.record(uow, now=p.now(), actor=actor.name, actor_dept=actor.dept_code,
                   role=actor.role, action=action, request_id=actor.request_id,
                   details={"operator": rec.id, "dept": rec.dept_code, "name": rec.name,
                            "post": rec.post, "role": rec.role, **extra})
