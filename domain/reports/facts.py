"""What the ledger says for a report's period, and what the audit rules are given: the pre-filled draft
starts from it, every check and filing is judged against it.

The caller checks access.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.audit_rules import engine, ruleset
from domain.audit_rules.content import recorded_runs, required_runs
from domain.clock import china_midnight
from domain.ledgers.models import Exceedance, LedgerEntry, ShutdownPeriod
from domain.ledgers.queries import period as ledgers
from domain.permits.models import Permit
from domain.permits.reference import UNIT_LABELS, ReportKind
from domain.permits.terms import PermitTerms, permit_terms
from domain.reports import content as report_content
from domain.reports import rules


@lru_cache(maxsize=1)
def _exceedances_statement() -> Any:
    """The permits' exceedances overlapping a period, built once (bound per period)."""
    return (
        select(Exceedance)
        .where(
            col(Exceedance.permit_id).in_(sa.bindparam("ids", expanding=True)),
            col(Exceedance.started_at) < sa.bindparam("end"),
            col(Exceedance.ended_at) > sa.bindparam("start"),
        )
        .order_by(col(Exceedance.started_at))
    )


def _limits(terms: PermitTerms) -> list[engine.LimitFact]:
    facts = []
    for limit in terms.limits:
        outlet = terms.outlet(limit.point)
        facts.append(
            engine.LimitFact(
                point=limit.point,
                pollutant=limit.pollutant,
                concentration_limit=limit.concentration_limit,
                unit=limit.unit,
                annual_quantity_t=limit.annual_quantity_limit,
                medium=outlet.medium if outlet else None,
                outlet_kind=outlet.kind if outlet else None,
            )
        )
    return facts


@dataclass
class LedgerFacts:
    limits: list[engine.LimitFact]
    monitoring: list[engine.MonitoringFact]
    series: dict[tuple[str, str], engine.SeriesFact]
    exceedances: list[Exceedance]
    abnormal: list[LedgerEntry]
    completeness_ratio: float
    report_kinds: tuple[str, ...]
    shutdowns: list[ShutdownPeriod] = field(default_factory=list)


async def ledger_facts(session: AsyncSession, permit: Permit, period: rules.Period) -> LedgerFacts:
    """What the ledger says for the report period: the basis of the pre-filled draft and of reconciliation.
    The caller checks access."""
    assert permit.id is not None
    return (await ledger_facts_many(session, [(permit, period)]))[(permit.id, period.start, period.end)]


FactsKey = tuple[int, date, date]  # permit id, first and last day of the period


async def ledger_facts_many(
    session: AsyncSession, wanted: Sequence[tuple[Permit, rules.Period]]
) -> dict[FactsKey, LedgerFacts]:
    """Ledger facts of many permits and periods: four queries per distinct period, whatever the number of
    permits and the size of each (their terms come from memory). At a deadline most units file the same
    period, so a batch of filings costs a handful of queries. The caller checks access."""
    from domain.ledgers.rules import completeness_ratio

    by_window: dict[tuple[date, date], dict[int, Permit]] = defaultdict(dict)
    for permit, period in wanted:
        assert permit.id is not None
        by_window[(period.start, period.end)][permit.id] = permit
    found: dict[FactsKey, LedgerFacts] = {}
    for (first, last), permits in by_window.items():
        start, end = china_midnight(first), china_midnight(last + timedelta(days=1))
        # The completeness ratio is all the facts keep of the coverage: its gaps are not walked.
        ledgers_of = await ledgers.period_ledgers(
            session, list(permits.values()), start=start, end=end, gaps=False
        )
        exceedances: dict[int, list[Exceedance]] = defaultdict(list)
        for exceedance in (
            await session.exec(
                _exceedances_statement(), params={"ids": sorted(permits), "start": start, "end": end}
            )  # type: ignore[call-overload]
        ).all():
            exceedances[exceedance.permit_id].append(exceedance)
        for permit_id, permit in permits.items():
            terms = await permit_terms(session, permit)
            ledger = ledgers_of[permit_id]
            series = {}
            for figure in ledger.figures:
                stats = ledger.stats.get((figure.outlet_code, figure.pollutant))
                series[(figure.outlet_code, figure.pollutant)] = engine.SeriesFact(
                    point=figure.outlet_code,
                    pollutant=figure.pollutant,
                    method=figure.method,
                    quantity_t=None if figure.quantity_kg is None else figure.quantity_kg / 1000,
                    concentration_avg=stats.average if stats else None,
                    concentration_max=stats.maximum if stats else None,
                    readings=stats.readings if stats else 0,
                    automatic_coverage=figure.automatic_coverage,
                )
            found[(permit_id, first, last)] = LedgerFacts(
                limits=_limits(terms),
                monitoring=[
                    engine.MonitoringFact(m.point, m.pollutant, m.frequency, m.method)
                    for m in terms.monitoring
                ],
                series=series,
                exceedances=exceedances.get(permit_id, []),
                abnormal=ledger.abnormal,
                completeness_ratio=completeness_ratio(ledger.coverage),
                report_kinds=terms.report_kinds,
                shutdowns=[stop for stop in ledger.shutdowns if stop.starts_on <= last],
            )
    return found


