"""What people read for the codes of inspections (message ids; the faces translate them)."""

from __future__ import annotations

from domain.errors import N_

KIND_LABELS = {"enforcement": N_("Inspection"), "monitoring": N_("Enforcement monitoring")}
BASIS_LABELS = {
    "new_permit": N_("New permit: within 3 months of issue"),
    "key_half_year": N_("Key management: every half year"),
    "key_yearly": N_("Key management: yearly"),
    "simplified_yearly": N_("Simplified management: yearly"),
    "registration_drawn": N_("Registration unit drawn at random"),
    "drawn": N_("Drawn at random"),
    "monitoring_key": N_("Key management: monitored yearly"),
    "monitoring_simplified_drawn": N_("Simplified management: drawn for monitoring"),
    "key_quarterly": N_("Key management, credit warning or poor: every quarter"),
    "simplified_half_year": N_("Simplified management, credit warning or poor: every half year"),
}
STATE_LABELS = {"done": N_("Done"), "due": N_("To do"), "behind": N_("Behind")}
POOL_LABELS = {
    "registration": N_("Registration units"),
    "key": N_("Key-management permit holders"),
    "simplified": N_("Simplified-management permit holders"),
    "industry": N_("Permit holders of one industry"),
}
RESULT_LABELS = {"passed": N_("Passed"), "failed": N_("Failed"), "not_applicable": N_("Not applicable")}


def period_label(period: str) -> str:
    """2026-H1 -> 2026 first half; new:2026-03-15 -> the issue date; 2026 -> 2026."""
    return period.removeprefix("new:")
