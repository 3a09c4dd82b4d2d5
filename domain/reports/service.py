"""Use cases of execution reports: schedule, drafts pre-filled from the ledger, append-only
submissions in a hash chain with idempotency, audit findings, review with one feedback form,
acceptance, enforcement leads, and the filing statistics.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, can, jurisdiction_prefix, require
from domain.audit.service import entry_values, record, record_many
from domain.audit_rules import engine, ruleset
from domain.audit_rules.content import recorded_runs, required_runs
from domain.clock import china_midnight, today, utcnow
from domain.db import insert_rows, insert_unless_present
from domain.errors import N_, Conflict, DomainError, FieldError, NotFound, ValidationFailed
from domain.ledgers.models import Exceedance, LedgerEntry, ShutdownPeriod
from domain.ledgers.queries import period as ledgers
from domain.permits.models import Permit
from domain.permits.reference import UNIT_LABELS, ReportKind
from domain.permits.rules import PermitStatus, normal_number
from domain.permits.state import target_of
from domain.permits.terms import PermitTerms, permit_terms, terms_of
from domain.reports import content as report_content
from domain.reports import notices, rules
from domain.reports import schedule as plans
from domain.reports.models import (
    AuditFinding,
    EnforcementLead,
    ExecutionReport,
    FeedbackForm,
    FeedbackItem,
    ReportSubmission,
)

FINDINGS: sa.Table = AuditFinding.__table__  # type: ignore[attr-defined]
SUBMISSIONS: sa.Table = ReportSubmission.__table__  # type: ignore[attr-defined]


def _visible(actor: Actor, permit: Permit | None) -> Permit:
    """The permit, if the actor may see its reports; otherwise it does not exist for them."""
    if permit is None or not can(actor, Operation.REPORT_VIEW, target_of(permit)):
        if not actor.is_authenticated:
            require(actor, Operation.REPORT_VIEW)
        raise NotFound(N_("No permit with this number."), field="permit_number")
    return permit


async def _permit(session: AsyncSession, actor: Actor, number: str) -> Permit:
    permit = (await session.exec(select(Permit).where(Permit.number == normal_number(number)))).first()
    return _visible(actor, permit)


async def _required_kinds(session: AsyncSession, permit: Permit) -> tuple[str, ...]:
    return (await permit_terms(session, permit)).report_kinds


def _period(kind: str, label: str) -> rules.Period:
    period = rules.parse_period(kind, label)
    if period is None:
        raise ValidationFailed(
            [
                FieldError(
                    "period",
                    "period_format",
                    N_("Write the period like {example}."),
                    {"example": rules.period_label_example(kind)},
                )
            ]
        )
    return period


def _check_kind(kind: str) -> str:
    if kind not in {k.value for k in ReportKind}:
        raise ValidationFailed(
            [
                FieldError(
                    "kind",
                    "choice",
                    N_("Choose one of: {choices}."),
                    {"choices": ", ".join(k.value for k in ReportKind)},
                )
            ]
        )
    return kind


def _check_new_report(
    permit: Permit,
    report_kinds: tuple[str, ...],
    kind: str,
    period: rules.Period,
    planned: rules.PlannedPeriod | None,
) -> None:
    """A report may be opened for a kind the permit requires and a period within its validity, begun, that
    the permit owes (not held too short, not covered by a longer report)."""
    if kind not in report_kinds:
        raise ValidationFailed(
            [
                FieldError(
                    "kind", "not_required", N_("This permit does not require {kind} reports."), {"kind": kind}
                )
            ]
        )
    if (
        permit.valid_from
        and permit.valid_until
        and (period.end < permit.valid_from or period.start > permit.valid_until)
    ):
        raise ValidationFailed(
            [
                FieldError(
                    "period",
                    "outside_validity",
                    N_(
                        "The period {period} is outside the permit's validity ({valid_from} to {valid_until})."  # noqa: E501
                    ),
                    {
                        "period": period.label,
                        "valid_from": permit.valid_from.isoformat(),
                        "valid_until": permit.valid_until.isoformat(),
                    },
                )
            ]
        )
    if period.start > today():
        raise ValidationFailed([FieldError("period", "future", N_("This period has not started yet."))])
    if planned is not None and not planned.owed:
        cover = planned.covered_by
        params = {"period": period.label, "cover": cover.label if cover else ""}
        if planned.reason == rules.SHORT_HOLDING:
            message = N_(
                "No report is owed for {period}: the permit was held too short a time in it; its content goes into the report for {cover}."  # noqa: E501
            )
            code = "short_holding"
        else:
            message = N_("No report is owed for {period}: the report for {cover} stands for it.")
            code = "covered"
        raise ValidationFailed([FieldError("period", code, message, params)])


def _new_report(
    permit: Permit, kind: str, period: rules.Period, planned: rules.PlannedPeriod | None
) -> dict[str, Any]:
    """The report row of a period, its first day and due date as the permit's schedule has them."""
    assert permit.id is not None
    if planned is not None:
        period = planned.period
    return ExecutionReport(
        permit_id=permit.id,
        enterprise_id=permit.enterprise_id,
        region_code=permit.region_code,
        industry_code=permit.industry_code,
        kind=kind,
        period=period.label,
        period_start=period.start,
        period_end=period.end,
        due_date=planned.due_date
        if planned is not None
        else rules.due_date(period, plans.default_due_days()),
    ).model_dump(exclude={"id"})


async def _planned(
    session: AsyncSession, permit: Permit, kind: str, period: rules.Period
) -> rules.PlannedPeriod | None:
    """The period as the permit's schedule has it (its start reaching back over an exempt period)."""
    return plans.planned_period(permit, await permit_terms(session, permit), kind, period.label)


async def _scheduled_period(session: AsyncSession, permit: Permit, kind: str, label: str) -> rules.Period:
    period = _period(_check_kind(kind), label)
    planned = await _planned(session, permit, kind, period)
    return planned.period if planned is not None else period