def prefill_content(kind: str, facts: LedgerFacts, period: rules.Period) -> dict[str, Any]:
    """The draft the unit starts from: the ledger's figures with their method, exceedances with their
    explanations, abnormal operation; the unit reviews and completes it."""
    content = report_content.empty_content(kind)
    limits = {(f.point, f.pollutant): f for f in facts.limits}
    for (point, pollutant), fact in sorted(facts.series.items()):
        limit = limits.get((point, pollutant))
        content["emissions"].append(
            {
                "outlet": point,
                "pollutant": pollutant,
                "method": fact.method,
                "concentration_avg": None
                if fact.concentration_avg is None
                else round(fact.concentration_avg, 4),
                "concentration_max": None
                if fact.concentration_max is None
                else round(fact.concentration_max, 4),
                # Units as the standards write them (mg/m³, mg/L, 无量纲); pH and other dimensionless
                # parameters have no quantity (HJ 944-2018).
                "unit": UNIT_LABELS.get(limit.unit, limit.unit) if limit else "",
                "quantity_t": None
                if fact.quantity_t is None or (limit is not None and limit.unit == "dimensionless")
                else round(fact.quantity_t, 6),
                "compliant": bool(
                    limit
                    and fact.concentration_max is not None
                    and fact.concentration_max <= limit.concentration_limit
                ),
            }
        )
    for exceedance in facts.exceedances:
        content["exceedances"].append(
            {
                "outlet": exceedance.outlet_code,
                "pollutant": exceedance.pollutant,
                "kind": exceedance.kind,
                "started_at": exceedance.started_at.isoformat(),
                "ended_at": exceedance.ended_at.isoformat(),
                "max_value": exceedance.max_value,
                "limit_value": exceedance.limit_value,
                "cause": exceedance.cause,
                "measures": exceedance.measures,
            }
        )
    for entry in facts.abnormal:
        content["abnormal_operation"].append(
            {
                "facility": entry.subject,
                "started_at": entry.period_start.isoformat(),
                "ended_at": entry.period_end.isoformat() if entry.period_end else None,
                "cause": entry.data.get("cause", ""),
                "measures": entry.data.get("measures", ""),
            }
        )
    for stop in facts.shutdowns:
        # Reg art. 22: the report states every shutdown in the period (an open one: still stopped).
        content["shutdowns"].append(
            {
                "starts_on": stop.starts_on.isoformat(),
                "ends_on": stop.ends_on.isoformat() if stop.ends_on else None,
                "reason": stop.reason,
            }
        )
    if kind == ReportKind.ANNUAL:
        content["ledger_execution"] = {
            "complete": facts.completeness_ratio >= 0.999,
            "completeness_ratio": round(facts.completeness_ratio, 4),
            "notes": "",
        }
        content["self_monitoring"] = {
            "planned": required_runs(facts.monitoring, period),
            "performed": recorded_runs(facts.monitoring, facts.series),
            "notes": "",
        }
    return content


def _stopped_days(period: rules.Period, shutdowns: Sequence[ShutdownPeriod]) -> int:
    """Days of the period covered by the unit's shutdowns (they do not overlap one another)."""
    days = 0
    for stop in shutdowns:
        first, last = max(period.start, stop.starts_on), min(period.end, stop.ends_on or period.end)
        days += max(0, (last - first).days + 1)
    return days


def rule_context(
    permit: Permit, kind: str, period: rules.Period, content: dict[str, Any], facts: LedgerFacts
) -> engine.RuleContext:
    return engine.RuleContext(
        kind=kind,
        period=period,
        content=content,
        industry_code=permit.industry_code,
        category=permit.category,
        permit_valid_from=permit.valid_from,
        permit_valid_until=permit.valid_until,
        report_kinds_required=facts.report_kinds,
        stopped_days=_stopped_days(period, facts.shutdowns),
        limits=tuple(facts.limits),
        monitoring=tuple(facts.monitoring),
        series=facts.series,
        exceedances=tuple(
            engine.ExceedanceFact(
                e.outlet_code,
                e.pollutant,
                e.kind,
                e.started_at,
                e.ended_at,
                e.max_value,
                e.limit_value,
                e.status,
            )
            for e in facts.exceedances
        ),
        completeness_ratio=facts.completeness_ratio,
    )


async def findings(
    session: AsyncSession, permit: Permit, kind: str, period: rules.Period, content: dict[str, Any]
) -> list[engine.Finding]:
    """The audit rules' findings on a report's content, against the ledger of its period."""
    facts = await ledger_facts(session, permit, period)
    return ruleset.run(rule_context(permit, kind, period, content, facts))
