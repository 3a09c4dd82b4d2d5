"""Names of the codes the agency area stores (message ids; whoever shows them translates them): service
scopes, statuses, credit event kinds, authorisation states, kinds of filing."""

from __future__ import annotations

from domain.errors import N_

SCOPE_LABELS = {
    "ledger": N_("Ledger keeping"),
    "reports": N_("Execution report filing"),
    "self_monitoring": N_("Self-monitoring"),
    "facility_operation": N_("Facility operation and maintenance"),
}
STATUS_LABELS = {
    "pending": N_("Awaiting review"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "suspended": N_("Suspended"),
}
KIND_LABELS = {
    "finding_error": N_("Audit rule error in a filing"),
    "finding_warning": N_("Audit rule warning in a filing"),
    "feedback_form": N_("Report returned with a feedback form"),
    "late_filing": N_("Report filed late"),
    "falsified_data": N_("Falsified data"),
    "clean_filing_accepted": N_("Filing accepted without findings"),
    "training_passed": N_("Training passed"),
    "assessment_passed": N_("Assessment passed"),
}
AUTHORISATION_STATES = ("in_force", "not_started", "suspended", "expired", "revoked")
AUTHORISATION_STATE_LABELS = {
    "in_force": N_("In force"),
    "suspended": N_("Agency suspended: grants nothing"),
    "not_started": N_("Not started"),
    "expired": N_("Expired"),
    "revoked": N_("Revoked by the unit"),
}
FILING_KINDS = ("readings", "ledger_entry", "report_submission")
FILING_LABELS = {
    "readings": N_("Monitoring readings"),
    "ledger_entry": N_("Ledger entry"),
    "report_submission": N_("Execution report submission"),
}