async def _report_for(
    session: AsyncSession, permit: Permit, kind: str, label: str, *, create: bool, lock: bool = False
) -> ExecutionReport | None:
    period = _period(_check_kind(kind), label)
    statement = select(ExecutionReport).where(
        ExecutionReport.permit_id == permit.id,
        ExecutionReport.kind == kind,
        ExecutionReport.period == period.label,
    )
    if lock:
        statement = statement.with_for_update()
    report = (await session.exec(statement)).first()
    if report is not None or not create:
        return report
    planned = await _planned(session, permit, kind, period)
    _check_new_report(permit, await _required_kinds(session, permit), kind, period, planned)
    # Another request may create the same report a moment ago: its row wins and this one is not written
    # (no savepoint needed), then both read (and, when asked, lock) the one row.
    await insert_unless_present(
        session, ExecutionReport, _new_report(permit, kind, period, planned), ("permit_id", "kind", "period")
    )
    return (await session.exec(statement)).one()


# ---------------------------------------------------------------------------
# The schedule of reports a permit requires
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduledReport:
    kind: str
    period: rules.Period
    due_date: date
    state: str  # not_due / open / overdue / draft / submitted / returned / accepted / covered
    report: ExecutionReport | None
    reason: str | None = None  # why the permit does not owe it: rules.SHORT_HOLDING or rules.FOLDED
    covered_by: rules.Period | None = None  # the report whose content includes this period's

    @property
    def late(self) -> bool:
        return self.report is not None and self.report.on_time is False


def schedule_state(
    report: ExecutionReport | None, period: rules.Period, due: date, on: date, *, owed: bool = True
) -> str:
    if report is not None and report.state != "draft":
        return report.state
    if not owed:
        return "covered"
    if period.end >= on:
        return "not_due" if report is None else "draft"
    return "overdue" if on > due else ("draft" if report is not None else "open")


async def report_schedule(
    session: AsyncSession, actor: Actor, *, permit_number: str
) -> list[ScheduledReport]:
    """Every period the permit requires a report for, from the start of its validity to now, newest first."""
    permit = await _permit(session, actor, permit_number)
    assert permit.id is not None
    scheduled = (await report_schedules(session, [permit]))[permit.id]
    if actor.is_unit_side:
        return scheduled
    # A report never filed holds only the unit's draft: regulators see the period as not yet filed.
    on = today()
    return [
        replace(
            item,
            state=schedule_state(None, item.period, item.due_date, on, owed=item.reason is None),
            report=None,
        )
        if item.report is not None and item.report.latest_version == 0
        else item
        for item in scheduled
    ]


async def report_schedules(
    session: AsyncSession, permits: Sequence[Permit]
) -> dict[int, list[ScheduledReport]]:
    """``report_schedule`` of many permits at once (an agency's clients), in two queries whatever their
    number. The caller has checked that the permits are the actor's to see."""
    on = today()
    existing: dict[int, dict[tuple[str, str], ExecutionReport]] = defaultdict(dict)
    ids = sorted(p.id for p in permits if p.id is not None)
    if ids:
        for report in (
            await session.exec(select(ExecutionReport).where(col(ExecutionReport.permit_id).in_(ids)))
        ).all():
            existing[report.permit_id][(report.kind, report.period)] = report
    terms = await terms_of(session, permits)
    defaults = plans.default_due_days()
    schedules: dict[int, list[ScheduledReport]] = {}
    for permit in permits:
        assert permit.id is not None
        scheduled: list[ScheduledReport] = []
        for item in plans.permit_plan(permit, terms[permit.id], until=on, defaults=defaults):
            filed = existing[permit.id].get((item.kind, item.period.label))
            state = schedule_state(filed, item.period, item.due_date, on, owed=item.owed)
            scheduled.append(
                ScheduledReport(
                    item.kind, item.period, item.due_date, state, filed, item.reason, item.covered_by
                )
            )
        schedules[permit.id] = sorted(scheduled, key=lambda s: (s.period.end, s.kind), reverse=True)
    return schedules


