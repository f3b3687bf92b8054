"""named operators: every staff token and client certificate belongs to a person

Existing staff tokens and client certificates get their department's placeholder operator
("未具名操作员", post "待登记岗位"): they keep working, and the log names the placeholder until
the department registers the real person (`ecert operator add`) and reissues the credential.

Revision ID: 0006
Revises: 0005
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa
import certificate_store.models.base


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('operators',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('dept_code', sa.String(length=18), nullable=True),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('post', sa.String(length=60), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('placeholder', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', certificate_store.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', certificate_store.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['dept_code'], ['departments.code'],
                            name=op.f('fk_operators_dept_code_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operators')),
    sa.UniqueConstraint('subject', name=op.f('uq_operators_subject'))
    )
    op.create_index(op.f('ix_operators_dept_code'), 'operators', ['dept_code'], unique=False)
    op.create_table('operator_client_certs',
    sa.Column('serial', sa.String(length=50), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'],
                            name=op.f('fk_operator_client_certs_operator_id_operators')),
    sa.PrimaryKeyConstraint('serial', name=op.f('pk_operator_client_certs'))
    )
    op.create_index(op.f('ix_operator_client_certs_operator_id'), 'operator_client_certs',
                    ['operator_id'], unique=False)
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operator_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_tokens_operator_id'), ['operator_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_api_tokens_operator_id_operators'),
                                    'operators', ['operator_id'], ['id'])
    _placeholders()
    _outbox()


def _outbox() -> None:
    op.create_table('webhook_endpoints',
    sa.Column('dept_code', sa.String(length=18), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', certificate_store.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dept_code'], ['departments.code'],
                            name=op.f('fk_webhook_endpoints_dept_code_departments')),
    sa.PrimaryKeyConstraint('dept_code', name=op.f('pk_webhook_endpoints'))
    )
    op.create_table('outbox_deliveries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('target', sa.String(length=500), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', certificate_store.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_result', sa.String(length=300), nullable=True),
    sa.Column('delivered_at', certificate_store.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', certificate_store.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'],
                            name=op.f('fk_outbox_deliveries_notification_id_notifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_deliveries')),
    sa.UniqueConstraint('notification_id', 'channel',
                        name=op.f('uq_outbox_deliveries_notification_id'))
    )
    op.create_table('holder_contacts',
    sa.Column('holder_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('updated_at', certificate_store.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('holder_hash', name=op.f('pk_holder_contacts'))
    )
    op.create_index(op.f('ix_outbox_deliveries_state'), 'outbox_deliveries', ['state'], unique=False)
    op.create_index(op.f('ix_outbox_deliveries_next_attempt_at'), 'outbox_deliveries',
                    ['next_attempt_at'], unique=False)


def _placeholders() -> None:
    """One placeholder operator per department (and one for the platform's own staff) that
    holds credentials made before operators existed."""
    conn = op.get_bind()
    depts = {r[0] for r in conn.execute(sa.text(
        "SELECT DISTINCT dept_code FROM api_tokens WHERE role <> 'holder'"))}
    certs = conn.execute(sa.text(
        "SELECT serial, dept_code FROM pki_certificates "
        "WHERE kind IN ('client-issuer', 'client-user')")).all()
    depts |= {d for _, d in certs}
    now = dt.datetime.now(dt.UTC)
    ops = sa.table('operators', sa.column('id', sa.Integer), sa.column('dept_code', sa.String),
                   sa.column('name', sa.String), sa.column('post', sa.String),
                   sa.column('placeholder', sa.Boolean), sa.column('active', sa.Boolean),
                   sa.column('created_at', certificate_store.models.base.UtcDateTime()))
    ids: dict[str | None, int] = {}
    for dept in sorted(depts, key=lambda d: d or ""):
        conn.execute(ops.insert().values(dept_code=dept, name="未具名操作员", post="待登记岗位",
                                         placeholder=True, active=True, created_at=now))
        ids[dept] = conn.execute(sa.select(sa.func.max(ops.c.id))).scalar_one()
        where = "dept_code IS NULL" if dept is None else "dept_code = :d"
        conn.execute(sa.text(f"UPDATE api_tokens SET operator_id = :o WHERE {where} "
                             "AND role <> 'holder' AND operator_id IS NULL"),
                     {"o": ids[dept], "d": dept})
    for serial, dept in certs:
        conn.execute(sa.text("INSERT INTO operator_client_certs (serial, operator_id) "
                             "VALUES (:s, :o)"), {"s": serial, "o": ids[dept]})


def downgrade() -> None:
    op.drop_index(op.f('ix_outbox_deliveries_next_attempt_at'), table_name='outbox_deliveries')
    op.drop_index(op.f('ix_outbox_deliveries_state'), table_name='outbox_deliveries')
    op.drop_table('outbox_deliveries')
    op.drop_table('webhook_endpoints')
    op.drop_table('holder_contacts')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_tokens_operator_id_operators'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_tokens_operator_id'))
        batch_op.drop_column('operator_id')
    op.drop_index(op.f('ix_operator_client_certs_operator_id'), table_name='operator_client_certs')
    op.drop_table('operator_client_certs')
    op.drop_index(op.f('ix_operators_dept_code'), table_name='operators')
    op.drop_table('operators')
