"""The rule engine: rules are pure functions of a ``RuleContext``; each finding names its exact field.

A rule has a code (G… general, I<industry>… industry), a scope ("general" or GB/T 4754
industry codes), a severity (error / warning), the report kinds it applies to, a
message id (translated where shown; Chinese catalog) and the field path it faults.
Rules run on every submission (findings stored) and on drafts (the "check" button).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from functools import cached_property, wraps
from typing import Any, Protocol, TypeVar

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class LimitFact:
    """A permitted limit at a point of the permit version in force."""

    point: str
    pollutant: str
    concentration_limit: float
    unit: str
    annual_quantity_t: float | None
    medium: str | None  # air / water; None for fugitive sources
    outlet_kind: str | None  # main / general / special; None for fugitive sources


@dataclass(frozen=True)
class MonitoringFact:
    point: str
    pollutant: str
    frequency: str
    method: str


@dataclass(frozen=True)
class SeriesFact:
    """What the ledger says for one point and pollutant over the report period."""

    point: str
    pollutant: str
    method: str  # automatic / manual / factor / missing (M48 §36)
    quantity_t: float | None
    concentration_avg: float | None
    concentration_max: float | None
    readings: int
    automatic_coverage: float


@dataclass(frozen=True)
class ExceedanceFact:
    point: str
    pollutant: str
    kind: str
    started_at: datetime
    ended_at: datetime
    max_value: float
    limit_value: float
    status: str


class ReportPeriod(Protocol):
    """The period a report covers (``domain.reports.rules.Period`` is one): what the rules read of it."""

    @property
    def kind(self) -> str: ...
    @property
    def label(self) -> str: ...  # 2026-03, 2026-Q1, 2026-H1, 2026
    @property
    def start(self) -> date: ...  # first day
    @property
    def end(self) -> date: ...  # last day (inclusive)


def text(value: object) -> str:
    if type(value) is str:  # most values: no copy through str()
        return value.strip()
    return str(value).strip() if value is not None else ""


class Entry:
    """A row of a report's section as the rules read it, worked out once per report (``RuleContext.
    entries``; issue 19: the rules looked each row's outlet and pollutant up again, some 470 times a
    filing): its index and values, its outlet and pollutant (``text``: stripped), the permit's limit, the
    ledger's series and the permit's monitoring for them, its figures as numbers (``number``: None when
    not a number) and its stated method (``text``). ``written``: the outlet and pollutant as ``str`` writes
    them, unstripped (G001…G004 compare those). Read only: every rule reads the same one."""

    __slots__ = (
        "index",
        "row",
        "point",
        "pollutant",
        "written",
        "limit",
        "series",
        "monitored",
        "average",
        "maximum",
        "quantity",
        "method",
    )

    def __init__(self, context: RuleContext, index: int, row: dict[str, Any]) -> None:
        get = row.get
        self.index, self.row = index, row
        outlet, pollutant = get("outlet"), get("pollutant")
        self.point, self.pollutant = key = text(outlet), text(pollutant)
        self.written = (str(outlet), str(pollutant))
        self.limit: LimitFact | None = context._limit_index.get(key)
        self.series: SeriesFact | None = context.series.get(key)
        self.monitored: MonitoringFact | None = context._monitoring_index.get(key)
        self.average = number(get("concentration_avg"))
        self.maximum = number(get("concentration_max"))
        self.quantity = number(get("quantity_t"))
        self.method = text(get("method"))


@dataclass(frozen=True)
class RuleContext:
    kind: str  # monthly / quarterly / semiannual / annual
    period: ReportPeriod
    content: dict[str, Any]
    industry_code: str
    category: str  # key / simplified
    permit_valid_from: date | None
    permit_valid_until: date | None
    report_kinds_required: tuple[str, ...]
    limits: tuple[LimitFact, ...] = ()
    monitoring: tuple[MonitoringFact, ...] = ()
    series: dict[tuple[str, str], SeriesFact] = dataclass_field(default_factory=dict)
    exceedances: tuple[ExceedanceFact, ...] = ()
    completeness_ratio: float | None = None
    stopped_days: int = 0  # days of the period the site stood still (停产): no monitoring owed on them
    tolerance: float = 0.05  # relative difference allowed between report and ledger

    def limit(self, point: str, pollutant: str) -> LimitFact | None:
        """The permit's limit at this point for this pollutant (the first, were one given twice)."""
        return self._limit_index.get((point, pollutant))

    def monitored(self, point: str, pollutant: str) -> MonitoringFact | None:
        """The permit's monitoring of this pollutant at this point (the first, were one given twice)."""
        return self._monitoring_index.get((point, pollutant))

    def entries(self, section: str) -> list[Entry]:
        """The section's rows that are objects (``rows``), each read once for every rule (``Entry``)."""
        found = self._entries.get(section)
        if found is None:
            found = self._entries[section] = [Entry(self, index, row) for index, row in self.rows(section)]
        return found

    def rows(self, section: str) -> list[tuple[int, dict[str, Any]]]:
        """The section's rows that are objects, with their index in the report; the rules only read it."""
        found = self._rows.get(section)
        if found is None:
            value = self.content.get(section) or []
            found = (
                [(i, row) for i, row in enumerate(value) if isinstance(row, dict)]
                if isinstance(value, list)
                else []
            )
            self._rows[section] = found
        return found

    # Worked out once per context: every rule asks for the limits and the rows again (issue 19, the
    # filing peak). A context is not changed once made (its content included); ``replace`` makes another.
    @cached_property
    def _limit_index(self) -> dict[tuple[str, str], LimitFact]:
        index: dict[tuple[str, str], LimitFact] = {}
        for fact in self.limits:
            index.setdefault((fact.point, fact.pollutant), fact)
        return index

    @cached_property
    def _monitoring_index(self) -> dict[tuple[str, str], MonitoringFact]:
        index: dict[tuple[str, str], MonitoringFact] = {}
        for fact in self.monitoring:
            index.setdefault((fact.point, fact.pollutant), fact)
        return index

    @cached_property
    def _rows(self) -> dict[str, list[tuple[int, dict[str, Any]]]]:
        return {}

    @cached_property
    def _entries(self) -> dict[str, list[Entry]]:
        return {}

    @cached_property
    def _once(self) -> dict[Callable[[RuleContext], Any], Any]:
        return {}


