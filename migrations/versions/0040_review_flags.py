"""review flags: which reviewing departments a report awaits and its latest error count, on the report

The review queue put the reports awaiting the reader's department first by evaluating, per request, a
correlated subquery over section reviews and feedback for every report of the jurisdiction, then sorted
them all (3.3 s for a city of the province, issue 19). The report now stores one flag per reviewing
department and its latest submission's error count, kept by ``domain/reports/awaiting.py``
(``refresh_review_flags``) in every write that changes them, and indexes hold the queue's default order
so a page is read in order with its LIMIT. The flags of existing reports are filled here with the same
expression as ``awaits`` (the department's sections per kind counted as today).

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-05 05:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0040'
down_revision: str | None = '0039'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# department -> the sections it checks in an annual report, in any other report (as ``awaits`` counts them)
DEPARTMENTS = {
    "permitting": (5, 1),
    "ecology": (7, 3),
    "pollution_prevention": (9, 5),
}

LATEST = (
    "FROM report_submission s WHERE s.report_id = execution_report.id "
    "AND s.version = execution_report.latest_version"
)


def _awaits(department: str, annual: int, other: int) -> str:
    reviewed = (
        "(SELECT count(DISTINCT r.section) FROM report_section_review r "
        f"WHERE r.submission_id = s.id AND r.department = '{department}')"
    )
    answered = (
        "EXISTS (SELECT 1 FROM feedback_item i JOIN feedback_form f ON f.id = i.form_id "
        f"WHERE f.submission_id = s.id AND f.status = 'answered' AND i.department = '{department}' "
        "AND NOT EXISTS (SELECT 1 FROM report_section_review r WHERE r.submission_id = s.id "
        f"AND r.department = '{department}' AND r.section = i.section AND r.reviewed_at > f.responded_at))"
    )
    expected = f"CASE WHEN execution_report.kind = 'annual' THEN {annual} ELSE {other} END"
    return f"EXISTS (SELECT 1 {LATEST} AND ({reviewed} < {expected} OR {answered}))"


def upgrade() -> None:
    for department in DEPARTMENTS:
        op.add_column(
            'execution_report',
            sa.Column(f'awaits_{department}', sa.Boolean(), nullable=False, server_default=sa.false()),
        )
    op.add_column(
        'execution_report',
        sa.Column('latest_error_count', sa.Integer(), nullable=False, server_default='0'),
    )
    op.execute(
        f"UPDATE execution_report SET latest_error_count = (SELECT s.error_count {LATEST}) "
        f"WHERE EXISTS (SELECT 1 {LATEST} AND s.error_count <> 0)"
    )
    flags = ", ".join(
        f"awaits_{department} = {_awaits(department, annual, other)}"
        for department, (annual, other) in DEPARTMENTS.items()
    )
    op.execute(f"UPDATE execution_report SET {flags} WHERE state = 'submitted'")
    for department in DEPARTMENTS:
        op.create_index(
            f'ix_execution_report_queue_awaits_{department}',
            'execution_report',
            ['state', sa.literal_column(f'awaits_{department}').desc(), sa.literal_column('latest_error_count').desc(), 'due_date', 'id'],
        )
    op.create_index(
        'ix_execution_report_queue',
        'execution_report',
        ['state', sa.literal_column('latest_error_count').desc(), 'due_date', 'id'],
    )


def downgrade() -> None:
    op.drop_index('ix_execution_report_queue', table_name='execution_report')
    for department in DEPARTMENTS:
        op.drop_index(f'ix_execution_report_queue_awaits_{department}', table_name='execution_report')
    # Dropped in place (SQLite 3.35+ too): a batch rebuild would lose the table's guard triggers (0009).
    op.drop_column('execution_report', 'latest_error_count')
    for department in DEPARTMENTS:
        op.drop_column('execution_report', f'awaits_{department}')
