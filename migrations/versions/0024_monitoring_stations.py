"""online monitoring stations (HJ 212-2017): registered stations, their revisions, refused packets

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 16:58:37.709706
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.*)
from alembic import op


revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('monitoring_station',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mn', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('outlet_code', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('password_salt', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('ledger_data', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('minute_interval', sa.Integer(), nullable=False),
    sa.Column('code_overrides', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('on_behalf_of', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('last_packet_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('packets_accepted', sa.Integer(), nullable=False),
    sa.CheckConstraint("ledger_data IN ('hourly', 'minute')", name=op.f('ck_monitoring_station_ledger_data_known')),
    sa.CheckConstraint('minute_interval BETWEEN 1 AND 60', name=op.f('ck_monitoring_station_minute_interval_range')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_monitoring_station_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_monitoring_station_permit_id_permit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_station')),
    sa.UniqueConstraint('mn', name=op.f('uq_monitoring_station_mn'))
    )
    with op.batch_alter_table('monitoring_station', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_station_permit_id'), ['permit_id'], unique=False)
        batch_op.create_index('ix_monitoring_station_region', ['region_code', 'mn'], unique=False)

    op.create_table('monitoring_station_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('changed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('on_behalf_of', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['station_id'], ['monitoring_station.id'], name=op.f('fk_monitoring_station_revision_station_id_monitoring_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_station_revision')),
    sa.UniqueConstraint('station_id', 'revision', name='uq_monitoring_station_revision')
    )
    with op.batch_alter_table('monitoring_station_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_station_revision_station_id'), ['station_id'], unique=False)

    op.create_table('station_rejection',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('peer', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('mn', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('qn', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('cn', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
    sa.CheckConstraint("reason IN ('bad_crc', 'malformed', 'unknown_mn', 'wrong_password', 'unknown_pollutant', 'unsupported_command', 'refused_readings')", name=op.f('ck_station_rejection_reason_known')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_station_rejection_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['station_id'], ['monitoring_station.id'], name=op.f('fk_station_rejection_station_id_monitoring_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_station_rejection'))
    )
    with op.batch_alter_table('station_rejection', schema=None) as batch_op:
        batch_op.create_index('ix_station_rejection_enterprise_received', ['enterprise_id', 'received_at'], unique=False)
        batch_op.create_index('ix_station_rejection_region_received', ['region_code', 'received_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('station_rejection', schema=None) as batch_op:
        batch_op.drop_index('ix_station_rejection_region_received')
        batch_op.drop_index('ix_station_rejection_enterprise_received')

    op.drop_table('station_rejection')
    with op.batch_alter_table('monitoring_station_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_station_revision_station_id'))

    op.drop_table('monitoring_station_revision')
    with op.batch_alter_table('monitoring_station', schema=None) as batch_op:
        batch_op.drop_index('ix_monitoring_station_region')
        batch_op.drop_index(batch_op.f('ix_monitoring_station_permit_id'))

    op.drop_table('monitoring_station')
