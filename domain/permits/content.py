"""The content of a permit copy (副本): its shape and the checks of what an applicant or an import gives.

Pure: no session, no I/O. ``parse_content`` returns the checked content and every problem with its
exact path (``outlets[0].limits[1].unit``), so a form, an API or an import can point at the place.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from domain.errors import N_, FieldError
from domain.permits.reference import (
    CONCENTRATION_UNITS,
    POLLUTANTS,
    Frequency,
    LedgerRecordKind,
    Medium,
    MonitoringMethod,
    OutletKind,
    ReportKind,
)

SECRET_CAPABLE_SECTIONS = ("production_facilities", "products", "control_facilities")
AIR_OUTLET = re.compile(r"^DA\d{3}$")
WATER_OUTLET = re.compile(r"^DW\d{3}$")
FUGITIVE_CODE = re.compile(r"^[A-Z]{2}\d{3,4}$")
MAX_OUTLETS = 200
MAX_ITEMS = 500


@dataclass
class Limit:
    pollutant: str
    concentration_limit: float
    unit: str
    annual_quantity_limit: float | None = None
    standard: str = ""


@dataclass
class Outlet:
    code: str
    name: str
    medium: str
    kind: str
    location: str = ""
    longitude: float | None = None
    latitude: float | None = None
    direction: str = ""
    height_m: float | None = None
    online_monitoring: bool = False
    limits: list[Limit] = field(default_factory=list)


@dataclass
class FugitiveSource:
    code: str
    name: str
    location: str = ""
    limits: list[Limit] = field(default_factory=list)


@dataclass
class MonitoringRequirement:
    point: str
    pollutant: str
    frequency: str
    method: str


@dataclass
class LedgerRequirement:
    kind: str
    frequency: str


@dataclass
class SpecialLimit:
    period: str
    point: str
    pollutant: str
    concentration_limit: float
    unit: str


@dataclass
class PermitContent:
    production_facilities: list[dict[str, str]] = field(default_factory=list)
    products: list[dict[str, str]] = field(default_factory=list)
    control_facilities: list[dict[str, str]] = field(default_factory=list)
    outlets: list[Outlet] = field(default_factory=list)
    fugitive_sources: list[FugitiveSource] = field(default_factory=list)
    monitoring: list[MonitoringRequirement] = field(default_factory=list)
    ledger_records: list[LedgerRequirement] = field(default_factory=list)
    report_kinds: list[str] = field(default_factory=list)
    # The report timing the copy states: the day of the month after the period, per kind (HJ 944-2018 §5);
    # kinds left out take the deployment's defaults.
    report_due_days: dict[str, int] = field(default_factory=dict)
    # Whether the quarterly report stands for the quarter's last monthly report and the annual for Q4 and
    # December (the industry specification, where the permit says so).
    report_folding: bool = False
    special_period_limits: list[SpecialLimit] = field(default_factory=list)
    commitments: str = ""
    secret_sections: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        values = _plain(self)
        # Report terms a copy is silent on are left out: such a copy reads and compares as it always did.
        for key in ("report_due_days", "report_folding"):
            if not values[key]:
                del values[key]
        return values

    def public_dict(self) -> dict[str, Any]:
        """What the public may see: sections the unit marked as commercial secret are left out (M48 §26)."""
        values = self.to_dict()
        for section in self.secret_sections:
            values[section] = None
        return values


def _plain(value: Any) -> Any:
    """``dataclasses.asdict`` for the content's shapes (dataclasses, lists, dicts of plain values), without
    its deep copy of every leaf (three times faster: an import stores thousands of copies)."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    names = getattr(value, "__dataclass_fields__", None)
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    return value


@cache
def _choices(choices: type[StrEnum]) -> list[str]:
    return [c.value for c in choices]


