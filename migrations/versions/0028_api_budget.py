"""the API's rate budget: one row per caller (token, user, address) with its window and spending

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 20:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.*)
from alembic import op

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_budget',
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('window_index', sa.BigInteger(), nullable=False),
    sa.Column('spent', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('subject', name=op.f('pk_api_budget'))
    )


def downgrade() -> None:
    op.drop_table('api_budget')
