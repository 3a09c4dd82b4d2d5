"""the change feed: an append-only event per create, update, void or state change, with its transaction

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 20:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.*)
from alembic import op


revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # On PostgreSQL each row takes the id of the transaction writing it (domain.changes.models); SQLite
    # serialises writers, its rows keep 0 and id order is commit order.
    postgresql = op.get_bind().dialect.name == 'postgresql'
    xid_default = sa.text('(pg_current_xact_id()::text::bigint)' if postgresql else '0')
    op.create_table('change_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('xid', sa.BigInteger(), server_default=xid_default, nullable=False),
    sa.Column('occurred_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('object_type', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('object_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('change', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_event'))
    )
    with op.batch_alter_table('change_event', schema=None) as batch_op:
        batch_op.create_index('ix_change_event_order', ['xid', 'id'], unique=False)
        batch_op.create_index('ix_change_event_object', ['object_type', 'object_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('change_event', schema=None) as batch_op:
        batch_op.drop_index('ix_change_event_object')
        batch_op.drop_index('ix_change_event_order')
    op.drop_table('change_event')
