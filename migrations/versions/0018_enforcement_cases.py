"""supervision: enforcement cases, lead decisions, case steps and documents; a linkage task names its problem

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 14:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.*)
from alembic import op


revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('linkage_task', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_linkage_task_problem_id_problem'), 'problem', ['problem_id'], ['id']
        )
    op.create_table('enforcement_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('unit_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=True),
    sa.Column('outlet_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('classification', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('facts', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
    sa.Column('legal_basis', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('case_number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
    sa.Column('penalty_cents', sa.BigInteger(), nullable=True),
    sa.Column('measures', sa.JSON(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('on_behalf_of', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.CheckConstraint("classification IN ('without_permit', 'against_permit', 'other')", name=op.f('ck_enforcement_case_classification_known')),
    sa.CheckConstraint("status IN ('open', 'decided', 'closed')", name=op.f('ck_enforcement_case_status_known')),
    sa.CheckConstraint('penalty_cents IS NULL OR penalty_cents >= 0', name=op.f('ck_enforcement_case_penalty_not_negative')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_enforcement_case_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['lead_id'], ['enforcement_lead.id'], name=op.f('fk_enforcement_case_lead_id_enforcement_lead')),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_enforcement_case_permit_id_permit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enforcement_case')),
    sa.UniqueConstraint('lead_id', name=op.f('uq_enforcement_case_lead_id'))
    )
    with op.batch_alter_table('enforcement_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enforcement_case_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enforcement_case_permit_id'), ['permit_id'], unique=False)
        batch_op.create_index('ix_enforcement_case_region_status', ['region_code', 'status'], unique=False)

    op.create_table('case_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('media_type', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('on_behalf_of', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.CheckConstraint("kind IN ('record', 'notice', 'decision', 'evidence', 'other')", name=op.f('ck_case_document_kind_known')),
    sa.ForeignKeyConstraint(['case_id'], ['enforcement_case.id'], name=op.f('fk_case_document_case_id_enforcement_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_document'))
    )
    with op.batch_alter_table('case_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_document_case_id'), ['case_id'], unique=False)

    op.create_table('case_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('on_behalf_of', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.CheckConstraint("kind IN ('open', 'decide', 'close', 'document')", name=op.f('ck_case_step_kind_known')),
    sa.ForeignKeyConstraint(['case_id'], ['enforcement_case.id'], name=op.f('fk_case_step_case_id_enforcement_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_step'))
    )
    with op.batch_alter_table('case_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_step_case_id'), ['case_id'], unique=False)

    op.create_table('lead_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('on_behalf_of', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.CheckConstraint("outcome IN ('dismissed', 'case')", name=op.f('ck_lead_decision_outcome_known')),
    sa.ForeignKeyConstraint(['case_id'], ['enforcement_case.id'], name=op.f('fk_lead_decision_case_id_enforcement_case')),
    sa.ForeignKeyConstraint(['lead_id'], ['enforcement_lead.id'], name=op.f('fk_lead_decision_lead_id_enforcement_lead')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_decision')),
    sa.UniqueConstraint('lead_id', name=op.f('uq_lead_decision_lead_id'))
    )


def downgrade() -> None:
    with op.batch_alter_table('linkage_task', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_linkage_task_problem_id_problem'), type_='foreignkey')
    op.drop_table('lead_decision')
    with op.batch_alter_table('case_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_step_case_id'))

    op.drop_table('case_step')
    with op.batch_alter_table('case_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_document_case_id'))

    op.drop_table('case_document')
    with op.batch_alter_table('enforcement_case', schema=None) as batch_op:
        batch_op.drop_index('ix_enforcement_case_region_status')
        batch_op.drop_index(batch_op.f('ix_enforcement_case_permit_id'))
        batch_op.drop_index(batch_op.f('ix_enforcement_case_enterprise_id'))

    op.drop_table('enforcement_case')
