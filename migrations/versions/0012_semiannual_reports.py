"""semi-annual execution reports (半年执行报告)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 07:40:00
"""
import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _restore_report_guards() -> None:
    """SQLite rebuilds the table to change a CHECK constraint, which drops its triggers: 0009's guards are
    made again (as 0009 asks of any later migration that rebuilds these tables). PostgreSQL alters the
    table in place and keeps them."""
    if op.get_bind().dialect.name != "sqlite":
        return
    spec = importlib.util.spec_from_file_location(
        "report_record_guards", Path(__file__).with_name("0009_report_record_guards.py")
    )
    assert spec is not None and spec.loader is not None
    guards = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(guards)
    guards.drop_guards()
    guards.create_guards()


def upgrade() -> None:
    with op.batch_alter_table('execution_report', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_execution_report_kind_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_execution_report_kind_known'), "kind IN ('monthly', 'quarterly', 'semiannual', 'annual')"
        )
    _restore_report_guards()


def downgrade() -> None:
    # Semi-annual reports have no place in the older schema; a filed one (guarded) stops the downgrade.
    op.execute("DELETE FROM execution_report WHERE kind = 'semiannual'")
    with op.batch_alter_table('execution_report', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_execution_report_kind_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_execution_report_kind_known'), "kind IN ('monthly', 'quarterly', 'annual')"
        )
    _restore_report_guards()
