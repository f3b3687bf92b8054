"""Status-list indexes: a random slot per certificate, and one shard's entries."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from certificate_store.errors import NotFound
from certificate_store.models.certificates import Certificate

MAX_FILL = 2  # capacity at least twice the certificates: a random slot is free at once


class StatusIndexRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def assign(self, certificate_id: int, shard_size: int) -> int:
        """Give the certificate a random free index (its existing one if it has one).

        Shards open as the register grows, keeping them at most half full, so the index
        says nothing about issuance order. A concurrent pick of the same slot fails the
        unique constraint at commit, like any other conflict.
        """
        row = self._s.get(Certificate, certificate_id)
        if row is None:
            raise NotFound("certificate not found")
        if row.status_index is not None:
            return row.status_index
        used = self._s.scalar(select(func.count()).where(Certificate.status_index.is_not(None)))
        shards = max(1, -(-((int(used or 0) + 1) * MAX_FILL) // shard_size))
        while True:
            index = secrets.randbelow(shards * shard_size)
            taken = self._s.scalar(select(Certificate.id).where(Certificate.status_index == index))
            if taken is None:
                break
        self._s.execute(update(Certificate).where(Certificate.id == certificate_id)
                        .values(status_index=index)
                        .execution_options(synchronize_session=False))
        return index

    def index_of(self, certificate_id: int) -> int | None:
        return self._s.scalar(select(Certificate.status_index)
                              .where(Certificate.id == certificate_id))

    def shard(self, shard: int, shard_size: int) -> list[tuple[int, str]]:
        """(slot within the shard, status code) of every certificate in shard ``shard``."""
        lo = shard * shard_size
        rows = self._s.execute(
            select(Certificate.status_index, Certificate.status)
            .where(Certificate.status_index >= lo, Certificate.status_index < lo + shard_size))
        return [(int(i) - lo, str(s)) for i, s in rows if i is not None]

    def shard_count(self, shard_size: int) -> int:
        top = self._s.scalar(select(func.max(Certificate.status_index)))
        return 0 if top is None else int(top) // shard_size + 1
