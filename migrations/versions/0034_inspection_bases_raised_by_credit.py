"""inspection plan bases raised by the unit's environmental credit (key_quarterly, simplified_half_year)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05 04:05:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0034'
down_revision: str | None = '0033'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BASES = (
    'new_permit', 'key_half_year', 'key_yearly', 'simplified_yearly', 'registration_drawn', 'drawn',
    'monitoring_key', 'monitoring_simplified_drawn',
)
RAISED = ('key_quarterly', 'simplified_half_year')


def _basis_check(bases: tuple[str, ...]) -> None:
    with op.batch_alter_table('inspection_plan_line', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_inspection_plan_line_basis_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_inspection_plan_line_basis_known'),
            "basis IN (" + ", ".join(f"'{b}'" for b in bases) + ")",
        )


def upgrade() -> None:
    _basis_check(BASES + RAISED)


def downgrade() -> None:
    # The older schema has no place for the raised visits: their lines go (plans are regenerated).
    op.execute(
        "DELETE FROM inspection_plan_line WHERE basis IN (" + ", ".join(f"'{b}'" for b in RAISED) + ")"
    )
    _basis_check(BASES)