T = TypeVar("T")


def once_per_context(function: Callable[[RuleContext], T]) -> Callable[[RuleContext], T]:
    """A function of the context alone that several rules ask for, worked out once per context. What it
    returns is shared by the rules: make it immutable (a frozenset, a tuple)."""

    @wraps(function)
    def once(context: RuleContext) -> T:
        known = context._once
        if function in known:
            return known[function]  # type: ignore[no-any-return]
        found = known[function] = function(context)
        return found

    return once


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    field: str
    message: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)


Check = Callable[[RuleContext], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    scope: tuple[str, ...]  # ("general",) or industry codes, e.g. ("4411", "4412")
    severity: str
    kinds: tuple[str, ...]  # report kinds it applies to
    title: str  # message id: what the rule checks (catalogue)
    message: str  # message id of a finding, with {params}
    field: str  # the field path it faults (pattern, e.g. content.emissions[].concentration_max)
    check: Check

    def applies_to(self, context: RuleContext) -> bool:
        return self.applies(context.kind, context.industry_code)

    def applies(self, kind: str, industry_code: str) -> bool:
        return kind in self.kinds and ("general" in self.scope or industry_code in self.scope)

    def finding(self, field_path: str, **params: Any) -> Finding:
        return Finding(self.code, self.severity, field_path, self.message, params)


ALL_KINDS = ("monthly", "quarterly", "semiannual", "annual")
# A tuple, not ``int | float``: that union is built anew on every call (the rules ask thousands of times).
_NUMBERS = (int, float)
_REGISTRY: dict[str, Rule] = {}


def rule(
    code: str,
    *,
    severity: str,
    title: str,
    message: str,
    field: str,
    scope: tuple[str, ...] = ("general",),
    kinds: tuple[str, ...] = ALL_KINDS,
) -> Callable[[Check], Check]:
    """Register a check function as a rule."""

    def register(check: Check) -> Check:
        if code in _REGISTRY:
            raise ValueError(f"duplicate rule code {code}")
        _REGISTRY[code] = Rule(code, scope, severity, kinds, title, message, field, check)
        return check

    return register


def registered() -> list[Rule]:
    """The rules registered so far, in catalogue order (general rules first, then by code). Every rule is
    registered once ``domain.audit_rules.ruleset`` is imported: ask it, not this, for the catalogue."""
    return sorted(_REGISTRY.values(), key=lambda r: (r.scope != ("general",), r.code))


def registered_count() -> int:
    return len(_REGISTRY)


def rule_finding(code: str, field_path: str, **params: object) -> Finding:
    """A finding of the registered rule ``code`` at ``field_path``, its figures written as people do."""
    found = _REGISTRY[code]
    return Finding(
        found.code,
        found.severity,
        field_path,
        found.message,
        {name: tidy(value) if isinstance(value, float) else value for name, value in params.items()},
    )


def tidy(value: object) -> object:
    """Figures as people write them: 40 rather than 40.0 (numbers are parsed as floats)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, _NUMBERS):
        return None
    return float(value)


def differs(reported: float, recorded: float, tolerance: float) -> bool:
    """Relative difference beyond tolerance (absolute for values near zero)."""
    scale = max(abs(recorded), abs(reported), 1e-9)
    return abs(reported - recorded) / scale > tolerance and abs(reported - recorded) > 1e-6
