"""a problem found unfounded is dismissed with its reason: a state of its own and who decided

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "state IN ('open', 'rectifying', 'verified', 'closed')"
AFTER = "state IN ('open', 'rectifying', 'verified', 'closed', 'dismissed')"


def upgrade() -> None:
    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dismissal_reason", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("dismissed_by", sa.String(length=64), nullable=True))
        batch_op.drop_constraint(op.f("ck_problem_state_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_problem_state_known"), sa.text(AFTER))


def downgrade() -> None:
    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_problem_state_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_problem_state_known"), sa.text(BEFORE))
        batch_op.drop_column("dismissed_by")
        batch_op.drop_column("dismissal_reason")
