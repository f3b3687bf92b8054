"""Where a read goes: the read replica or the primary (certificate_store/replica.py).

Read-only lookups and verifications of using departments and the public go through
`Platform.reads` (the replica when configured and caught up); an issuing department reads its
own writes, so its reads stay on the primary. Audit entries of audited reads always go to the
primary, in the transaction that answers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from audit_log.actor import Actor
from certificate_store import UnitOfWork
from certificate_store.errors import StoreUnavailable
from certificate_store.replica import Transactions
from formats.status import Verdict

if TYPE_CHECKING:
    from ecert.platform import Platform


def reads_for(p: Platform, actor: Actor) -> Transactions:
    """Issuing departments read their own writes: their reads stay on the primary."""
    return p.store if actor.role == "issuer" else p.reads


def confirmed(is_confirmed: bool, verdict: Verdict, code: str | None) -> tuple[str, str | None]:
    """Fail closed: a replica's answer the primary could not confirm never says "valid"."""
    if is_confirmed or verdict != Verdict.VALID:
        return verdict.value, code
    return Verdict.UNKNOWN.value, None


@contextlib.contextmanager
def current_read(p: Platform) -> Iterator[UnitOfWork]:
    """A read proved current (the replica caught up, or the primary), for what is signed
    anew from it (trust and status lists, status shards): an unconfirmed replica snapshot
    must never be signed as today's list, so without the primary: StoreUnavailable."""
    with p.reads.read() as read:
        if not read.confirmed:
            raise StoreUnavailable("database unavailable")
        yield read.uow
