"""objection evidence and escalation: attachments (PDF/JPEG/PNG checked by content) and the
supervising authority's coordination of objections the issuer did not answer in time (Art. 17)

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

from certificate_store.models.base import UtcDateTime


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'objection_evidence',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('objection_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=120), nullable=False),
        sa.Column('content_type', sa.String(length=40), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('uploaded_by', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['objection_id'], ['objections.id'],
                                name=op.f('fk_objection_evidence_objection_id_objections')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_objection_evidence')),
    )
    with op.batch_alter_table('objection_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_evidence_objection_id'), ['objection_id'],
                              unique=False)
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_at', UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('coordinated_at', UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('coordinated_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('coordination', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('coordination_state', sa.String(length=12), nullable=True))
        batch_op.create_index(batch_op.f('ix_objections_escalated_at'), ['escalated_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objections_escalated_at'))
        for column in ('coordination_state', 'coordination', 'coordinated_by', 'coordinated_at',
                       'escalated_at'):
            batch_op.drop_column(column)
    with op.batch_alter_table('objection_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_evidence_objection_id'))
    op.drop_table('objection_evidence')
