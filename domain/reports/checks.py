"""What a report operation checks before it writes, and the page that confirms a filing checks before it is
made: the kind and the period, whether the period is over and owed by the permit, the permit issued, the
filing key. One place, so the confirmation refuses exactly what the filing would.

Field problems come back as lists (the caller raises them together with the others it finds, so the unit
sees every error at once); a state that forbids the operation is raised at once (``Conflict``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.clock import today
from domain.errors import N_, Conflict, FieldError, ValidationFailed
from domain.permits.models import Permit
from domain.permits.reference import ReportKind
from domain.permits.rules import PermitStatus
from domain.permits.state import target_of
from domain.permits.terms import permit_terms
from domain.reports import content as report_content
from domain.reports import lookup, rules
from domain.reports import schedule as plans
from domain.reports.models import ExecutionReport

KINDS = tuple(kind.value for kind in ReportKind)


def kind_error() -> FieldError:
    return FieldError("kind", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(KINDS)})


def period_error(kind: str) -> FieldError:
    return FieldError(
        "period",
        "period_format",
        N_("Write the period like {example}."),
        {"example": rules.period_label_example(kind)},
    )


def period_errors(kind: str, label: str) -> tuple[rules.Period | None, list[FieldError]]:
    """The period a kind and label name, or why they name none."""
    if kind not in KINDS:
        return None, [kind_error()]
    period = rules.parse_period(kind, label)
    return period, [] if period is not None else [period_error(kind)]


def period(kind: str, label: str) -> rules.Period:
    """The period a kind and label name; ``ValidationFailed`` when they name none."""
    found, errors = period_errors(kind, label)
    if found is None:
        raise ValidationFailed(errors)
    return found


async def planned(
    session: AsyncSession, permit: Permit, kind: str, period: rules.Period
) -> rules.PlannedPeriod | None:
    """The period as the permit's schedule has it (its start reaching back over an exempt period)."""
    return plans.planned_period(permit, await permit_terms(session, permit), kind, period.label)


async def scheduled_period(session: AsyncSession, permit: Permit, kind: str, label: str) -> rules.Period:
    nominal = period(kind, label)
    found = await planned(session, permit, kind, nominal)
    return found.period if found is not None else nominal


def ended_errors(period: rules.Period) -> list[FieldError]:
    """A period is reported on once it is over: before that its figures are not final, and an early
    filing would freeze a first submission time and an on-time judgement on half a period."""
    if period.end < today():
        return []
    return [
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


def new_report_errors(
    permit: Permit,
    report_kinds: tuple[str, ...],
    kind: str,
    period: rules.Period,
    planned: rules.PlannedPeriod | None,
) -> list[FieldError]:
    """A report may be opened for a kind the permit requires and a period within its validity, begun, that
    the permit owes (not held too short, not covered by a longer report)."""
    if kind not in report_kinds:
        return [
            FieldError(
                "kind", "not_required", N_("This permit does not require {kind} reports."), {"kind": kind}
            )
        ]
    if (
        permit.valid_from
        and permit.valid_until
        and (period.end < permit.valid_from or period.start > permit.valid_until)
    ):
        return [
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
    if period.start > today():
        return [FieldError("period", "future", N_("This period has not started yet."))]
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
        return [FieldError("period", code, message, params)]
    return []


def new_report(
    permit: Permit, kind: str, period: rules.Period, planned: rules.PlannedPeriod | None
) -> dict[str, Any]:
    """The row of a report opened for a period, its first day and due date as the permit's schedule has
    them: the model's defaults for the rest (``model_construct``: a table model is not validated either
    way, and constructing it through the ORM's instrumentation cost ten times as much, issue 19)."""
    assert permit.id is not None
    if planned is not None:
        period = planned.period
    return ExecutionReport.model_construct(
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


def check_issued(permit: Permit) -> None:
    if permit.status != PermitStatus.ISSUED:
        raise Conflict(N_("Reports are filed for permits that have been issued."), field="permit_number")


def check_open(report: ExecutionReport | None) -> None:
    """An accepted report is closed: nothing more is saved or filed for it."""
    if report is not None and report.state == "accepted":
        raise Conflict(N_("This report was accepted and is closed."), field="period")


def key_errors(key: str) -> list[FieldError]:
    """Every filing carries a key of its own (the same key again answers with the first filing)."""
    key = (key or "").strip()
    if key and len(key) <= rules.IDEMPOTENCY_KEY_MAX:
        return []
    return [
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


def same_filing(
    submitted_by: str,
    on_behalf_of: str | None,
    content: Any,
    *,
    by: str,
    for_agency: str | None,
    again: Any,
) -> bool:
    """Whether a filing is the repetition of an earlier one under its key: same person, same capacity,
    same content (compared in the canonical form the hash uses)."""
    if submitted_by != by or on_behalf_of != for_agency:
        return False
    try:
        return rules.canonical_json(content) == rules.canonical_json(again)
    except (TypeError, ValueError):  # not JSON at all: not what was filed
        return False


def key_reused() -> Conflict:
    return Conflict(
        N_(
            "This idempotency key was already used for a different filing of this report (other content, or "
            "another person): it answers only the filing it was first sent with. Send a new key."
        ),
        field="idempotency_key",
        code="idempotency_key_reused",
    )


@dataclass(frozen=True)
class FilingTarget:
    """What a filing is for, once it may be made at all, and the field problems found in it so far."""

    permit: Permit
    key: str
    nominal: rules.Period  # the calendar period named
    period: rules.Period  # as the permit's schedule has it (reaching back over an exempt period)
    planned: rules.PlannedPeriod | None
    errors: list[FieldError]  # the filing is refused with all of them (and any ``new_report_errors``)


async def filing_target(
    session: AsyncSession,
    actor: Actor,
    permit: Permit | None,
    *,
    kind: str,
    label: str,
    content: Any,
    key: str,
) -> FilingTarget:
    """The first checks of a filing (and of its confirmation): access and the permit's state are decided
    first (raised); then every field problem is gathered: the period (well written, over), the content, the
    key. Raises ``ValidationFailed`` when the period names none, which leaves nothing more to look up."""
    permit = lookup.visible(actor, permit)
    require(actor, Operation.REPORT_WRITE, target_of(permit))
    check_issued(permit)
    nominal, errors = period_errors(kind, label)
    if nominal is not None:
        errors += ended_errors(nominal)
    errors += report_content.check_shape(kind, content)
    errors += key_errors(key)
    if nominal is None:
        raise ValidationFailed(errors)
    found = await planned(session, permit, kind, nominal)
    scheduled = found.period if found is not None else nominal
    return FilingTarget(permit, (key or "").strip(), nominal, scheduled, found, errors)
