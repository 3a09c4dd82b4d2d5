"""drop four indexes nothing reads: two that unique indexes cover, two no query uses

``ix_execution_report_permit_id`` (permit_id) is the first column of ``uq_execution_report_period``
(permit_id, kind, period), and ``ix_report_submission_report_id`` (report_id) the first of
``uq_report_submission_version`` (report_id, version): every lookup by permit or by report is served
by the unique index, whose leading column it is. ``ix_audit_entry_action`` and
``ix_audit_entry_occurred_at``: no query selects audit entries by action or by time alone (a unit's
trail reads ``ix_audit_entry_enterprise``, an object's ``ix_audit_entry_object``, the newest the
primary key). Each filing wrote all four anyway (the report's on every new version: its review columns
change, so the row is never updated in place), and every write of the platform the audit two: index
entries for nothing (issue 19, the filing peak).

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
    ("ix_audit_entry_action", "audit_entry", "action"),
    ("ix_audit_entry_occurred_at", "audit_entry", "occurred_at"),
)


def upgrade() -> None:
    for name, table, _column in INDEXES:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], unique=False)
