"""Re-signing after a key compromise (issue #9 §1, docs/security.md "Key compromise").

Every valid certificate whose current version was sealed by a department key since revoked
for compromise gets a NEW VERSION with the same data (变更 with a fixed reason), sealed by the
department's key in service now. A new version rather than a re-seal in place: the record's
``signed_at`` must fall within the new key's validity, so the record (and its hash) changes,
and the audit log's `certificate.change` entry keeps every stored hash verifiable (the
integrity check reads issue/change entries). The old version becomes superseded: its QR
links to the new one, whose QR is made under the new key.

Resumable without a job table: the work left is exactly "valid certificates whose current
version a compromised key sealed"; each certificate is its own transaction, so a stopped run
(or the server's housekeeping round) simply continues with what is left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from audit_log.actor import Actor
from ecert.services import outbox
from formats.status import VALID

RESIGN_REASON = "重新签名：原签名密钥泄露 / re-signed after key compromise"
SYSTEM_ACTOR = Actor(name="system:resign", role="system")


@dataclass(frozen=True)
class ResignProgress:
    done: int
    left: int
    identifiers: tuple[str, ...]
    """The new versions' identifiers, in order."""


def compromised_keys(uow: Any) -> frozenset[str]:
    """Thumbprints of department certificates revoked for key (or CA) compromise."""
    return frozenset(
        r.x5t_s256 for r in uow.pki.certs(kind="department")
        if (r.revocation_reason or "").replace("_", "").lower() in ("keycompromise",
                                                                     "cacompromise"))


def pending(p: Any, issuer_code: str | None = None) -> list[str]:
    """Identifiers of the current versions still sealed by a compromised key."""
    with p.store.transaction() as uow:
        found: list[str] = uow.certificates.current_signed_by(compromised_keys(uow), VALID,
                                                              issuer_code)
        return found


def run(p: Any, actor: Actor = SYSTEM_ACTOR, issuer_code: str | None = None,
        on_step: Callable[[ResignProgress], None] | None = None) -> ResignProgress:
    """Re-sign everything `pending`: one transaction (and one audited change) per certificate."""
    todo = pending(p, issuer_code)
    made: list[str] = []
    for i, identifier in enumerate(todo):
        now = p.now()
        with p.writing() as uow:
            issued = p.issuance.change(uow, actor, identifier, {}, RESIGN_REASON, now)
            p.documents.qr_url(uow, issued.identifier, now)  # the kept QR, under the new key
            _told(uow, issued, now)
        made.append(issued.identifier)
        if on_step is not None:
            on_step(ResignProgress(i + 1, len(todo) - i - 1, tuple(made)))
    return ResignProgress(len(made), 0, tuple(made))


def _told(uow: Any, issued: Any, now: Any) -> None:
    """The department's system and the holder learn of the new version, in its transaction."""
    record = issued.record
    dept = (record.get("issuer") or {}).get("code")
    code = (record.get("holder") or {}).get("code")
    for target in ({"dept_code": dept} if dept else None,
                   {"holder_hash": uow.holder_hash(code)} if code else None):
        if target:
            outbox.emit(uow, kind="certificate.resigned", identifier=issued.identifier,
                        version=issued.version, data={"reason": RESIGN_REASON}, now=now, **target)

