"""pdf_archives: archived copies (PAdES B-LTA) made by a batch job (issue 11)

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa

from certificate_store.models.base import UtcDateTime


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pdf_archives',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('source_key', sa.String(length=200), nullable=False),
        sa.Column('identifier', sa.String(length=120), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('stamps', sa.Integer(), nullable=False),
        sa.Column('stamped_at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('tsa_not_after', UtcDateTime(timezone=True), nullable=False),
        sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_pdf_archives')),
        sa.UniqueConstraint('source_key', name=op.f('uq_pdf_archives_source_key')),
    )
    with op.batch_alter_table('pdf_archives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pdf_archives_identifier'), ['identifier'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_pdf_archives_stamped_at'), ['stamped_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_pdf_archives_tsa_not_after'), ['tsa_not_after'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pdf_archives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pdf_archives_tsa_not_after'))
        batch_op.drop_index(batch_op.f('ix_pdf_archives_stamped_at'))
        batch_op.drop_index(batch_op.f('ix_pdf_archives_identifier'))
    op.drop_table('pdf_archives')
