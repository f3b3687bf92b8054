"""Bitstring status list shards (verifier.bitstring): packing, encoding, signing, size."""

from __future__ import annotations

import datetime as dt
import gzip
import random

import pytest
from verifier_world import T0

from verifier.bitstring import (
    RAW_BYTES,
    SHARD_SIZE,
    build_shard,
    decode_list,
    encode_list,
    entry_at,
    entry_of_status,
    load_shard,
    pack,
)
from verifier.errors import ListInvalid, MalformedInput, StaleList
from verifier.results import Verdict

NOW = T0 + dt.timedelta(days=30)
TTL = dt.timedelta(hours=1)


def test_w3c_bit_order_and_status_mapping() -> None:
    raw = pack([(0, 1), (1, 2), (3, 3), (SHARD_SIZE - 1, 2)])
    assert len(raw) == RAW_BYTES == 32768
    assert raw[0] == 0b01_10_00_11  # entry 0 in the most significant bits
    assert raw[-1] == 0b00_00_00_10
    assert [entry_at(raw, i) for i in (0, 1, 2, 3, 4)] == [1, 2, 0, 3, 0]
    assert [entry_of_status(c) for c in ("01", "02", "03", "07", "04", "05", "06", "99")] == \
        [0, 1, 2, 2, 3, 3, 3, 3]
    with pytest.raises(MalformedInput):
        entry_at(raw, SHARD_SIZE)
    with pytest.raises(ValueError):
        pack([(SHARD_SIZE, 1)])


def test_encoding_round_trips_and_refuses_junk() -> None:
    rng = random.Random(1)
    entries = [(rng.randrange(SHARD_SIZE), rng.randrange(4)) for _ in range(2000)]
    raw = pack(entries)
    gz = encode_list(raw)
    assert gz[:2] == b"\x1f\x8b" and encode_list(raw) == gz  # deterministic (mtime 0)
    assert decode_list(gz) == raw
    for bad in (None, "u" + gz.hex(), b"junk", gz[:-9], gzip.compress(b"\0" * (RAW_BYTES + 1)),
                gzip.compress(b"\0" * (RAW_BYTES - 1)), b"\0" * (48 * 1024 + 1)):
        with pytest.raises(ListInvalid):
            decode_list(bad)


def test_signed_shard_loads_and_gives_verdicts(world) -> None:  # type: ignore[no-untyped-def]
    body = build_shard(3, [(5, "01"), (6, "02"), (7, "07"), (8, "04")], NOW, TTL)
    jws = world.sign_list(body.meta)
    shard = load_shard(jws, body.gz, world.root_der, NOW, shard=3)
    assert [shard.verdict(i) for i in (5, 6, 7, 8, 9)] == [
        Verdict.VALID, Verdict.SUSPENDED, Verdict.REVOKED, Verdict.CANCELLED, Verdict.VALID]
    assert [shard.status_code(i) for i in (5, 6, 7, 8)] == ["01", "02", "07", "99"]
    with pytest.raises(ListInvalid):
        load_shard(jws, body.gz, world.root_der, NOW, shard=4)  # another shard's list
    with pytest.raises(StaleList):
        load_shard(jws, body.gz, world.root_der, NOW + TTL, shard=3)
    assert load_shard(jws, body.gz, world.root_der, NOW + TTL, shard=3, allow_stale=True).stale
    head, meta, sig = jws.split(".")
    with pytest.raises(ListInvalid):
        load_shard(f"{head}.{meta[:-2]}AA.{sig}", body.gz, world.root_der, NOW, shard=3)
    other = build_shard(3, [(5, "07")], NOW, TTL).gz  # bytes the root did not sign
    with pytest.raises(ListInvalid):
        load_shard(jws, other, world.root_der, NOW, shard=3)


@pytest.mark.parametrize("rate", [3, 10])
def test_a_full_shard_fits_a_phone(rate: int) -> None:
    """A FULL shard (twice what the allocator lets a shard hold) with 3 % or 10 % of entries
    not valid, at random indexes: the gzip body stays under 20 KB (issue #9 §2)."""
    rng = random.Random(9)
    entries = [(i, rng.choice(("02", "07", "04"))) for i in
               rng.sample(range(SHARD_SIZE), SHARD_SIZE * rate // 100)]
    assert len(build_shard(0, entries, NOW, TTL).gz) < 20_000
