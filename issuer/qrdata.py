"""The data half of QR encoding (segments → codewords with Reed–Solomon error correction),
table-driven with Python integers, for `issuer.qr`.

The `qrcode` library does the same work bit by bit through a `BitBuffer` and polynomial
objects; on a citizen URL (version ≈ 20) that was ≈ 80 % of a QR image's time (issue 11,
B8). This produces exactly the codewords `qrcode.util.create_data` does (a test compares
them), and the smallest version that fits, as `QRCode.best_fit` chooses it.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections.abc import Sequence

from qrcode import base, util
from qrcode.exceptions import DataOverflowError

_EXP = [1] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


def _put(acc: int, n: int, value: int, bits: int) -> tuple[int, int]:
    return (acc << bits) | value, n + bits


def _segment_bits(seg: util.QRData) -> tuple[int, int]:
    data: bytes = seg.data
    if seg.mode == util.MODE_8BIT_BYTE:
        return int.from_bytes(data, "big") if data else 0, 8 * len(data)
    acc, n = 0, 0
    if seg.mode == util.MODE_ALPHA_NUM:
        table = util.ALPHA_NUM
        for i in range(0, len(data) - 1, 2):
            acc, n = _put(acc, n, table.find(data[i]) * 45 + table.find(data[i + 1]), 11)
        if len(data) % 2:
            acc, n = _put(acc, n, table.find(data[-1]), 6)
        return acc, n
    if seg.mode == util.MODE_NUMBER:
        for i in range(0, len(data), 3):
            chunk = data[i:i + 3]
            acc, n = _put(acc, n, int(chunk), util.NUMBER_LENGTH[len(chunk)])
        return acc, n
    buffer = util.BitBuffer()  # kanji: not produced by issuer.qr, kept exact anyway
    seg.write(buffer)
    return int("".join("1" if buffer.get(i) else "0" for i in range(len(buffer))) or "0", 2), \
        len(buffer)


def _stream(segments: Sequence[util.QRData], version: int) -> tuple[int, int]:
    acc, n = 0, 0
    for seg in segments:
        acc, n = _put(acc, n, seg.mode, 4)
        acc, n = _put(acc, n, len(seg), util.length_in_bits(seg.mode, version))
        value, bits = _segment_bits(seg)
        acc, n = _put(acc, n, value, bits)
    return acc, n


def best_version(segments: Sequence[util.QRData], error_correction: int, start: int = 1) -> int:
    """The smallest version that holds the segments (`QRCode.best_fit`'s answer)."""
    needed = _stream(segments, start)[1]
    version = bisect_left(util.BIT_LIMIT_TABLE[error_correction], needed, start)
    if version == 41:
        raise DataOverflowError()
    if util.mode_sizes_for_version(version) is not util.mode_sizes_for_version(start):
        return best_version(segments, error_correction, version)
    return version


@functools.lru_cache(maxsize=64)
def _generator_logs(degree: int) -> tuple[int, ...]:
    """log α of the generator polynomial Π(x − αⁱ), i < degree, leading 1 left out."""
    poly = [1]
    for i in range(degree):
        nxt = [0] * (len(poly) + 1)
        for j, c in enumerate(poly):
            nxt[j] ^= c
            if c:
                nxt[j + 1] ^= _EXP[_LOG[c] + i]
        poly = nxt
    if not all(poly[1:]):
        raise AssertionError("generator with a zero coefficient")
    return tuple(_LOG[c] for c in poly[1:])


@functools.lru_cache(maxsize=64)
def _products(degree: int) -> tuple[int, ...]:
    """For each byte f, f × generator as one integer of `degree` bytes: the division below
    then XORs whole rows at once instead of byte by byte."""
    logs = _generator_logs(degree)
    rows = [0]
    for f in range(1, 256):
        lf = _LOG[f]
        rows.append(int.from_bytes(bytes(_EXP[lf + lg] for lg in logs), "big"))
    return tuple(rows)


def _error_correction(data: Sequence[int], degree: int) -> list[int]:
    """The remainder of data·x^degree divided by the generator (an LFSR over bytes)."""
    rows = _products(degree)
    top = 8 * (degree - 1)
    keep = (1 << (8 * degree)) - 1
    rem = 0
    for b in data:
        factor = b ^ (rem >> top)
        rem = ((rem << 8) & keep) ^ rows[factor]
    return list(rem.to_bytes(degree, "big"))


def codewords(version: int, error_correction: int, segments: Sequence[util.QRData]) -> list[int]:
    """`qrcode.util.create_data(version, error_correction, segments)`, fast."""
    acc, n = _stream(segments, version)
    blocks = base.rs_blocks(version, error_correction)
    limit = sum(b.data_count * 8 for b in blocks)
    if n > limit:
        raise DataOverflowError(f"Code length overflow. Data size ({n}) > size available ({limit})")
    term = min(limit - n, 4)
    acc, n = _put(acc, n, 0, term)
    if n % 8:
        acc, n = _put(acc, n, 0, 8 - n % 8)
    raw = list(acc.to_bytes(n // 8, "big")) if n else []
    raw += [util.PAD0 if i % 2 == 0 else util.PAD1 for i in range((limit - n) // 8)]
    dc: list[list[int]] = []
    ec: list[list[int]] = []
    offset = 0
    for block in blocks:
        chunk = raw[offset:offset + block.data_count]
        offset += block.data_count
        dc.append(chunk)
        ec.append(_error_correction(chunk, block.total_count - block.data_count))
    out = [blk[i] for i in range(max(map(len, dc))) for blk in dc if i < len(blk)]
    out += [blk[i] for i in range(max(map(len, ec))) for blk in ec if i < len(blk)]
    return out


_placements: dict[tuple[int, int], tuple[tuple[tuple[int, int], ...], str]] = {}


def _placement(modules: list[list[bool | None]], version: int,
               mask_pattern: int) -> tuple[tuple[tuple[int, int], ...], str]:
    """The data modules in `QRCode.map_data`'s zigzag order, and the mask over them ("1" =
    flip), for a version: the same for every symbol of that version, so computed once."""
    key = (version, mask_pattern)
    found = _placements.get(key)
    if found is not None:
        return found
    n = len(modules)
    order: list[tuple[int, int]] = []
    inc, row = -1, n - 1
    for col in range(n - 1, 0, -2):
        if col <= 6:
            col -= 1
        while True:
            for c in (col, col - 1):
                if modules[row][c] is None:
                    order.append((row, c))
            row += inc
            if row < 0 or n <= row:
                row -= inc
                inc = -inc
                break
    mask = util.mask_func(mask_pattern)
    found = (tuple(order), "".join("1" if mask(r, c) else "0" for r, c in order))
    _placements[key] = found
    return found


def place(modules: list[list[bool | None]], version: int, data: Sequence[int],
          mask_pattern: int) -> None:
    """`QRCode.map_data(data, mask_pattern)`: data bits into the free modules, masked."""
    order, mask = _placement(modules, version, mask_pattern)
    bits = format(int.from_bytes(bytes(data), "big"), f"0{8 * len(data)}b") if data else ""
    bits = (bits + "0" * len(order))[:len(order)]
    flipped = int(bits, 2) ^ int(mask, 2) if order else 0
    for (r, c), b in zip(order, format(flipped, f"0{len(order)}b"), strict=True):
        modules[r][c] = b == "1"
