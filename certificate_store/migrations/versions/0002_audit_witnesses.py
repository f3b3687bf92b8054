"""registered audit witnesses

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import certificate_store.models.base


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_witnesses',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('key_id', sa.String(length=200), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('added_at', certificate_store.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_audit_witnesses'))
    )


def downgrade() -> None:
    op.drop_table('audit_witnesses')
