"""The holder's inbox (Art. 16, 17): what the platform told them, newest first; and the
outbox's deliveries for staff: event, recipient, attempts, result."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from audit_log.actor import Actor
from ecert.http.auth import allow
from ecert.http.deps import PlatformDep
from ecert.services import outbox

router = APIRouter(prefix="/api/v1/holder", tags=["holder"])


class InboxItem(BaseModel):
    id: int
    kind: str
    title: str
    created_at: dt.datetime
    data: dict[str, Any]


@router.get("/inbox", response_model=list[InboxItem])
def inbox(platform: PlatformDep, actor: Actor = Depends(allow("holder"))) -> list[InboxItem]:
    return [InboxItem(id=i, kind=k, title=outbox.title(k), created_at=c, data=json.loads(p))
            for i, k, p, c in outbox.holder_inbox(platform, actor.holder_hash or "")]


outbox_router = APIRouter(prefix="/api/v1/outbox", tags=["outbox"])


class DeliveryOut(BaseModel):
    id: int
    event: str
    recipient: str
    channel: str
    state: str
    attempts: int
    result: str | None
    webhook_id: str
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None


@outbox_router.get("/deliveries", response_model=list[DeliveryOut])
def deliveries(platform: PlatformDep,
               state: str | None = Query(None, pattern="^(pending|delivered|dead)$"),
               actor: Actor = Depends(allow("admin", "auditor", "issuer", "user"))
               ) -> list[DeliveryOut]:
    """Which event went to whom, how many attempts, with what result (a department sees the
    deliveries to its own system; holders' e-mail addresses are never shown)."""
    rows = outbox.list_deliveries(platform, state, 500)
    if actor.role in ("issuer", "user"):
        rows = [d for d in rows if d.recipient == f"dept:{actor.dept_code}"]
    return [DeliveryOut(id=d.id, event=d.kind, recipient=d.recipient
                        if d.recipient.startswith("dept:") else "holder", channel=d.channel,
                        state=d.state, attempts=d.attempts, result=d.last_result,
                        webhook_id=outbox.message_id(d.dedupe_key),
                        next_attempt_at=d.next_attempt_at, delivered_at=d.delivered_at)
            for d in rows]
