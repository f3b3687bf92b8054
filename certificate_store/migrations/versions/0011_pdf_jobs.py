"""pdf_jobs: PDFs withheld until the time-stamping service answers (issue 12)

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

from certificate_store.models.base import UtcDateTime


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pdf_jobs',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('identifier', sa.String(length=120), nullable=False),
        sa.Column('what', sa.String(length=20), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('next_attempt_at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('completed_at', UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_pdf_jobs')),
    )
    with op.batch_alter_table('pdf_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pdf_jobs_identifier'), ['identifier'], unique=False)
        batch_op.create_index(batch_op.f('ix_pdf_jobs_next_attempt_at'), ['next_attempt_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pdf_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pdf_jobs_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_pdf_jobs_identifier'))
    op.drop_table('pdf_jobs')