class _Collector:
    """Gathers every problem with its exact path, so the user fixes all of them at once."""

    def __init__(self, prefix: str = "") -> None:
        self.errors: list[FieldError] = []
        self.prefix = prefix

    def add(self, path: str, error_code: str, message: str, /, **params: Any) -> None:
        self.errors.append(FieldError(f"{self.prefix}{path}", error_code, message, params))

    def text(
        self, raw: dict[str, Any], key: str, path: str, *, required: bool = True, limit: int = 200
    ) -> str:
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(f"{path}.{key}" if path else key, "required", N_("This field is required."))
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.add(f"{path}.{key}" if path else key, "type", N_("Expected text."))
            return ""
        text = str(value).strip()
        if len(text) > limit:
            self.add(
                f"{path}.{key}" if path else key,
                "too_long",
                N_("At most {limit} characters (got {length})."),
                limit=limit,
                length=len(text),
            )
        return text[:limit]

    def number(
        self, raw: dict[str, Any], key: str, path: str, *, required: bool = True, positive: bool = True
    ) -> float | None:
        where = f"{path}.{key}" if path else key
        value = raw.get(key)
        if value is None or value == "":
            if required:
                self.add(where, "required", N_("This field is required."))
            return None
        if isinstance(value, bool):
            self.add(where, "type", N_("Expected a number."))
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.add(where, "type", N_("Expected a number."))
            return None
        if math.isnan(number) or math.isinf(number):
            self.add(where, "type", N_("Expected a number."))
            return None
        if positive and number <= 0:
            self.add(where, "not_positive", N_("Must be greater than zero."))
            return None
        if not positive and number < 0:
            self.add(where, "negative", N_("Must not be negative."))
            return None
        return number

    def choice(self, raw: dict[str, Any], key: str, path: str, choices: type[StrEnum]) -> str:
        where = f"{path}.{key}" if path else key
        value = raw.get(key)
        allowed = _choices(choices)
        if value not in allowed:
            self.add(where, "choice", N_("Choose one of: {choices}."), choices=", ".join(allowed))
            return ""
        return str(value)

    def items(self, raw: dict[str, Any], key: str, *, limit: int = MAX_ITEMS) -> list[dict[str, Any]]:
        value = raw.get(key) or []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.add(key, "type", N_("Expected a list of entries."))
            return []
        if len(value) > limit:
            self.add(key, "too_many", N_("At most {limit} entries."), limit=limit)
            return []
        return value


def _limits(c: _Collector, raw_limits: list[Any], path: str, medium: str | None) -> list[Limit]:
    limits: list[Limit] = []
    seen: set[str] = set()
    if not isinstance(raw_limits, list) or not all(isinstance(item, dict) for item in raw_limits):
        c.add(path, "type", N_("Expected a list of entries."))
        return limits
    for index, raw in enumerate(raw_limits):
        where = f"{path}[{index}]"
        code = c.text(raw, "pollutant", where, limit=16).upper()
        pollutant = POLLUTANTS.get(code)
        if code and pollutant is None:
            c.add(
                f"{where}.pollutant", "unknown_pollutant", N_("Unknown pollutant code '{code}'."), code=code
            )
        elif pollutant and medium and Medium(medium) not in pollutant.media:
            c.add(
                f"{where}.pollutant",
                "pollutant_medium",
                N_("{pollutant} is not a pollutant of this medium."),
                pollutant=pollutant.name_en,
            )
        if code in seen:
            c.add(f"{where}.pollutant", "duplicate", N_("This pollutant is listed twice here."))
        seen.add(code)
        unit = c.text(raw, "unit", where, limit=16)
        allowed_units = CONCENTRATION_UNITS.get(Medium(medium)) if medium else ("mg/m3", "mg/L")
        if unit and allowed_units and unit not in allowed_units:
            c.add(
                f"{where}.unit",
                "unit",
                N_("The unit must be one of: {units}."),
                units=", ".join(allowed_units),
            )
        concentration = c.number(raw, "concentration_limit", where)
        quantity = c.number(raw, "annual_quantity_limit", where, required=False, positive=False)
        standard = c.text(raw, "standard", where, required=False, limit=100)
        if code and concentration is not None and unit:
            limits.append(Limit(code, concentration, unit, quantity, standard))
    return limits


