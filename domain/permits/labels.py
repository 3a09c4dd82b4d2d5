"""Labels of the permit register's codes (statuses, kinds, events...): message ids each face translates."""

from __future__ import annotations

from domain.errors import N_
from domain.permits.reference import REPORT_KIND_LABELS
from domain.permits.rules import EXPIRED, ApplicationKind, ApplicationStatus, CancellationReason, PermitStatus

STATUS_LABELS = {
    PermitStatus.APPLIED: N_("Applied for"),
    PermitStatus.ACCEPTED: N_("Accepted"),
    PermitStatus.NOT_ACCEPTED: N_("Not accepted"),
    PermitStatus.GRANTED: N_("Granted, awaiting issue"),
    PermitStatus.REFUSED: N_("Refused"),
    PermitStatus.ISSUED: N_("In force"),
    EXPIRED: N_("Expired"),
    PermitStatus.REVOKED: N_("Revoked"),
    PermitStatus.CANCELLED: N_("Cancelled"),
}


APPLICATION_KIND_LABELS = {
    ApplicationKind.FIRST: N_("First application"),
    ApplicationKind.RENEWAL: N_("Renewal"),
    ApplicationKind.CHANGE_BASIC: N_("Change of basic information"),
    ApplicationKind.CHANGE_ITEMS: N_("Change of permitted items"),
    ApplicationKind.CHANGE_RESTART: N_("Change with a new validity period"),
    ApplicationKind.REPLACEMENT: N_("Replacement of a lost permit"),
}


APPLICATION_STATUS_LABELS = {
    ApplicationStatus.SUBMITTED: N_("Awaiting acceptance"),
    ApplicationStatus.ACCEPTED: N_("Accepted, awaiting decision"),
    ApplicationStatus.NOT_ACCEPTED: N_("Not accepted"),
    ApplicationStatus.GRANTED: N_("Granted, awaiting issue"),
    ApplicationStatus.REFUSED: N_("Refused"),
    ApplicationStatus.COMPLETED: N_("Completed"),
}


EVENT_LABELS = {
    "application.first": N_("Application for a permit received"),
    "application.renewal": N_("Renewal application received"),
    "application.change_basic": N_("Change application received"),
    "application.change_items": N_("Change application received"),
    "application.change_restart": N_("Change application received"),
    "application.replacement": N_("Replacement application received"),
    "accepted": N_("Application accepted"),
    "not_accepted": N_("Application not accepted"),
    "extended": N_("Decision time limit extended"),
    "granted": N_("Permit granted"),
    "refused": N_("Permit refused"),
    "issued": N_("Permit issued"),
    "renewed": N_("Permit renewed"),
    "changed": N_("Permit changed"),
    "replaced": N_("Permit replaced"),
    "revoked": N_("Permit revoked"),
    "cancelled": N_("Permit cancelled"),
}


VERSION_REASON_LABELS = {
    "imported": N_("Imported from the national platform"),
    **{kind.value: label for kind, label in APPLICATION_KIND_LABELS.items()},
}


CANCELLATION_REASON_LABELS = {
    CancellationReason.EXPIRED_NOT_RENEWED: N_("Expired and not renewed (M48 §50 (1))"),
    CancellationReason.UNIT_TERMINATED: N_("The unit was terminated (M48 §50 (2))"),
    CancellationReason.OTHER: N_("Other lawful grounds (M48 §50 (3))"),
}


SECTION_LABELS = {
    "production_facilities": N_("Production facilities"),
    "products": N_("Products"),
    "control_facilities": N_("Pollution control facilities"),
}


# Keys a unit commonly gives facility and product rows (free-form; others are shown as typed).
ROW_KEY_LABELS = {
    "capacity": N_("Capacity"),
    "process": N_("Process"),
    "model": N_("Model"),
    "fuel": N_("Fuel"),
    "quantity": N_("Quantity"),
}


NEXT_ACTION_LABELS = {
    "accept": N_("Decide on acceptance"),
    "supply": N_("Waiting for the unit's missing materials"),
    "decide": N_("Decide on the application"),
    "issue": N_("Issue the permit"),
}


LABELS: dict[str, dict[str, str]] = {
    "status": {str(k): v for k, v in STATUS_LABELS.items()},
    "kind": {str(k): v for k, v in APPLICATION_KIND_LABELS.items()},
    "application_status": {str(k): v for k, v in APPLICATION_STATUS_LABELS.items()},
    "event": EVENT_LABELS,
    "version_reason": VERSION_REASON_LABELS,
    "cancellation": {str(k): v for k, v in CANCELLATION_REASON_LABELS.items()},
    "report": REPORT_KIND_LABELS,
    "section": SECTION_LABELS,
    "next_action": NEXT_ACTION_LABELS,
    "row_key": ROW_KEY_LABELS,
}
