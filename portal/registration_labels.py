"""Names the pages show for registrations' statuses, acts and fields (message ids, translated when shown)."""

from __future__ import annotations

from domain.errors import N_
from domain.registrations.labels import REGISTRATION_STATUS_LABELS

REVISION_LABELS = {
    "registered": N_("Filed the registration"),
    "changed": N_("Changed"),
    "renewed": N_("Renewed"),
    "cancelled": N_("Cancelled"),
}
MEDIUM_LABELS = {"air": N_("Air"), "water": N_("Water"), "fugitive": N_("Fugitive")}
REGISTRATION_FIELD_LABELS = {
    "number": N_("Registration number"),
    "unit_name": N_("Unit name"),
    "credit_code": N_("Unified social credit code"),
    "legal_representative": N_("Legal representative"),
    "registered_address": N_("Registered address"),
    "site": N_("Production site"),
    "site_address": N_("Site address"),
    "region_code": N_("Region"),
    "industry_code": N_("Industry"),
    "longitude": N_("Longitude (optional)"),
    "latitude": N_("Latitude (optional)"),
    "status": N_("Status"),
    "valid_from": N_("Valid from"),
    "valid_until": N_("Valid until"),
    "production_process": N_("Production process and products"),
    "outlets": N_("Outlets and pollutants discharged"),
    "discharge_destination": N_("Discharge destination"),
    "control_facilities": N_("Pollution control facilities"),
    "emission_standards": N_("Emission standards followed"),
    "contact_person": N_("Contact person"),
    "contact_phone": N_("Contact phone"),
    "changed_on": N_("Date of the change"),
    "reason": N_("Reason"),
}


def registration_labels() -> dict[str, dict[str, str]]:
    return {
        "registration_status_labels": REGISTRATION_STATUS_LABELS,
        "revision_labels": REVISION_LABELS,
        "medium_labels": MEDIUM_LABELS,
        "registration_field_labels": REGISTRATION_FIELD_LABELS,
    }
