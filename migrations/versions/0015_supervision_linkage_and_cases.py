"""supervision: three-supervision linkage tasks (receivers, steps) and enforcement cases

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 13:58:27.836291
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.*)
from alembic import op


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('linkage_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('department', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('unit_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=True),
    sa.Column('outlet_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=True),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('requested_action', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('handler', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('responsible_person', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('initiated_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('remarks', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('source_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('source_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('via_sheet', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('on_behalf_of', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('archived_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('general', 'unpermitted', 'unregistered', 'permit_wrong')", name=op.f('ck_linkage_task_kind_known')),
    sa.CheckConstraint('due_on >= initiated_on', name=op.f('ck_linkage_task_due_after_initiated')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_linkage_task_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_linkage_task_permit_id_permit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_linkage_task'))
    )
    with op.batch_alter_table('linkage_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linkage_task_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('ix_linkage_task_region_archived', ['region_code', 'archived_at'], unique=False)

    op.create_table('linkage_receiver',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('department', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.CheckConstraint("stage IN ('sent', 'received', 'executed', 'fed_back')", name=op.f('ck_linkage_receiver_stage_known')),
    sa.ForeignKeyConstraint(['task_id'], ['linkage_task.id'], name=op.f('fk_linkage_receiver_task_id_linkage_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_linkage_receiver')),
    sa.UniqueConstraint('task_id', 'department', name='uq_linkage_receiver_department')
    )
    with op.batch_alter_table('linkage_receiver', schema=None) as batch_op:
        batch_op.create_index('ix_linkage_receiver_department_stage', ['department', 'stage'], unique=False)
        batch_op.create_index(batch_op.f('ix_linkage_receiver_task_id'), ['task_id'], unique=False)

    op.create_table('linkage_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('department', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('handler', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('responsible_person', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('remarks', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('via_sheet', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('on_behalf_of', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.CheckConstraint("kind IN ('initiate', 'receive', 'execute', 'feedback', 'archive')", name=op.f('ck_linkage_step_kind_known')),
    sa.ForeignKeyConstraint(['task_id'], ['linkage_task.id'], name=op.f('fk_linkage_step_task_id_linkage_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_linkage_step'))
    )
    with op.batch_alter_table('linkage_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linkage_step_task_id'), ['task_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('linkage_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linkage_step_task_id'))

    op.drop_table('linkage_step')
    with op.batch_alter_table('linkage_receiver', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linkage_receiver_task_id'))
        batch_op.drop_index('ix_linkage_receiver_department_stage')

    op.drop_table('linkage_receiver')
    with op.batch_alter_table('linkage_task', schema=None) as batch_op:
        batch_op.drop_index('ix_linkage_task_region_archived')
        batch_op.drop_index(batch_op.f('ix_linkage_task_enterprise_id'))

    op.drop_table('linkage_task')
