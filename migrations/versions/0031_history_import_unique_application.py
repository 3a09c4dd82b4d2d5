"""an application imported from a source is that source's number once

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05 01:15:00
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0031'
down_revision: str | None = '0030'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Two imports of the same file at the same moment would both find the application missing.
    op.create_index(
        'uq_permit_application_platform', 'permit_application', ['imported_from', 'platform_id'], unique=True
    )


def downgrade() -> None:
    op.drop_index('uq_permit_application_platform', table_name='permit_application')
