"""Audit rules for execution reports: every rule passes a clean report and faults one broken thing.

A small factory builds, per industry, a permit, its ledger facts and a report that
agree in every respect, so that ALL rules together find nothing. Each failing case
changes one thing and must raise exactly the rule under test, at the exact field.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_file

from domain.audit_rules import docs
from domain.audit_rules.content import recorded_runs, required_runs
from domain.audit_rules.engine import (
    ALL_KINDS,
    ERROR,
    WARNING,
    ExceedanceFact,
    LimitFact,
    MonitoringFact,
    RuleContext,
    SeriesFact,
)
from domain.audit_rules.ruleset import catalogue, run
from domain.enterprises.rules import INDUSTRY_NAMES
from domain.permits.reference import POLLUTANTS
from domain.reports.rules import parse_period

DROP = object()  # a row override that removes the key
PERIODS = {"monthly": "2025-02", "quarterly": "2025-Q1", "semiannual": "2025-H1", "annual": "2025"}
MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}
# Results each frequency calls for, counted by hand: February 2025 (28 days), Q1 2025 (90 days),
# the first half of 2025 (181 days), 2025.
EXPECTED = {
    "monthly": {"continuous": 672, "daily": 28, "monthly": 1},
    "quarterly": {"continuous": 2160, "daily": 90, "monthly": 3, "quarterly": 1},
    "semiannual": {"continuous": 4344, "daily": 181, "monthly": 6, "quarterly": 2, "semiannual": 1},
    "annual": {"continuous": 8760, "daily": 365, "monthly": 12, "quarterly": 4},
}
FACILITY = "1#脱硫设施"


@dataclass
class P:
    """One permitted pollutant at one point: the permit's limit, the ledger's figures, the report's row."""

    point: str
    pollutant: str
    medium: str | None  # None: fugitive source
    kind: str | None
    limit: float
    avg: float
    max: float
    frequency: str = "continuous"
    method: str = "automatic"
    annual_t: float | None = None  # permitted annual quantity
    year_t: float | None = None  # what the unit emits in a year (the period gets its share)
    unit: str = ""
    in_permit: bool = True
    monitored: bool = True
    in_ledger: bool = True
    reported: bool = True
    row: dict[str, Any] = field(default_factory=dict)
    series: dict[str, Any] = field(default_factory=dict)

    def resolved_unit(self) -> str:
        return self.unit or ("mg/L" if self.medium == "water" else "mg/m3")


def air(point: str, pollutant: str, limit: float, avg: float, mx: float, **kw: Any) -> P:
    return P(point, pollutant, "air", kw.pop("kind", "main"), limit, avg, mx, **kw)


def water(point: str, pollutant: str, limit: float, avg: float, mx: float, **kw: Any) -> P:
    return P(point, pollutant, "water", kw.pop("kind", "main"), limit, avg, mx, **kw)


def fugitive(point: str, pollutant: str, limit: float, avg: float, mx: float, **kw: Any) -> P:
    return P(point, pollutant, None, None, limit, avg, mx, frequency="quarterly", method="manual", **kw)


MANUAL_MONTHLY = {"frequency": "monthly", "method": "manual"}
MANUAL_DAILY = {"frequency": "daily", "method": "manual"}


def industry_points(industry: str) -> list[P]:
    if industry in ("4411", "4412"):
        return [
            air("DA001", "SO2", 35, 18, 30, annual_t=120.5, year_t=60),
            air("DA001", "NOX", 50, 32, 45, annual_t=180, year_t=90),
            air("DA001", "PM", 10, 4, 7, year_t=8),
            air("DA001", "HG", 0.03, 0.004, 0.008, year_t=0.002, **MANUAL_MONTHLY),
            water("DW001", "COD", 500, 120, 200, kind="general", year_t=4, **MANUAL_MONTHLY),
            water("DW001", "BOD5", 300, 40, 70, kind="general", year_t=1.5, **MANUAL_MONTHLY),
            water("DW001", "NH3N", 45, 8, 15, kind="general", year_t=0.3, **MANUAL_MONTHLY),
            water("DW001", "TN", 70, 20, 35, kind="general", year_t=0.8, **MANUAL_MONTHLY),
            fugitive("MF0001", "PM", 1.0, 0.3, 0.6),
            air("DA002", "PM", 10, 3, 6, kind="general", **MANUAL_MONTHLY),  # coal handling
        ]
    if industry in ("2221", "2211"):
        points = [
            water("DW001", "COD", 90, 40, 70, annual_t=300, year_t=120),
            water("DW001", "NH3N", 8, 2, 5, annual_t=30, year_t=6),
            water("DW001", "TN", 12, 6, 9, year_t=18, **MANUAL_DAILY),
            water("DW001", "TP", 0.8, 0.3, 0.6, year_t=0.9, **MANUAL_DAILY),
            air("DA001", "PM", 20, 8, 14, kind="general", year_t=2, **MANUAL_MONTHLY),
            fugitive("MF0001", "NH3", 1.0, 0.3, 0.6),
            fugitive("MF0001", "H2S", 0.03, 0.01, 0.02),
        ]
        if industry == "2211":
            points.append(water("DW001", "AOX", 12, 3, 6, **MANUAL_MONTHLY))
        return points
    if industry in ("3110", "3120"):
        return [
            air("DA001", "SO2", 35, 15, 28, annual_t=500, year_t=200),
            air("DA001", "NOX", 50, 30, 44, annual_t=800, year_t=400),
            air("DA001", "PM", 10, 4, 8, year_t=50),
            air("DA002", "PM", 10, 3, 7, year_t=20),
            air("DA002", "SO2", 100, 20, 40, annual_t=100, year_t=30),
            air("DA002", "NOX", 100, 40, 70, year_t=40),
            water("DW001", "COD", 50, 20, 35, kind="general", year_t=5, **MANUAL_MONTHLY),
            fugitive("MF0001", "PM", 1.0, 0.4, 0.7),
        ]
    if industry == "3360":
        return [
            water("DW001", "TCR", 0.5, 0.1, 0.3, year_t=0.01, **MANUAL_DAILY),
            water("DW001", "CR6", 0.1, 0.02, 0.05, year_t=0.002, **MANUAL_DAILY),
            water("DW001", "NI", 0.1, 0.03, 0.06, year_t=0.003, **MANUAL_DAILY),
            water("DW001", "COD", 80, 30, 50, year_t=2, **MANUAL_DAILY),
            water("DW001", "NH3N", 15, 5, 10, year_t=0.2, **MANUAL_DAILY),
            air("DA001", "CRM", 0.05, 0.01, 0.02, kind="general", **MANUAL_MONTHLY),
        ]
    if industry == "4620":
        return [
            water("DW001", "COD", 50, 20, 35, annual_t=500, year_t=300),
            water("DW001", "NH3N", 5, 1, 3, annual_t=50, year_t=15),
            water("DW001", "TN", 15, 8, 12, annual_t=150, year_t=120),
            water("DW001", "TP", 0.5, 0.2, 0.4, annual_t=5, year_t=3),
            water("DW001", "FCOLI", 1000, 300, 800, unit="dimensionless", **MANUAL_MONTHLY),
            air("DA001", "NH3", 20, 5, 10, kind="general", **MANUAL_MONTHLY),
            air("DA001", "H2S", 3, 0.5, 1, kind="general", **MANUAL_MONTHLY),
            fugitive("MF0001", "NH3", 1.5, 0.4, 0.9),
            fugitive("MF0001", "H2S", 0.06, 0.01, 0.03),
        ]
    if industry == "1713":
        return [
            water("DW001", "COD", 200, 80, 150, annual_t=100, year_t=60),
            water("DW001", "NH3N", 20, 5, 12, annual_t=10, year_t=4),
            water("DW001", "COLOR", 80, 30, 50, unit="dimensionless", **MANUAL_DAILY),
            water("DW001", "ANILINE", 1.0, 0.2, 0.5, year_t=0.1, **MANUAL_DAILY),
        ]
    if industry in ("2614", "2619", "2621", "2651"):
        points = [
            air("DA001", "NMHC", 60, 20, 40, year_t=10),
            air("DA001", "PM", 20, 5, 10, year_t=1, **MANUAL_MONTHLY),
            water("DW001", "COD", 100, 40, 70, annual_t=50, year_t=20),
            water("DW001", "NH3N", 15, 4, 9, annual_t=5, year_t=2),
        ]
        if industry in ("2614", "2651"):
            points.append(fugitive("MF0001", "NMHC", 4.0, 1.0, 2.0))
        if industry == "2621":
            points += [
                air("DA001", "NH3", 30, 8, 15, **MANUAL_MONTHLY),
                water("DW001", "TN", 35, 15, 25, **MANUAL_DAILY),
                water("DW001", "TP", 0.5, 0.2, 0.4, **MANUAL_DAILY),
                water("DW001", "CN", 0.2, 0.05, 0.1, **MANUAL_MONTHLY),
                water("DW001", "S2", 0.5, 0.1, 0.3, **MANUAL_MONTHLY),
                water("DW001", "OIL", 3, 0.5, 1.5, **MANUAL_MONTHLY),
                fugitive("MF0001", "NH3", 1.0, 0.3, 0.6),
            ]
        return points
    if industry in ("2710", "2720"):
        return [
            air("DA001", "VOCS", 60, 20, 40, year_t=8),
            air("DA001", "PM", 20, 5, 10, year_t=1, **MANUAL_MONTHLY),
            water("DW001", "COD", 100, 40, 70, annual_t=40, year_t=20),
            water("DW001", "NH3N", 20, 5, 10, annual_t=8, year_t=2),
            water("DW001", "TN", 30, 12, 20, year_t=5, **MANUAL_DAILY),
            water("DW001", "TP", 0.5, 0.2, 0.4, year_t=0.1, **MANUAL_DAILY),
            fugitive("MF0001", "NMHC", 4.0, 1.0, 2.0),
        ]
    return new_industry_points(industry)


