"""shutdown periods (停产)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 08:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.*)
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('shutdown_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('on_behalf_of', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('ended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('ended_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_shutdown_period_ends_after_start')),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_shutdown_period_permit_id_permit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shutdown_period'))
    )
    with op.batch_alter_table('shutdown_period', schema=None) as batch_op:
        batch_op.create_index('ix_shutdown_period_permit_start', ['permit_id', 'starts_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('shutdown_period', schema=None) as batch_op:
        batch_op.drop_index('ix_shutdown_period_permit_start')
    op.drop_table('shutdown_period')