def parse_content(raw: Any, *, prefix: str = "") -> tuple[PermitContent, list[FieldError]]:
    """Check the content of a permit copy; every error names its exact path.

    Paths look like ``outlets[0].limits[1].unit``, so a form or an import can point at the cell.
    """
    c = _Collector(prefix)
    content = PermitContent()
    if not isinstance(raw, dict):
        # The content itself is wrong: the caller's prefix (e.g. "content.") names it.
        c.errors.append(
            FieldError(prefix.rstrip("."), "type", N_("Expected the permit content as an object."), {})
        )
        return content, c.errors
    for section in SECRET_CAPABLE_SECTIONS:
        entries = c.items(raw, section)
        cleaned = []
        for index, entry in enumerate(entries):
            row = {k: str(v).strip()[:200] for k, v in entry.items() if v is not None and k != "secret"}
            if not row.get("name"):
                c.add(f"{section}[{index}].name", "required", N_("This field is required."))
            cleaned.append(row)
        setattr(content, section, cleaned)
    codes: dict[str, set[str]] = {}
    for index, entry in enumerate(c.items(raw, "outlets", limit=MAX_OUTLETS)):
        where = f"outlets[{index}]"
        code = c.text(entry, "code", where, limit=8).upper()
        medium = c.choice(entry, "medium", where, Medium)
        pattern = AIR_OUTLET if medium == Medium.AIR else WATER_OUTLET
        if code and medium and not pattern.match(code):
            c.add(
                f"{where}.code",
                "outlet_code",
                N_("Air outlets are coded DA001…, water outlets DW001… (this one: {code})."),
                code=code,
            )
        if code in codes:
            c.add(f"{where}.code", "duplicate", N_("Outlet code {code} is used twice."), code=code)
        outlet = Outlet(
            code=code,
            name=c.text(entry, "name", where, limit=100),
            medium=medium,
            kind=c.choice(entry, "kind", where, OutletKind),
            location=c.text(entry, "location", where, required=False, limit=200),
            longitude=c.number(entry, "longitude", where, required=False, positive=False),
            latitude=c.number(entry, "latitude", where, required=False, positive=False),
            direction=c.text(entry, "direction", where, required=False, limit=200),
            height_m=c.number(entry, "height_m", where, required=False),
            online_monitoring=bool(entry.get("online_monitoring", False)),
            limits=_limits(c, entry.get("limits") or [], f"{where}.limits", medium or None),
        )
        if not outlet.limits and not any(
            e.field and e.field.startswith(f"{prefix}{where}.limits") for e in c.errors
        ):
            c.add(f"{where}.limits", "required", N_("An outlet needs at least one permitted pollutant."))
        codes[code] = {limit.pollutant for limit in outlet.limits}
        content.outlets.append(outlet)
    for index, entry in enumerate(c.items(raw, "fugitive_sources")):
        where = f"fugitive_sources[{index}]"
        code = c.text(entry, "code", where, limit=8).upper()
        if code and not FUGITIVE_CODE.match(code):
            c.add(
                f"{where}.code",
                "fugitive_code",
                N_("A fugitive source code is two letters and 3-4 digits, e.g. MF0001."),
            )
        if code in codes:
            c.add(f"{where}.code", "duplicate", N_("Outlet code {code} is used twice."), code=code)
        source = FugitiveSource(
            code=code,
            name=c.text(entry, "name", where, limit=100),
            location=c.text(entry, "location", where, required=False, limit=200),
            limits=_limits(c, entry.get("limits") or [], f"{where}.limits", None),
        )
        codes[code] = {limit.pollutant for limit in source.limits}
        content.fugitive_sources.append(source)
    if (
        not content.outlets
        and not content.fugitive_sources
        and not any(e.field in (f"{prefix}outlets", f"{prefix}fugitive_sources") for e in c.errors)
    ):
        c.add("outlets", "required", N_("A permit lists at least one outlet or fugitive source."))
    for index, entry in enumerate(c.items(raw, "monitoring")):
        where = f"monitoring[{index}]"
        point = c.text(entry, "point", where, limit=8).upper()
        pollutant = c.text(entry, "pollutant", where, limit=16).upper()
        frequency = c.choice(entry, "frequency", where, Frequency)
        method = c.choice(entry, "method", where, MonitoringMethod)
        if point and point not in codes:
            c.add(
                f"{where}.point",
                "unknown_point",
                N_("No outlet or fugitive source {code} in this permit."),
                code=point,
            )
        elif point and pollutant and pollutant not in codes[point]:
            c.add(
                f"{where}.pollutant",
                "unknown_pollutant_at_point",
                N_("{code} has no permitted limit for this pollutant."),
                code=point,
            )
        if method == MonitoringMethod.AUTOMATIC and frequency and frequency != Frequency.CONTINUOUS:
            c.add(f"{where}.frequency", "automatic_is_continuous", N_("Automatic monitoring is continuous."))
        if method == MonitoringMethod.MANUAL and frequency == Frequency.CONTINUOUS:
            c.add(
                f"{where}.frequency",
                "manual_not_continuous",
                N_("Manual monitoring has a sampling frequency."),
            )
        content.monitoring.append(MonitoringRequirement(point, pollutant, frequency, method))
    for index, entry in enumerate(c.items(raw, "ledger_records")):
        where = f"ledger_records[{index}]"
        content.ledger_records.append(
            LedgerRequirement(
                c.choice(entry, "kind", where, LedgerRecordKind),
                c.choice(entry, "frequency", where, Frequency),
            )
        )
    kinds = raw.get("report_kinds") or []
    allowed_kinds = [k.value for k in ReportKind]
    if not isinstance(kinds, list) or any(k not in allowed_kinds for k in kinds):
        c.add("report_kinds", "choice", N_("Choose one of: {choices}."), choices=", ".join(allowed_kinds))
    elif ReportKind.ANNUAL not in kinds:
        c.add("report_kinds", "annual_required", N_("Every permit requires an annual execution report."))
    else:
        content.report_kinds = [k for k in allowed_kinds if k in kinds]
    due_days = raw.get("report_due_days") or {}
    if not isinstance(due_days, dict):
        c.add("report_due_days", "invalid", N_("Give the due day of each report kind as a number."))
        due_days = {}
    for kind, day in due_days.items():
        if kind not in content.report_kinds:
            c.add(
                f"report_due_days.{kind}",
                "not_required",
                N_("This permit does not require {kind} reports."),
                kind=kind,
            )
        elif isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
            c.add(
                f"report_due_days.{kind}",
                "day_of_month",
                N_("The due day is a day of the month after the period, 1 to 31."),
            )
        else:
            content.report_due_days[kind] = day
    folding = raw.get("report_folding", False)
    if not isinstance(folding, bool):
        c.add("report_folding", "invalid", N_("Say yes or no."))
    else:
        content.report_folding = folding
    for index, entry in enumerate(c.items(raw, "special_period_limits")):
        where = f"special_period_limits[{index}]"
        point = c.text(entry, "point", where, limit=8).upper()
        if point and point not in codes:
            c.add(
                f"{where}.point",
                "unknown_point",
                N_("No outlet or fugitive source {code} in this permit."),
                code=point,
            )
        content.special_period_limits.append(
            SpecialLimit(
                period=c.text(entry, "period", where, limit=100),
                point=point,
                pollutant=c.text(entry, "pollutant", where, limit=16).upper(),
                concentration_limit=c.number(entry, "concentration_limit", where) or 0.0,
                unit=c.text(entry, "unit", where, limit=16),
            )
        )
    content.commitments = c.text(raw, "commitments", "", required=False, limit=5000)
    secret = raw.get("secret_sections") or []
    if not isinstance(secret, list) or any(s not in SECRET_CAPABLE_SECTIONS for s in secret):
        c.add(
            "secret_sections",
            "choice",
            N_("Choose one of: {choices}."),
            choices=", ".join(SECRET_CAPABLE_SECTIONS),
        )
    else:
        content.secret_sections = list(secret)
    return content, c.errors


def content_from_dict(values: dict[str, Any]) -> PermitContent:
    """Rebuild stored content (already validated) without checking it again."""
    content, _ = parse_content(_stored_to_input(values))
    return content


def _stored_to_input(values: dict[str, Any]) -> dict[str, Any]:
    return dict(values)
