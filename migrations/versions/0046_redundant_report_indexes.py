"""drop two indexes that others cover: a report's permit, a submission's report

``ix_execution_report_permit_id`` (permit_id) is the first column of ``uq_execution_report_period``
(permit_id, kind, period), and ``ix_report_submission_report_id`` (report_id) the first of
``uq_report_submission_version`` (report_id, version): every lookup by permit or by report is served
by the unique index, whose leading column it is. Each filing wrote both anyway, the report's on every
new version (its review columns change, so the row is never updated in place): two index entries
of the filing peak's ~40 for nothing (issue 19).

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-05 10:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0046"
down_revision: str | None = "0045"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_execution_report_permit_id", "execution_report", "permit_id"),
    ("ix_report_submission_report_id", "report_submission", "report_id"),
)


def upgrade() -> None:
    for name, table, _column in INDEXES:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], unique=False)
