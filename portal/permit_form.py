"""The copy (副本) of a permit as a form people fill: read into the content the domain checks, and back.

Every input is named by the path the domain's errors use (``content.outlets[2].limits[1].unit``),
so an error lands beside the field it names. The form works without JavaScript: "add an outlet" and
"remove" are submit buttons (``_edit``) that re-render the form with one row more or less, nothing saved.
What the form reads is the same content an integrator gives GraphQL's ``content`` (JSON): the domain
(``domain.permits.content.parse_content``) checks both the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData

from domain.errors import N_, FieldError
from domain.i18n import translations_for
from domain.permits.content import SECRET_CAPABLE_SECTIONS
from domain.permits.labels import ROW_KEY_LABELS
from domain.permits.reference import (
    CONCENTRATION_UNITS,
    POLLUTANTS,
    REPORT_KIND_LABELS,
    UNIT_LABELS,
    Frequency,
    LedgerRecordKind,
    Medium,
    MonitoringMethod,
    OutletKind,
    ReportKind,
    label,
    pollutant_name,
)

PREFIX = "content."
MAX_ROWS = 500  # a row index past this is no row of the form (the domain allows 500 per section)
MAX_FORM_FIELDS = 40_000

# Facility and product rows are free-form in the copy; the form offers these columns, and keeps any other
# key a row already has (from an import or the API) as it was.
PLAIN_SECTIONS: dict[str, tuple[str, ...]] = {
    "production_facilities": ("name", "model", "capacity", "fuel"),
    "products": ("name", "capacity", "quantity"),
    "control_facilities": ("name", "process", "model"),
}
OUTLET_TEXT = ("code", "name", "location", "longitude", "latitude", "height_m", "direction")
LIMIT_FIELDS = ("pollutant", "concentration_limit", "unit", "annual_quantity_limit", "standard")
FUGITIVE_TEXT = ("code", "name", "location")
MONITORING_FIELDS = ("point", "pollutant", "frequency", "method")
LEDGER_FIELDS = ("kind", "frequency")
SPECIAL_FIELDS = ("period", "point", "pollutant", "concentration_limit", "unit")
ROW_LISTS: dict[str, tuple[str, ...]] = {
    **PLAIN_SECTIONS,
    "outlets": (*OUTLET_TEXT, "medium", "kind", "online_monitoring"),
    "fugitive_sources": FUGITIVE_TEXT,
    "monitoring": MONITORING_FIELDS,
    "ledger_records": LEDGER_FIELDS,
    "special_period_limits": SPECIAL_FIELDS,
}
CHECKBOX_LISTS = ("report_kinds", "secret_sections")

# What people call each field, list and row: the form's labels and the names in its list of errors.
FIELD_TITLES: dict[str, str] = {
    "name": N_("Name"),
    **ROW_KEY_LABELS,
    "code": N_("Code"),
    "medium": N_("Medium"),
    "kind": N_("Kind of outlet"),
    "location": N_("Location"),
    "longitude": N_("Longitude"),
    "latitude": N_("Latitude"),
    "height_m": N_("Height (m)"),
    "direction": N_("Discharge direction"),
    "online_monitoring": N_("Online monitoring"),
    "limits": N_("Permitted pollutants"),
    "pollutant": N_("Pollutant"),
    "concentration_limit": N_("Permitted concentration"),
    "unit": N_("Unit of measure"),
    "annual_quantity_limit": N_("Permitted annual quantity (t/a)"),
    "standard": N_("Standard"),
    "point": N_("Monitoring point"),
    "frequency": N_("Frequency"),
    "method": N_("Method"),
    "period": N_("Period"),
    "report_kinds": N_("Execution reports required"),
    "report_due_days": N_("Due day of the month after the period"),
    "report_folding": N_("Reports standing for others"),
    "commitments": N_("Commitments"),
    "secret_sections": N_("Commercial secret"),
}
LIST_TITLES: dict[str, str] = {
    "production_facilities": N_("Production facilities"),
    "products": N_("Products"),
    "control_facilities": N_("Pollution control facilities"),
    "outlets": N_("Outlets and permitted limits"),
    "fugitive_sources": N_("Fugitive sources"),
    "monitoring": N_("Self-monitoring requirements"),
    "ledger_records": N_("Ledger requirements"),
    "special_period_limits": N_("Limits in special periods"),
}
ROW_TITLES: dict[str, str] = {
    "production_facilities": N_("Production facility {n}"),
    "products": N_("Product {n}"),
    "control_facilities": N_("Control facility {n}"),
    "outlets": N_("Outlet {n}"),
    "fugitive_sources": N_("Fugitive source {n}"),
    "limits": N_("Pollutant {n}"),
    "monitoring": N_("Monitoring requirement {n}"),
    "ledger_records": N_("Ledger requirement {n}"),
    "special_period_limits": N_("Special-period limit {n}"),
}
# Where a list names a field otherwise.
LIST_FIELD_TITLES: dict[tuple[str, str], str] = {
    ("outlets", "code"): N_("Outlet code"),
    ("fugitive_sources", "code"): N_("Source code"),
    ("ledger_records", "kind"): N_("Record"),
}
# Domain messages that name codes or list raw choices: in a form of lists to choose from they read so.
REWORDED: dict[str, str] = {
    "choice": N_("Choose one from the list."),
    "unknown_pollutant": N_("Choose a pollutant from the list."),
    "pollutant_medium": N_("This pollutant is not discharged to this outlet's medium (air or water)."),
    "not_required": N_("This permit does not require this report."),
}

STEP = re.compile(r"([a-z_]{1,40})(?:\[(\d{1,4})\])?")
EDIT = re.compile(r"(add|remove):content\.([a-z_\[\]0-9.]{1,80})")


# ---------------------------------------------------------------------------
# Stored content -> the form's values (all text)
# ---------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def _row(raw: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    values = raw if isinstance(raw, dict) else {}
    return {name: _text(values.get(name)) for name in fields}


def _empty_limit() -> dict[str, Any]:
    return dict.fromkeys(LIMIT_FIELDS, "")


def _empty_row(section: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ROW_LISTS[section], "")
    if section in ("outlets", "fugitive_sources"):
        row["limits"] = [_empty_limit()]
    if section in PLAIN_SECTIONS:
        row["extra"] = {}
    return row


def values_of(content: dict[str, Any]) -> dict[str, Any]:
    """A copy's content (stored or as an integrator gives it) as the form shows it: every value text."""
    values: dict[str, Any] = {}
    for section, fields in PLAIN_SECTIONS.items():
        rows = []
        for raw in content.get(section) or []:
            row = _row(raw, fields)
            row["extra"] = {
                k: _text(v)
                for k, v in (raw.items() if isinstance(raw, dict) else [])
                if k not in fields and k != "secret" and STEP.fullmatch(k) and "[" not in k
            }
            rows.append(row)
        values[section] = rows
    for section in ("outlets", "fugitive_sources"):
        rows = []
        for raw in content.get(section) or []:
            row = _row(raw, ROW_LISTS[section])
            row["limits"] = [_row(limit, LIMIT_FIELDS) for limit in (raw.get("limits") or [])]
            rows.append(row)
        values[section] = rows
    for section in ("monitoring", "ledger_records", "special_period_limits"):
        values[section] = [_row(raw, ROW_LISTS[section]) for raw in content.get(section) or []]
    values["report_kinds"] = [str(k) for k in content.get("report_kinds") or []]
    values["secret_sections"] = [str(k) for k in content.get("secret_sections") or []]
    due = content.get("report_due_days") or {}
    values["report_due_days"] = {kind.value: _text(due.get(kind.value)) for kind in ReportKind}
    values["report_folding"] = _text(bool(content.get("report_folding")))
    values["commitments"] = _text(content.get("commitments"))
    return values


