"""co-signatures: further issuing departments' signatures of a version's record

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

from certificate_store.models.base import UtcDateTime


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'co_signatures',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('certificate_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('dept_code', sa.String(length=18), nullable=False),
        sa.Column('jws', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('signing_cert', sa.String(length=64), nullable=False),
        sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'],
                                name=op.f('fk_co_signatures_certificate_id_certificates')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_co_signatures')),
        sa.UniqueConstraint('certificate_id', 'version', 'dept_code',
                            name=op.f('uq_co_signatures_certificate_id')),
    )
    with op.batch_alter_table('co_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_co_signatures_certificate_id'), ['certificate_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('co_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_co_signatures_certificate_id'))
    op.drop_table('co_signatures')
