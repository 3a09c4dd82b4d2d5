"""The permit quality rules (AP (3); JN 1(1), the first half of 双百): pure checks of one permit version.

Each rule has a code (PQ01…), a title naming what it checks and a basis citing the catalogue or the
HJ standard; a finding names the rule, the field of the permit's copy it faults (``outlets[0].limits``,
``monitoring[3].frequency``…) and its figures. The industry figures (required pollutants, automatic
monitoring, frequency floors, the standards' limits) are the report rule sets' own
(``domain.audit_rules.industry.requirements``), so a permit and its reports are held to the same table;
the category comes from the classification catalogue (``catalogue``). Requirements that hold only under
a condition a report states (a coal-fired plant) are left to the hand checklist.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from domain.audit_rules import ruleset  # noqa: F401  (importing it registers every industry rule)
from domain.audit_rules.industry import requirements as reference
from domain.audit_rules.industry.common import rank
from domain.audit_rules.industry.requirements import SPECIFICATIONS, Requirement, requirements_for
from domain.errors import N_
from domain.supervision.quality.catalogue import CATALOGUE_NAME, KEY, below_catalogue, row_for

GENERAL_GUIDELINE = "HJ 819-2017"
LEDGER_STANDARD = "HJ 944-2018"
REQUIRED_LEDGER_KINDS = ("production_facility", "control_facility", "monitoring")


@dataclass(frozen=True)
class QualityRule:
    code: str
    title: str  # message id
    message: str  # message id of a finding, with {params}


RULES: dict[str, QualityRule] = {
    rule.code: rule
    for rule in (
        QualityRule(
            "PQ01",
            N_("Management category not lower than the classification catalogue sets for the industry"),
            N_(
                "The permit holds {category}; the catalogue ({row}) sets at least {required} for this "
                "industry."
            ),
        ),
        QualityRule(
            "PQ02",
            N_("Outlets carry the pollutants the industry's technical specification requires"),
            N_(
                "{outlet}: the industry's specification requires {pollutant}, but the permit sets no limit "
                "for it there."
            ),
        ),
        QualityRule(
            "PQ03",
            N_("Automatic monitoring where the industry's specification requires it"),
            N_(
                "{outlet} {pollutant}: the permit states {method}; the specification requires automatic "
                "monitoring."
            ),
        ),
        QualityRule(
            "PQ04",
            N_("Monitoring frequency not below the self-monitoring guideline"),
            N_(
                "{outlet} {pollutant}: the permit asks for monitoring {frequency}; the guideline requires "
                "at least {required}."
            ),
        ),
        QualityRule(
            "PQ05",
            N_("Permitted concentrations within the emission standard"),
            N_(
                "{outlet} {pollutant}: the permit allows {limit} {unit}, above the limit of {standard}, "
                "{standard_limit} {unit}."
            ),
        ),
        QualityRule(
            "PQ06",
            N_("Every permitted pollutant has a self-monitoring requirement"),
            N_("{outlet} {pollutant}: the permit sets a limit but no self-monitoring requirement."),
        ),
        QualityRule(
            "PQ07",
            N_("The environmental management ledger records the specification requires"),
            N_("The permit does not require the ledger record: {record}."),
        ),
        QualityRule(
            "PQ08",
            N_("The execution reports the category requires"),
            N_("The permit does not require the {report} ({category})."),
        ),
    )
}


@dataclass(frozen=True)
class QualityFinding:
    """One fault of a permit version: the rule, the field of the copy, the figures and the basis."""

    rule_code: str
    field: str
    params: dict[str, Any]
    basis: str  # the catalogue row or the standards cited, as written (Chinese names, HJ numbers)
    source_rule: str = ""  # the report rule whose figures it uses (I4411-01…), if any

    @property
    def message(self) -> str:
        return RULES[self.rule_code].message

    @property
    def title(self) -> str:
        return RULES[self.rule_code].title


@dataclass(frozen=True)
class PermitFacts:
    """What the rules read of a permit version: its industry, category and copy (the content dict)."""

    industry_code: str
    category: str
    content: dict[str, Any] = field(default_factory=dict)


def _outlets(content: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    value = content.get("outlets") or []
    return [(i, o) for i, o in enumerate(value) if isinstance(o, dict)]


def _limits(outlet: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    value = outlet.get("limits") or []
    return [(i, limit) for i, limit in enumerate(value) if isinstance(limit, dict)]


def _monitoring(content: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    value = content.get("monitoring") or []
    return [(i, m) for i, m in enumerate(value) if isinstance(m, dict)]


def _basis(requirement: Requirement, industry_code: str) -> str:
    specification, guideline = SPECIFICATIONS.get(industry_code, ("", GENERAL_GUIDELINE))
    if requirement.kind == reference.FREQUENCY:
        return guideline
    if requirement.kind == reference.STANDARD:
        return f"{requirement.standard}; {specification}".strip("; ")
    if requirement.kind == reference.AUTOMATIC:
        return f"{specification}; {guideline}".strip("; ")
    return specification


def _applies(outlet: dict[str, Any], requirement: Requirement) -> bool:
    if outlet.get("medium") != requirement.medium:
        return False
    return requirement.outlet_kind is None or outlet.get("kind") == requirement.outlet_kind


def _category(facts: PermitFacts) -> Iterator[QualityFinding]:
    row = row_for(facts.industry_code)
    if row is not None and below_catalogue(facts.industry_code, facts.category):
        yield QualityFinding(
            "PQ01",
            "category",
            {"category": facts.category, "required": row.lowest, "row": row.industry_class},
            f"{CATALOGUE_NAME} {row.industry_class}",
        )


def _pollutants(facts: PermitFacts, requirement: Requirement) -> Iterator[QualityFinding]:
    basis = _basis(requirement, facts.industry_code)
    outlets = [(i, o) for i, o in _outlets(facts.content) if _applies(o, requirement)]
    permitted = {(o.get("code"), limit.get("pollutant")) for _i, o in outlets for _j, limit in _limits(o)}
    if not requirement.per_outlet:
        if not outlets:
            return
        for pollutant in requirement.pollutants:
            if not any((o.get("code"), pollutant) in permitted for _i, o in outlets):
                yield QualityFinding(
                    "PQ02",
                    "outlets",
                    {"outlet": "—", "pollutant": pollutant},
                    basis,
                    requirement.rule_code,
                )
        return
    for index, outlet in outlets:
        code = outlet.get("code")
        if requirement.marked_by and not any((code, m) in permitted for m in requirement.marked_by):
            continue
        for pollutant in requirement.pollutants:
            if (code, pollutant) not in permitted:
                yield QualityFinding(
                    "PQ02",
                    f"outlets[{index}].limits",
                    {"outlet": code, "pollutant": pollutant},
                    basis,
                    requirement.rule_code,
                )


def _automatic(facts: PermitFacts, requirement: Requirement) -> Iterator[QualityFinding]:
    if requirement.key_only and facts.category != KEY:
        return
    basis = _basis(requirement, facts.industry_code)
    main = {o.get("code"): o for _i, o in _outlets(facts.content) if _applies(o, requirement)}
    permitted = {(code, limit.get("pollutant")) for code, o in main.items() for _j, limit in _limits(o)}
    for index, entry in _monitoring(facts.content):
        point, pollutant = entry.get("point"), entry.get("pollutant")
        if point not in main or pollutant not in requirement.pollutants:
            continue
        if requirement.marked_by and not any((point, m) in permitted for m in requirement.marked_by):
            continue
        if entry.get("method") != "automatic":
            yield QualityFinding(
                "PQ03",
                f"monitoring[{index}].method",
                {"outlet": point, "pollutant": pollutant, "method": entry.get("method") or "—"},
                basis,
                requirement.rule_code,
            )


def _frequency(facts: PermitFacts, requirement: Requirement) -> Iterator[QualityFinding]:
    basis = _basis(requirement, facts.industry_code)
    points = {o.get("code") for _i, o in _outlets(facts.content) if _applies(o, requirement)}
    for index, entry in _monitoring(facts.content):
        point, pollutant = entry.get("point"), entry.get("pollutant")
        floor = requirement.floors.get(str(pollutant))
        if point not in points or floor is None or entry.get("method") == "automatic":
            continue
        frequency = str(entry.get("frequency") or "")
        if rank(frequency) > rank(floor):
            yield QualityFinding(
                "PQ04",
                f"monitoring[{index}].frequency",
                {"outlet": point, "pollutant": pollutant, "frequency": frequency, "required": floor},
                basis,
                requirement.rule_code,
            )


def _standard(facts: PermitFacts, requirement: Requirement) -> Iterator[QualityFinding]:
    if requirement.medium is None:
        return  # boundary values: on the hand checklist
    basis = _basis(requirement, facts.industry_code)
    unit = "mg/m3" if requirement.medium == "air" else "mg/L"
    for index, outlet in _outlets(facts.content):
        if outlet.get("medium") != requirement.medium:
            continue
        for position, limit in _limits(outlet):
            value = requirement.values.get(str(limit.get("pollutant")))
            permitted = limit.get("concentration_limit")
            if value is None or not isinstance(permitted, int | float) or limit.get("unit") != unit:
                continue
            if permitted > value:
                yield QualityFinding(
                    "PQ05",
                    f"outlets[{index}].limits[{position}].concentration_limit",
                    {
                        "outlet": outlet.get("code"),
                        "pollutant": limit.get("pollutant"),
                        "limit": permitted,
                        "unit": unit,
                        "standard": requirement.standard,
                        "standard_limit": value,
                    },
                    basis,
                    requirement.rule_code,
                )


def _unmonitored(facts: PermitFacts) -> Iterator[QualityFinding]:
    _specification, guideline = SPECIFICATIONS.get(facts.industry_code, ("", GENERAL_GUIDELINE))
    monitored = {(m.get("point"), m.get("pollutant")) for _i, m in _monitoring(facts.content)}
    for index, outlet in _outlets(facts.content):
        for _position, limit in _limits(outlet):
            if (outlet.get("code"), limit.get("pollutant")) not in monitored:
                yield QualityFinding(
                    "PQ06",
                    f"outlets[{index}].limits",
                    {"outlet": outlet.get("code"), "pollutant": limit.get("pollutant")},
                    f"《排污许可管理条例》第十九条; {guideline}",
                )


def _ledger_and_reports(facts: PermitFacts) -> Iterator[QualityFinding]:
    kinds = {r.get("kind") for r in facts.content.get("ledger_records") or [] if isinstance(r, dict)}
    for kind in REQUIRED_LEDGER_KINDS:
        if kind not in kinds:
            yield QualityFinding(
                "PQ07",
                "ledger_records",
                {"record": kind},
                f"《排污许可管理条例》第二十一条; {LEDGER_STANDARD}",
            )
    reports = set(facts.content.get("report_kinds") or [])
    required = ("quarterly", "annual") if facts.category == KEY else ("annual",)
    for kind in required:
        if kind not in reports:
            yield QualityFinding(
                "PQ08",
                "report_kinds",
                {"report": kind, "category": facts.category},
                f"《排污许可管理条例》第二十二条; {LEDGER_STANDARD}",
            )


def check_permit(facts: PermitFacts) -> list[QualityFinding]:
    """Every fault of a permit version, in rule order."""
    found = list(_category(facts))
    for requirement in requirements_for(facts.industry_code):
        if requirement.conditional:
            continue
        match requirement.kind:
            case reference.POLLUTANTS:
                found.extend(_pollutants(facts, requirement))
            case reference.AUTOMATIC:
                found.extend(_automatic(facts, requirement))
            case reference.FREQUENCY:
                found.extend(_frequency(facts, requirement))
            case reference.STANDARD:
                found.extend(_standard(facts, requirement))
    found.extend(_unmonitored(facts))
    found.extend(_ledger_and_reports(facts))
    return sorted(found, key=lambda f: f.rule_code)


@dataclass(frozen=True)
class HandItem:
    code: str
    title: str  # message id


# What a reviewer checks by hand against the application's materials and the site, beside the rules.
HAND_ITEMS: tuple[HandItem, ...] = (
    HandItem("H1", N_("The unit's processes and size meet the catalogue's condition for its category")),
    HandItem("H2", N_("Outlets, their positions and heights match the site and the drawings")),
    HandItem("H3", N_("Production and control facilities and capacities match the application")),
    HandItem("H4", N_("Fugitive sources and boundary monitoring as the specification requires")),
    HandItem("H5", N_("Conditional requirements (fuel, processes) and special-period limits are complete")),
)
HAND_TITLES = {item.code: item.title for item in HAND_ITEMS}


def checklist_codes() -> list[str]:
    """A campaign checklist's lines, in order: every rule, then the hand items."""
    return [*RULES, *(item.code for item in HAND_ITEMS)]


def item_title(code: str) -> str:
    if code in RULES:
        return RULES[code].title
    return HAND_TITLES.get(code, code)


def sample(pool: list[int], size: int, seed: int) -> list[int]:
    """A reproducible random sample of permit ids: the same sorted pool and seed give the same sample."""
    return sorted(random.Random(seed).sample(sorted(pool), min(size, len(pool))))


CHECK_VALIDITY_YEARS = 3  # JN 1(1): every permit quality-checked within three years