# ---------------------------------------------------------------------------
# The posted form -> the form's values
# ---------------------------------------------------------------------------


def _steps(path: str) -> list[tuple[str, int | None]] | None:
    steps: list[tuple[str, int | None]] = []
    for part in path.split("."):
        match = STEP.fullmatch(part)
        if match is None:
            return None
        index = int(match.group(2)) if match.group(2) is not None else None
        if index is not None and index >= MAX_ROWS:
            return None
        steps.append((match.group(1), index))
    return steps


def values_from_form(form: FormData) -> dict[str, Any]:
    """The posted copy as the form shows it again. Rows come in their index order; an unknown name, or
    a row index past ``MAX_ROWS``, is no field of this form and is ignored."""
    values = values_of({})
    rows: dict[str, dict[int, dict[str, Any]]] = {section: {} for section in ROW_LISTS}
    limits: dict[tuple[str, int], dict[int, dict[str, Any]]] = {}
    for key, raw in form.multi_items():
        if not key.startswith(PREFIX) or not isinstance(raw, str):
            continue
        steps = _steps(key[len(PREFIX) :])
        if not steps:
            continue
        (head, index), rest = steps[0], steps[1:]
        if head in CHECKBOX_LISTS and index is None and not rest:
            values[head].append(raw)
        elif head == "report_due_days" and index is None and len(rest) == 1 and rest[0][0] in values[head]:
            values[head][rest[0][0]] = raw
        elif head in ("report_folding", "commitments") and index is None and not rest:
            values[head] = raw
        elif head in ROW_LISTS and index is not None and rest:
            row = rows[head].setdefault(index, _empty_row(head) | {"limits": []})
            name, sub = rest[0]
            if sub is None and len(rest) == 1 and name in ROW_LISTS[head]:
                row[name] = raw
            elif head in PLAIN_SECTIONS and name == "extra" and len(rest) == 2 and rest[1][1] is None:
                row["extra"][rest[1][0]] = raw
            elif name == "limits" and sub is not None and len(rest) == 2 and rest[1][0] in LIMIT_FIELDS:
                limit = limits.setdefault((head, index), {}).setdefault(sub, _empty_limit())
                limit[rest[1][0]] = raw
    for section, found in rows.items():
        ordered = []
        for index in sorted(found):
            row = found[index]
            if section in ("outlets", "fugitive_sources"):
                taken = limits.get((section, index), {})
                row["limits"] = [taken[i] for i in sorted(taken)]
            else:
                row.pop("limits", None)
            ordered.append(row)
        values[section] = ordered
    return values


