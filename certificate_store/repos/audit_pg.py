"""PostgreSQL's audit append in as few round trips as possible (issue 11, B3).

The append lock (`pg_advisory_xact_lock`) is held until COMMIT, and a worker's thread that
waits for the server then also waits to get the GIL back among the other request threads:
every round trip made under the lock lengthens the queue of all audited requests (under
`wrk` with 8 connections, 4 of the 8 requests in flight were waiting for this lock). So the
lock and everything an append reads go in one simple-query string — each of its statements
takes its own snapshot (READ COMMITTED) after the lock is granted, so the previous holder's
commit is seen — and the tiles an append writes go in one upsert.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

# pg_advisory_xact_lock key for "append to the audit log" (ASCII "ecertAUD" as a signed int64).
AUDIT_APPEND_LOCK = 0x6563657274415544

# The lock; then the size, the newest tile of each tile level (the partial ones an append
# extends are among them) and the newest tree head (the head decision).
LOCKED_READ = (
    f"SELECT pg_advisory_xact_lock({AUDIT_APPEND_LOCK}); "  # noqa: S608 - a constant
    "SELECT max(idx) FROM audit_entries; "
    "SELECT t.level, t.tile_index, t.hashes FROM generate_series(0, 7) AS lv(n) "
    "CROSS JOIN LATERAL (SELECT level, tile_index, hashes FROM audit_tiles "
    "WHERE level = lv.n ORDER BY tile_index DESC LIMIT 1) AS t; "
    "SELECT tree_size, timestamp_ms, root_hash, signature, key_id FROM audit_tree_heads "
    "ORDER BY tree_size DESC LIMIT 1"
)
UPSERT_TILE = ("INSERT INTO audit_tiles (level, tile_index, hashes) VALUES (%s, %s, %s) "
               "ON CONFLICT (level, tile_index) DO UPDATE SET hashes = EXCLUDED.hashes")
UPSERT_MAX = 16  # more tiles (bulk appends): delete + COPY (audit.py)

HeadRow = tuple[int, int, bytes, bytes, str]


def locked_read(conn: Connection) -> tuple[int, dict[tuple[int, int], bytes], HeadRow | None]:
    """Take the append lock; return (size, {(level, tile index): hashes} of the newest tile
    of each level, the newest head's fields or None)."""
    try:
        cur: Any = conn.connection.cursor()
        try:
            cur.execute(LOCKED_READ)
            cur.nextset()
            top = cur.fetchone()[0]
            cur.nextset()
            tiles = {(int(lv), int(ix)): bytes(h) for lv, ix, h in cur.fetchall()}
            cur.nextset()
            head = cur.fetchone()
        finally:
            cur.close()
    except conn.dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy's (a lost server: 503)
        raise DBAPIError.instance(LOCKED_READ, None, exc, conn.dialect.loaded_dbapi.Error
                                  ) from exc
    size = 0 if top is None else int(top) + 1
    row = None if head is None else (int(head[0]), int(head[1]), bytes(head[2]),
                                     bytes(head[3]), str(head[4]))
    return size, tiles, row


def upsert_tiles(conn: Connection, tiles: Sequence[tuple[int, int, bytes]]) -> None:
    """Write grown and new tiles in one statement (executemany)."""
    conn.exec_driver_sql(UPSERT_TILE, [(lv, ix, h) for lv, ix, h in tiles])
