"""every audit entry names the unit it concerns: the unit's own trail

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Entries written before this revision get their unit from the object they name, where it has one.
_BY_ID = "CAST({table}.id AS VARCHAR(64)) = audit_entry.object_id"
BACKFILL = {
    "enterprise": "SELECT id FROM enterprise WHERE enterprise.credit_code = audit_entry.object_id",
    "production_site": (
        "SELECT id FROM enterprise WHERE enterprise.credit_code = substr(audit_entry.object_id, 1, 18)"
    ),
    "permit": "SELECT enterprise_id FROM permit WHERE permit.number = audit_entry.object_id",
    "execution_report": (
        "SELECT enterprise_id FROM permit WHERE audit_entry.object_id LIKE permit.number || '/%'"
    ),
    "permit_application": (
        "SELECT permit.enterprise_id FROM permit_application JOIN permit ON permit.id = permit_application.permit_id"
        f" WHERE {_BY_ID.format(table='permit_application')}"
    ),
    "ledger_entry": (
        "SELECT permit.enterprise_id FROM ledger_entry JOIN permit ON permit.id = ledger_entry.permit_id"
        f" WHERE {_BY_ID.format(table='ledger_entry')}"
    ),
    "monitoring_reading": (
        "SELECT permit.enterprise_id FROM monitoring_reading JOIN permit ON permit.id = monitoring_reading.permit_id"
        f" WHERE {_BY_ID.format(table='monitoring_reading')}"
    ),
    "shutdown_period": (
        "SELECT permit.enterprise_id FROM shutdown_period JOIN permit ON permit.id = shutdown_period.permit_id"
        f" WHERE {_BY_ID.format(table='shutdown_period')}"
    ),
    "feedback_form": (
        "SELECT execution_report.enterprise_id FROM feedback_form"
        " JOIN execution_report ON execution_report.id = feedback_form.report_id"
        f" WHERE {_BY_ID.format(table='feedback_form')}"
    ),
    "rectification_item": (
        "SELECT problem.enterprise_id FROM rectification_item JOIN problem ON problem.id = rectification_item.problem_id"
        f" WHERE {_BY_ID.format(table='rectification_item')}"
    ),
    "discharge_registration": (
        "SELECT enterprise_id FROM discharge_registration WHERE discharge_registration.number = audit_entry.object_id"
    ),
    "inspection_record": (
        "SELECT enterprise_id FROM inspection_record WHERE inspection_record.reference = audit_entry.object_id"
    ),
    "user": "SELECT enterprise_id FROM user_account WHERE user_account.username = audit_entry.object_id",
    "user_session": (
        "SELECT user_account.enterprise_id FROM user_session JOIN user_account ON user_account.id = user_session.user_id"
        f" WHERE {_BY_ID.format(table='user_session')}"
    ),
    "api_token": (
        "SELECT user_account.enterprise_id FROM api_token JOIN user_account ON user_account.id = api_token.user_id"
        f" WHERE {_BY_ID.format(table='api_token')}"
    ),
    **{
        table: f"SELECT enterprise_id FROM {table} WHERE {_BY_ID.format(table=table)}"
        for table in (
            "exceedance",
            "agency_authorisation",
            "problem",
            "linkage_task",
            "enforcement_case",
            "enforcement_lead",
        )
    },
}


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_entry_enterprise_id_enterprise"), "enterprise", ["enterprise_id"], ["id"]
        )
        batch_op.create_index("ix_audit_entry_enterprise", ["enterprise_id", "occurred_at", "id"], unique=False)
    for object_type, query in BACKFILL.items():
        op.execute(
            f"UPDATE audit_entry SET enterprise_id = ({query} LIMIT 1) WHERE object_type = '{object_type}'"
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_enterprise")
        batch_op.drop_constraint(batch_op.f("fk_audit_entry_enterprise_id_enterprise"), type_="foreignkey")
        batch_op.drop_column("enterprise_id")
