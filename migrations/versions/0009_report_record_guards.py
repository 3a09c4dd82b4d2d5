"""report record guards: no overwrite of submissions, a fixed first submission, the chain head on the report

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 07:30:00

0005 made the database refuse UPDATE and DELETE on submissions. Two holes stayed open:

- SQLite's ``REPLACE INTO`` / ``INSERT OR REPLACE`` resolve a key conflict by deleting the old row, and
  that delete fires no DELETE trigger (unless ``recursive_triggers`` is on): a submission could be
  swapped for another. A BEFORE INSERT trigger that refuses any row whose key is already taken holds
  whatever the conflict clause (``UPSERT ... DO UPDATE`` is also refused by the UPDATE trigger).
  PostgreSQL has no REPLACE; its ``ON CONFLICT DO UPDATE`` fires the UPDATE trigger, TRUNCATE its own.
- The report row carried the first submission time and the on-time flag unguarded, and nothing on it
  said how long its chain was, so a deleted newest submission went unnoticed. The report now carries
  the chain's head hash beside its latest version; triggers keep the first time and the on-time flag as
  they were once set, never let the latest version go back, change the head only with a new version,
  and refuse to delete or overwrite a filed report. The chain check verifies all of these against the
  submissions (``domain/reports/service.py``, ``verify_chain``).

Audit findings are stored with the submission they judge and are guarded the same way.

A later migration that rebuilds one of these tables on SQLite (``batch_alter_table`` copying it) drops
its triggers: call ``create_guards()`` of this module again after it.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
SUBMISSIONS_MESSAGE = "report submissions are append-only"
FINDINGS_MESSAGE = "audit findings are append-only"
REPORT_MESSAGE = "a filed report keeps its first submission, its versions and its chain head"


def _sqlite_guards() -> list[str]:
    refuse = "SELECT RAISE(ABORT, '{message}')"
    return [
        # Any row whose key is taken is refused before SQLite's REPLACE could delete the old one.
        "CREATE TRIGGER report_submission_no_overwrite BEFORE INSERT ON report_submission "
        "WHEN EXISTS (SELECT 1 FROM report_submission WHERE id = NEW.id) "
        "OR EXISTS (SELECT 1 FROM report_submission WHERE report_id = NEW.report_id AND version = NEW.version) "
        "OR EXISTS (SELECT 1 FROM report_submission WHERE report_id = NEW.report_id "
        "AND idempotency_key = NEW.idempotency_key) "
        "OR EXISTS (SELECT 1 FROM report_submission WHERE receipt_number = NEW.receipt_number) "
        f"BEGIN {refuse.format(message=SUBMISSIONS_MESSAGE)}; END",
        f"CREATE TRIGGER audit_finding_no_update BEFORE UPDATE ON audit_finding "
        f"BEGIN {refuse.format(message=FINDINGS_MESSAGE)}; END",
        f"CREATE TRIGGER audit_finding_no_delete BEFORE DELETE ON audit_finding "
        f"BEGIN {refuse.format(message=FINDINGS_MESSAGE)}; END",
        "CREATE TRIGGER audit_finding_no_overwrite BEFORE INSERT ON audit_finding "
        "WHEN EXISTS (SELECT 1 FROM audit_finding WHERE id = NEW.id) "
        f"BEGIN {refuse.format(message=FINDINGS_MESSAGE)}; END",
        "CREATE TRIGGER execution_report_keeps_record BEFORE UPDATE ON execution_report "
        "WHEN (OLD.first_submitted_at IS NOT NULL AND (NEW.first_submitted_at IS NOT OLD.first_submitted_at "
        "OR NEW.on_time IS NOT OLD.on_time)) "
        "OR NEW.latest_version < OLD.latest_version "
        "OR (NEW.latest_version = OLD.latest_version AND NEW.head_hash IS NOT OLD.head_hash) "
        "OR (OLD.latest_version > 0 AND (NEW.id IS NOT OLD.id OR NEW.permit_id IS NOT OLD.permit_id "
        "OR NEW.kind IS NOT OLD.kind OR NEW.period IS NOT OLD.period OR NEW.due_date IS NOT OLD.due_date)) "
        f"BEGIN {refuse.format(message=REPORT_MESSAGE)}; END",
        "CREATE TRIGGER execution_report_no_delete BEFORE DELETE ON execution_report "
        "WHEN OLD.latest_version > 0 "
        f"BEGIN {refuse.format(message=REPORT_MESSAGE)}; END",
        "CREATE TRIGGER execution_report_no_overwrite BEFORE INSERT ON execution_report "
        "WHEN EXISTS (SELECT 1 FROM execution_report WHERE latest_version > 0 AND (id = NEW.id "
        "OR (permit_id = NEW.permit_id AND kind = NEW.kind AND period = NEW.period))) "
        f"BEGIN {refuse.format(message=REPORT_MESSAGE)}; END",
    ]


SQLITE_TRIGGERS = (
    "report_submission_no_overwrite",
    "audit_finding_no_update",
    "audit_finding_no_delete",
    "audit_finding_no_overwrite",
    "execution_report_keeps_record",
    "execution_report_no_delete",
    "execution_report_no_overwrite",
)


def _postgresql_guards() -> list[str]:
    return [
        f"""
        CREATE FUNCTION refuse_finding_change() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{FINDINGS_MESSAGE}' USING ERRCODE = 'restrict_violation';
        END;
        $$ LANGUAGE plpgsql
        """,
        "CREATE TRIGGER audit_finding_append_only BEFORE UPDATE OR DELETE ON audit_finding "
        "FOR EACH ROW EXECUTE FUNCTION refuse_finding_change()",
        "CREATE TRIGGER audit_finding_no_truncate BEFORE TRUNCATE ON audit_finding "
        "FOR EACH STATEMENT EXECUTE FUNCTION refuse_finding_change()",
        f"""
        CREATE FUNCTION keep_report_record() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                RAISE EXCEPTION '{REPORT_MESSAGE}' USING ERRCODE = 'restrict_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN
                IF OLD.latest_version > 0 THEN
                    RAISE EXCEPTION '{REPORT_MESSAGE}' USING ERRCODE = 'restrict_violation';
                END IF;
                RETURN OLD;
            END IF;
            IF (OLD.first_submitted_at IS NOT NULL AND (NEW.first_submitted_at IS DISTINCT FROM
                    OLD.first_submitted_at OR NEW.on_time IS DISTINCT FROM OLD.on_time))
                OR NEW.latest_version < OLD.latest_version
                OR (NEW.latest_version = OLD.latest_version AND NEW.head_hash IS DISTINCT FROM OLD.head_hash)
                OR (OLD.latest_version > 0 AND (NEW.id IS DISTINCT FROM OLD.id
                    OR NEW.permit_id IS DISTINCT FROM OLD.permit_id OR NEW.kind IS DISTINCT FROM OLD.kind
                    OR NEW.period IS DISTINCT FROM OLD.period OR NEW.due_date IS DISTINCT FROM OLD.due_date))
            THEN
                RAISE EXCEPTION '{REPORT_MESSAGE}' USING ERRCODE = 'restrict_violation';
            END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql
        """,
        "CREATE TRIGGER execution_report_keeps_record BEFORE UPDATE OR DELETE ON execution_report "
        "FOR EACH ROW EXECUTE FUNCTION keep_report_record()",
        "CREATE TRIGGER execution_report_no_truncate BEFORE TRUNCATE ON execution_report "
        "FOR EACH STATEMENT EXECUTE FUNCTION keep_report_record()",
    ]


def create_guards() -> None:
    """(Re)create this migration's triggers (the 0005 UPDATE/DELETE triggers on submissions stay)."""
    guards = _postgresql_guards() if op.get_bind().dialect.name == "postgresql" else _sqlite_guards()
    for statement in guards:
        op.execute(statement)