def edit(values: dict[str, Any], command: str) -> bool:
    """Add an empty row to a list, or remove one: ``add:content.outlets``,
    ``remove:content.outlets[1].limits[0]``. False when the command names no list or row of the form."""
    match = EDIT.fullmatch(command)
    steps = _steps(match.group(2)) if match else None
    if match is None or not steps:
        return False
    (head, index), rest = steps[0], steps[1:]
    if head not in ROW_LISTS:
        return False
    rows: list[dict[str, Any]] = values[head]
    if match.group(1) == "add":
        if index is None and not rest and len(rows) < MAX_ROWS:
            rows.append(_empty_row(head))
            return True
        if index is not None and index < len(rows) and rest == [("limits", None)]:
            rows[index]["limits"].append(_empty_limit())
            return True
        return False
    if index is None or index >= len(rows):
        return False
    if not rest:
        del rows[index]
        return True
    if len(rest) == 1 and rest[0][0] == "limits" and rest[0][1] is not None:
        found = rows[index].get("limits") or []
        if rest[0][1] < len(found):
            del found[rest[0][1]]
            return True
    return False


# ---------------------------------------------------------------------------
# The form's values -> the content the use case checks
# ---------------------------------------------------------------------------


def _given(row: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The row's fields as typed; a number left empty is absent, as in a copy given as JSON."""
    return {name: row.get(name, "").strip() for name in fields if row.get(name, "").strip() != ""}


def content_of(values: dict[str, Any]) -> dict[str, Any]:
    """The content the form says, in the shape GraphQL's ``content`` takes: the domain checks numbers,
    codes and choices and names each problem by its path."""
    content: dict[str, Any] = {}
    for section, fields in PLAIN_SECTIONS.items():
        content[section] = [
            {**{k: v for k, v in row.get("extra", {}).items() if v.strip()}, **_given(row, fields)}
            for row in values[section]
        ]
    for section in ("outlets", "fugitive_sources"):
        rows = []
        for row in values[section]:
            entry = _given(row, OUTLET_TEXT if section == "outlets" else FUGITIVE_TEXT)
            if section == "outlets":
                entry["medium"] = row.get("medium", "")
                entry["kind"] = row.get("kind", "")
                entry["online_monitoring"] = bool(row.get("online_monitoring"))
            entry["limits"] = [_given(limit, LIMIT_FIELDS) for limit in row.get("limits", [])]
            rows.append(entry)
        content[section] = rows
    for section in ("monitoring", "ledger_records", "special_period_limits"):
        content[section] = [_given(row, ROW_LISTS[section]) for row in values[section]]
    content["report_kinds"] = list(values["report_kinds"])
    due: dict[str, Any] = {}
    for kind, day in values["report_due_days"].items():
        text = day.strip()
        if text:
            due[kind] = int(text) if text.isdigit() and len(text) <= 2 else text
    content["report_due_days"] = due
    content["report_folding"] = bool(values["report_folding"])
    content["commitments"] = values["commitments"]
    content["secret_sections"] = list(values["secret_sections"])
    return content


# ---------------------------------------------------------------------------
# Errors: beside their field, and all together with the field's name
# ---------------------------------------------------------------------------


def reworded(errors: list[FieldError]) -> list[FieldError]:
    """The domain's errors of the copy with messages that name no code or raw choice."""
    return [
        FieldError(e.field, e.code, REWORDED[e.code], {})
        if e.code in REWORDED and (e.field or "").startswith("content")
        else e
        for e in errors
    ]


def field_title(
    path: str, values: dict[str, Any], gettext: Callable[[str], str], pollutant: Callable[[str], str]
) -> str:
    """``content.outlets[1].limits[0].unit`` -> "Outlet 2 DA002 › Pollutant 1 (Sulphur dioxide) › Unit"."""
    steps = _steps(path[len(PREFIX) :]) if path.startswith(PREFIX) else None
    if not steps:
        return gettext(N_("Content of the copy"))
    if steps[0][0] == "report_due_days":
        kinds = [gettext(REPORT_KIND_LABELS[name]) for name, _ in steps[1:] if name in REPORT_KIND_LABELS]
        due_day = FIELD_TITLES[steps[0][0]]
        return " › ".join([gettext(due_day), *kinds])
    names: list[str] = []
    node: Any = values
    within = ""
    for name, index in steps:
        items = node.get(name) if isinstance(node, dict) else None
        if index is None:
            title = LIST_FIELD_TITLES.get((within, name)) or FIELD_TITLES.get(name) or LIST_TITLES.get(name)
            names.append(gettext(title or N_("Field")))
            node = items
            continue
        within = name
        node = items[index] if isinstance(items, list) and index < len(items) else None
        title = gettext(ROW_TITLES.get(name) or N_("Row {n}")).format(n=index + 1)
        if isinstance(node, dict) and node.get("code"):
            title += f" {node['code']}"
        elif isinstance(node, dict) and node.get("pollutant") in POLLUTANTS:
            title += f" ({pollutant(node['pollutant'])})"
        names.append(title)
    return " › ".join(names)


def field_id(name: str) -> str:
    """An element id for a field's name: ``content.outlets[0].code`` -> ``f-content-outlets-0-code``."""
    return "f-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# ---------------------------------------------------------------------------
# Choices the form offers (values are codes; people read names)
# ---------------------------------------------------------------------------


def choices(label: Callable[[str], str], pollutant: Callable[[str], str]) -> dict[str, Any]:
    """The lists to choose from; ``pollutants`` per medium ("" for all, as a fugitive source or a special
    period may name any), sorted by the name people read."""

    def named(media: tuple[Medium, ...]) -> list[tuple[str, str]]:
        found = ((code, pollutant(code)) for code, p in POLLUTANTS.items() if set(p.media) & set(media))
        return sorted(found, key=lambda item: item[1])

    return {
        "media": [(m.value, label(m.value)) for m in Medium],
        "outlet_kinds": [(k.value, label(k.value)) for k in OutletKind],
        "frequencies": [(f.value, label(f.value)) for f in Frequency],
        "methods": [(m.value, label(m.value)) for m in MonitoringMethod],
        "ledger_kinds": [(k.value, label(k.value)) for k in LedgerRecordKind],
        "report_kinds": [k.value for k in ReportKind],
        "secret_capable": SECRET_CAPABLE_SECTIONS,
        "units": sorted({unit for units in CONCENTRATION_UNITS.values() for unit in units}),
        "pollutants": {
            "": named(tuple(Medium)),
            **{medium.value: named((medium,)) for medium in Medium},
        },
    }


def points(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The outlets and fugitive sources the copy lists, for a monitoring or special-period row."""
    return [
        (row["code"].strip().upper(), f"{row['code'].strip().upper()} {row['name'].strip()}".strip())
        for section in ("outlets", "fugitive_sources")
        for row in values[section]
        if row.get("code", "").strip()
    ]


def _anchor(path: str) -> str:
    """The element a summary line links to: the field's input, else its row or its list."""
    steps = _steps(path[len(PREFIX) :]) if path.startswith(PREFIX) else None
    if steps and steps[-1][1] is None and steps[-1][0] == "limits" and len(steps) > 1:
        return field_id(path.rsplit(".", 1)[0])
    return field_id(path)


def context(values: dict[str, Any], errors: dict[str, list[FieldError]], locale: str) -> dict[str, Any]:
    """What ``permits/_copy_form.html`` needs: the values, the lists to choose from, and every error of
    the copy named as people call the field, in the form's order, to list them all at the top."""
    translations = translations_for(locale)
    gettext = translations.gettext

    def named(code: str) -> str:
        return pollutant_name(code, locale)

    offered = choices(lambda value: label(value, locale), named)
    offered["unit_options"] = [
        (unit, gettext(N_("dimensionless")) if unit == "dimensionless" else UNIT_LABELS.get(unit, unit))
        for unit in offered["units"]
    ]
    summary = [
        (field_title(name, values, gettext, named), _anchor(name), error)
        for name, found in errors.items()
        if name == "content" or name.startswith(PREFIX)
        for error in found
    ]
    return {
        "cv": values,
        "choice": offered,
        "summary": summary,
        "fid": field_id,
        "ptitle": lambda path: field_title(path, values, gettext, named),
        "point_options": points(values),
        "plain_sections": PLAIN_SECTIONS,
    }
