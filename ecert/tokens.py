"""Opaque bearer tokens: 256-bit random secrets, only their SHA-256 is stored."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from audit_log.actor import Actor
from certificate_store import UnitOfWork
from certificate_store.records import OperatorRecord, TokenRecord
from ecert.errors import UsageError
from formats import errors as generic

ROLES = ("issuer", "user", "holder", "auditor", "admin", "authority")
PREFIX = "ect"


class DepartmentSucceeded(generic.Conflict):
    """该部门已由承继部门接替，不再发放凭证 / The department has a successor; it gets no new
    credentials (Art. 9 para 2)."""

    slug = "department-succeeded"


@dataclass(frozen=True)
class NewToken:
    secret: str  # shown once
    record: TokenRecord


@dataclass(frozen=True)
class AuthenticatedToken(TokenRecord):
    """A token that passed `authenticate`, with the named operator it belongs to (Art. 22)."""

    operator: OperatorRecord | None = None


class OperatorMismatch(generic.InvalidInput):
    """该操作员不属于此部门或已停用 / The operator is unknown, disabled or of another
    department."""

    slug = "operator-mismatch"


def token_operator(uow: UnitOfWork, *, role: str, dept_code: str | None,
                   operator_id: int | None, now: dt.datetime) -> int | None:
    """The operator a new token belongs to: the one named, checked; else the department's
    placeholder (documented: name the person in production). Holders' tokens have none."""
    if role == "holder":
        if operator_id is not None:
            raise UsageError("a holder's token belongs to the holder, not to an operator")
        return None
    if operator_id is None:
        return uow.operators.placeholder(dept_code, now).id
    op = uow.operators.find(operator_id)
    if op is None or not op.active or op.dept_code != dept_code:
        raise OperatorMismatch(f"operator {operator_id} is unknown, disabled or not of "
                               f"{dept_code or 'the platform'}")
    return op.id


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(uow: UnitOfWork, *, role: str, dept_code: str | None, holder_code: str | None,
                 label: str, now: dt.datetime, ttl_days: int | None = None,
                 ttl: dt.timedelta | None = None, operator_id: int | None = None) -> NewToken:
    if role not in ROLES:
        raise UsageError(f"role must be one of {', '.join(ROLES)}")
    if role in ("issuer", "user") and not dept_code:
        raise UsageError(f"a {role} token needs a department")
    if role == "holder" and not holder_code:
        raise UsageError("a holder token needs a holder code (the holder's ID number or USCC)")
    if dept_code is not None:
        dept = uow.departments.get(dept_code)
        if not department_acts(uow, dept_code):
            raise DepartmentSucceeded(f"{dept_code} was succeeded by {dept.successor_code}")
    operator_id = token_operator(uow, role=role, dept_code=dept_code, operator_id=operator_id,
                                 now=now)
    prefix = secrets.token_hex(4)
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    token = f"{PREFIX}_{prefix}_{secret}"
    rec = uow.tokens.add(token_hash=hash_token(token), prefix=prefix, role=role,
                         dept_code=dept_code,
                         holder_hash=uow.holder_hash(holder_code) if holder_code else None,
                         label=label, now=now, operator_id=operator_id,
                         expires_at=now + (ttl or dt.timedelta(days=ttl_days or 90)))
    return NewToken(token, rec)


def department_acts(uow: UnitOfWork, dept_code: str) -> bool:
    """Whether `dept_code` still acts itself: enrolled and not succeeded (Art. 9 para 2).

    A predecessor's credentials end with the succession.
    """
    dept = uow.departments.find(dept_code)
    return dept is not None and dept.active and not dept.successor_code


def authenticate(uow: UnitOfWork, token: str, now: dt.datetime) -> AuthenticatedToken | None:
    """The token's record if it is known, unexpired, not revoked, its operator not disabled
    and, for a department's token, the department has not been succeeded; None otherwise."""
    if not token.startswith(PREFIX + "_") or len(token) > 100:
        return None
    rec = uow.tokens.by_hash(hash_token(token))
    if rec is None or rec.revoked_at is not None or rec.expires_at <= now:
        return None
    # constant-time comparison of what we looked up, against timing probes of the index
    if not hmac.compare_digest(rec.prefix, token.split("_", 2)[1]):
        return None
    if rec.dept_code is not None and not department_acts(uow, rec.dept_code):
        return None
    op = None
    if rec.operator_id is not None:
        op = uow.operators.find(rec.operator_id)
        if op is None or not op.active:  # Art. 22: a disabled operator's credentials stop
            return None
    fields = {f.name: getattr(rec, f.name) for f in dataclasses.fields(rec)}
    return AuthenticatedToken(**fields, operator=op)


def actor_for(rec: TokenRecord, request_id: str | None) -> Actor:
    """Who acts: the named operator (person and post) for staff, the token for holders."""
    op = rec.operator if isinstance(rec, AuthenticatedToken) else None
    return Actor(name=op.display if op else f"token:{rec.prefix}", role=rec.role,
                 dept_code=rec.dept_code, holder_hash=rec.holder_hash, request_id=request_id)