def drop_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS execution_report_no_truncate ON execution_report")
        op.execute("DROP TRIGGER IF EXISTS execution_report_keeps_record ON execution_report")
        op.execute("DROP FUNCTION IF EXISTS keep_report_record()")
        op.execute("DROP TRIGGER IF EXISTS audit_finding_no_truncate ON audit_finding")
        op.execute("DROP TRIGGER IF EXISTS audit_finding_append_only ON audit_finding")
        op.execute("DROP FUNCTION IF EXISTS refuse_finding_change()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    with op.batch_alter_table('execution_report', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('head_hash', sa.String(length=64), nullable=False, server_default=GENESIS)
        )
    # Reports filed before this column existed: their head is their latest submission's hash.
    op.execute(
        "UPDATE execution_report SET head_hash = (SELECT s.content_hash FROM report_submission s "
        "WHERE s.report_id = execution_report.id AND s.version = execution_report.latest_version) "
        "WHERE latest_version > 0 AND EXISTS (SELECT 1 FROM report_submission s "
        "WHERE s.report_id = execution_report.id AND s.version = execution_report.latest_version)"
    )
    create_guards()


def downgrade() -> None:
    drop_guards()
    with op.batch_alter_table('execution_report', schema=None) as batch_op:
        batch_op.drop_column('head_hash')