# ---------------------------------------------------------------------------
# Drafts: pre-filled from the ledger, autosaved, private to the unit
# ---------------------------------------------------------------------------


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
        ledgers_of = await ledgers.period_ledgers(session, list(permits.values()), start=start, end=end)
        exceedances: dict[int, list[Exceedance]] = defaultdict(list)
        for exceedance in (
            await session.exec(
                select(Exceedance)
                .where(
                    col(Exceedance.permit_id).in_(sorted(permits)),
                    col(Exceedance.started_at) < end,
                    col(Exceedance.ended_at) > start,
                )
                .order_by(col(Exceedance.started_at))
            )
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


@dataclass
class Draft:
    report: ExecutionReport | None
    content: dict[str, Any]
    prefilled: bool


async def get_draft(
    session: AsyncSession, actor: Actor, *, permit_number: str, kind: str, period: str
) -> Draft:
    """The unit's draft; a period without one is pre-filled from the ledger. Regulators never see drafts."""
    permit = await _permit(session, actor, permit_number)
    require(actor, Operation.REPORT_WRITE, target_of(permit))
    report = await _report_for(session, permit, kind, period, create=False)
    if report is not None and report.draft:
        return Draft(report, dict(report.draft), prefilled=False)
    target = await _scheduled_period(session, permit, kind, period)
    facts = await ledger_facts(session, permit, target)
    return Draft(report, prefill_content(kind, facts, target), prefilled=True)


async def save_draft(
    session: AsyncSession, actor: Actor, *, permit_number: str, kind: str, period: str, content: Any
) -> ExecutionReport:
    permit = await _permit(session, actor, permit_number)
    require(actor, Operation.REPORT_WRITE, target_of(permit))
    errors = report_content.check_shape(kind, content)
    if errors:
        raise ValidationFailed(errors)
    report = await _report_for(session, permit, kind, period, create=True)
    assert report is not None
    if report.state == "accepted":
        raise Conflict(N_("This report was accepted and is closed."), field="period")
    report.draft = content
    report.draft_saved_at, report.draft_saved_by = utcnow(), actor.username
    report.draft_on_behalf_of = actor.on_behalf_of
    session.add(report)
    return report


async def _context(
    session: AsyncSession,
    permit: Permit,
    kind: str,
    period: rules.Period,
    content: dict[str, Any],
) -> engine.RuleContext:
    return _rule_context(permit, kind, period, content, await ledger_facts(session, permit, period))


def _stopped_days(period: rules.Period, shutdowns: Sequence[ShutdownPeriod]) -> int:
    """Days of the period covered by the unit's shutdowns (they do not overlap one another)."""
    days = 0
    for stop in shutdowns:
        first, last = max(period.start, stop.starts_on), min(period.end, stop.ends_on or period.end)
        days += max(0, (last - first).days + 1)
    return days


def _rule_context(
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


async def check_draft(
    session: AsyncSession, actor: Actor, *, permit_number: str, kind: str, period: str, content: Any
) -> list[engine.Finding]:
    """Run the audit rules on a draft before anything is filed (the "check" button, checkReportDraft)."""
    permit = await _permit(session, actor, permit_number)
    require(actor, Operation.REPORT_WRITE, target_of(permit))
    errors = report_content.check_shape(kind, content)
    if errors:
        raise ValidationFailed(errors)
    return ruleset.run(
        await _context(session, permit, kind, await _scheduled_period(session, permit, kind, period), content)
    )


@dataclass
class SubmissionPreview:
    """What a filing would be, shown for confirmation before it is made: nothing is written."""

    permit: Permit
    report: ExecutionReport | None
    period: rules.Period
    due_date: date
    version: int  # the version this filing would become
    findings: list[engine.Finding]
    late: bool | None  # a first filing judged at this moment; None for a resubmission

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.findings if f.severity == engine.ERROR)

    @property
    def warning_count(self) -> int:
        return sum(1 for f in self.findings if f.severity == engine.WARNING)


async def preview_submission(
    session: AsyncSession, actor: Actor, *, permit_number: str, kind: str, period: str, content: Any
) -> SubmissionPreview:
    """Everything ``submit_report`` would refuse, refused now, and the audit rules' findings on the
    content: what the unit confirms before filing (a filing cannot be withdrawn)."""
    permit = await _permit(session, actor, permit_number)
    require(actor, Operation.REPORT_WRITE, target_of(permit))
    _check_issued(permit)
    nominal = _check_ended(_period(_check_kind(kind), period))
    planned = await _planned(session, permit, kind, nominal)
    target = planned.period if planned is not None else nominal
    errors = report_content.check_shape(kind, content)
    if errors:
        raise ValidationFailed(errors)
    report = await _report_for(session, permit, kind, period, create=False)
    if report is None:
        _check_new_report(permit, await _required_kinds(session, permit), kind, nominal, planned)
    elif report.state == "accepted":
        raise Conflict(N_("This report was accepted and is closed."), field="period")
    version = (report.latest_version if report else 0) + 1
    due = planned.due_date if planned is not None else rules.due_date(target, plans.default_due_days())
    return SubmissionPreview(
        permit=permit,
        report=report,
        period=target,
        due_date=due,
        version=version,
        findings=ruleset.run(await _context(session, permit, kind, target, content)),
        late=None if version > 1 else not rules.on_time(utcnow(), due),
    )


# ---------------------------------------------------------------------------
# Submissions: append-only, chained, idempotent
# ---------------------------------------------------------------------------


@dataclass
class SubmissionResult:
    report: ExecutionReport
    submission: ReportSubmission
    findings: list[engine.Finding]  # as stored with the submission
    replayed: bool  # the same idempotency key again: the first result, nothing written
    permit: Permit


def _check_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > rules.IDEMPOTENCY_KEY_MAX:
        raise ValidationFailed(
            [
                FieldError(
                    "idempotency_key",
                    "idempotency_key",
                    N_(
                        "Send a unique key of 1 to {limit} characters with each submission "
                        "(the same key again returns the first result)."
                    ),
                    {"limit": rules.IDEMPOTENCY_KEY_MAX},
                )
            ]
        )
    return key


def _check_issued(permit: Permit) -> None:
    if permit.status != PermitStatus.ISSUED:
        raise Conflict(N_("Reports are filed for permits that have been issued."), field="permit_number")


def _check_ended(period: rules.Period) -> rules.Period:
    """A period is reported on once it is over: before that its figures are not final, and an early
    filing would freeze a first submission time and an on-time judgement on half a period."""
    if period.end >= today():
        raise ValidationFailed(
            [
                FieldError(
                    "period",
                    "period_not_ended",
                    N_("The period {period} ends on {end}: it can be submitted from {first_day} on."),
                    {
                        "period": period.label,
                        "end": period.end.isoformat(),
                        "first_day": (period.end + timedelta(days=1)).isoformat(),
                    },
                )
            ]
        )
    return period


def _same_filing(submitted_by: str, on_behalf_of: str | None, content: Any, filing: Filing) -> bool:
    """Whether a filing is the repetition of an earlier one under its key: same person, same capacity,
    same content (compared in the canonical form the hash uses)."""
    if submitted_by != (filing.actor.username or "") or on_behalf_of != filing.actor.on_behalf_of:
        return False
    try:
        return rules.canonical_json(content) == rules.canonical_json(filing.content)
    except (TypeError, ValueError):  # not JSON at all: not what was filed
        return False


def _key_reused() -> Conflict:
    return Conflict(
        N_(
            "This idempotency key was already used for a different filing of this report (other content, or "
            "another person): it answers only the filing it was first sent with. Send a new key."
        ),
        field="idempotency_key",
        code="idempotency_key_reused",
    )


@dataclass(frozen=True)
class Filing:
    """One filing as a unit (or its agency) sends it."""

    actor: Actor
    permit_number: str
    kind: str
    period: str
    content: Any
    idempotency_key: str


async def submit_report(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    kind: str,
    period: str,
    content: Any,
    idempotency_key: str,
) -> SubmissionResult:
    """File a report. The server stamps the time; every filing is a new version chained to the one before."""
    filing = Filing(actor, permit_number, kind, period, content, idempotency_key)
    outcome = (await submit_reports(session, [filing]))[0]
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


ReportKey = tuple[int, str, str]  # permit id, kind, period label


async def submit_reports(
    session: AsyncSession, filings: Sequence[Filing]
) -> list[SubmissionResult | DomainError]:
    """File many reports in one transaction, each judged on its own: the outcome of each filing, in order,
    is its result or the error that refused it (a refused filing writes nothing; the others go through).

    The reports' rows are locked first, in one fixed order, so filings of one report (a double click, a
    retry, two clerks, two batches in two processes) queue up and the later one sees the earlier one's row;
    within the batch, filings of one report are taken in the order received. Whatever the number of
    filings, this costs about a dozen statements (the permits' terms come from memory): the filing desk
    (``domain.reports.filing``) hands in the filings that arrive together at a deadline.
    """
    outcomes: list[SubmissionResult | DomainError | None] = [None] * len(filings)
    numbers = sorted({normal_number(f.permit_number) for f in filings})
    permits = {
        p.number: p for p in (await session.exec(select(Permit).where(col(Permit.number).in_(numbers)))).all()
    }
    await terms_of(session, list(permits.values()))  # the terms not yet in memory, in one go
    targets: dict[int, tuple[Permit, str, rules.Period]] = {}  # filing index -> permit, key, period
    plans: dict[int, rules.PlannedPeriod | None] = {}  # filing index -> the period in the permit's schedule
    for index, filing in enumerate(filings):
        try:
            key = _check_key(filing.idempotency_key)
            permit = _visible(filing.actor, permits.get(normal_number(filing.permit_number)))
            require(filing.actor, Operation.REPORT_WRITE, target_of(permit))
            _check_issued(permit)
            period = _check_ended(_period(_check_kind(filing.kind), filing.period))
            plans[index] = await _planned(session, permit, filing.kind, period)
            planned = plans[index]
            targets[index] = (permit, key, planned.period if planned is not None else period)
        except DomainError as error:
            outcomes[index] = error

    def report_key(index: int) -> ReportKey:
        permit, _key, period = targets[index]
        assert permit.id is not None
        return (permit.id, filings[index].kind, period.label)

    reports = await _lock_reports(session, {report_key(index) for index in targets})
    opening: dict[ReportKey, dict[str, Any]] = {}
    for index in targets:
        wanted = report_key(index)
        if wanted in reports or wanted in opening:
            continue
        permit, _key, period = targets[index]
        try:
            _check_new_report(
                permit, await _required_kinds(session, permit), filings[index].kind, period, plans[index]
            )
        except DomainError as error:
            outcomes[index] = error
            continue
        opening[wanted] = _new_report(permit, filings[index].kind, period, plans[index])
    if opening:
        # Sorted, so that two batches opening the same reports wait for each other in one order.
        await insert_unless_present(
            session, ExecutionReport, [opening[k] for k in sorted(opening)], ("permit_id", "kind", "period")
        )
        reports.update(await _lock_reports(session, set(opening)))
    standing = [index for index in sorted(targets) if outcomes[index] is None]

    by_id = {report.id: report for report in reports.values()}
    keys = sorted({targets[index][1] for index in standing})
    heads = [(report.id, report.latest_version) for report in by_id.values() if report.latest_version > 0]
    # The submissions this batch may replay (same key) or chain to (each report's latest). A report never
    # filed has neither: at a deadline, when most filings are first filings, this read is often skipped.
    earlier = (
        (
            await session.exec(
                select(ReportSubmission).where(
                    sa.or_(
                        sa.and_(
                            col(ReportSubmission.report_id).in_(sorted(by_id)),
                            col(ReportSubmission.idempotency_key).in_(keys),
                        ),
                        sa.tuple_(col(ReportSubmission.report_id), col(ReportSubmission.version)).in_(
                            sorted(heads)
                        ),
                    )
                )
            )
        ).all()
        if standing and heads
        else []
    )
    filed = {(s.report_id, s.idempotency_key): s for s in earlier}
    chain_head = {
        s.report_id: s.content_hash for s in earlier if s.version == by_id[s.report_id].latest_version
    }
    facts = await ledger_facts_many(session, [(targets[i][0], targets[i][2]) for i in standing])

    replays: list[tuple[int, ExecutionReport, ReportSubmission, Permit]] = []
    written: dict[tuple[int, str], int] = {}  # (report id, key) -> the filing index that wrote it
    new: list[tuple[int, ExecutionReport, ReportSubmission, list[engine.Finding], Permit]] = []
    for index in standing:
        filing, (permit, key, period) = filings[index], targets[index]
        report = reports[report_key(index)]
        assert report.id is not None
        if (report.id, key) in filed:
            earlier_filing = filed[(report.id, key)]
            if not _same_filing(
                earlier_filing.submitted_by, earlier_filing.on_behalf_of, earlier_filing.content, filing
            ):
                outcomes[index] = _key_reused()
            else:
                replays.append((index, report, earlier_filing, permit))
            continue
        if (report.id, key) in written:
            first_filing = filings[written[(report.id, key)]]
            if not _same_filing(
                first_filing.actor.username or "",
                first_filing.actor.on_behalf_of,
                first_filing.content,
                filing,
            ):
                outcomes[index] = _key_reused()
            continue  # the same filing twice in this batch: answered with the first below
        try:
            errors = report_content.check_shape(filing.kind, filing.content)
            if errors:
                raise ValidationFailed(errors)
            if report.state == "accepted":
                raise Conflict(N_("This report was accepted and is closed."), field="period")
        except DomainError as error:
            outcomes[index] = error
            continue
        version = report.latest_version + 1
        received = utcnow()
        previous_hash = chain_head.get(report.id, rules.GENESIS)
        digest = rules.submission_hash(
            report_key=f"{permit.number}/{filing.kind}/{report.period}",
            version=version,
            received_at=received,
            submitted_by=filing.actor.username or "",
            on_behalf_of=filing.actor.on_behalf_of,
            content=filing.content,
            previous_hash=previous_hash,
        )
        assert permit.id is not None
        findings = ruleset.run(
            _rule_context(
                permit, filing.kind, period, filing.content, facts[(permit.id, period.start, period.end)]
            )
        )
        # Not added to the session: the batch's submissions are written below in one statement.
        submission = ReportSubmission(
            report_id=report.id,
            version=version,
            received_at=received,
            submitted_by=filing.actor.username or "",
            on_behalf_of=filing.actor.on_behalf_of,
            content=filing.content,
            content_hash=digest,
            previous_hash=previous_hash,
            receipt_number=rules.receipt_number(report.id, version, received),
            idempotency_key=key,
            error_count=sum(1 for f in findings if f.severity == engine.ERROR),
            warning_count=sum(1 for f in findings if f.severity == engine.WARNING),
        )
        chain_head[report.id] = digest
        written[(report.id, key)] = index
        if report.first_submitted_at is None:
            report.first_submitted_at = received
            report.on_time = rules.on_time(received, report.due_date)
        returned = report.state == "returned"
        report.latest_version = version
        report.head_hash = digest
        report.state = "submitted"
        report.draft = filing.content
        session.add(report)
        if returned:  # open feedback forms exist only while the report is returned
            await _answer_open_feedback(
                session, report, filing.actor, N_("Resubmitted as version {version}."), version
            )
        new.append((index, report, submission, findings, permit))
    try:
        ids = {
            (row.report_id, row.version): row.id
            for row in await insert_rows(
                session,
                SUBMISSIONS,
                [_submission_values(submission) for _i, _r, submission, _f, _p in new],
                returning=("id", "report_id", "version"),
            )
        }
    except IntegrityError:
        # Only possible if the row locks above were bypassed; nothing is written and the client retries,
        # getting the first result for its key.
        raise Conflict(
            N_("Another filing of this report arrived at the same moment; try again."), field="period"
        ) from None

    results: dict[tuple[int, str], SubmissionResult] = {}
    finding_rows: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    for index, report, submission, findings, permit in new:
        submission.id = ids[(submission.report_id, submission.version)]
        stored = [
            engine.Finding(
                code=f.code,
                severity=f.severity,
                field=f.field[:200],
                message=f.message[:500],
                params={k: _plain(v) for k, v in f.params.items()},
            )
            for f in findings
        ]
        finding_rows.extend(
            {
                "submission_id": submission.id,
                "rule_code": f.code,
                "severity": f.severity,
                "field": f.field,
                "message": f.message,
                "params": f.params,
            }
            for f in stored
        )
        if submission.on_behalf_of:
            await _credit_for_filing(session, report, submission, stored)
        audit_rows.append(
            entry_values(
                filings[index].actor,
                action="report.submit",
                object_type="execution_report",
                object_id=f"{permit.number}/{report.kind}/{report.period}",
                after={
                    "version": submission.version,
                    "receipt": submission.receipt_number,
                    "hash": submission.content_hash,
                    "errors": submission.error_count,
                },
            )
        )
        result = SubmissionResult(report, submission, stored, replayed=False, permit=permit)
        outcomes[index] = results[(submission.report_id, submission.idempotency_key)] = result
    await insert_rows(session, FINDINGS, finding_rows)
    await record_many(session, audit_rows)
    if replays:
        found = await _findings_of_many(session, [submission.id for _i, _r, submission, _p in replays])
        for index, report, submission, permit in replays:
            assert submission.id is not None
            outcomes[index] = SubmissionResult(
                report, submission, found.get(submission.id, []), replayed=True, permit=permit
            )
    for index in standing:  # the second of two identical filings in one batch: the first's result
        if outcomes[index] is None:
            first = results[(reports[report_key(index)].id or 0, targets[index][1])]
            outcomes[index] = replace(first, replayed=True)
    assert all(outcome is not None for outcome in outcomes)
    return [outcome for outcome in outcomes if outcome is not None]


async def _lock_reports(session: AsyncSession, keys: set[ReportKey]) -> dict[ReportKey, ExecutionReport]:
    """The reports with these keys, locked (FOR UPDATE) in the order of their ids."""
    if not keys:
        return {}
    statement = (
        select(ExecutionReport)
        .where(
            sa.tuple_(
                col(ExecutionReport.permit_id), col(ExecutionReport.kind), col(ExecutionReport.period)
            ).in_(sorted(keys))
        )
        .order_by(col(ExecutionReport.id))
        .with_for_update()
    )
    return {(r.permit_id, r.kind, r.period): r for r in (await session.exec(statement)).all()}


async def _findings_of_many(session: AsyncSession, ids: list[int | None]) -> dict[int, list[engine.Finding]]:
    """The stored findings of these submissions, as the rules gave them."""
    found: dict[int, list[engine.Finding]] = defaultdict(list)
    statement = (
        select(AuditFinding)
        .where(col(AuditFinding.submission_id).in_([i for i in ids if i is not None]))
        .order_by(col(AuditFinding.id))
    )
    for row in (await session.exec(statement)).all():
        found[row.submission_id].append(
            engine.Finding(row.rule_code, row.severity, row.field, row.message, dict(row.params))
        )
    return found


async def _credit_for_filing(
    session: AsyncSession,
    report: ExecutionReport,
    submission: ReportSubmission,
    findings: list[engine.Finding],
) -> None:
    """A filing made by an agency moves its credit: each rule finding, and a late first filing."""
    from domain.agencies.service import add_credit_event, agency_of_tag

    agency = await agency_of_tag(session, submission.on_behalf_of)
    if agency is None or agency.id is None:
        return
    for finding in findings:
        kind = "finding_error" if finding.severity == engine.ERROR else "finding_warning"
        await add_credit_event(
            session,
            agency_id=agency.id,
            kind=kind,
            source_type="finding",
            source_id=f"{submission.receipt_number}:{finding.code}:{finding.field}"[:64],
            note=f"{finding.code} {finding.field}",
        )
    if submission.version == 1 and report.on_time is False:
        await add_credit_event(
            session,
            agency_id=agency.id,
            kind="late_filing",
            source_type="submission",
            source_id=submission.receipt_number,
            note=f"{report.kind} {report.period}",
        )


async def _latest_submission(session: AsyncSession, report: ExecutionReport) -> ReportSubmission | None:
    return (
        await session.exec(
            select(ReportSubmission).where(
                ReportSubmission.report_id == report.id, ReportSubmission.version == report.latest_version
            )
        )
    ).first()


def _submission_values(submission: ReportSubmission) -> dict[str, Any]:
    """The columns of a new submission row (its id comes from the database)."""
    return {
        name: getattr(submission, name)
        for name in SUBMISSIONS.columns.keys()  # noqa: SIM118 (a column collection, not a dict)
        if name != "id"
    }


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


@dataclass(frozen=True)
class ChainLink:
    version: int
    receipt_number: str
    received_at: datetime
    stored_hash: str
    intact: bool


@dataclass(frozen=True)
class ChainProblem:
    """Something the report row says about its submissions that they do not bear out."""

    code: str  # missing_submissions, head_differs, first_time_differs, on_time_differs
    message: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChainVerification:
    intact: bool
    links: list[ChainLink]
    problems: list[ChainProblem] = field(default_factory=list)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _report_problems(report: ExecutionReport, submissions: Sequence[ReportSubmission]) -> list[ChainProblem]:
    """The report row against its chain: how many versions and which head it recorded (a removed newest
    submission leaves the row pointing past the end), and the first time and on-time flag (judged on
    version 1's server time)."""
    problems: list[ChainProblem] = []
    last = submissions[-1] if submissions else None
    found = last.version if last else 0
    if report.latest_version != found or len(submissions) != found:
        problems.append(
            ChainProblem(
                "missing_submissions",
                N_("The report records {expected} versions, but {found} are stored."),
                {"expected": report.latest_version, "found": len(submissions)},
            )
        )
    elif report.head_hash != (last.content_hash if last else rules.GENESIS):
        problems.append(
            ChainProblem(
                "head_differs",
                N_("The report's recorded chain head does not match its latest submission."),
            )
        )
    first = submissions[0] if submissions and submissions[0].version == 1 else None
    recorded = _aware(report.first_submitted_at) if report.first_submitted_at else None
    if (first is None) != (recorded is None) or (first and recorded != _aware(first.received_at)):
        problems.append(
            ChainProblem(
                "first_time_differs",
                N_("The report's first submission time differs from the time version 1 was received."),
            )
        )
    elif first is not None and report.on_time != rules.on_time(_aware(first.received_at), report.due_date):
        problems.append(
            ChainProblem(
                "on_time_differs",
                N_("The report's on-time flag differs from the judgement on version 1's time received."),
            )
        )
    return problems


async def verify_chain(session: AsyncSession, actor: Actor, *, report_id: int) -> ChainVerification:
    """Recompute every submission's hash and link, and hold the report row to them: its latest version
    and head hash (nothing removed from the end), its first submission time and on-time flag."""
    report, permit = await _report(session, actor, report_id, public_annual=True)
    submissions = (
        await session.exec(
            select(ReportSubmission)
            .where(ReportSubmission.report_id == report.id)
            .order_by(col(ReportSubmission.version))
        )
    ).all()
    links: list[ChainLink] = []
    previous = rules.GENESIS
    for expected_version, submission in enumerate(submissions, start=1):
        recomputed = rules.submission_hash(
            report_key=f"{permit.number}/{report.kind}/{report.period}",
            version=submission.version,
            received_at=_aware(submission.received_at),
            submitted_by=submission.submitted_by,
            on_behalf_of=submission.on_behalf_of,
            content=submission.content,
            previous_hash=submission.previous_hash,
        )
        intact = (
            recomputed == submission.content_hash
            and submission.previous_hash == previous
            and submission.version == expected_version
        )
        links.append(
            ChainLink(
                submission.version,
                submission.receipt_number,
                submission.received_at,
                submission.content_hash,
                intact,
            )
        )
        previous = submission.content_hash
    problems = _report_problems(report, submissions)
    return ChainVerification(
        intact=all(link.intact for link in links) and not problems, links=links, problems=problems
    )


async def _report(
    session: AsyncSession, actor: Actor, report_id: int, *, public_annual: bool = False
) -> tuple[ExecutionReport, Permit]:
    report = await session.get(ExecutionReport, report_id)
    permit = await session.get(Permit, report.permit_id) if report else None
    if report is None or permit is None:
        raise NotFound(N_("No such report."), field="report")
    if public_annual and report.kind == ReportKind.ANNUAL and report.latest_version > 0:
        return report, permit  # annual reports are public (M48 §37)
    if not can(actor, Operation.REPORT_VIEW, target_of(permit)):
        if not actor.is_authenticated:
            require(actor, Operation.REPORT_VIEW)
        raise NotFound(N_("No such report."), field="report")
    return report, permit


@dataclass
class ReportView:
    report: ExecutionReport
    permit: Permit
    submissions: list[ReportSubmission]
    findings: dict[int, list[AuditFinding]]
    feedback: list[tuple[FeedbackForm, list[FeedbackItem]]] = field(default_factory=list)


async def report_view(session: AsyncSession, actor: Actor, *, report_id: int) -> ReportView:
    """A report with every submission time (newest first), findings and feedback forms."""
    report, permit = await _report(session, actor, report_id, public_annual=True)
    submissions = list(
        (
            await session.exec(
                select(ReportSubmission)
                .where(ReportSubmission.report_id == report.id)
                .order_by(col(ReportSubmission.version).desc())
            )
        ).all()
    )
    ids = [s.id for s in submissions if s.id is not None]
    findings: dict[int, list[AuditFinding]] = defaultdict(list)
    if ids:
        for finding in (
            await session.exec(select(AuditFinding).where(col(AuditFinding.submission_id).in_(ids)))
        ).all():
            findings[finding.submission_id].append(finding)
    forms = list(
        (
            await session.exec(
                select(FeedbackForm)
                .where(FeedbackForm.report_id == report.id)
                .order_by(col(FeedbackForm.id).desc())
            )
        ).all()
    )
    items: dict[int, list[FeedbackItem]] = defaultdict(list)
    form_ids = [f.id for f in forms if f.id is not None]
    if form_ids:
        for item in (
            await session.exec(select(FeedbackItem).where(col(FeedbackItem.form_id).in_(form_ids)))
        ).all():
            items[item.form_id].append(item)
    return ReportView(
        report, permit, submissions, dict(findings), [(f, items.get(f.id or 0, [])) for f in forms]
    )


async def find_report(
    session: AsyncSession, actor: Actor, *, permit_number: str, kind: str, period: str
) -> ReportView:
    permit = await _permit(session, actor, permit_number)
    report = await _report_for(session, permit, kind, period, create=False)
    if report is None:
        raise NotFound(N_("No such report."), field="period")
    return await report_view(session, actor, report_id=report.id or 0)


async def submission_by_receipt(
    session: AsyncSession, actor: Actor, *, receipt_number: str
) -> tuple[ReportSubmission, ExecutionReport, Permit]:
    submission = (
        await session.exec(
            select(ReportSubmission).where(ReportSubmission.receipt_number == receipt_number.strip())
        )
    ).first()
    if submission is None:
        raise NotFound(N_("No submission with this receipt number."), field="receipt_number")
    report, permit = await _report(session, actor, submission.report_id, public_annual=True)
    return submission, report, permit


# ---------------------------------------------------------------------------
# Review (PT §5): one feedback form with every problem, a deadline, acceptance
# ---------------------------------------------------------------------------


@dataclass
class FeedbackItemInput:
    problem: str
    field: str = ""
    rule_code: str | None = None
    is_violation: bool = False


async def issue_feedback(
    session: AsyncSession, actor: Actor, *, report_id: int, items: list[FeedbackItemInput], deadline: date
) -> FeedbackForm:
    """Return a report with one form listing all problems; violations become enforcement leads at once."""
    report, permit = await _report(session, actor, report_id)
    require(actor, Operation.REPORT_REVIEW, target_of(permit))
    if report.state != "submitted":
        raise Conflict(N_("Only a submitted report can be returned."), field="report")
    errors: list[FieldError] = []
    if not items:
        errors.append(FieldError("items", "required", N_("List at least one problem.")))
    for index, item in enumerate(items):
        if not (item.problem or "").strip():
            errors.append(FieldError(f"items[{index}].problem", "required", N_("This field is required.")))
        elif len(item.problem) > 2000:
            errors.append(
                FieldError(
                    f"items[{index}].problem",
                    "too_long",
                    N_("At most {limit} characters (got {length})."),
                    {"limit": 2000, "length": len(item.problem)},
                )
            )
    if deadline <= today():
        errors.append(FieldError("deadline", "past", N_("The deadline must be after today.")))
    if errors:
        raise ValidationFailed(errors)
    latest = (
        await session.exec(
            select(ReportSubmission).where(
                ReportSubmission.report_id == report.id, ReportSubmission.version == report.latest_version
            )
        )
    ).one()
    assert latest.id is not None and report.id is not None
    form = FeedbackForm(
        report_id=report.id,
        submission_id=latest.id,
        issued_by=actor.username or "",
        department=actor.role.value if actor.role else "",
        deadline=deadline,
    )
    session.add(form)
    await session.flush()
    assert form.id is not None
    for item in items:
        row = FeedbackItem(
            form_id=form.id,
            field=item.field[:200],
            problem=item.problem.strip(),
            rule_code=item.rule_code,
            is_violation=item.is_violation,
        )
        session.add(row)
        if item.is_violation:
            await session.flush()
            session.add(
                EnforcementLead(
                    report_id=report.id,
                    feedback_item_id=row.id,
                    permit_id=permit.id or 0,
                    enterprise_id=permit.enterprise_id,
                    region_code=permit.region_code,
                    description=item.problem.strip(),
                    created_by=actor.username or "",
                )
            )
    report.state = "returned"
    session.add(report)
    from domain.agencies.service import add_credit_event, agency_of_tag

    agency = await agency_of_tag(session, latest.on_behalf_of)
    if agency is not None and agency.id is not None:
        await add_credit_event(
            session,
            agency_id=agency.id,
            kind="feedback_form",
            source_type="feedback_form",
            source_id=str(form.id),
            note=f"{report.kind} {report.period}",
        )
    await notices.report_returned(session, report, permit, form, len(items))
    record(
        session,
        actor,
        action="report.feedback",
        object_type="execution_report",
        object_id=f"{permit.number}/{report.kind}/{report.period}",
        after={
            "items": len(items),
            "deadline": deadline.isoformat(),
            "violations": sum(1 for i in items if i.is_violation),
        },
    )
    return form


async def respond_to_feedback(
    session: AsyncSession, actor: Actor, *, form_id: int, response: str
) -> FeedbackForm:
    """The unit explains instead of (or besides) resubmitting."""
    form = await session.get(FeedbackForm, form_id)
    if form is None:
        raise NotFound(N_("No such feedback form."), field="form")
    report, permit = await _report(session, actor, form.report_id)
    require(actor, Operation.REPORT_WRITE, target_of(permit))
    response = (response or "").strip()
    if not response:
        raise ValidationFailed([FieldError("response", "required", N_("This field is required."))])
    if form.status == "closed":
        raise Conflict(N_("This feedback form is closed."), field="form")
    form.response, form.responded_at, form.responded_by = response[:5000], utcnow(), actor.username
    form.status = "answered"
    session.add(form)
    report.state = "submitted"
    session.add(report)
    record(
        session,
        actor,
        action="report.respond",
        object_type="feedback_form",
        object_id=form_id,
        after={"response": response[:500]},
    )
    return form


async def _answer_open_feedback(
    session: AsyncSession, report: ExecutionReport, actor: Actor, note: str, version: int
) -> None:
    forms = (
        await session.exec(
            select(FeedbackForm).where(FeedbackForm.report_id == report.id, FeedbackForm.status == "open")
        )
    ).all()
    for form in forms:
        form.status = "answered"
        form.responded_at, form.responded_by = utcnow(), actor.username
        form.response = form.response or f"v{version}"
        session.add(form)


async def accept_report(session: AsyncSession, actor: Actor, *, report_id: int) -> ExecutionReport:
    """Accept the latest submission: the report closes, and so do its open feedback forms."""
    report, permit = await _report(session, actor, report_id)
    require(actor, Operation.REPORT_REVIEW, target_of(permit))
    if report.state not in ("submitted",):
        raise Conflict(N_("Only a submitted report can be accepted."), field="report")
    report.state = "accepted"
    report.accepted_at, report.accepted_by = utcnow(), actor.username
    session.add(report)
    latest = await _latest_submission(session, report)
    if latest is not None and latest.error_count == 0 and latest.warning_count == 0:
        from domain.agencies.service import add_credit_event, agency_of_tag

        agency = await agency_of_tag(session, latest.on_behalf_of)
        if agency is not None and agency.id is not None:
            await add_credit_event(
                session,
                agency_id=agency.id,
                kind="clean_filing_accepted",
                source_type="report",
                source_id=str(report.id),
                note=f"{report.kind} {report.period}",
            )
    forms = (await session.exec(select(FeedbackForm).where(FeedbackForm.report_id == report.id))).all()
    for form in forms:
        if form.status != "closed":
            form.status = "closed"
            form.closed_at = utcnow()
            session.add(form)
    await notices.report_accepted(session, report, permit)
    record(
        session,
        actor,
        action="report.accept",
        object_type="execution_report",
        object_id=f"{permit.number}/{report.kind}/{report.period}",
        after={"version": report.latest_version},
    )
    return report


async def escalate_overdue_feedback(session: AsyncSession, *, on: date) -> int:
    """Problems not answered by their deadline become enforcement leads (run daily by the worker)."""
    forms = (
        await session.exec(
            select(FeedbackForm).where(FeedbackForm.status == "open", col(FeedbackForm.deadline) < on)
        )
    ).all()
    created = 0
    for form in forms:
        report = await session.get(ExecutionReport, form.report_id)
        assert report is not None
        items = (await session.exec(select(FeedbackItem).where(FeedbackItem.form_id == form.id))).all()
        for item in items:
            exists = (
                await session.exec(
                    select(EnforcementLead.id).where(EnforcementLead.feedback_item_id == item.id)
                )
            ).first()
            if exists is None and not item.resolved:
                session.add(
                    EnforcementLead(
                        report_id=report.id or 0,
                        feedback_item_id=item.id,
                        permit_id=report.permit_id,
                        enterprise_id=report.enterprise_id,
                        region_code=report.region_code,
                        description=item.problem,
                        created_by="system",
                    )
                )
                created += 1
        form.status = "closed"
        form.closed_at = utcnow()
        session.add(form)
    return created


# ---------------------------------------------------------------------------
# The regulator's queue and the filing statistics ("double hundred")
# ---------------------------------------------------------------------------


async def review_queue(
    session: AsyncSession, actor: Actor, *, state: str = "submitted", first: int = 50, offset: int = 0
) -> tuple[list[tuple[ExecutionReport, Permit, ReportSubmission | None]], int]:
    """Reports of the jurisdiction waiting for review: those with rule errors first, then by due date."""
    require(actor, Operation.PERMIT_LIST)
    statement = (
        select(ExecutionReport, Permit, ReportSubmission)
        .join(Permit, col(Permit.id) == col(ExecutionReport.permit_id))
        .join(
            ReportSubmission,
            sa.and_(
                col(ReportSubmission.report_id) == col(ExecutionReport.id),
                col(ReportSubmission.version) == col(ExecutionReport.latest_version),
            ),
            isouter=True,
        )
        .where(ExecutionReport.state == state)
    )
    prefix = jurisdiction_prefix(actor)
    if prefix is not None:
        statement = statement.where(col(ExecutionReport.region_code).startswith(prefix, autoescape=True))
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    rows = (
        await session.exec(
            statement.order_by(col(ReportSubmission.error_count).desc(), col(ExecutionReport.due_date))
            .offset(offset)
            .limit(first)
        )
    ).all()
    return [(r, p, s) for r, p, s in rows], int(total)


@dataclass(frozen=True)
class FilingRate:
    group: str
    due: int
    submitted: int
    on_time: int

    @property
    def submission_rate(self) -> float:
        return self.submitted / self.due if self.due else 1.0

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.due if self.due else 1.0


async def filing_statistics(
    session: AsyncSession, actor: Actor, *, kind: str, period: str, by: str = "region"
) -> list[FilingRate]:
    """Submission and on-time rates for a period, by region or industry, over the permits that owe it."""
    require(actor, Operation.PERMIT_LIST)
    target = _period(kind, period)
    statement = select(Permit).where(
        Permit.status == PermitStatus.ISSUED,
        col(Permit.valid_from) <= target.end,
        col(Permit.valid_until) >= target.start,
    )
    prefix = jurisdiction_prefix(actor)
    if prefix is not None:
        statement = statement.where(col(Permit.region_code).startswith(prefix, autoescape=True))
    permits = (await session.exec(statement)).all()
    owing = [permit for permit, _item in await plans.owing(session, permits, kind, target.label)]
    reports = {
        r.permit_id: r
        for r in (
            await session.exec(
                select(ExecutionReport).where(
                    ExecutionReport.kind == kind, ExecutionReport.period == target.label
                )
            )
        ).all()
    }
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for permit in owing:
        key = permit.region_code if by == "region" else permit.industry_code
        counts = groups[key]
        counts[0] += 1
        report = reports.get(permit.id or 0)
        if report is not None and report.first_submitted_at is not None:
            counts[1] += 1
            counts[2] += 1 if report.on_time else 0
    return [FilingRate(key, *values) for key, values in sorted(groups.items())]
