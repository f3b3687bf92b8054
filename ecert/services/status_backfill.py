"""Status indexes for certificates issued before indexes were drawn at issuance (issue #9 §2).

New certificates get their random index in their issuing transaction (and signed record);
older ones get one here, a batch per transaction with one audit entry naming the batch. The
work is resumable by construction: each run takes whatever still has no index, so a stopped
server continues where it was at its next start or housekeeping round. Their records are not
re-signed (the index lives in their ``ecert/qr/3`` code when one is next made); the shard
lists them from the moment their batch commits.
"""

from __future__ import annotations

from typing import Any

from audit_log.actor import Actor
from formats.statuslist import SHARD_SIZE

BATCH = 500
SYSTEM = Actor(name="system", role="system")


def run(platform: Any, batch: int = BATCH) -> int:
    """Index every certificate that has none; returns how many were given one."""
    done = 0
    with platform.store.transaction() as uow:  # usually nothing left: no write transaction
        if not uow.status_index.without_index(1):
            return 0
    while True:
        with platform.writing() as uow:
            ids = uow.status_index.without_index(batch)
            for cert_id in ids:
                uow.status_index.assign(cert_id, SHARD_SIZE)
            if ids:
                platform.audit.record(
                    uow, now=platform.now(), actor=SYSTEM.name, actor_dept=None,
                    role=SYSTEM.role, action="status-index.backfill",
                    details={"certificates": len(ids), "first_id": ids[0], "last_id": ids[-1]})
        done += len(ids)
        if len(ids) < batch:
            return done
