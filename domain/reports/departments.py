"""Which department reviews which part of a report (PT §5), so each regulator sees its sections first.

审批科 (permitting): basic information, disclosure, internal management system, other matters.
生态科 (ecology): self-monitoring, actual emissions and the compliance judgement, disclosure, management
system, other matters.
污防科 (pollution prevention): pollution-control facilities, ledger management, actual emissions and the
compliance judgement, other permit requirements (emergency plans, cleaner production), management
system, other matters.
"""

from __future__ import annotations

from domain.access import Role

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