def new_industry_points(industry: str) -> list[P]:
    """Clean permits of the industries whose rule sets came with the full catalogue (issue 16)."""
    if industry == "3011":  # cement: kiln tail, kiln head, a mill
        return [
            air("DA001", "PM", 10, 4, 8, year_t=60),
            air("DA001", "SO2", 50, 20, 40, annual_t=300, year_t=150),
            air("DA001", "NOX", 100, 40, 80, annual_t=900, year_t=500),
            air("DA001", "FL", 3, 0.5, 1, **MANUAL_MONTHLY),
            air("DA001", "HG", 0.05, 0.005, 0.01, **MANUAL_MONTHLY),
            air("DA001", "NH3", 8, 2, 4, **MANUAL_MONTHLY),
            air("DA002", "PM", 10, 3, 7, year_t=30),
            air("DA003", "PM", 10, 3, 6, kind="general", **MANUAL_MONTHLY),
            fugitive("MF0001", "PM", 0.5, 0.2, 0.4),
        ]
    if industry == "2521":  # coking: coke oven chimney, charging station
        return [
            air("DA001", "PM", 30, 5, 9, year_t=20),
            air("DA001", "SO2", 50, 20, 28, year_t=40),
            air("DA001", "NOX", 150, 90, 140, year_t=200),
            air("DA002", "PM", 10, 3, 7, year_t=5, **MANUAL_MONTHLY),
            air("DA002", "SO2", 30, 10, 20, year_t=3, **MANUAL_MONTHLY),
            water("DW001", "COD", 150, 60, 100, annual_t=80, year_t=40),
            water("DW001", "NH3N", 25, 8, 15, annual_t=10, year_t=5),
            water("DW001", "VOLPH", 0.3, 0.05, 0.1, **MANUAL_MONTHLY),
            water("DW001", "CN", 0.2, 0.05, 0.1, **MANUAL_MONTHLY),
            water("DW001", "S2", 0.5, 0.1, 0.3, **MANUAL_MONTHLY),
            water("DW001", "OIL", 2.5, 0.5, 1, **MANUAL_MONTHLY),
            fugitive("MF0001", "NH3", 0.2, 0.05, 0.1),
            fugitive("MF0001", "H2S", 0.01, 0.002, 0.005),
        ]
    if industry == "3041":  # flat glass: a melting furnace
        return [
            air("DA001", "PM", 20, 8, 15, year_t=20),
            air("DA001", "SO2", 100, 50, 80, year_t=100),
            air("DA001", "NOX", 400, 200, 350, year_t=500),
            air("DA001", "HCL", 30, 5, 10, **MANUAL_MONTHLY),
            air("DA001", "FL", 5, 1, 2, **MANUAL_MONTHLY),
            fugitive("MF0001", "PM", 1.0, 0.3, 0.6),
        ]
    if industry in ("3211", "3212", "3216"):  # nonferrous smelting
        points = [
            air("DA001", "PM", 10, 4, 8, year_t=30),
            air("DA001", "SO2", 100, 40, 80, annual_t=400, year_t=200),
            fugitive("MF0001", "PM", 1.0, 0.3, 0.6),
        ]
        if industry == "3212":
            points += [
                air("DA001", "PB", 2, 0.2, 0.5, **MANUAL_MONTHLY),
                air("DA001", "HG", 0.05, 0.005, 0.01, **MANUAL_MONTHLY),
                *(
                    water("DW001", code, limit, limit / 5, limit / 2, **MANUAL_DAILY)
                    for code, limit in (("PB", 0.5), ("CD", 0.05), ("AS", 0.3), ("HG", 0.03))
                ),
            ]
        if industry == "3216":
            points.append(air("DA001", "FL", 3, 0.5, 1.5, **MANUAL_MONTHLY))
        return points
    if industry == "1910":  # tanning: chrome workshop outlet, total outlet
        return [
            water("DW001", "TCR", 1.5, 0.3, 0.8, **MANUAL_DAILY),
            water("DW001", "CR6", 0.1, 0.02, 0.05, **MANUAL_DAILY),
            water("DW002", "COD", 100, 40, 70, annual_t=60, year_t=30),
            water("DW002", "NH3N", 25, 8, 15, annual_t=10, year_t=4),
            water("DW002", "S2", 1.0, 0.2, 0.5, **MANUAL_DAILY),
        ]
    if industry == "2319":  # printing
        return [
            air("DA001", "NMHC", 50, 15, 30, year_t=5),
            air("DA001", "PM", 20, 4, 8, **MANUAL_MONTHLY),
            fugitive("MF0001", "NMHC", 4.0, 1.0, 2.0),
        ]
    if industry == "2511":  # refining
        return [
            air("DA001", "PM", 20, 5, 10, year_t=20),
            air("DA001", "SO2", 50, 20, 40, year_t=60),
            air("DA001", "NOX", 100, 50, 80, year_t=150),
            air("DA001", "NMHC", 60, 20, 40, year_t=10, **MANUAL_MONTHLY),
            water("DW001", "COD", 60, 25, 45, annual_t=100, year_t=50),
            water("DW001", "NH3N", 8, 2, 5, annual_t=10, year_t=4),
            water("DW001", "OIL", 5, 1, 3, **MANUAL_MONTHLY),
            water("DW001", "S2", 1.0, 0.2, 0.5, **MANUAL_MONTHLY),
            water("DW001", "VOLPH", 0.5, 0.1, 0.3, **MANUAL_MONTHLY),
            fugitive("MF0001", "NMHC", 4.0, 1.0, 2.0),
        ]
    if industry == "7820":  # domestic waste incineration
        return [
            air("DA001", "PM", 20, 5, 12, year_t=10),
            air("DA001", "SO2", 80, 30, 60, year_t=40),
            air("DA001", "NOX", 250, 120, 200, year_t=150),
            air("DA001", "HCL", 50, 10, 30, year_t=8),
            air("DA001", "HG", 0.05, 0.005, 0.01, **MANUAL_MONTHLY),
            air("DA001", "DIOX", 0.1, 0.02, 0.05, unit="ngTEQ/m3", **MANUAL_MONTHLY),
            fugitive("MF0001", "NH3", 1.5, 0.4, 0.9),
            fugitive("MF0001", "H2S", 0.06, 0.01, 0.03),
        ]
    raise AssertionError(f"no clean permit for industry {industry}")


@dataclass
class Spec:
    """A permit, its ledger and a report for one period that agree: build() gives the RuleContext."""

    industry: str
    kind: str
    points: list[P]
    category: str = "key"
    fuel: str = ""
    exceedance_rows: list[dict[str, Any]] = field(default_factory=list)
    exceedance_facts: list[ExceedanceFact] = field(default_factory=list)
    abnormal_rows: list[dict[str, Any]] = field(default_factory=list)
    edits: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)
    overrides: dict[str, Any] = field(default_factory=dict)

    def p(self, point: str, pollutant: str) -> P:
        return next(item for item in self.points if (item.point, item.pollutant) == (point, pollutant))

    def expected(self, item: P) -> int:
        return EXPECTED[self.kind].get(item.frequency, 0)

    def exceed(
        self,
        point: str,
        pollutant: str,
        peak: float,
        *,
        start: str = "2025-02-10T08:00:00+08:00",
        hours: int = 2,
        ledger: bool = True,
        ledger_peak: float | None = None,
        **row: Any,
    ) -> None:
        """An exceedance episode: in the ledger, explained in the report, and within the emissions maximum."""
        item = self.p(point, pollutant)
        item.max = max(item.max, peak)
        if peak > item.limit:
            item.row["compliant"] = False
        started = datetime.fromisoformat(start)
        ended = started + timedelta(hours=hours)
        values: dict[str, Any] = {
            "outlet": point,
            "pollutant": pollutant,
            "started_at": started.isoformat(),
            "ended_at": ended.isoformat(),
            "max_value": peak,
            "limit_value": item.limit,
            "cause": "脱硝喷氨系统故障",
            "measures": "更换喷氨阀门并加密巡检",
        }
        values.update(row)
        self.exceedance_rows.append(values)
        if ledger:
            self.ledger_exceedance(point, pollutant, ledger_peak or peak, started, ended)

    def ledger_exceedance(
        self, point: str, pollutant: str, peak: float, started: datetime, ended: datetime
    ) -> None:
        limit = self.p(point, pollutant).limit
        self.exceedance_facts.append(
            ExceedanceFact(point, pollutant, "concentration", started, ended, peak, limit, "explained")
        )

    def abnormal(self, **row: Any) -> None:
        values: dict[str, Any] = {
            "facility": FACILITY,
            "started_at": "2025-03-02T09:00:00+08:00",
            "ended_at": "2025-03-02T21:00:00+08:00",
            "cause": "浆液循环泵故障",
            "measures": "启用备用泵，降负荷运行",
        }
        values.update(row)
        self.abnormal_rows.append(values)

    def emission_row(self, item: P) -> dict[str, Any]:
        share = MONTHS[self.kind] / 12
        row: dict[str, Any] = {
            "outlet": item.point,
            "pollutant": item.pollutant,
            "method": item.method,
            "concentration_avg": item.avg,
            "concentration_max": item.max,
            "unit": item.resolved_unit(),
            "quantity_t": None if item.year_t is None else round(item.year_t * share, 6),
            "compliant": item.max <= item.limit,
        }
        for key, value in item.row.items():
            if value is DROP:
                row.pop(key, None)
            else:
                row[key] = value
        return row

    def build(self) -> RuleContext:
        period = parse_period(self.kind, PERIODS[self.kind])
        assert period is not None
        share = MONTHS[self.kind] / 12
        limits = tuple(
            LimitFact(p.point, p.pollutant, p.limit, p.resolved_unit(), p.annual_t, p.medium, p.kind)
            for p in self.points
            if p.in_permit
        )
        monitoring = tuple(
            MonitoringFact(p.point, p.pollutant, p.frequency, p.method) for p in self.points if p.monitored
        )
        series: dict[tuple[str, str], SeriesFact] = {}
        for p in self.points:
            if p.in_ledger and self.expected(p):
                fact = SeriesFact(
                    p.point,
                    p.pollutant,
                    p.method,
                    None if p.year_t is None else round(p.year_t * share, 6),
                    p.avg,
                    p.max,
                    self.expected(p),
                    1.0 if p.method == "automatic" else 0.0,
                )
                series[(p.point, p.pollutant)] = replace(fact, **p.series)
        rows = [
            self.emission_row(p) for p in self.points if p.reported and (self.expected(p) or p.kind == "main")
        ]
        content: dict[str, Any] = {
            "emissions": rows,
            "exceedances": self.exceedance_rows,
            "abnormal_operation": self.abnormal_rows,
            "statement": "本单位对执行报告内容的真实性、准确性和完整性负责。",
        }
        if self.kind == "annual":
            # One automatic record or one manual sample at a point covers all its pollutants.
            runs = {(p.point, p.method, p.frequency) for p in self.points if p.monitored}
            planned = sum(EXPECTED[self.kind].get(frequency, 0) for _, _, frequency in runs)
            content.update(
                production={
                    "operating_days": 330,
                    "main_products": "主要产品",
                    "output": "全年产量",
                    "fuel": self.fuel,
                },
                control_facilities=[
                    {"name": FACILITY, "operating_hours": 7920, "abnormal_hours": 0, "notes": ""}
                ],
                self_monitoring={"planned": planned, "performed": planned, "notes": ""},
                ledger_execution={"complete": True, "completeness_ratio": 1.0, "notes": ""},
                disclosure={"done": True, "channels": "全国排污许可证管理信息平台", "notes": ""},
                management_system={"responsible_person": "王工", "training_sessions": 4, "notes": ""},
                other_requirements="无其他要求。",
            )
        content = copy.deepcopy(content)
        for edit in self.edits:
            edit(content)
        context = RuleContext(
            kind=self.kind,
            period=period,
            content=content,
            industry_code=self.industry,
            category=self.category,
            permit_valid_from=date(2024, 1, 1),
            permit_valid_until=date(2028, 12, 31),
            report_kinds_required=("monthly", "quarterly", "semiannual", "annual"),
            limits=limits,
            monitoring=monitoring,
            series=series,
            exceedances=tuple(self.exceedance_facts),
            completeness_ratio=1.0,
        )
        return replace(context, **self.overrides)


