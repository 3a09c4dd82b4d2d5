"""feedback_form.submission_id indexed

The review flags (``domain/reports/awaiting.py``, 0040) are recomputed by every filing and review step;
their expression finds a report's feedback forms by the submission they were issued on, which read the
whole table (a province's forms grow with its reviews). An index like report_id's.

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-05 05:55:00
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0042'
down_revision: str | None = '0041'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_feedback_form_submission_id", "feedback_form", ["submission_id"])


def downgrade() -> None:
    op.drop_index("ix_feedback_form_submission_id", table_name="feedback_form")
