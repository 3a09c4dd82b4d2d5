"""filing rollup: cells keyed by due date too, the overdue reports one row each, and the day they reach

The rollup is a count the worker keeps (docs/statistics.md, The filing rollup): its table is made anew
with the due date in the cell's key, and every district with a permit issued is marked, so the worker's
first round (or `permitwatch rollup-rebuild`) counts it again with its overdue rows.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-05 04:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.*)
from alembic import op


revision: str = '0039'
down_revision: str | None = '0038'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rollup(with_due_date: bool) -> None:
    columns = [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column('industry_code', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    ]
    if with_due_date:
        columns.append(sa.Column('due_date', sa.Date(), nullable=False))
    key = ['region_code', 'industry_code', 'kind', 'period'] + (['due_date'] if with_due_date else [])
    op.create_table('filing_rollup',
    *columns,
    sa.Column('due', sa.Integer(), nullable=False),
    sa.Column('submitted', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filing_rollup')),
    sa.UniqueConstraint(*key, name='uq_filing_rollup_cell')
    )
    op.create_index('ix_filing_rollup_kind_period', 'filing_rollup', ['kind', 'period', 'region_code'], unique=False)


def _mark_every_district() -> None:
    op.execute("DELETE FROM filing_rollup_mark")
    op.execute(
        "INSERT INTO filing_rollup_mark (region_code, marked_at) "
        "SELECT DISTINCT region_code, CURRENT_TIMESTAMP FROM permit WHERE status = 'issued'"
    )


def upgrade() -> None:
    op.drop_index('ix_filing_rollup_kind_period', table_name='filing_rollup')
    op.drop_table('filing_rollup')
    _rollup(with_due_date=True)
    op.create_table('filing_overdue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('industry_code', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filing_overdue')),
    sa.UniqueConstraint('permit_id', 'kind', 'period', name='uq_filing_overdue_report')
    )
    op.create_index('ix_filing_overdue_kind_period', 'filing_overdue', ['kind', 'period', 'region_code'], unique=False)
    with op.batch_alter_table('filing_rollup_state') as batch:
        batch.add_column(sa.Column('overdue_through', sa.Date(), nullable=True))
    op.execute("UPDATE filing_rollup_state SET counted_at = NULL")
    _mark_every_district()


def downgrade() -> None:
    with op.batch_alter_table('filing_rollup_state') as batch:
        batch.drop_column('overdue_through')
    op.drop_index('ix_filing_overdue_kind_period', table_name='filing_overdue')
    op.drop_table('filing_overdue')
    op.drop_index('ix_filing_rollup_kind_period', table_name='filing_rollup')
    op.drop_table('filing_rollup')
    _rollup(with_due_date=False)
    op.execute("UPDATE filing_rollup_state SET counted_at = NULL")
    _mark_every_district()
