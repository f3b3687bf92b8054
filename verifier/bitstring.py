"""Bitstring status list shards (after W3C Bitstring Status List v1.0), docs/formats.md.

Each certificate holds a random index in one shard of ``SHARD_SIZE`` entries, ``STATUS_BITS``
bits each; a phone checks one certificate offline by fetching the one root-signed shard its
QR names. Entry values: 0 valid, 1 suspended, 2 revoked or withdrawn, 3 any other status
(cancelled, lapsed, transferred, other): the verdict a page shows needs no more. Bit order
as in the W3C spec: entry ``i`` is bits ``2i`` and ``2i+1`` counted from the most
significant bit of the first byte. The list is GZIP-compressed (mtime 0).

Wire form (``ecert/status-shard/2``): the gzip bytes are served as they are, and the root
signs a small JSON description of them (shard number, geometry, times and the SHA-256 of
the gzip bytes) as an ordinary signed document (``ca.documents.sign_document``), served in
the ``Ecert-Shard-Signature`` header: no base64 inside base64, about 45 % smaller than the
list inside the JWS (bench/bench_status_shard.py). ``build_shard`` returns both parts;
``load_shard`` verifies the root's signature, the digest and freshness.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from formats.chinatime import utc_z
from formats.status import REVOKED, SUSPENDED, VALID, WITHDRAWN, Verdict
from formats.statuslist import ENTRY_CODES, shard_digest
from formats.statuslist import SHARD_SIZE as SHARD_SIZE
from formats.statuslist import SHARD_SPEC as SHARD_SPEC
from formats.statuslist import STATUS_BITS as STATUS_BITS
from verifier.errors import ListInvalid, MalformedInput
from verifier.evidence import ListInfo
from verifier.lists import _times, _verified_payload

RAW_BYTES = SHARD_SIZE * STATUS_BITS // 8
MAX_GZIP_BYTES = 48 * 1024  # a shard of noise compresses to ~33 KB; refuse more
ENTRY_VALID, ENTRY_SUSPENDED, ENTRY_REVOKED, ENTRY_OTHER = 0, 1, 2, 3
ENTRY_VERDICT: Mapping[int, Verdict] = {
    ENTRY_VALID: Verdict.VALID, ENTRY_SUSPENDED: Verdict.SUSPENDED,
    ENTRY_REVOKED: Verdict.REVOKED, ENTRY_OTHER: Verdict.CANCELLED,
}
ENTRY_CODE: Mapping[int, str] = dict(enumerate(ENTRY_CODES))
"""The status code an offline verifier reports for an entry (the shard keeps two bits)."""


def entry_of_status(code: str) -> int:
    """The 2-bit entry for a status code (formats.status)."""
    if code == VALID:
        return ENTRY_VALID
    if code == SUSPENDED:
        return ENTRY_SUSPENDED
    if code in (REVOKED, WITHDRAWN):
        return ENTRY_REVOKED
    return ENTRY_OTHER


def pack(entries: Iterable[tuple[int, int]]) -> bytes:
    """The raw bitstring of one shard from (index, entry) pairs; unlisted indexes are 0."""
    raw = bytearray(RAW_BYTES)
    for index, value in entries:
        if not 0 <= index < SHARD_SIZE or not 0 <= value < 4:
            raise ValueError(f"entry {index}={value} out of range")
        byte, slot = divmod(index, 4)
        shift = 6 - 2 * slot
        raw[byte] = (raw[byte] & ~(3 << shift)) | (value << shift)
    return bytes(raw)


def entry_at(raw: bytes, index: int) -> int:
    if not 0 <= index < SHARD_SIZE:
        raise MalformedInput("状态索引超出范围 / status index out of range")
    byte, slot = divmod(index, 4)
    return (raw[byte] >> (6 - 2 * slot)) & 3


def encode_list(raw: bytes) -> bytes:
    return gzip.compress(raw, compresslevel=9, mtime=0)  # mtime 0: the same bytes each time


def decode_list(data: object) -> bytes:
    if not isinstance(data, bytes) or len(data) > MAX_GZIP_BYTES:
        raise ListInvalid("状态分片格式错误 / bad encoded list")
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            raw = fh.read(RAW_BYTES + 1)  # bounded: a gzip bomb stops here
    except (ValueError, OSError, EOFError) as exc:
        raise ListInvalid("状态分片格式错误 / bad encoded list") from exc
    if len(raw) != RAW_BYTES:
        raise ListInvalid("状态分片长度错误 / wrong list length")
    return raw


@dataclass(frozen=True)
class ShardBody:
    meta: dict[str, Any]
    """What the root signs (``ecert/status-shard/2``)."""
    gz: bytes
    """The gzip-compressed bitstring, served as the response body."""


def build_shard(shard: int, entries: Iterable[tuple[int, str]], now: dt.datetime,
                ttl: dt.timedelta) -> ShardBody:
    """``GET /pki/status/<shard>`` from (index, status code) pairs: the signed description
    and the body."""
    gz = encode_list(pack((i, entry_of_status(c)) for i, c in entries))
    return ShardBody({
        "spec": SHARD_SPEC,
        "shard": shard,
        "size": SHARD_SIZE,
        "status_size": STATUS_BITS,
        "issued_at": utc_z(now),
        "next_update": utc_z(now + ttl),
        "sha256": shard_digest(gz),
    }, gz)


@dataclass(frozen=True)
class StatusShard:
    shard: int
    issued_at: dt.datetime
    next_update: dt.datetime
    raw: bytes
    stale: bool

    @property
    def info(self) -> ListInfo:
        return ListInfo("status-shard", self.issued_at, self.next_update)

    def verdict(self, index: int) -> Verdict:
        return ENTRY_VERDICT[entry_at(self.raw, index)]

    def status_code(self, index: int) -> str:
        """The representative status code of entry ``index`` (`ENTRY_CODE`)."""
        return ENTRY_CODE[entry_at(self.raw, index)]


def load_shard(jws: str, gz: bytes, root_der: bytes, now: dt.datetime, *, shard: int,
               allow_stale: bool = False) -> StatusShard:
    """A root-signed shard (the signature header's JWS and the body's gzip bytes), checked
    to be shard number ``shard`` (the one the QR names) and to be the bytes the root signed."""
    if not isinstance(jws, str):
        raise MalformedInput("list must be a compact JWS string")
    obj = _verified_payload(jws.strip(), root_der, now, SHARD_SPEC)
    issued, nxt, stale = _times(obj, now, allow_stale)
    if obj.get("shard") != shard or obj.get("size") != SHARD_SIZE or \
            obj.get("status_size") != STATUS_BITS:
        raise ListInvalid("状态分片不符 / not the expected shard")
    if not isinstance(gz, bytes) or obj.get("sha256") != shard_digest(gz):
        raise ListInvalid("状态分片内容与签名不符 / shard bytes are not the signed ones")
    return StatusShard(shard, issued, nxt, decode_list(gz), stale)
