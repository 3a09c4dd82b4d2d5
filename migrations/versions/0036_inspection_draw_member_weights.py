"""inspection draws weigh units by their environmental credit: the weights published with the draw

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-05 04:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0036'
down_revision: str | None = '0035'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Draws made before weights existed weighed every unit 1: an empty mapping.
    with op.batch_alter_table('inspection_draw', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('member_weights', sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade() -> None:
    with op.batch_alter_table('inspection_draw', schema=None) as batch_op:
        batch_op.drop_column('member_weights')
