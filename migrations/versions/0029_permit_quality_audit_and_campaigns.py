"""permit quality audit and campaigns

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04 20:16:42.996088
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.*)
from alembic import op


revision: str = '0029'
down_revision: str | None = '0028'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('quality_campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('seed', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('pool_size', sa.Integer(), nullable=False),
    sa.Column('pool_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('sample_size', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('on_behalf_of', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('closed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('conclusion', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.CheckConstraint("kind IN ('random', 'targeted')", name=op.f('ck_quality_campaign_kind_known')),
    sa.CheckConstraint("state IN ('open', 'closed')", name=op.f('ck_quality_campaign_state_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_campaign'))
    )
    with op.batch_alter_table('quality_campaign', schema=None) as batch_op:
        batch_op.create_index('ix_quality_campaign_region_state', ['region_code', 'state'], unique=False)

    op.create_table('quality_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('trigger', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('ran_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('ran_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('finding_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_quality_audit_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_quality_audit_permit_id_permit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_audit'))
    )
    with op.batch_alter_table('quality_audit', schema=None) as batch_op:
        batch_op.create_index('ix_quality_audit_permit_version', ['permit_id', 'version'], unique=False)

    op.create_table('quality_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('checked_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['quality_campaign.id'], name=op.f('fk_quality_check_campaign_id_quality_campaign')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_quality_check_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_quality_check_permit_id_permit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_check')),
    sa.UniqueConstraint('campaign_id', 'permit_id', name='uq_quality_check_permit')
    )
    with op.batch_alter_table('quality_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_check_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_quality_check_permit_checked', ['permit_id', 'checked_at'], unique=False)

    op.create_table('quality_check_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('result', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.CheckConstraint("result IS NULL OR result IN ('passed', 'failed', 'not_applicable')", name=op.f('ck_quality_check_item_result_known')),
    sa.ForeignKeyConstraint(['check_id'], ['quality_check.id'], name=op.f('fk_quality_check_item_check_id_quality_check')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_check_item')),
    sa.UniqueConstraint('check_id', 'code', name='uq_quality_check_item_code')
    )
    with op.batch_alter_table('quality_check_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_check_item_check_id'), ['check_id'], unique=False)

    op.create_table('quality_finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('rule_code', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('basis', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('source_rule', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['audit_id'], ['quality_audit.id'], name=op.f('fk_quality_finding_audit_id_quality_audit')),
    sa.ForeignKeyConstraint(['problem_id'], ['problem.id'], name=op.f('fk_quality_finding_problem_id_problem')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_finding'))
    )
    with op.batch_alter_table('quality_finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_finding_audit_id'), ['audit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('quality_finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_finding_audit_id'))

    op.drop_table('quality_finding')
    with op.batch_alter_table('quality_check_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_check_item_check_id'))

    op.drop_table('quality_check_item')
    with op.batch_alter_table('quality_check', schema=None) as batch_op:
        batch_op.drop_index('ix_quality_check_permit_checked')
        batch_op.drop_index(batch_op.f('ix_quality_check_campaign_id'))

    op.drop_table('quality_check')
    with op.batch_alter_table('quality_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_quality_audit_permit_version')

    op.drop_table('quality_audit')
    with op.batch_alter_table('quality_campaign', schema=None) as batch_op:
        batch_op.drop_index('ix_quality_campaign_region_state')

    op.drop_table('quality_campaign')
