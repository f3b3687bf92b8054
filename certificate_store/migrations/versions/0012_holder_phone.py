"""holder_contacts.phone: the mobile number the identity service vouched for (SMS channel)

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('holder_contacts') as batch:
        batch.add_column(sa.Column('phone', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('holder_contacts') as batch:
        batch.drop_column('phone')
