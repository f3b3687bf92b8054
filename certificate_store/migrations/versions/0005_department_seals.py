"""department seals: each department's uploaded seal image (印章图样, Art. 8)

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

from certificate_store.models.base import UtcDateTime


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'department_seals',
        sa.Column('dept_code', sa.String(length=18), nullable=False),
        sa.Column('png', sa.LargeBinary(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('uploaded_by', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['dept_code'], ['departments.code'],
                                name=op.f('fk_department_seals_dept_code_departments')),
        sa.PrimaryKeyConstraint('dept_code', name=op.f('pk_department_seals')),
    )


def downgrade() -> None:
    op.drop_table('department_seals')
