"""Tile arithmetic for the stored tree (pure, no I/O), in the manner of tlog tiles.

The tree is stored as *tiles* of height 8: tile ``(L, N)`` covers the 256 hashes at Merkle level
``8·L`` (level 0 = leaf hashes) with indices ``256·N … 256·N + 255`` — its *width* ``w`` is how
many of them exist (only the newest tile of a level is partial) — and stores them together with
the complete nodes above them inside the tile, level by level::

    hashes = level 8L: w hashes ‖ level 8L+1: w>>1 hashes ‖ … ‖ level 8L+7: w>>7 hashes

A hash at level ``8·(L+1)`` is the root of a full tile of level ``L``. Which tiles exist is
fixed by the tree size alone, every perfect subtree ``(level, index)`` is one slice of one
tile, so a proof reads one row per tile level (O(log n / 8) rows, no hashing), and an append
rewrites the partial tile of each level it reaches and adds full ones.

These rows are a cache of hashes: ``audit_log.verify`` recomputes every one from the entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from audit_log import merkle

HEIGHT = 8
WIDTH = 1 << HEIGHT  # base hashes in a full tile
H = merkle.HASH_SIZE

TileKey = tuple[int, int]  # (tile level, tile index)
Levels = list[list[bytes]]  # a tile's hashes per height inside it, 0 … HEIGHT-1


def _count(width: int) -> int:
    return sum(width >> k for k in range(HEIGHT))


_WIDTH_OF = {_count(w): w for w in range(WIDTH + 1)}  # stored hashes -> width (one-to-one)


def level_size(tree_size: int, tile_level: int) -> int:
    """Number of hashes at Merkle level 8·tile_level in a tree of ``tree_size`` leaves."""
    return tree_size >> (HEIGHT * tile_level)


def tail_keys(tree_size: int) -> list[TileKey]:
    """The partial tile of every tile level (what an append must read and extend)."""
    out: list[TileKey] = []
    lv = 0
    while (n := level_size(tree_size, lv)) > 0:
        if n % WIDTH:
            out.append((lv, n // WIDTH))
        lv += 1
    return out


def tile_keys(tree_size: int) -> list[tuple[TileKey, int]]:
    """Every tile of a tree of ``tree_size`` with its width."""
    out: list[tuple[TileKey, int]] = []
    lv = 0
    while (n := level_size(tree_size, lv)) > 0:
        out.extend(((lv, t), min(WIDTH, n - t * WIDTH)) for t in range((n + WIDTH - 1) // WIDTH))
        lv += 1
    return out


def split(data: bytes) -> list[bytes]:
    return [data[i : i + H] for i in range(0, len(data), H)]


def unpack(data: bytes) -> Levels:
    """A stored tile's hashes per height; ValueError if its length fits no width."""
    w = _WIDTH_OF.get(len(data) // H) if len(data) % H == 0 else None
    if w is None:
        raise ValueError("malformed tile")
    out, pos = [], 0
    for k in range(HEIGHT):
        n = w >> k
        out.append(split(data[pos * H : (pos + n) * H]))
        pos += n
    return out


def pack(levels: Levels) -> bytes:
    return b"".join(b"".join(hs) for hs in levels)


def grow(levels: Levels, new: Sequence[bytes]) -> Levels:
    """``levels`` with ``new`` base hashes appended and the nodes they complete."""
    out = [list(hs) for hs in levels] if levels else [[] for _ in range(HEIGHT)]
    out[0].extend(new)
    node = merkle.node_hash
    for k in range(1, HEIGHT):
        below, cur = out[k - 1], out[k]
        cur.extend(node(below[2 * i], below[2 * i + 1]) for i in range(len(cur), len(below) // 2))
    return out


def extend(
    tree_size: int, tails: Mapping[TileKey, bytes], leaf_hashes: Sequence[bytes]
) -> list[tuple[int, int, bytes]]:
    """Tiles to write when ``leaf_hashes`` are appended to a tree of ``tree_size``.

    ``tails`` holds the current partial tiles (``tail_keys(tree_size)``). Returns ``(tile level,
    tile index, hashes)`` for every tile that is new or grew, lowest level first. ValueError if
    a partial tile is missing or has the wrong width.
    """
    out: list[tuple[int, int, bytes]] = []
    new = list(leaf_hashes)
    lv, first = 0, tree_size  # ``first``: index of new[0] at level 8·lv
    while new:
        t = first // WIDTH
        cur = unpack(tails[(lv, t)]) if first % WIDTH and (lv, t) in tails else []
        if len(cur[0] if cur else []) != first % WIDTH:
            raise ValueError(f"stored tile ({lv},{t}) is missing or has the wrong width")
        up: list[bytes] = []
        pos = 0
        while pos < len(new):
            room = WIDTH - (len(cur[0]) if cur else 0)
            cur = grow(cur, new[pos : pos + room])
            pos += room
            out.append((lv, t, pack(cur)))
            if len(cur[0]) == WIDTH:
                up.append(merkle.node_hash(cur[-1][0], cur[-1][1]))
            cur, t = [], t + 1
        new, lv, first = up, lv + 1, first // WIDTH
    return out


def needed(coords: Iterable[tuple[int, int]]) -> set[TileKey]:
    """Tiles holding the subtrees ``(level, index)``."""
    out: set[TileKey] = set()
    for level, index in coords:
        lv, h = divmod(level, HEIGHT)
        out.add((lv, index // (WIDTH >> h)))
    return out


def nodes_from(
    coords: Iterable[tuple[int, int]], tiles: Mapping[TileKey, bytes]
) -> dict[tuple[int, int], bytes]:
    """Hashes of the perfect subtrees ``coords`` read from their tiles; absent ones (tile
    missing, malformed or too narrow) are left out."""
    out: dict[tuple[int, int], bytes] = {}
    for level, index in coords:
        lv, h = divmod(level, HEIGHT)
        t, i = divmod(index, WIDTH >> h)
        data = tiles.get((lv, t))
        w = None if data is None or len(data) % H else _WIDTH_OF.get(len(data) // H)
        if w is None or i >= w >> h:
            continue
        off = (sum(w >> k for k in range(h)) + i) * H
        out[(level, index)] = data[off : off + H]  # type: ignore[index]
    return out
