"""The holder's inbox (Art. 16, 17): what the platform told them, newest first."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Depends
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
