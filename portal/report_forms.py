"""The execution-report forms read into the use cases' input, and what the report pages call things.

The editor's inputs are named by the field paths the audit rules use
(``content.emissions[0].concentration_avg``), so a finding and an input error point at the same
input. ``content_from_form`` turns them into report content; a value that is not a number is kept
as typed and named, so the page shows it again next to its error. Nothing is cut to fit: a text too
long or a section with too many rows is the domain's error (``domain.reports.content.check_shape``),
the same the API gets, and ``merged`` shows the form's errors and the domain's together.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from starlette.datastructures import FormData

from domain.audit_rules import engine
from domain.audit_rules.content import UNIT_ALIASES
from domain.clock import CHINA
from domain.errors import N_, FieldError
from domain.permits.reference import UNIT_LABELS
from domain.reports import departments
from domain.reports.content import (
    BOOLEAN_FIELDS,
    DICT_SECTIONS,
    LIST_SECTIONS,
    NUMBER_FIELDS,
    TEXT_SECTIONS,
    WHOLE_NUMBER_FIELDS,
    sections_of,
)
from domain.reports.rules import IDEMPOTENCY_KEY_MAX, FeedbackItemInput

SECTION_LABELS = departments.SECTION_LABELS  # the section titles people see (the domain names them)
FIELD_LABELS = {
    "outlet": N_("Outlet"),
    "pollutant": N_("Pollutant"),
    "method": N_("Method"),
    "concentration_avg": N_("Average concentration"),
    "concentration_max": N_("Maximum concentration"),
    "unit": N_("Measurement unit"),
    "quantity_t": N_("Quantity (t)"),
    "compliant": N_("Compliant"),
    "started_at": N_("Start time"),
    "ended_at": N_("End time"),
    "max_value": N_("Maximum value"),
    "limit_value": N_("Permitted value"),
    "cause": N_("Cause"),
    "measures": N_("Measures"),
    "facility": N_("Facility"),
    "starts_on": N_("First day"),
    "ends_on": N_("Last day"),
    "reason": N_("Reason"),
    "name": N_("Facility"),
    "operating_hours": N_("Operating hours"),
    "abnormal_hours": N_("Abnormal hours"),
    "notes": N_("Notes"),
    "operating_days": N_("Operating days"),
    "main_products": N_("Main products"),
    "output": N_("Output"),
    "fuel": N_("Fuel and raw materials"),
    "planned": N_("Monitoring tasks planned"),
    "performed": N_("Monitoring tasks performed"),
    "complete": N_("Ledger complete"),
    "completeness_ratio": N_("Completeness ratio"),
    "done": N_("Disclosure done"),
    "channels": N_("Channels"),
    "responsible_person": N_("Responsible person"),
    "training_sessions": N_("Training sessions"),
}
STATE_LABELS = {
    "not_due": N_("Not due yet"),
    "open": N_("Due, not started"),
    "overdue": N_("Overdue"),
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "returned": N_("Returned"),
    "accepted": N_("Accepted by the regulator"),
    "covered": N_("Not filed separately"),
}
METHOD_LABELS = {
    "automatic": N_("Automatic monitoring"),
    "manual": N_("Manual monitoring"),
    "factor": N_("Emission factor / material balance"),
    # Automatic monitoring required, too few valid hours to count and no factor to fall back on
    # (domain/ledgers/rules.choose_method): the figures shown are partial, not absent.
    "missing": N_("Too little valid monitoring data"),
}
SEVERITY_LABELS = {engine.ERROR: N_("Error"), engine.WARNING: N_("Warning")}

MAX_FREE_PROBLEM_ROWS = 50  # the rows of problems written by hand a review form may send
MAX_TICKED = 500  # the findings a review form may tick


# ---------------------------------------------------------------------------
# Helpers of the templates
# ---------------------------------------------------------------------------


def number_text(value: Any) -> str:
    """18.2 -> "18.2", 12.0 -> "12", a value that is not a number stays as typed."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def report_time(value: Any) -> str:
    """A time inside report content: ISO times with a zone read in China time; anything else as typed."""
    if not isinstance(value, str) or not value:
        return "" if value is None else str(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def unit_label(unit: str) -> str:
    """A unit as the discharge standards write it (mg/m³, mg/L, 无量纲), whatever spelling the report has."""
    return UNIT_LABELS.get(UNIT_ALIASES.get(unit, unit), unit)


def merged(first: Sequence[FieldError], then: Sequence[FieldError]) -> list[FieldError]:
    """The form's errors, then the domain's it did not already name (same field, same code)."""
    seen = {(error.field, error.code) for error in first}
    return [*first, *(error for error in then if (error.field, error.code) not in seen)]


# ---------------------------------------------------------------------------
# The editor: report content from the form's inputs
# ---------------------------------------------------------------------------

_PATH = re.compile(r"^content\.([a-z_]+)(?:\[(\d{1,4})\])?(?:\.([a-z_]+))?$")


def _number(raw: str, whole: bool) -> float | int | None:
    text = raw.strip()
    if not text:
        return None
    value = float(text)  # ValueError for what is not a number
    if not math.isfinite(value):
        raise ValueError(raw)
    if whole and value.is_integer():
        return int(value)
    return value


def content_from_form(kind: str, items: Iterable[tuple[str, str]]) -> tuple[dict[str, Any], list[FieldError]]:
    """Report content from the editor's form fields, and the values that are not numbers (kept as typed).

    Rows marked for removal, and rows left entirely empty, are dropped; the rest keep their order.
    """
    sections = sections_of(kind)
    rows: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    removed: dict[str, set[int]] = defaultdict(set)
    objects: dict[str, dict[str, Any]] = defaultdict(dict)
    texts: dict[str, str] = {}
    flags: dict[str, bool] = {}
    for name, value in items:
        match = _PATH.match(name)
        if not match:
            continue
        section, index, key = match.group(1), match.group(2), match.group(3)
        if section not in sections:
            continue
        value = str(value)
        if section in TEXT_SECTIONS and index is None and key is None:
            texts[section] = value.strip()
        elif section in LIST_SECTIONS and index is not None and key is not None:
            position = int(index)
            if key == "_remove":
                removed[section].add(position)
            elif key in LIST_SECTIONS[section]:
                row = rows[section].setdefault(position, {})
                if key in BOOLEAN_FIELDS:
                    # A checkbox follows a hidden "false": any "true" among the values wins.
                    row[key] = row.get(key) is True or value == "true"
                else:
                    row[key] = value
        elif section in DICT_SECTIONS and index is None and key in DICT_SECTIONS[section]:
            if key in BOOLEAN_FIELDS:
                flags[f"{section}.{key}"] = flags.get(f"{section}.{key}", False) or value == "true"
                objects[section][key] = flags[f"{section}.{key}"]
            else:
                objects[section][key] = value
    content: dict[str, Any] = {}
    errors: list[FieldError] = []

    def typed(path: str, key: str, value: Any) -> Any:
        if key in BOOLEAN_FIELDS:
            return bool(value)
        if key in NUMBER_FIELDS:
            try:
                return _number(str(value), key in WHOLE_NUMBER_FIELDS)
            except ValueError:
                errors.append(FieldError(path, "type", N_("Expected a number.")))
                return str(value)
        return str(value).strip()

    for section in sections:
        if section in TEXT_SECTIONS:
            content[section] = texts.get(section, "")
        elif section in LIST_SECTIONS:
            kept: list[dict[str, Any]] = []
            for position in sorted(rows.get(section, {})):
                if position in removed[section]:
                    continue
                row = rows[section][position]
                # Check boxes and the method (a list with a default) do not make a row; typed values do.
                if not any(
                    str(v).strip() for k, v in row.items() if k not in BOOLEAN_FIELDS and k != "method"
                ):
                    continue
                path = f"content.{section}[{len(kept)}]"
                kept.append(
                    {
                        key: typed(f"{path}.{key}", key, row[key])
                        for key in LIST_SECTIONS[section]
                        if key in row
                    }
                )
            content[section] = kept
        else:
            values = objects.get(section, {})
            content[section] = {
                key: typed(f"content.{section}.{key}", key, values[key])
                for key in DICT_SECTIONS[section]
                if key in values
            }
    return content, errors


def form_content(form: FormData, kind: str) -> tuple[dict[str, Any], list[FieldError]]:
    return content_from_form(kind, ((k, str(v)) for k, v in form.multi_items()))


def carried_key(form: FormData) -> str | None:
    """The filing key the form carries, for the editor drawn again; one the domain would refuse is
    replaced by a fresh one."""
    key = str(form.get("idempotency_key", "")).strip()
    return key if 0 < len(key) <= IDEMPOTENCY_KEY_MAX else None


# ---------------------------------------------------------------------------
# The review form: one feedback form
# ---------------------------------------------------------------------------


@dataclass
class FeedbackFormInput:
    """A review form as sent: the findings ticked (and those ticked as violations), the problems written
    (row by row, as typed, to draw again), the deadline."""

    findings: set[int]
    violations: set[int]
    rows: list[dict[str, Any]]
    deadline_text: str
    deadline: date | None
    errors: list[FieldError] = field(default_factory=list)  # the form's own: a deadline that is no date

    @property
    def written(self) -> list[tuple[int, FeedbackItemInput]]:
        """The problems written, with their row: a row left empty is no problem."""
        return [
            (
                index,
                FeedbackItemInput(
                    problem=row["problem"],
                    field=f"content.{row['field']}" if row["field"] in SECTION_LABELS else "",
                    is_violation=row["violation"],
                ),
            )
            for index, row in enumerate(self.rows)
            if row["problem"].strip()
        ]

    def named_by_row(self, errors: Sequence[FieldError]) -> list[FieldError]:
        """The domain's errors about ``items[i]`` (the i-th problem written) named after its row's input
        (``problem_<row>``), so each shows at its row."""
        rows = [index for index, _item in self.written]
        renamed = []
        for error in errors:
            match = re.match(r"^items\[(\d+)\]\.", error.field or "")
            if match and int(match.group(1)) < len(rows):
                error = FieldError(
                    f"problem_{rows[int(match.group(1))]}", error.code, error.message, error.params
                )
            renamed.append(error)
        return renamed


def _ids(form: FormData, name: str) -> set[int]:
    found = set()
    for value in form.getlist(name)[:MAX_TICKED]:
        try:
            found.add(int(str(value)))
        except ValueError:
            continue
    return found


def feedback_form(form: FormData) -> FeedbackFormInput:
    rows = []
    for index in range(MAX_FREE_PROBLEM_ROWS):
        if f"problem_{index}" not in form:
            break
        rows.append(
            {
                "problem": str(form.get(f"problem_{index}", "")),
                "field": str(form.get(f"problem_field_{index}", "")),
                "violation": form.get(f"problem_violation_{index}") == "true",
            }
        )
    text = str(form.get("deadline", "")).strip()
    errors: list[FieldError] = []
    try:
        deadline: date | None = date.fromisoformat(text)
    except ValueError:
        deadline = None
        errors.append(FieldError("deadline", "date", N_("Expected a date as YYYY-MM-DD.")))
    return FeedbackFormInput(
        _ids(form, "finding"), _ids(form, "finding_violation"), rows, text, deadline, errors
    )
