"""Which department reviews which part of a report (PT §5): each section is checked by the departments
named here, and a section several departments check is cleared only when each of them has cleared it.

审批科 (permitting): basic information, disclosure, internal management system, other matters.
生态科 (ecology): self-monitoring, actual emissions and the compliance judgement, disclosure, management
system, other matters.
污防科 (pollution prevention): pollution-control facilities, ledger management, actual emissions and the
compliance judgement, other permit requirements (emergency plans, cleaner production), management
system, other matters.

Shutdowns (production stopped) are not named by PT §5; they tell when the facilities did not run, so the
pollution prevention section checks them with the facilities' operation.
"""

from __future__ import annotations

from domain.access import Role
from domain.errors import N_

DEPARTMENT_SECTIONS: dict[str, tuple[str, ...]] = {
    Role.PERMITTING: ("production", "disclosure", "management_system", "other_requirements", "statement"),
    Role.ECOLOGY: (
        "self_monitoring",
        "emissions",
        "exceedances",
        "disclosure",
        "management_system",
        "other_requirements",
        "statement",
    ),
    Role.POLLUTION_PREVENTION: (
        "control_facilities",
        "abnormal_operation",
        "ledger_execution",
        "shutdowns",
        "emissions",
        "exceedances",
        "other_requirements",
        "management_system",
        "statement",
    ),
}
ALL_SECTIONS = (
    "emissions",
    "exceedances",
    "abnormal_operation",
    "shutdowns",
    "statement",
    "production",
    "control_facilities",
    "self_monitoring",
    "ledger_execution",
    "disclosure",
    "management_system",
    "other_requirements",
)


def sections_for(role: str | None) -> tuple[str, ...]:
    """The sections a department checks; other regulators and the administrator see all of them."""
    if role is None:
        return ALL_SECTIONS
    return (
        DEPARTMENT_SECTIONS.get(Role(role), ALL_SECTIONS) if role in {r.value for r in Role} else ALL_SECTIONS
    )


def section_of(field_path: str) -> str | None:
    """content.emissions[3].quantity_t -> emissions; period -> None."""
    if not field_path.startswith("content."):
        return None
    head = field_path[len("content.") :].split(".", 1)[0]
    return head.split("[", 1)[0] or None


# The departments that check reports, in the order PT §5 names them.
REVIEWING_DEPARTMENTS: tuple[Role, ...] = (Role.PERMITTING, Role.ECOLOGY, Role.POLLUTION_PREVENTION)

SECTION_LABELS = {
    "emissions": N_("Actual emissions and compliance"),
    "exceedances": N_("Exceedances: cause and measures"),
    "abnormal_operation": N_("Abnormal operation of pollution-control facilities"),
    "shutdowns": N_("Shutdowns (production stopped)"),
    "statement": N_("Statement of the unit"),
    "production": N_("Basic production information"),
    "control_facilities": N_("Operation of pollution-control facilities"),
    "self_monitoring": N_("Self-monitoring execution"),
    "ledger_execution": N_("Ledger execution"),
    "disclosure": N_("Information disclosure"),
    "management_system": N_("Internal environmental management system"),
    "other_requirements": N_("Other permit requirements"),
}


def departments_of(section: str) -> tuple[Role, ...]:
    """The departments that check a section (PT §5), in the plan's order; every section has at least one."""
    return tuple(role for role in REVIEWING_DEPARTMENTS if section in DEPARTMENT_SECTIONS[role])


def checks(role: Role | str | None, section: str) -> bool:
    """Whether the department (a regulator role) checks the section."""
    return role is not None and str(role) in {r.value for r in departments_of(section)}


def section_key(field: str) -> str | None:
    """The section a feedback item's field names: content.emissions[3].quantity_t or emissions -> emissions;
    anything else -> None."""
    head = section_of(field) if field.startswith("content.") else field.split(".", 1)[0].split("[", 1)[0]
    return head if head in SECTION_LABELS else None
