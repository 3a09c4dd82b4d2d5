"""Names of a registration's statuses (message ids, translated where shown): the registration pages and
a unit's trail name them alike."""

from __future__ import annotations

from domain.errors import N_

REGISTRATION_STATUS_LABELS = {
    "registered": N_("Registration in force"),
    "expired": N_("Expired"),
    "cancelled": N_("Cancelled"),
}
