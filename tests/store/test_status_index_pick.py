"""StatusIndexRepo.pick: free, distinct slots in shards kept at most half full as the register
grows (issue 9 §2), bounded by the largest id rather than a count of the register (issue 11)."""

from __future__ import annotations

import datetime as dt
from typing import Any

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
SHARD = 64


def _rows(start: int, indexes: list[int | None]) -> list[dict[str, Any]]:
    return [{"base_identifier": f"T.I.{start + k}", "type_code": "1154000000000000X1001",
             "type_version": 1, "issuer_code": "11540000MB0000001X", "serial": str(start + k),
             "holder_hash": "h" * 64, "status": "01", "current_version": 1, "valid_from": NOW,
             "valid_to": None, "source_key": None, "created_at": NOW, "updated_at": NOW,
             "status_index": idx} for k, idx in enumerate(indexes)]


def test_slots_are_free_distinct_and_shards_stay_half_empty(store: Any) -> None:
    made = 0
    for batch in (1, 40, 25, 90, 3):
        with store.transaction() as uow:
            picked = uow.status_index.pick(batch, SHARD)
            assert len(set(picked)) == batch
            # drawn from shards holding at least twice the register after this batch
            opened = -(-((made + batch) * 2) // SHARD) * SHARD
            assert all(0 <= i < opened for i in picked)
            uow.certificates.create_many(_rows(made, list(picked)))  # unique: none was taken
            made += batch
    with store.transaction() as uow:
        held = [slot for s in range(uow.status_index.shard_count(SHARD))
                for slot, _ in uow.status_index.shard(s, SHARD)]
    assert len(held) == made


def test_certificates_without_an_index_only_open_shards_earlier(store: Any) -> None:
    with store.transaction() as uow:  # issued before indexes existed (backfill pending)
        uow.certificates.create_many(_rows(0, [None] * 100))
    with store.transaction() as uow:
        picked = uow.status_index.pick(10, SHARD)
    # 110 certificates at most half full: at least 4 shards of 64 to draw from
    assert len(set(picked)) == 10 and all(0 <= i < 4 * SHARD for i in picked)
