"""Art. 21 for what the domain services do not log themselves (refused requests), and the
import check made before an upload is accepted.

A refusal is logged with who asked (the authenticated actor), what was attempted (the route
template, our own text, e.g. ``POST /api/v1/certificates/{identifier}/status``), why (the
error's slug) and the certificate named, if the path names a well-formed one. Nothing the
caller wrote (bodies, reasons, purposes) is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit_log.actor import Actor
from ecert.services import issuing
from formats.errors import DomainError, MalformedInput
from formats.identifiers import parse_identifier
from issuer.errors import Forbidden

if TYPE_CHECKING:
    from ecert.platform import Platform

MAX_ATTEMPTED_CHARS = 120
ANONYMOUS = Actor(name="anonymous", role="none")


def _identifier(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse_identifier(value).text
    except (MalformedInput, DomainError):
        return None


def record_refusal(p: Platform, actor: Actor | None, attempted: str, reason: str, status: int,
                   identifier: str | None = None) -> None:
    """A refused request (403): actor, route attempted, slug; in its own transaction."""
    now = p.now()
    with p.store.transaction() as uow:
        p.audit.record_by(uow, actor or ANONYMOUS, now=now, action="request.refused",
                          cert_identifier=_identifier(identifier),
                          details={"attempted": attempted[:MAX_ATTEMPTED_CHARS],
                                   "reason": reason[:60], "status": status})
        p.after_write(uow)


def already_audited(err: BaseException) -> bool:
    """Whether the raiser logged this refusal itself (lookups and annotated copies set
    ``audited`` on the error they raise after their own ``…_denied`` entry)."""
    return getattr(err, "audited", False) is True


def require_may_import(p: Platform, actor: Actor, type_code: str) -> None:
    """Refuse an import before its upload is accepted: the caller's department must be one
    that may issue `type_code` (the background job would fail on it anyway)."""
    ctype = issuing.get_type(p, type_code)  # NotFound for an unknown type
    if actor.dept_code is None or not ctype.may_issue(actor.dept_code):
        raise Forbidden(f"部门 {actor.dept_code} 无权签发此类证照 / department may not issue "
                        f"type {type_code}")
