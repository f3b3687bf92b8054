"""audit tiles: the stored tree as tiles of height 8 instead of one row per subtree node

Revision ID: 0010
Revises: 0009

Tile (L, N) holds, level by level, the nodes at Merkle levels 8·L … 8·L+7 under the 256
hashes 256·N … 256·N+255 of level 8·L (layout: audit_log/tiles.py). Every one of them is an
old `audit_nodes` row, so the backfill regroups rows — no hashing — in this migration's
transaction, a page of tiles at a time; the downgrade regroups them back. A gap in the old rows
(a damaged store) cuts its tile short; `ecert audit verify` names what is missing.
"""
import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

HEIGHT, WIDTH = 8, 256
PAGE = 256  # tiles per round of queries

_TILES = sa.table('audit_tiles', sa.column('level', sa.SmallInteger),
                  sa.column('tile_index', sa.BigInteger), sa.column('hashes', sa.LargeBinary))
_NODES = sa.table('audit_nodes', sa.column('level', sa.SmallInteger),
                  sa.column('node_index', sa.BigInteger), sa.column('hash', sa.LargeBinary))


def upgrade() -> None:
    op.create_table(
        'audit_tiles',
        sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column('tile_index', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('hashes', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('level', 'tile_index', name=op.f('pk_audit_tiles')),
    )
    conn = op.get_bind()
    tile_level = 0
    while True:
        top = conn.execute(sa.text('SELECT max(node_index) FROM audit_nodes WHERE level = :l'),
                           {'l': tile_level * HEIGHT}).scalar()
        if top is None:
            break
        for first in range(0, int(top) // WIDTH + 1, PAGE):
            rows = [_tile(conn, tile_level, t) for t in range(first, first + PAGE)]
            rows = [r for r in rows if r['hashes']]
            if rows:
                conn.execute(sa.insert(_TILES), rows)
        tile_level += 1
    op.drop_table('audit_nodes')


def _tile(conn: sa.Connection, tile_level: int, t: int) -> dict[str, object]:
    per_height: list[dict[int, bytes]] = []
    for k in range(HEIGHT):
        w = WIDTH >> k
        per_height.append({int(ix): bytes(h) for ix, h in conn.execute(sa.text(
            'SELECT node_index, hash FROM audit_nodes WHERE level = :l AND node_index >= :a '
            'AND node_index < :b'), {'l': tile_level * HEIGHT + k, 'a': t * w, 'b': (t + 1) * w})})
    # width: the most base hashes whose complete nodes are all present, contiguously
    width = 0
    while width < WIDTH and all(
            t * (WIDTH >> k) + ((width + 1) >> k) - 1 in per_height[k]
            for k in range(HEIGHT) if (width + 1) >> k):
        width += 1
    hashes = b''.join(per_height[k][t * (WIDTH >> k) + i]
                      for k in range(HEIGHT) for i in range(width >> k))
    return {'level': tile_level, 'tile_index': t, 'hashes': hashes}


def downgrade() -> None:
    op.create_table(
        'audit_nodes',
        sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column('node_index', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint('level', 'node_index', name=op.f('pk_audit_nodes')),
    )
    conn = op.get_bind()
    widths = {sum(w >> k for k in range(HEIGHT)): w for w in range(WIDTH + 1)}
    after = (-1, -1)
    while True:
        page = conn.execute(sa.text(
            'SELECT level, tile_index, hashes FROM audit_tiles WHERE level > :l OR '
            '(level = :l AND tile_index > :t) ORDER BY level, tile_index LIMIT :n'),
            {'l': after[0], 't': after[1], 'n': PAGE}).all()
        if not page:
            break
        nodes: list[dict[str, object]] = []
        for lv, t, data in page:
            data, pos = bytes(data), 0
            w = widths[len(data) // 32]
            for k in range(HEIGHT):
                for i in range(w >> k):
                    nodes.append({'level': int(lv) * HEIGHT + k,
                                  'node_index': int(t) * (WIDTH >> k) + i,
                                  'hash': data[pos:pos + 32]})
                    pos += 32
        conn.execute(sa.insert(_NODES), nodes)
        after = (int(page[-1][0]), int(page[-1][1]))
    op.drop_table('audit_tiles')
