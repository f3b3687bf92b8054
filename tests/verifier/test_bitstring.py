"""Bitstring status list shards (verifier.bitstring): packing, encoding, signing, size."""

from __future__ import annotations

import base64
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
    text = encode_list(raw)
    assert text.startswith("u") and "=" not in text and encode_list(raw) == text
    assert decode_list(text) == raw
    for bad in (None, "x" + text[1:], "u!!!", "u" + base64.urlsafe_b64encode(
            gzip.compress(b"\0" * (RAW_BYTES + 1))).decode().rstrip("=")):
        with pytest.raises(ListInvalid):
            decode_list(bad)


def test_signed_shard_loads_and_gives_verdicts(world) -> None:  # type: ignore[no-untyped-def]
    payload = build_shard(3, [(5, "01"), (6, "02"), (7, "07"), (8, "04")], NOW, TTL)
    jws = world.sign_list(payload)
    shard = load_shard(jws, world.root_der, NOW, shard=3)
    assert [shard.verdict(i) for i in (5, 6, 7, 8, 9)] == [
        Verdict.VALID, Verdict.SUSPENDED, Verdict.REVOKED, Verdict.CANCELLED, Verdict.VALID]
    with pytest.raises(ListInvalid):
        load_shard(jws, world.root_der, NOW, shard=4)  # another shard's list
    with pytest.raises(StaleList):
        load_shard(jws, world.root_der, NOW + TTL, shard=3)
    assert load_shard(jws, world.root_der, NOW + TTL, shard=3, allow_stale=True).stale
    head, body, sig = jws.split(".")
    with pytest.raises(ListInvalid):
        load_shard(f"{head}.{body[:-2]}AA.{sig}", world.root_der, NOW, shard=3)


def test_a_full_shard_fits_a_phone() -> None:
    """3 % of entries not valid, at random indexes: the encoded list stays well under 20 KB."""
    rng = random.Random(9)
    entries = [(i, rng.choice(("02", "07", "04"))) for i in
               rng.sample(range(SHARD_SIZE), SHARD_SIZE * 3 // 100)]
    assert len(build_shard(0, entries, NOW, TTL)["encoded_list"]) < 10_000
