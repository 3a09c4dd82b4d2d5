"""The names people read for the feed's event types and a delivery's status (message ids)."""

from domain.changes.kinds import ChangeKind, ObjectType
from domain.errors import N_

EVENT_TYPE_LABELS: dict[str, str] = {
    ObjectType.ENTERPRISE: N_("Discharge units"),
    ObjectType.PERMIT: N_("Permits"),
    ObjectType.PERMIT_APPLICATION: N_("Permit applications"),
    ObjectType.LEDGER_ENTRY: N_("Ledger records"),
    ObjectType.READING: N_("Monitoring readings"),
    ObjectType.EXCEEDANCE: N_("Exceedances"),
    ObjectType.SHUTDOWN: N_("Shutdowns"),
    ObjectType.EXECUTION_REPORT: N_("Execution reports"),
    ObjectType.REPORT_SUBMISSION: N_("Report submissions"),
    ObjectType.FEEDBACK_FORM: N_("Feedback forms"),
    ObjectType.REGISTRATION: N_("Registrations"),
}

CHANGE_LABELS: dict[str, str] = {
    ChangeKind.CREATED: N_("created"),
    ChangeKind.UPDATED: N_("changed"),
    ChangeKind.VOIDED: N_("withdrawn"),
    ChangeKind.STATE_CHANGED: N_("state changed"),
}

STATUS_LABELS: dict[str, str] = {
    "pending": N_("Waiting"),
    "sending": N_("Sending"),
    "delivered": N_("Delivered"),
    "failed": N_("Failed"),
}