def clean(industry: str = "4411", kind: str = "quarterly") -> Spec:
    return Spec(
        industry, kind, industry_points(industry), fuel="燃煤" if industry in ("4411", "4412") else "天然气"
    )


# ---------------------------------------------------------------------------
# Mutations: each changes one thing
# ---------------------------------------------------------------------------

Mutation = Callable[[Spec], None]


def seq(*steps: Mutation) -> Mutation:
    def apply(spec: Spec) -> None:
        for step in steps:
            step(spec)

    return apply


def point(pt: str, pol: str, **changes: Any) -> Mutation:
    """Change a pollutant everywhere at once (permit, ledger and report agree)."""

    def apply(spec: Spec) -> None:
        item = spec.p(pt, pol)
        for key, value in changes.items():
            setattr(item, key, value)

    return apply


def row(pt: str, pol: str, **changes: Any) -> Mutation:
    """Change only what the report says."""
    return lambda spec: spec.p(pt, pol).row.update(changes)


def series(pt: str, pol: str, **changes: Any) -> Mutation:
    """Change only what the ledger says."""
    return lambda spec: spec.p(pt, pol).series.update(changes)


def drop(pt: str, pol: str) -> Mutation:
    """The pollutant is in neither the permit, the ledger nor the report."""
    return point(pt, pol, in_permit=False, monitored=False, in_ledger=False, reported=False)


def exceed(pt: str, pol: str, peak: float, **kw: Any) -> Mutation:
    return lambda spec: spec.exceed(pt, pol, peak, **kw)


def abnormal(**kw: Any) -> Mutation:
    return lambda spec: spec.abnormal(**kw)


