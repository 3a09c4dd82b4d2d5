"""report attachments: files on report drafts and feedback replies (bytes in the file store), and each
submission's list of the files filed with it

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.*)
from alembic import op


revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("feedback_form_id", sa.Integer(), nullable=True),
        sa.Column("submitted_in", sa.Integer(), nullable=True),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("uploaded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("uploaded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("on_behalf_of", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("removed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_report_attachment_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["feedback_form_id"],
            ["feedback_form.id"],
            name=op.f("fk_report_attachment_feedback_form_id_feedback_form"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["execution_report.id"],
            name=op.f("fk_report_attachment_report_id_execution_report"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_in"],
            ["report_submission.id"],
            name=op.f("fk_report_attachment_submitted_in_report_submission"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_attachment")),
    )
    with op.batch_alter_table("report_attachment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_attachment_feedback_form_id"), ["feedback_form_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_report_attachment_report_id"), ["report_id"], unique=False)

    # Not in batch mode: SQLite adds a column in place, keeping report_submission's append-only triggers.
    op.add_column(
        "report_submission", sa.Column("attachments", sa.JSON(), server_default="[]", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("report_submission", "attachments")
    with op.batch_alter_table("report_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_attachment_report_id"))
        batch_op.drop_index(batch_op.f("ix_report_attachment_feedback_form_id"))

    op.drop_table("report_attachment")
