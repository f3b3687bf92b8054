"""list generations: a counter per signed list, bumped with every change it reflects

Revision ID: 0003
Revises: 0002

No rows are seeded (a restore needs an empty database): the first bump inserts them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('list_generations',
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_list_generations'))
    )


def downgrade() -> None:
    op.drop_table('list_generations')
