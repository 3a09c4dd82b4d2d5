"""history import from the national platform

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 00:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.*)
from alembic import op


revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MARKED = ("permit", "permit_version", "permit_application", "report_submission")


def upgrade() -> None:
    op.create_table(
        "history_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("file_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("imported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("imported_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("on_behalf_of", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("permits", sa.Integer(), nullable=False),
        sa.Column("versions", sa.Integer(), nullable=False),
        sa.Column("applications", sa.Integer(), nullable=False),
        sa.Column("submissions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history_import")),
    )
    with op.batch_alter_table("history_import", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_history_import_file_sha256"), ["file_sha256"], unique=False)
    # Not in batch mode: SQLite adds a column in place, keeping report_submission's append-only triggers
    # (and the batch id carries no foreign key, which SQLite could only add by rebuilding the table).
    for table in MARKED:
        op.add_column(
            table, sa.Column("imported_from", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        op.add_column(table, sa.Column("import_batch_id", sa.Integer(), nullable=True))
    op.add_column(
        "permit_application",
        sa.Column("platform_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("permit_application", "platform_id")
    for table in reversed(MARKED):
        op.drop_column(table, "import_batch_id")
        op.drop_column(table, "imported_from")
    with op.batch_alter_table("history_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_history_import_file_sha256"))
    op.drop_table("history_import")
