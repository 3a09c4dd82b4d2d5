"""What an execution report contains (M48 §37), as plain JSON-able dicts, and the checks of its shape.

Monthly and quarterly reports: actual emission concentrations and quantities from
self-monitoring with a compliance judgement; explanations of exceedances and of
abnormal operation of pollution-control facilities. The annual report adds seven
sections: basic production information; pollution-control-facility operation;
self-monitoring execution; ledger execution; information disclosure; internal
environmental management system; other permit requirements.

Shape (keys in snake_case; the portal and the API use the same):

    {
      "emissions": [{"outlet": "DA001", "pollutant": "SO2", "method": "automatic",
                     "concentration_avg": 18.2, "concentration_max": 33.0, "unit": "mg/m3",
                     "quantity_t": 12.4, "compliant": true}],
      "exceedances": [{"outlet": "DA001", "pollutant": "SO2", "started_at": "...", "ended_at": "...",
                       "max_value": 48.0, "limit_value": 35.0, "cause": "...", "measures": "..."}],
      "abnormal_operation": [{"facility": "...", "started_at": "...", "ended_at": "...",
                              "cause": "...", "measures": "..."}],
      "shutdowns": [{"starts_on": "2026-03-01", "ends_on": "2026-03-20", "reason": "..."}],  # 停产
      "statement": "...",
      # annual only:
      "production": {"operating_days": 330, "main_products": "...", "output": "...", "fuel": "..."},
      "control_facilities": [{"name": "...", "operating_hours": 7900, "abnormal_hours": 12, "notes": "..."}],
      "self_monitoring": {"planned": 8760, "performed": 8700, "notes": "..."},
      "ledger_execution": {"complete": true, "completeness_ratio": 0.98, "notes": "..."},
      "disclosure": {"done": true, "channels": "...", "notes": "..."},
      "management_system": {"responsible_person": "...", "training_sessions": 4, "notes": "..."},
      "other_requirements": "..."
    }
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from domain.errors import N_, FieldError
from domain.permits.reference import ReportKind

ANNUAL_SECTIONS = (
    "production",
    "control_facilities",
    "self_monitoring",
    "ledger_execution",
    "disclosure",
    "management_system",
    "other_requirements",
)
BASE_SECTIONS = ("emissions", "exceedances", "abnormal_operation", "shutdowns", "statement")
# The inputs of each section: lists of rows, objects of named values, plain texts.
LIST_SECTIONS: dict[str, tuple[str, ...]] = {
    "emissions": (
        "outlet",
        "pollutant",
        "method",
        "concentration_avg",
        "concentration_max",
        "unit",
        "quantity_t",
        "compliant",
    ),
    "exceedances": (
        "outlet",
        "pollutant",
        "started_at",
        "ended_at",
        "max_value",
        "limit_value",
        "cause",
        "measures",
    ),
    "abnormal_operation": ("facility", "started_at", "ended_at", "cause", "measures"),
    "shutdowns": ("starts_on", "ends_on", "reason"),
    "control_facilities": ("name", "operating_hours", "abnormal_hours", "notes"),
}
DICT_SECTIONS: dict[str, tuple[str, ...]] = {
    "production": ("operating_days", "main_products", "output", "fuel"),
    "self_monitoring": ("planned", "performed", "notes"),
    "ledger_execution": ("complete", "completeness_ratio", "notes"),
    "disclosure": ("done", "channels", "notes"),
    "management_system": ("responsible_person", "training_sessions", "notes"),
}
TEXT_SECTIONS = ("statement", "other_requirements")
NUMBER_FIELDS = frozenset(
    {
        "concentration_avg",
        "concentration_max",
        "quantity_t",
        "max_value",
        "limit_value",
        "operating_hours",
        "abnormal_hours",
        "operating_days",
        "planned",
        "performed",
        "completeness_ratio",
        "training_sessions",
    }
)
WHOLE_NUMBER_FIELDS = frozenset({"operating_days", "planned", "performed", "training_sessions"})
BOOLEAN_FIELDS = frozenset({"compliant", "complete", "done"})
LONG_TEXT_FIELDS = frozenset({"cause", "measures", "notes", "channels", "reason"})
METHODS = ("automatic", "manual", "factor", "missing")
MAX_ROWS = 2000
MAX_TEXT = 5000


def sections_of(kind: str) -> tuple[str, ...]:
    """The sections of a report of this kind, in the order the form shows them."""
    middle = ANNUAL_SECTIONS if kind == ReportKind.ANNUAL else ()
    return ("emissions", "exceedances", "abnormal_operation", "shutdowns", *middle, "statement")


# Which report sections repeat what a permit section the unit marked as commercial secret holds (M48 §26):
# the permit copy's production facilities and products -> the annual report's production information; its
# pollution-control facilities -> the report's control facilities.
SECRET_REPORT_SECTIONS: dict[str, tuple[str, ...]] = {
    "production_facilities": ("production",),
    "products": ("production",),
    "control_facilities": ("control_facilities",),
}


def disclosed(
    content: dict[str, Any], secret_sections: Iterable[str] | None
) -> tuple[dict[str, Any], list[str]]:
    """A report's content as the public reads it (M48 §37), and the sections left out: those that reveal a
    permit section marked secret. ``None``: the permit's content is unknown, so every section that could
    reveal one is left out."""
    secrets = SECRET_REPORT_SECTIONS if secret_sections is None else secret_sections
    hidden: list[str] = []
    for permit_section in secrets:
        for section in SECRET_REPORT_SECTIONS.get(permit_section, ()):
            if section not in hidden:
                hidden.append(section)
    return {key: value for key, value in content.items() if key not in hidden}, hidden


def empty_content(kind: str) -> dict[str, Any]:
    content: dict[str, Any] = {
        "emissions": [],
        "exceedances": [],
        "abnormal_operation": [],
        "shutdowns": [],
        "statement": "",
    }
    if kind == ReportKind.ANNUAL:
        content.update(
            production={},
            control_facilities=[],
            self_monitoring={},
            ledger_execution={},
            disclosure={},
            management_system={},
            other_requirements="",
        )
    return content


# Tuples, not ``int | float``: a union is built anew on every call (a report checks hundreds of values).
_NUMBERS = (int, float)
_SCALARS = (str, int, float)


def _is_number(value: Any) -> bool:
    return isinstance(value, _NUMBERS) and not isinstance(value, bool) and math.isfinite(float(value))


def _value_errors(where: str, key: str, value: Any) -> list[FieldError]:
    """One value of a row or of an object section: numbers are numbers (and not negative), flags are true
    or false, the rest is text of at most ``MAX_TEXT`` characters."""
    if key in NUMBER_FIELDS:
        if value is not None and not _is_number(value):
            return [FieldError(where, "type", N_("Expected a number."))]
        if value is not None and value < 0:
            return [FieldError(where, "negative", N_("Must not be negative."))]
    elif key in BOOLEAN_FIELDS:
        if not isinstance(value, bool):
            return [FieldError(where, "type", N_("Expected true or false."))]
    elif value is not None and not isinstance(value, _SCALARS):
        return [FieldError(where, "type", N_("Expected text."))]
    elif isinstance(value, str) and len(value) > MAX_TEXT:
        return [
            FieldError(
                where,
                "too_long",
                N_("At most {limit} characters (got {length})."),
                {"limit": MAX_TEXT, "length": len(value)},
            )
        ]
    return []


def check_shape(kind: str, content: Any) -> list[FieldError]:
    """Type checks only (the audit rules judge the substance), every error at once: lists are lists of
    rows, objects are objects, numbers are numbers, flags are flags, texts are not too long. The portal's
    form and the API's JSON are held to the same checks."""
    if not isinstance(content, dict):
        return [FieldError("content", "type", N_("Expected the report content as an object."))]
    errors: list[FieldError] = []
    allowed = set(BASE_SECTIONS) | (set(ANNUAL_SECTIONS) if kind == ReportKind.ANNUAL else set())
    for key in content:
        if key not in allowed:
            errors.append(
                FieldError(
                    f"content.{key}",
                    "unknown_section",
                    N_("This report has no section '{name}'."),
                    {"name": key},
                )
            )
    for section in LIST_SECTIONS:
        rows = content.get(section, [])
        if section not in allowed:
            continue
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            errors.append(FieldError(f"content.{section}", "type", N_("Expected a list of entries.")))
            continue
        if len(rows) > MAX_ROWS:
            errors.append(
                FieldError(
                    f"content.{section}", "too_many", N_("At most {limit} entries."), {"limit": MAX_ROWS}
                )
            )
        for index, row in enumerate(rows):
            for key, value in row.items():
                errors.extend(_value_errors(f"content.{section}[{index}].{key}", key, value))
    for section in TEXT_SECTIONS:
        value = content.get(section, "")
        if section in allowed and not isinstance(value, str):
            errors.append(FieldError(f"content.{section}", "type", N_("Expected text.")))
        elif isinstance(value, str) and len(value) > MAX_TEXT:
            errors.append(
                FieldError(
                    f"content.{section}",
                    "too_long",
                    N_("At most {limit} characters (got {length})."),
                    {"limit": MAX_TEXT, "length": len(value)},
                )
            )
    for section in DICT_SECTIONS:
        if section not in allowed:
            continue
        value = content.get(section, {})
        if not isinstance(value, dict):
            errors.append(
                FieldError(f"content.{section}", "type", N_("Expected the report content as an object."))
            )
            continue
        for key, item in value.items():
            errors.extend(_value_errors(f"content.{section}.{key}", key, item))
    return errors
