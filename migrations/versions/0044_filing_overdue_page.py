"""the overdue list reads its rows alone: filing_overdue keeps the permit's number and unit

The filing dashboard's overdue list (催报) joined every overdue row of the jurisdiction to its permit and
checked each one's report for a submission since the last round, for its count and for its page ordered by
permit number (issue 19). Its rows now keep the permit's number and unit, so the count and a page (in the
order of ``ix_filing_overdue_page``) are read from them; a permit or report is read again only for a row a
pending rollup mark names. The rows of before get theirs from their permits here.

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-05 07:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0044"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("filing_overdue", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("permit_number", sa.String(length=22), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("enterprise_id", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(
            "ix_filing_overdue_page", ["kind", "period", "permit_number", "permit_id"], unique=False
        )
    op.execute(
        "UPDATE filing_overdue SET"
        " permit_number = COALESCE((SELECT p.number FROM permit p WHERE p.id = filing_overdue.permit_id), ''),"
        " enterprise_id = COALESCE((SELECT p.enterprise_id FROM permit p WHERE p.id = filing_overdue.permit_id), 0)"
    )


def downgrade() -> None:
    with op.batch_alter_table("filing_overdue", schema=None) as batch_op:
        batch_op.drop_index("ix_filing_overdue_page")
        batch_op.drop_column("enterprise_id")
        batch_op.drop_column("permit_number")
