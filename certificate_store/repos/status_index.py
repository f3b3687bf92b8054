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

    def pick(self, count: int, shard_size: int) -> list[int]:
        """``count`` distinct random indexes no certificate holds, for new certificates.

        Issuance calls this in its own transaction and stores the indexes with the rows (and
        in their signed records). Shards open as the register grows, keeping them at most
        half full, so an index says nothing about issuance order. Two concurrent issuances
        drawing the same slot (about 1 in 2N) meet the unique constraint at insert.
        """
        if count <= 0:
            return []
        # The largest id bounds the number of indexed certificates from above (ids only grow;
        # a rolled-back id or an old certificate without an index only overestimates, opening
        # shards a little early, which keeps them emptier). It is one index probe, where a
        # count(*) read the whole register: 1M entries per issuance at regional scale.
        used = int(self._s.scalar(select(func.max(Certificate.id))) or 0)
        shards = max(1, -(-((used + count) * MAX_FILL) // shard_size))
        chosen: set[int] = set()
        while len(chosen) < count:
            want = [secrets.randbelow(shards * shard_size) for _ in range(count - len(chosen))]
            fresh = {i for i in want if i not in chosen}
            candidates = sorted(fresh)
            for start in range(0, len(candidates), 500):
                part = candidates[start:start + 500]
                taken = self._s.scalars(select(Certificate.status_index)
                                        .where(Certificate.status_index.in_(part))).all()
                fresh.difference_update(int(t) for t in taken if t is not None)
            chosen.update(fresh)
        out = list(chosen)
        secrets.SystemRandom().shuffle(out)
        return out

    def without_index(self, limit: int) -> list[int]:
        """Ids of certificates issued before indexes were given at issuance (backfill)."""
        return [int(i) for i in self._s.scalars(
            select(Certificate.id).where(Certificate.status_index.is_(None))
            .order_by(Certificate.id).limit(limit))]

    def assign(self, certificate_id: int, shard_size: int) -> int:
        """Give the certificate a random free index (its existing one if it has one): the
        backfill of certificates issued before indexes were given at issuance."""
        row = self._s.get(Certificate, certificate_id)
        if row is None:
            raise NotFound("certificate not found")
        if row.status_index is not None:
            return row.status_index
        index = self.pick(1, shard_size)[0]
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
