"""the review queue's count reads an index: (state, permit_id) on execution_report

A page of the review queue is read in order off its index (0040), but its count read every report of
the state (the table's rows are wide: each holds its draft), 0.2-0.4 s for a city of the province. With
this index PostgreSQL counts from the index alone (issue 19).

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-05 05:30:00
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0041'
down_revision: str | None = '0040'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_execution_report_state_permit", "execution_report", ["state", "permit_id"])


def downgrade() -> None:
    op.drop_index("ix_execution_report_state_permit", table_name="execution_report")
