"""proposals: catalog entries, grants and presentation scenarios awaiting the authority

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

from certificate_store.models.base import UtcDateTime


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'proposals',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('type_code', sa.String(length=21), nullable=False),
        sa.Column('dept_code', sa.String(length=18), nullable=False),
        sa.Column('summary', sa.String(length=300), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('proposed_by', sa.String(length=200), nullable=False),
        sa.Column('proposed_at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('decided_by', sa.String(length=200), nullable=True),
        sa.Column('decided_at', UtcDateTime(timezone=True), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('applied_version', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['dept_code'], ['departments.code'],
                                name=op.f('fk_proposals_dept_code_departments')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_type_code'), ['type_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_dept_code'), ['dept_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposals_state'))
        batch_op.drop_index(batch_op.f('ix_proposals_dept_code'))
        batch_op.drop_index(batch_op.f('ix_proposals_type_code'))
    op.drop_table('proposals')