def edit(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return lambda spec: spec.edits.append(change)


def put(path: str, value: Any) -> Mutation:
    """Set content[a][b] = value (path "a.b"; an index for lists, e.g. "control_facilities.0.name")."""

    def change(content: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = content
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value is DROP:
            del target[last]
        else:
            target[last] = value

    return edit(change)


def append_row(**values: Any) -> Mutation:
    base = {
        "method": "manual",
        "concentration_avg": 10.0,
        "concentration_max": 12.0,
        "unit": "mg/m3",
        "quantity_t": 1.0,
        "compliant": True,
    }
    return edit(lambda content: content["emissions"].append({**base, **values}))


def duplicate_row(pt: str, pol: str) -> Mutation:
    def change(content: dict[str, Any]) -> None:
        original = next(r for r in content["emissions"] if (r["outlet"], r["pollutant"]) == (pt, pol))
        content["emissions"].append(dict(original))

    return edit(change)


def ledger_only(pt: str, pol: str, peak: float, start: str = "2025-02-10T08:00:00+08:00") -> Mutation:
    """An exceedance the ledger recorded (two hours), whatever the report says."""
    started = datetime.fromisoformat(start)
    return lambda spec: spec.ledger_exceedance(pt, pol, peak, started, started + timedelta(hours=2))


def context(**overrides: Any) -> Mutation:
    return lambda spec: spec.overrides.update(overrides)


def planned_delta(planned: int = 0, performed: int = 0) -> Mutation:
    def change(content: dict[str, Any]) -> None:
        content["self_monitoring"]["planned"] += planned
        content["self_monitoring"]["performed"] += performed

    return edit(change)


# Where a finding should point: a literal path, or an emissions row looked up in the built report.
Where = str | Callable[[RuleContext], str]


def at(pt: str, pol: str, name: str, *, last: bool = False) -> Callable[[RuleContext], str]:
    def where(built: RuleContext) -> str:
        indexes = [
            i for i, r in enumerate(built.content["emissions"]) if (r["outlet"], r["pollutant"]) == (pt, pol)
        ]
        index = indexes[-1] if last else indexes[0]
        return f"content.emissions[{index}]" + (f".{name}" if name else "")

    return where


def last_row(name: str) -> Callable[[RuleContext], str]:
    return lambda built: f"content.emissions[{len(built.content['emissions']) - 1}].{name}"


def no_quantity(pt: str, pol: str) -> Mutation:
    """The permit sets no annual quantity and the report gives none."""
    return seq(point(pt, pol, annual_t=None), row(pt, pol, quantity_t=None))


def factor(pt: str, pol: str) -> Mutation:
    """Estimated from emission factors, in the ledger and the report alike."""
    return seq(row(pt, pol, method="factor"), series(pt, pol, method="factor"))


def simplified(spec: Spec) -> None:
    spec.category = "simplified"


MAX = "concentration_max"
# The rule sets that came with the full catalogue (issue 16): (rule, industry, kind, change, field).
INDUSTRY_FAILING: list[tuple[str, str, str, Mutation, Where]] = [
    # Thermal power
    (
        "I4411-06",
        "4411",
        "quarterly",
        point("DA001", "NOX", limit=300, avg=40, max=250),
        at("DA001", "NOX", MAX),
    ),
    (
        "I4411-07",
        "4411",
        "semiannual",
        point("DA001", "HG", frequency="semiannual"),
        at("DA001", "HG", "method"),
    ),
    ("I4411-08", "4411", "annual", point("DA002", "PM", pollutant="NH3"), "content.emissions"),
    ("I4411-08", "4411", "annual", drop("DA002", "PM"), "content.emissions"),  # no coal handling outlet
    (
        "I4411-09",
        "4411",
        "semiannual",
        point("DW001", "COD", frequency="semiannual"),
        at("DW001", "COD", "method"),
    ),
    ("I4411-10", "4411", "annual", drop("MF0001", "PM"), "content.emissions"),
    # Pulp and paper, printing
    (
        "I2221-03",
        "2221",
        "semiannual",
        point("DW001", "TN", frequency="semiannual"),
        at("DW001", "TN", "method"),
    ),
    ("I2221-04", "2221", "quarterly", no_quantity("DW001", "COD"), at("DW001", "COD", "quantity_t")),
    ("I2221-05", "2211", "annual", drop("MF0001", "H2S"), "content.emissions"),
    ("I2211-02", "2211", "quarterly", point("DA001", "PM", kind="main"), "content.emissions"),
    ("I2319-01", "2319", "quarterly", drop("DA001", "NMHC"), "content.emissions"),
    ("I2319-02", "2319", "quarterly", point("DA001", "NMHC", method="manual"), at("DA001", "NMHC", "method")),
    (
        "I2319-03",
        "2319",
        "quarterly",
        row("DA001", "NMHC", quantity_t=None),
        at("DA001", "NMHC", "quantity_t"),
    ),
    ("I2319-04", "2319", "annual", drop("MF0001", "NMHC"), "content.emissions"),
    (
        "I2319-05",
        "2319",
        "semiannual",
        seq(point("DA001", "NMHC", method="manual", frequency="semiannual"), simplified),
        at("DA001", "NMHC", "method"),
    ),
    # Iron and steel, coking
    ("I3110-05", "3110", "quarterly", drop("DA002", "NOX"), "content.emissions"),
    ("I3110-06", "3110", "quarterly", point("DA002", "NOX", method="manual"), at("DA002", "NOX", "method")),
    (
        "I3110-07",
        "3110",
        "quarterly",
        point("DA002", "SO2", limit=300, avg=100, max=250),
        at("DA002", "SO2", MAX),
    ),
    ("I3110-08", "3120", "quarterly", row("DA001", "PM", quantity_t=None), at("DA001", "PM", "quantity_t")),
    ("I3120-01", "3120", "quarterly", point("DA001", "PM", limit=80, avg=8, max=60), at("DA001", "PM", MAX)),
    ("I2521-01", "2521", "quarterly", drop("DA002", "SO2"), "content.emissions"),
    ("I2521-02", "2521", "quarterly", point("DA001", "NOX", method="manual"), at("DA001", "NOX", "method")),
    (
        "I2521-03",
        "2521",
        "quarterly",
        point("DA002", "SO2", limit=200, avg=20, max=150),
        at("DA002", "SO2", MAX),
    ),
    (
        "I2521-04",
        "2521",
        "quarterly",
        point("DA001", "SO2", avg=40, max=45),
        at("DA001", "SO2", "concentration_avg"),
    ),
    ("I2521-05", "2521", "quarterly", drop("DW001", "CN"), "content.emissions"),
    ("I2521-06", "2521", "quarterly", point("DW001", "COD", method="manual"), at("DW001", "COD", "method")),
    ("I2521-07", "2521", "annual", drop("MF0001", "H2S"), "content.emissions"),
    (
        "I2521-08",
        "2521",
        "annual",
        point("MF0001", "NH3", limit=1.0, avg=0.1, max=0.5),
        at("MF0001", "NH3", MAX),
    ),
    ("I2521-09", "2521", "quarterly", row("DA001", "PM", quantity_t=None), at("DA001", "PM", "quantity_t")),
    (
        "I2521-10",
        "2521",
        "semiannual",
        point("DW001", "VOLPH", frequency="semiannual"),
        at("DW001", "VOLPH", "method"),
    ),
    # Electroplating, nonferrous smelting
    (
        "I3360-04",
        "3360",
        "quarterly",
        point("DW001", "NI", limit=2.0, avg=0.3, max=1.0),
        at("DW001", "NI", MAX),
    ),
    (
        "I3360-05",
        "3360",
        "quarterly",
        point("DA001", "CRM", limit=0.1, avg=0.02, max=0.08),
        at("DA001", "CRM", MAX),
    ),
    (
        "I3360-06",
        "3360",
        "semiannual",
        point("DW001", "NI", frequency="semiannual"),
        at("DW001", "NI", "method"),
    ),
    ("I3360-07", "3360", "quarterly", drop("DW001", "NH3N"), "content.emissions"),
    ("I3211-01", "3211", "quarterly", drop("DA001", "SO2"), "content.emissions"),
    ("I3211-02", "3211", "quarterly", point("DA001", "SO2", method="manual"), at("DA001", "SO2", "method")),
    ("I3211-03", "3216", "quarterly", row("DA001", "PM", quantity_t=None), at("DA001", "PM", "quantity_t")),
    ("I3211-04", "3212", "quarterly", factor("DW001", "PB"), at("DW001", "PB", "method")),
    ("I3211-05", "3211", "annual", drop("MF0001", "PM"), "content.emissions"),
    ("I3212-01", "3212", "quarterly", drop("DW001", "AS"), "content.emissions"),
    ("I3212-02", "3212", "quarterly", drop("DA001", "PB"), "content.emissions"),
    ("I3216-01", "3216", "quarterly", drop("DA001", "FL"), "content.emissions"),
    (
        "I3216-02",
        "3216",
        "quarterly",
        point("DA001", "FL", limit=6.0, avg=1.0, max=4.0),
        at("DA001", "FL", MAX),
    ),
    # Sewage treatment, waste incineration
    (
        "I4620-04",
        "4620",
        "quarterly",
        point("DW001", "COD", limit=150, avg=60, max=130),
        at("DW001", "COD", MAX),
    ),
    (
        "I4620-05",
        "4620",
        "semiannual",
        point("DW001", "FCOLI", frequency="quarterly"),
        at("DW001", "FCOLI", "method"),
    ),
    ("I4620-06", "4620", "quarterly", no_quantity("DW001", "COD"), at("DW001", "COD", "quantity_t")),
    ("I4620-07", "4620", "quarterly", drop("DA001", "H2S"), "content.emissions"),
    ("I4620-08", "4620", "annual", drop("MF0001", "NH3"), "content.emissions"),
    (
        "I4620-09",
        "4620",
        "annual",
        point("MF0001", "H2S", limit=0.5, avg=0.1, max=0.4),
        at("MF0001", "H2S", MAX),
    ),
    ("I7820-01", "7820", "quarterly", drop("DA001", "HCL"), "content.emissions"),
    ("I7820-02", "7820", "annual", drop("DA001", "DIOX"), "content.emissions"),
    ("I7820-03", "7820", "quarterly", point("DA001", "HCL", method="manual"), at("DA001", "HCL", "method")),
    (
        "I7820-04",
        "7820",
        "quarterly",
        point("DA001", "NOX", limit=400, avg=200, max=350),
        at("DA001", "NOX", MAX),
    ),
    (
        "I7820-05",
        "7820",
        "quarterly",
        point("DA001", "HG", frequency="quarterly"),
        at("DA001", "HG", "method"),
    ),
    ("I7820-06", "7820", "quarterly", row("DA001", "PM", quantity_t=None), at("DA001", "PM", "quantity_t")),
    ("I7820-07", "7820", "annual", drop("MF0001", "H2S"), "content.emissions"),
    # Textile dyeing, tanning
    (
        "I1713-03",
        "1713",
        "quarterly",
        point("DW001", "ANILINE", limit=2.0, avg=0.5, max=1.5),
        at("DW001", "ANILINE", MAX),
    ),
    (
        "I1713-04",
        "1713",
        "semiannual",
        point("DW001", "COLOR", frequency="semiannual"),
        at("DW001", "COLOR", "method"),
    ),
    ("I1713-05", "1713", "quarterly", no_quantity("DW001", "COD"), at("DW001", "COD", "quantity_t")),
    ("I1910-01", "1910", "quarterly", drop("DW002", "S2"), "content.emissions"),
    (
        "I1910-02",
        "1910",
        "quarterly",
        point("DW001", "TCR", limit=3.0, avg=0.5, max=2.0),
        at("DW001", "TCR", MAX),
    ),
    (
        "I1910-03",
        "1910",
        "quarterly",
        seq(point("DW001", "CR6", avg=0.05, max=0.08), point("DW001", "TCR", avg=0.04)),
        at("DW001", "CR6", "concentration_avg"),
    ),
    ("I1910-04", "1910", "quarterly", factor("DW001", "TCR"), at("DW001", "TCR", "method")),
    ("I1910-05", "1910", "quarterly", point("DW002", "COD", method="manual"), at("DW002", "COD", "method")),
    # Chemicals, refining, pharmaceuticals
    ("I2614-03", "2614", "quarterly", point("DW001", "COD", method="manual"), at("DW001", "COD", "method")),
    (
        "I2614-04",
        "2614",
        "quarterly",
        point("DA001", "NMHC", method="manual", frequency="quarterly"),
        at("DA001", "NMHC", "method"),
    ),
    (
        "I2614-05",
        "2651",
        "quarterly",
        row("DA001", "NMHC", quantity_t=None),
        at("DA001", "NMHC", "quantity_t"),
    ),
    ("I2614-06", "2651", "annual", drop("MF0001", "NMHC"), "content.emissions"),
    (
        "I2614-07",
        "2614",
        "annual",
        point("MF0001", "NMHC", limit=6.0, avg=2.0, max=5.0),
        at("MF0001", "NMHC", MAX),
    ),
    (
        "I2614-08",
        "2614",
        "quarterly",
        point("DA001", "NMHC", limit=150, avg=40, max=130),
        at("DA001", "NMHC", MAX),
    ),
    ("I2651-01", "2651", "quarterly", point("DA001", "PM", limit=50, avg=10, max=40), at("DA001", "PM", MAX)),
    ("I2621-01", "2621", "quarterly", drop("DW001", "CN"), "content.emissions"),
    ("I2621-02", "2621", "annual", drop("MF0001", "NH3"), "content.emissions"),
    ("I2621-03", "2621", "quarterly", drop("DA001", "NH3"), "content.emissions"),
    ("I2511-01", "2511", "quarterly", drop("DW001", "VOLPH"), "content.emissions"),
    ("I2511-02", "2511", "quarterly", point("DW001", "NH3N", method="manual"), at("DW001", "NH3N", "method")),
    (
        "I2511-03",
        "2511",
        "quarterly",
        point("DA001", "SO2", limit=500, avg=100, max=450),
        at("DA001", "SO2", MAX),
    ),
    (
        "I2511-04",
        "2511",
        "quarterly",
        row("DA001", "NMHC", quantity_t=None),
        at("DA001", "NMHC", "quantity_t"),
    ),
    ("I2511-05", "2511", "annual", drop("MF0001", "NMHC"), "content.emissions"),
    (
        "I2511-06",
        "2511",
        "semiannual",
        point("DW001", "OIL", frequency="semiannual"),
        at("DW001", "OIL", "method"),
    ),
    (
        "I2710-03",
        "2710",
        "quarterly",
        point("DA001", "VOCS", limit=200, avg=40, max=180),
        at("DA001", "VOCS", MAX),
    ),
    ("I2710-04", "2710", "quarterly", point("DW001", "NH3N", method="manual"), at("DW001", "NH3N", "method")),
    ("I2710-05", "2720", "quarterly", no_quantity("DW001", "COD"), at("DW001", "COD", "quantity_t")),
    ("I2710-06", "2710", "annual", drop("MF0001", "NMHC"), "content.emissions"),
    (
        "I2710-07",
        "2710",
        "semiannual",
        point("DW001", "TN", frequency="semiannual"),
        at("DW001", "TN", "method"),
    ),
    (
        "I2710-08",
        "2720",
        "quarterly",
        point("DA001", "VOCS", method="manual", frequency="quarterly"),
        at("DA001", "VOCS", "method"),
    ),
    # Cement, flat glass
    ("I3011-01", "3011", "quarterly", drop("DA001", "PM"), "content.emissions"),
    ("I3011-02", "3011", "quarterly", drop("DA001", "FL"), "content.emissions"),
    ("I3011-03", "3011", "quarterly", point("DA002", "PM", method="manual"), at("DA002", "PM", "method")),
    (
        "I3011-04",
        "3011",
        "quarterly",
        point("DA001", "NOX", limit=500, avg=45, max=450),
        at("DA001", "NOX", MAX),
    ),
    (
        "I3011-05",
        "3011",
        "quarterly",
        point("DA001", "SO2", avg=40, max=45),
        at("DA001", "SO2", "concentration_avg"),
    ),
    (
        "I3011-06",
        "3011",
        "semiannual",
        point("DA001", "FL", frequency="semiannual"),
        at("DA001", "FL", "method"),
    ),
    ("I3011-07", "3011", "quarterly", point("DA003", "PM", pollutant="NH3"), "content.emissions"),
    ("I3011-08", "3011", "annual", drop("MF0001", "PM"), "content.emissions"),
    (
        "I3011-09",
        "3011",
        "annual",
        point("MF0001", "PM", limit=1.0, avg=0.2, max=0.8),
        at("MF0001", "PM", MAX),
    ),
    ("I3011-10", "3011", "quarterly", row("DA001", "PM", quantity_t=None), at("DA001", "PM", "quantity_t")),
    ("I3041-01", "3041", "quarterly", drop("DA001", "NOX"), "content.emissions"),
    ("I3041-02", "3041", "quarterly", point("DA001", "SO2", method="manual"), at("DA001", "SO2", "method")),
    (
        "I3041-03",
        "3041",
        "quarterly",
        point("DA001", "NOX", limit=900, avg=300, max=800),
        at("DA001", "NOX", MAX),
    ),
    ("I3041-04", "3041", "quarterly", row("DA001", "SO2", quantity_t=None), at("DA001", "SO2", "quantity_t")),
    ("I3041-05", "3041", "annual", drop("MF0001", "PM"), "content.emissions"),
]

EXPLAINED_NOX = exceed("DA001", "NOX", 62)
BEFORE_START = "2025-02-10T07:00:00+08:00"

# (rule, industry, report kind, the one change, the field the finding must name)
FAILING: list[tuple[str, str, str, Mutation, Where]] = [
    (
        "G001",
        "4411",
        "quarterly",
        seq(point("DA001", "SO2", max=40), row("DA001", "SO2", compliant=False)),
        at("DA001", "SO2", "concentration_max"),
    ),
    ("G002", "4411", "quarterly", point("DA001", "SO2", reported=False), "content.emissions"),
    (
        "G003",
        "4411",
        "quarterly",
        row("DA001", "SO2", concentration_avg=25),
        at("DA001", "SO2", "concentration_avg"),
    ),
    ("G004", "4411", "quarterly", row("DA001", "SO2", quantity_t=20), at("DA001", "SO2", "quantity_t")),
    (
        "G005",
        "4411",
        "quarterly",
        context(permit_valid_from=date(2025, 6, 1), permit_valid_until=date(2028, 5, 31)),
        "period",
    ),
    ("G006", "4411", "quarterly", put("statement", " "), "content.statement"),
    (
        "G007",
        "4411",
        "quarterly",
        seq(exceed("DA001", "SO2", 40), row("DA001", "SO2", compliant=True)),
        at("DA001", "SO2", "compliant"),
    ),
    ("G008", "4411", "quarterly", row("DA001", "SO2", compliant=False), at("DA001", "SO2", "compliant")),
    ("G009", "4411", "quarterly", row("DA001", "SO2", compliant=DROP), at("DA001", "SO2", "compliant")),
    (
        "G010",
        "4411",
        "quarterly",
        point("DA001", "SO2", avg=31, max=30),
        at("DA001", "SO2", "concentration_avg"),
    ),
    ("G011", "4411", "quarterly", append_row(outlet="DA009", pollutant="SO2"), last_row("outlet")),
    ("G012", "4411", "quarterly", append_row(outlet="DA001", pollutant="HCL"), last_row("pollutant")),
    ("G013", "4411", "quarterly", duplicate_row("DA001", "SO2"), at("DA001", "SO2", "", last=True)),
    ("G014", "4411", "quarterly", row("DA001", "SO2", unit="mg/L"), at("DA001", "SO2", "unit")),
    (
        "G015",
        "4411",
        "quarterly",
        row("DA001", "SO2", concentration_avg=None),
        at("DA001", "SO2", "concentration_avg"),
    ),
    ("G016", "4411", "quarterly", row("DA001", "SO2", quantity_t=None), at("DA001", "SO2", "quantity_t")),
    ("G017", "4411", "quarterly", exceed("DA001", "SO2", 4000), at("DA001", "SO2", "concentration_max")),
    (
        "G018",
        "4411",
        "quarterly",
        series("DA001", "SO2", concentration_max=33),
        at("DA001", "SO2", "concentration_max"),
    ),
    ("G019", "4411", "quarterly", point("DA001", "SO2", year_t=600), at("DA001", "SO2", "quantity_t")),
    (
        "G020",
        "4411",
        "quarterly",
        seq(row("DA001", "SO2", quantity_t=0), series("DA001", "SO2", quantity_t=0)),
        at("DA001", "SO2", "quantity_t"),
    ),
    ("G021", "4411", "quarterly", series("DA001", "SO2", method="manual"), at("DA001", "SO2", "method")),
    (
        "G022",
        "4411",
        "quarterly",
        seq(point("DA001", "SO2", in_ledger=False), row("DA001", "SO2", method="manual")),
        at("DA001", "SO2", "method"),
    ),
    (
        "G023",
        "4411",
        "quarterly",
        seq(
            series("DA001", "SO2", automatic_coverage=0.5, method="factor"),
            row("DA001", "SO2", method="factor"),
        ),
        at("DA001", "SO2", "method"),
    ),
    (
        "G024",
        "4411",
        "quarterly",
        series(
            "DA001",
            "SO2",
            readings=0,
            method="missing",
            concentration_avg=None,
            concentration_max=None,
            quantity_t=None,
            automatic_coverage=0.0,
        ),
        at("DA001", "SO2", "concentration_avg"),
    ),
    ("G025", "4411", "quarterly", series("DW001", "COD", readings=2), at("DW001", "COD", "method")),
    ("G026", "4411", "quarterly", point("DW001", "COD", reported=False), "content.emissions"),
    (
        "G027",
        "4411",
        "quarterly",
        point("DW001", "BOD5", avg=130, max=180),
        at("DW001", "BOD5", "concentration_avg"),
    ),
    (
        "G028",
        "4411",
        "quarterly",
        point("DW001", "NH3N", avg=25, max=40),
        at("DW001", "NH3N", "concentration_avg"),
    ),
    (
        "G029",
        "4411",
        "quarterly",
        point("DA001", "SO2", avg=30, max=30),
        at("DA001", "SO2", "concentration_max"),
    ),
    (
        "G030",
        "4411",
        "quarterly",
        seq(EXPLAINED_NOX, exceed("DA001", "NOX", 58, start="2025-03-05T10:00:00+08:00", cause="")),
        "content.exceedances[1].cause",
    ),
    ("G031", "4411", "quarterly", exceed("DA001", "NOX", 62, measures=""), "content.exceedances[0].measures"),
    (
        "G032",
        "4411",
        "quarterly",
        exceed("DA001", "NOX", 62, ended_at=BEFORE_START),
        "content.exceedances[0].ended_at",
    ),
    (
        "G033",
        "4411",
        "quarterly",
        exceed("DA001", "NOX", 62, start="2024-12-10T08:00:00+08:00", ledger=False),
        "content.exceedances[0].started_at",
    ),
    (
        "G034",
        "4411",
        "quarterly",
        exceed("DA001", "NOX", 62, limit_value=45),
        "content.exceedances[0].limit_value",
    ),
    ("G035", "4411", "quarterly", exceed("DA001", "NOX", 45), "content.exceedances[0].max_value"),
    (
        "G036",
        "4411",
        "quarterly",
        seq(EXPLAINED_NOX, point("DA001", "NOX", max=55)),
        at("DA001", "NOX", "concentration_max"),
    ),
    ("G037", "4411", "quarterly", ledger_only("DA001", "NOX", 62), "content.exceedances"),
    (
        "G038",
        "4411",
        "quarterly",
        exceed("DA001", "NOX", 62, ledger_peak=70),
        "content.exceedances[0].max_value",
    ),
    ("G039", "4411", "quarterly", abnormal(cause=""), "content.abnormal_operation[0].cause"),
    ("G040", "4411", "quarterly", abnormal(measures=" "), "content.abnormal_operation[0].measures"),
    (
        "G041",
        "4411",
        "quarterly",
        abnormal(ended_at="2025-03-02T08:00:00+08:00"),
        "content.abnormal_operation[0].ended_at",
    ),
    ("G041", "4411", "quarterly", abnormal(started_at="2 March"), "content.abnormal_operation[0].started_at"),
    (
        "G042",
        "4411",
        "quarterly",
        abnormal(started_at="2025-04-02T09:00:00+08:00", ended_at="2025-04-02T21:00:00+08:00"),
        "content.abnormal_operation[0].started_at",
    ),
    ("G043", "4411", "quarterly", context(permit_valid_from=date(2025, 2, 1)), "period"),
    ("G044", "4411", "quarterly", context(report_kinds_required=("annual",)), "kind"),
    ("G045", "4411", "annual", put("production", {}), "content.production"),
    ("G046", "4411", "annual", put("control_facilities", []), "content.control_facilities"),
    (
        "G047",
        "4411",
        "annual",
        put("self_monitoring", {"planned": None, "notes": ""}),
        "content.self_monitoring",
    ),
    ("G048", "4411", "annual", put("ledger_execution", DROP), "content.ledger_execution"),
    ("G049", "4411", "annual", put("disclosure", {}), "content.disclosure"),
    ("G050", "4411", "annual", put("management_system", {}), "content.management_system"),
    ("G051", "4411", "annual", put("other_requirements", ""), "content.other_requirements"),
    ("G052", "4411", "annual", put("production.operating_days", DROP), "content.production.operating_days"),
    ("G053", "4411", "annual", put("production.operating_days", 400), "content.production.operating_days"),
    ("G054", "4411", "annual", put("production.operating_days", 0), "content.production.operating_days"),
    (
        "G055",
        "4411",
        "annual",
        put("control_facilities.0.operating_hours", 9000),
        "content.control_facilities[0].operating_hours",
    ),
    (
        "G056",
        "4411",
        "annual",
        seq(put("control_facilities.0.abnormal_hours", 8000), abnormal()),
        "content.control_facilities[0].abnormal_hours",
    ),
    (
        "G057",
        "4411",
        "annual",
        put("control_facilities.0.abnormal_hours", 12),
        "content.control_facilities[0].abnormal_hours",
    ),
    (
        "G058",
        "4411",
        "annual",
        put("control_facilities.0.operating_hours", 5000),
        "content.control_facilities[0].operating_hours",
    ),
    ("G059", "4411", "annual", planned_delta(performed=-1000), "content.self_monitoring.performed"),
    ("G060", "4411", "annual", planned_delta(planned=-10, performed=-10), "content.self_monitoring.planned"),
    ("G061", "4411", "annual", planned_delta(performed=5000), "content.self_monitoring.performed"),
    (
        "G062",
        "4411",
        "annual",
        put("ledger_execution.completeness_ratio", 0.9),
        "content.ledger_execution.completeness_ratio",
    ),
    (
        "G063",
        "4411",
        "annual",
        seq(
            context(completeness_ratio=0.9),
            put("ledger_execution.completeness_ratio", 0.9),
            put("ledger_execution.notes", "3月停产检修，台账按停产记录"),
        ),
        "content.ledger_execution.complete",
    ),
    (
        "G064",
        "4411",
        "annual",
        seq(
            context(completeness_ratio=0.8),
            put("ledger_execution.completeness_ratio", 0.8),
            put("ledger_execution.complete", False),
        ),
        "content.ledger_execution.notes",
    ),
    ("G065", "4411", "annual", put("disclosure.done", False), "content.disclosure.done"),
    ("G066", "4411", "annual", put("disclosure.channels", ""), "content.disclosure.channels"),
    (
        "G067",
        "4411",
        "annual",
        put("management_system.responsible_person", ""),
        "content.management_system.responsible_person",
    ),
    (
        "G068",
        "4411",
        "annual",
        put("management_system.training_sessions", -1),
        "content.management_system.training_sessions",
    ),
    # Thermal power
    ("I4411-01", "4411", "quarterly", drop("DA001", "PM"), "content.emissions"),
    ("I4411-01", "4412", "monthly", drop("DA001", "NOX"), "content.emissions"),
    ("I4411-02", "4411", "quarterly", point("DA001", "SO2", method="manual"), at("DA001", "SO2", "method")),
    (
        "I4411-03",
        "4411",
        "quarterly",
        point("DA001", "NOX", limit=100, avg=60, max=80),
        at("DA001", "NOX", "concentration_avg"),
    ),
    ("I4411-04", "4411", "annual", drop("DA001", "HG"), "content.emissions"),
    ("I4411-05", "4411", "quarterly", row("DA001", "PM", quantity_t=None), at("DA001", "PM", "quantity_t")),
    # Pulp and paper
    ("I2221-01", "2221", "quarterly", drop("DW001", "TP"), "content.emissions"),
    ("I2221-02", "2221", "quarterly", point("DW001", "COD", method="manual"), at("DW001", "COD", "method")),
    ("I2211-01", "2211", "annual", drop("DW001", "AOX"), "content.emissions"),
    # Iron and steel
    ("I3110-01", "3110", "quarterly", drop("DA002", "PM"), "content.emissions"),
    (
        "I3110-02",
        "3120",
        "quarterly",
        point("DA001", "PM", limit=30, avg=15, max=25),
        at("DA001", "PM", "concentration_avg"),
    ),
    ("I3110-03", "3110", "quarterly", point("DA002", "PM", method="manual"), at("DA002", "PM", "method")),
    (
        "I3110-04",
        "3110",
        "annual",
        point("MF0001", "PM", monitored=False, in_ledger=False, reported=False),
        "content.emissions",
    ),
    # Electroplating
    ("I3360-01", "3360", "quarterly", drop("DW001", "CR6"), "content.emissions"),
    (
        "I3360-02",
        "3360",
        "quarterly",
        seq(point("DW001", "CR6", avg=0.05, max=0.08), point("DW001", "TCR", avg=0.04)),
        at("DW001", "CR6", "concentration_avg"),
    ),
    (
        "I3360-03",
        "3360",
        "quarterly",
        seq(row("DW001", "NI", method="factor"), series("DW001", "NI", method="factor")),
        at("DW001", "NI", "method"),
    ),
    # Sewage treatment
    ("I4620-01", "4620", "quarterly", drop("DW001", "FCOLI"), "content.emissions"),
    # pH and the like: a state of the discharge, no amount (HJ 944-2018)
    ("G069", "1713", "quarterly", row("DW001", "COLOR", quantity_t=1.5), at("DW001", "COLOR", "quantity_t")),
    ("G069", "1713", "monthly", row("DW001", "COLOR", quantity_t=0), at("DW001", "COLOR", "quantity_t")),
    ("I4620-02", "4620", "quarterly", point("DW001", "TP", method="manual"), at("DW001", "TP", "method")),
    ("I4620-03", "4620", "quarterly", point("DW001", "FCOLI", unit="mg/L"), at("DW001", "FCOLI", "unit")),
    # Textile dyeing
    ("I1713-01", "1713", "quarterly", drop("DW001", "ANILINE"), "content.emissions"),
    ("I1713-02", "1713", "quarterly", point("DW001", "NH3N", method="manual"), at("DW001", "NH3N", "method")),
    # Chemicals
    ("I2614-01", "2651", "quarterly", drop("DA001", "NMHC"), "content.emissions"),
    ("I2614-01", "2614", "annual", drop("DA001", "NMHC"), "content.emissions"),
    ("I2614-02", "2614", "quarterly", drop("DW001", "NH3N"), "content.emissions"),
    # Pharmaceuticals
    ("I2710-01", "2710", "quarterly", drop("DW001", "TP"), "content.emissions"),
    ("I2710-02", "2720", "quarterly", drop("DA001", "VOCS"), "content.emissions"),
    *INDUSTRY_FAILING,
]


# Reports the new industry rules accept: the situations where their standard asks for nothing more.
INDUSTRY_PASSING: list[tuple[str, str, str, Mutation | None]] = [
    # A permit stricter than the standard: a maximum within it is fine, whatever the standard allows.
    ("I4411-06", "4411", "quarterly", point("DA001", "NOX", limit=150, avg=40, max=140)),
    ("I3011-04", "3011", "quarterly", None),
    # Sampling as often as the guideline asks, or more often, or automatically.
    ("I4411-07", "4411", "semiannual", point("DA001", "HG", frequency="quarterly")),
    ("I2614-04", "2614", "quarterly", point("DA001", "NMHC", method="manual", frequency="monthly")),
    ("I2614-04", "2651", "quarterly", None),  # automatic NMHC
    ("I3011-06", "3011", "annual", point("DA001", "HG", frequency="quarterly")),
    # The permit asks enough; a ledger short of it is G025's finding, not the guideline's.
    ("I2221-03", "2221", "semiannual", None),
    # A gas-fired plant has no coal yard or coal handling outlet.
    ("I4411-08", "4412", "annual", seq(drop("DA002", "PM"), lambda spec: setattr(spec, "fuel", "天然气"))),
    # A sewage plant without general air outlets (no covered deodorisation).
    ("I4620-07", "4620", "quarterly", seq(drop("DA001", "NH3"), drop("DA001", "H2S"))),
    ("I4411-10", "4411", "annual", seq(drop("MF0001", "PM"), lambda spec: setattr(spec, "fuel", "天然气"))),
    # Only an outlet with SO2 (a machine head) owes NOx; only an outlet with NOx (a chimney) automatic SO2.
    ("I3110-05", "3110", "quarterly", seq(drop("DA002", "NOX"), drop("DA002", "SO2"))),
    ("I2521-02", "2521", "quarterly", point("DA002", "SO2", method="manual")),
    # The kiln head (particulate matter only) is not a kiln tail.
    ("I3011-02", "3011", "monthly", None),
    # Workshop outlets carry chromium, the total outlet COD: the site has each at one main outlet.
    ("I1910-01", "1910", "quarterly", None),
    ("I3212-01", "3212", "monthly", None),
    # Key management only: a simplified unit may sample by hand.
    ("I2319-02", "2319", "quarterly", seq(point("DA001", "NMHC", method="manual"), simplified)),
    ("I2614-03", "2614", "quarterly", seq(point("DW001", "COD", method="manual"), simplified)),
    # A permitted annual quantity leaves a missing quantity to G016.
    ("I2221-04", "2221", "quarterly", None),
]

# Reports that pass: beyond the clean report, the situations a rule must accept.
EVENTFUL = seq(EXPLAINED_NOX, abnormal())
PASSING: list[tuple[str, str, str, Mutation | None]] = [
    *INDUSTRY_PASSING,
    # Faecal coliforms sampled half-yearly are not missing from a month's or a quarter's report.
    (
        "I4620-01",
        "4620",
        "monthly",
        point("DW001", "FCOLI", in_permit=False, in_ledger=False, reported=False, frequency="semiannual"),
    ),
    ("G069", "1713", "quarterly", None),
    ("G001", "4411", "quarterly", EXPLAINED_NOX),
    ("G001", "4411", "quarterly", point("DA001", "SO2", max=35)),  # equal to the limit is compliant
    ("G002", "4411", "monthly", None),
    (
        "G005",
        "4411",
        "quarterly",
        context(permit_valid_from=date(2025, 1, 1), permit_valid_until=date(2025, 3, 31)),
    ),
    ("G014", "4411", "quarterly", row("DA001", "SO2", unit="mg/m³")),  # the same unit, written differently
    (
        "G015",
        "4411",
        "quarterly",  # emission factors give a quantity without concentrations
        seq(
            row("DA001", "SO2", method="factor", concentration_avg=None, concentration_max=None),
            series(
                "DA001",
                "SO2",
                method="factor",
                concentration_avg=None,
                concentration_max=None,
                readings=0,
                automatic_coverage=0.0,
            ),
        ),
    ),
    ("G019", "4411", "annual", point("DA001", "SO2", year_t=120.5)),  # exactly the permitted quantity
    (
        "G021",
        "4411",
        "quarterly",
        seq(
            series("DA001", "SO2", method="factor", automatic_coverage=0.8),
            row("DA001", "SO2", method="factor"),
        ),
    ),
    (
        "G022",
        "4411",
        "quarterly",
        seq(
            series("DA001", "SO2", method="factor", automatic_coverage=0.8),
            row("DA001", "SO2", method="factor"),
        ),
    ),  # M48 §36: factors, not manual
    ("G025", "4411", "monthly", None),
    # Daily sampling in a February the site stood still for 20 days: 8 results are all it owes.
    ("G025", "1713", "monthly", seq(series("DW001", "ANILINE", readings=8), context(stopped_days=20))),
    ("G026", "4411", "monthly", None),  # the fugitive source is monitored quarterly: not due in a month
    (
        "G030",
        "4411",
        "quarterly",
        seq(EXPLAINED_NOX, exceed("DA001", "NOX", 58, start="2025-03-05T10:00:00+08:00")),
    ),
    ("G033", "4411", "quarterly", exceed("DA001", "NOX", 62, start="2024-12-31T23:00:00+08:00", hours=3)),
    # The report's times differ from the ledger's, but they describe the same episode.
    (
        "G037",
        "4411",
        "quarterly",
        seq(
            exceed("DA001", "NOX", 62, start="2025-02-10T09:00:00+08:00", hours=3, ledger=False),
            ledger_only("DA001", "NOX", 62),
        ),
    ),
    (
        "G043",
        "4411",
        "annual",
        context(permit_valid_from=date(2025, 1, 1), permit_valid_until=date(2025, 12, 31)),
    ),
    ("G044", "4411", "quarterly", context(report_kinds_required=())),
    ("G056", "4411", "annual", seq(put("control_facilities.0.abnormal_hours", 12), abnormal())),
    ("G057", "4411", "annual", seq(put("control_facilities.0.abnormal_hours", 12), abnormal())),
    (
        "G063",
        "4411",
        "annual",
        seq(context(completeness_ratio=0.96), put("ledger_execution.completeness_ratio", 0.96)),
    ),
    (
        "G064",
        "4411",
        "annual",
        seq(
            context(completeness_ratio=0.8),
            put("ledger_execution.completeness_ratio", 0.8),
            put("ledger_execution.complete", False),
            put("ledger_execution.notes", "全年停产两个月"),
        ),
    ),
    ("I4411-01", "4411", "quarterly", None),
    ("I4411-03", "4411", "quarterly", point("DA001", "NOX", limit=100, avg=40, max=80)),  # ultra-low kept
    ("I4411-04", "4411", "annual", seq(drop("DA001", "HG"), lambda spec: setattr(spec, "fuel", "天然气"))),
    ("I2221-02", "2221", "quarterly", lambda spec: setattr(spec, "category", "simplified")),
    (
        "I3110-03",
        "3110",
        "quarterly",
        seq(point("DA002", "PM", method="manual"), lambda spec: setattr(spec, "category", "simplified")),
    ),
    ("I3110-04", "3110", "annual", None),
    ("I3360-01", "3360", "quarterly", seq(drop("DW001", "TCR"), drop("DW001", "CR6"))),  # no chromium line
    ("I3360-03", "3360", "quarterly", None),
]


def applicable(code: str) -> tuple[str, str]:
    """An industry and a report kind the rule applies to."""
    item = next(r for r in catalogue() if r.code == code)
    industry = "4411" if "general" in item.scope else item.scope[0]
    return industry, "quarterly" if "quarterly" in item.kinds else "annual"


def build(industry: str, kind: str, mutation: Mutation | None) -> RuleContext:
    spec = clean(industry, kind)
    if mutation is not None:
        mutation(spec)
    return spec.build()


def case_id(case: tuple[Any, ...]) -> str:
    return f"{case[0]}-{case[1]}-{case[2]}"


# ---------------------------------------------------------------------------
# The clean reports
# ---------------------------------------------------------------------------

INDUSTRIES = (
    "4411",
    "4412",
    "2221",
    "2211",
    "3110",
    "3120",
    "3360",
    "4620",
    "1713",
    "2614",
    "2651",
    "2710",
    "2720",
    "2621",
    "2619",
    "3011",
    "2521",
    "3041",
    "3211",
    "3212",
    "3216",
    "1910",
    "2319",
    "2511",
    "7820",
)


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("industry", INDUSTRIES)
def test_a_clean_report_raises_no_finding_at_all(industry, kind):
    assert run(build(industry, kind, None)) == []


@pytest.mark.parametrize("industry", INDUSTRIES)
def test_a_report_with_explained_exceedances_and_abnormal_operation_raises_nothing(industry):
    spec = clean(industry, "annual")
    item = next(p for p in spec.points if p.kind == "main" and p.medium is not None)
    spec.exceed(item.point, item.pollutant, item.limit * 1.2)
    spec.abnormal()
    spec.edits.append(lambda content: content["control_facilities"][0].update(abnormal_hours=12))
    assert run(spec.build()) == []


# ---------------------------------------------------------------------------
# Each rule: one failing and at least one passing report
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", FAILING, ids=case_id)
def test_each_rule_faults_exactly_the_broken_field(case):
    code, industry, kind, mutation, where = case
    built = build(industry, kind, mutation)
    findings = run(built)
    expected = where(built) if callable(where) else where

    assert {f.code for f in findings} == {code}, [(f.code, f.field) for f in findings]
    assert expected in {f.field for f in findings}
    for finding in findings:
        text = finding.message.format(**finding.params)  # every placeholder has its figure
        assert "{" not in text


@pytest.mark.parametrize("case", PASSING, ids=case_id)
def test_a_rule_accepts_the_reports_it_should(case):
    code, industry, kind, mutation = case
    built = build(industry, kind, mutation)
    item = next(r for r in catalogue() if r.code == code)

    assert item.applies_to(built)
    assert run(built) == []


@pytest.mark.parametrize("code", [r.code for r in catalogue()])
def test_every_rule_passes_a_clean_report_it_applies_to(code):
    industry, kind = applicable(code)
    built = build(industry, kind, EVENTFUL if industry == "4411" else None)
    item = next(r for r in catalogue() if r.code == code)

    assert item.applies_to(built)
    assert [f for f in item.check(built)] == []


def test_every_rule_has_a_failing_case():
    assert {r.code for r in catalogue()} == {case[0] for case in FAILING}


def test_comparisons_name_both_figures():
    spec = clean("4411", "quarterly")
    row("DA001", "SO2", quantity_t=20)(spec)
    row("DA001", "NOX", concentration_avg=40)(spec)
    findings = {f.code: f for f in run(spec.build())}

    assert findings["G004"].params == {
        "outlet": "DA001",
        "pollutant": "SO2",
        "reported": 20,
        "recorded": 15.0,
    }
    assert findings["G003"].message.format(**findings["G003"].params) == (
        "DA001 NOX: the report says 40 mg/m3 on average, the ledger says 32 mg/m3."
    )


def test_monitoring_runs_count_once_per_point_method_and_frequency():
    built = build("4411", "annual", planned_delta(planned=-1000, performed=-1000))
    (finding,) = run(built)
    # DA001 automatic hourly, DA001 mercury monthly, DA002 and DW001 one monthly sample each, MF0001
    # quarterly.
    assert finding.code == "G060" and finding.params == {"planned": 7800, "required": 8760 + 12 + 12 + 12 + 4}


def test_a_few_invalid_automatic_hours_are_not_a_monitoring_shortfall():
    assert run(build("4411", "annual", planned_delta(performed=-60))) == []  # 8740 of 8800


@pytest.mark.parametrize("kind_given", [True, False])
def test_an_annual_quantity_exceedance_is_judged_against_the_annual_quantity(kind_given):
    spec = clean("4411", "annual")
    point("DA001", "SO2", year_t=130)(spec)
    started = datetime.fromisoformat("2025-11-20T00:00:00+08:00")
    ended = datetime.fromisoformat("2025-12-31T23:00:00+08:00")
    spec.exceedance_rows.append(
        {
            "outlet": "DA001",
            "pollutant": "SO2",
            "started_at": started.isoformat(),
            "ended_at": ended.isoformat(),
            "max_value": 130,
            "limit_value": 120.5,
            "cause": "机组满负荷运行时间延长",
            "measures": "12月起限产",
            **({"kind": "annual_quantity"} if kind_given else {}),
        }
    )
    spec.exceedance_facts.append(
        ExceedanceFact("DA001", "SO2", "annual_quantity", started, ended, 130, 120.5, "open")
    )

    findings = run(spec.build())

    # Only the quantity itself is a finding: not a wrong limit (G034), not a peak above the maximum
    # concentration (G036), not a peak unlike the ledger's (G038).
    assert [(f.code, f.params["reported"], f.params["limit"]) for f in findings] == [("G019", 130, 120.5)]


def test_planned_and_performed_runs_can_be_prefilled_from_the_permit_and_ledger():
    built = build("4411", "annual", series("DW001", "COD", readings=9))
    assert required_runs(built.monitoring, built.period) == 8760 + 12 + 12 + 12 + 4
    # DW001's sample run still counts 12: BOD5, NH3-N and TN were analysed every month.
    assert recorded_runs(built.monitoring, built.series) == 8760 + 12 + 12 + 12 + 4
    built = build(
        "4411", "annual", seq(*(series("DW001", p, readings=9) for p in ("COD", "BOD5", "NH3N", "TN")))
    )
    assert recorded_runs(built.monitoring, built.series) == 8760 + 12 + 12 + 9 + 4


def test_inorganic_chemicals_need_not_report_volatile_organics():
    assert run(build("2619", "quarterly", drop("DA001", "NMHC"))) == []


def test_industry_rules_do_not_apply_to_other_industries():
    spec = clean("3360", "quarterly")
    drop("DW001", "NI")(spec)
    spec.industry = "4411"  # same data filed as a thermal power plant: no electroplating rule runs
    assert all(not f.code.startswith("I3360") for f in run(spec.build()))


def test_a_coal_fired_plant_without_mercury_is_found_only_in_the_annual_report():
    for kind, expected in (("quarterly", set()), ("annual", {"I4411-04"})):
        spec = clean("4411", kind)
        drop("DA001", "HG")(spec)
        assert {f.code for f in run(spec.build())} == expected


def test_an_exceedance_crossing_the_period_start_belongs_to_the_period():
    built = build("4411", "quarterly", exceed("DA001", "NOX", 62, start="2024-12-31T22:00:00+08:00", hours=4))
    assert run(built) == []


def test_times_without_offset_are_china_standard_time():
    # 31 March 23:00 in Beijing is within Q1; read as UTC it would be 1 April 07:00, outside it.
    inside = build("4411", "quarterly", exceed("DA001", "NOX", 62, start="2025-03-31T23:00:00", ledger=False))
    outside = build(
        "4411", "quarterly", exceed("DA001", "NOX", 62, start="2025-04-01T00:30:00", ledger=False)
    )
    assert run(inside) == []
    assert {f.code for f in run(outside)} == {"G033"}


# ---------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_catalogue_has_at_least_30_general_rules_and_5_industry_sets():
    rules = catalogue()
    general = [r for r in rules if r.scope == ("general",)]
    industry_scopes = {code for r in rules if r.scope != ("general",) for code in r.scope}

    assert len(general) >= 30
    assert len(docs.industry_sets()) >= 5
    assert {"4411", "2221", "3110", "3360", "4620"} <= industry_scopes
    assert len({r.code for r in rules}) == len(rules)


def test_every_rule_is_well_formed():
    for item in catalogue():
        assert item.severity in (ERROR, WARNING), item.code
        assert item.kinds and set(item.kinds) <= set(ALL_KINDS), item.code
        assert item.field.startswith(("content", "period", "kind")), item.code
        for text in (item.title, item.message):
            assert text.strip() and not CJK.search(text), item.code
        if item.scope == ("general",):
            assert re.fullmatch(r"G\d{3}", item.code)
        else:
            assert re.fullmatch(r"I\d{4}-\d{2}", item.code)
            assert item.code[1:5] in item.scope
            assert all(code in INDUSTRY_NAMES for code in item.scope), item.code


def test_industry_rules_use_the_national_pollutant_codes():
    from domain.audit_rules import industry

    named = {*industry.ULTRA_LOW_THERMAL_POWER, *industry.ULTRA_LOW_IRON_AND_STEEL, *industry.HEAVY_METALS}
    assert named <= set(POLLUTANTS)
    for spec_industry in INDUSTRIES:
        assert {p.pollutant for p in industry_points(spec_industry)} <= set(POLLUTANTS)


def test_every_title_and_message_is_marked_for_translation():
    extracted: set[str] = set()
    rules = ROOT / "domain/audit_rules"
    rule_files = [*(rules / "industry").glob("*.py"), *(rules / "general").glob("*.py")]
    for path in rule_files:
        extracted |= {
            message for _, message, _, _ in extract_from_file("python", str(path), keywords={"N_": None})
        }
    missing = [r.code for r in catalogue() if r.title not in extracted or r.message not in extracted]
    assert not missing


def test_catalogue_md_is_up_to_date():
    committed = docs.CATALOGUE_FILE.read_text(encoding="utf-8") if docs.CATALOGUE_FILE.exists() else ""
    assert committed == docs.render_markdown(), (
        "domain/audit_rules/CATALOGUE.md is stale: regenerate it with `python -m domain.audit_rules.docs`"
    )


def test_the_catalogue_lists_every_rule_once():
    text = docs.render_markdown()
    for item in catalogue():
        assert text.count(f"| {item.code} |") == 1


def test_the_catalogue_filter_narrows_by_scope_severity_and_kind():
    thermal = docs.select_rules(docs.CatalogueFilter.parse(scope="4412"))
    assert {r.code for r in thermal} == {r.code for r in catalogue() if "4411" in r.code}
    general_warnings = docs.select_rules(docs.CatalogueFilter.parse(scope="general", severity="warning"))
    assert general_warnings and all(
        r.severity == WARNING and r.code.startswith("G") for r in general_warnings
    )
    monthly = docs.select_rules(docs.CatalogueFilter.parse(kind="monthly"))
    assert "G045" not in {r.code for r in monthly} and "G001" in {r.code for r in monthly}
    assert docs.CatalogueFilter.parse(scope="9999", severity="fatal", kind="daily") == docs.CatalogueFilter()


def test_the_catalogue_has_at_least_119_industry_rules_over_the_seeded_industries():
    industry_rules = [r for r in catalogue() if r.scope != ("general",)]
    covered = {code for r in industry_rules for code in r.scope}

    assert len(industry_rules) >= 119
    assert {"4411", "3011", "2221", "1713", "2614", "2710", "3360", "4620", "3110", "2521", "3041"} <= covered
    assert all(code in INDUSTRY_NAMES for code in covered)


def test_a_maximum_above_the_permitted_limit_is_left_to_the_general_rules():
    # 250 mg/m³ is above both the permit (220) and GB 13223 (200): the permit's limit is the finding.
    built = build(
        "4411",
        "quarterly",
        seq(point("DA001", "NOX", limit=220, avg=40, max=200), row("DA001", "NOX", concentration_max=250)),
    )
    codes = {f.code for f in run(built)}
    assert "I4411-06" not in codes and "G001" in codes


def test_a_standard_finding_names_the_standard_and_both_figures():
    built = build("3011", "quarterly", point("DA001", "NOX", limit=500, avg=45, max=450))
    (finding,) = run(built)
    assert finding.params == {
        "outlet": "DA001",
        "pollutant": "NOX",
        "reported": 450,
        "standard": "GB 4915-2013",
        "standard_limit": 400,
        "limit": 500,
        "unit": "mg/m3",
    }


def test_a_frequency_floor_counts_results_not_the_permits_frequency():
    # Total nitrogen sampled monthly: six results a half year, enough for the monthly floor of HJ 821.
    spec = clean("2221", "semiannual")
    point("DW001", "TN", frequency="monthly")(spec)
    assert run(spec.build()) == []
    point("DW001", "TN", frequency="quarterly")(spec)
    (finding,) = run(spec.build())
    assert (finding.code, finding.params["readings"], finding.params["required"]) == ("I2221-03", 2, 6)
    # The permit's own frequency is met (G025 is silent): the guideline's floor is the finding.
    assert finding.field == "content.emissions[2].method"


def test_boundary_monitoring_is_asked_of_the_annual_report_only():
    for kind, expected in (("quarterly", set()), ("annual", {"I4620-08"})):
        assert {f.code for f in run(build("4620", kind, drop("MF0001", "NH3")))} == expected


def test_rules_of_a_new_industry_do_not_run_for_another():
    spec = clean("3011", "quarterly")
    drop("DA001", "FL")(spec)
    spec.industry = "3041"  # the same cement data filed as a flat glass works: no cement rule runs
    assert all(not f.code.startswith("I3011") for f in run(spec.build()))


def test_a_ledger_short_of_a_sufficient_permit_is_left_to_the_general_rule():
    # The permit samples total nitrogen monthly, as HJ 821 asks; the ledger holds 4 of the 6 results.
    built = build("2221", "semiannual", series("DW001", "TN", readings=4))
    assert {f.code for f in run(built)} == {"G025"}
