"""Read use cases of the portal's permit pages: the list with its deadlines, one permit, the worklist.

Each function returns what a page shows, with every time limit already turned into a
``Due`` (a date, whether it is approximate and why, whether it has passed), so the
templates only format. Who may see or do what is answered here, through
``domain.access``; the portal never decides it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, jurisdiction_prefix, require
from domain.calendar import (
    holiday_data_warning,
    holiday_data_warning_params,
    uncovered_years_between,
    working_days_between,
)
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.enterprises.queries import get_enterprise_by_id
from domain.errors import N_, NotFound
from domain.pagination import Page, check_page_size
from domain.permits import law, rules, service
from domain.permits.law import Basis, LegalDeadline
from domain.permits.models import Permit, PermitApplication, PermitVersion
from domain.permits.reference import REPORT_KIND_LABELS
from domain.permits.rules import (
    EXPIRED,
    ApplicationKind,
    ApplicationStatus,
    CancellationReason,
    Limit,
    PermitContent,
    PermitStatus,
)
from domain.permits.service import OPEN_APPLICATION_STATUSES, PermitDetail, PermitFilter, target_of

# A renewal deadline this close (calendar days) gets a warning on the permit's page.
RENEWAL_WARNING_DAYS = 60
WORKLIST_LIMIT = 100

# ---------------------------------------------------------------------------
# Labels (message ids; each face translates them)
# ---------------------------------------------------------------------------

STATUS_LABELS = {
    PermitStatus.APPLIED: N_("Applied for"),
    PermitStatus.ACCEPTED: N_("Accepted"),
    PermitStatus.NOT_ACCEPTED: N_("Not accepted"),
    PermitStatus.GRANTED: N_("Granted, awaiting issue"),
    PermitStatus.REFUSED: N_("Refused"),
    PermitStatus.ISSUED: N_("In force"),
    EXPIRED: N_("Expired"),
    PermitStatus.REVOKED: N_("Revoked"),
    PermitStatus.CANCELLED: N_("Cancelled"),
}
APPLICATION_KIND_LABELS = {
    ApplicationKind.FIRST: N_("First application"),
    ApplicationKind.RENEWAL: N_("Renewal"),
    ApplicationKind.CHANGE_BASIC: N_("Change of basic information"),
    ApplicationKind.CHANGE_ITEMS: N_("Change of permitted items"),
    ApplicationKind.CHANGE_RESTART: N_("Change with a new validity period"),
    ApplicationKind.REPLACEMENT: N_("Replacement of a lost permit"),
}
APPLICATION_STATUS_LABELS = {
    ApplicationStatus.SUBMITTED: N_("Awaiting acceptance"),
    ApplicationStatus.ACCEPTED: N_("Accepted, awaiting decision"),
    ApplicationStatus.NOT_ACCEPTED: N_("Not accepted"),
    ApplicationStatus.GRANTED: N_("Granted, awaiting issue"),
    ApplicationStatus.REFUSED: N_("Refused"),
    ApplicationStatus.COMPLETED: N_("Completed"),
}
EVENT_LABELS = {
    "application.first": N_("Application for a permit received"),
    "application.renewal": N_("Renewal application received"),
    "application.change_basic": N_("Change application received"),
    "application.change_items": N_("Change application received"),
    "application.change_restart": N_("Change application received"),
    "application.replacement": N_("Replacement application received"),
    "accepted": N_("Application accepted"),
    "not_accepted": N_("Application not accepted"),
    "extended": N_("Decision time limit extended"),
    "granted": N_("Permit granted"),
    "refused": N_("Permit refused"),
    "issued": N_("Permit issued"),
    "renewed": N_("Permit renewed"),
    "changed": N_("Permit changed"),
    "replaced": N_("Permit replaced"),
    "revoked": N_("Permit revoked"),
    "cancelled": N_("Permit cancelled"),
}
VERSION_REASON_LABELS = {
    "imported": N_("Imported from the national platform"),
    **{kind.value: label for kind, label in APPLICATION_KIND_LABELS.items()},
}
CANCELLATION_REASON_LABELS = {
    CancellationReason.EXPIRED_NOT_RENEWED: N_("Expired and not renewed (M48 §50 (1))"),
    CancellationReason.UNIT_TERMINATED: N_("The unit was terminated (M48 §50 (2))"),
    CancellationReason.OTHER: N_("Other lawful grounds (M48 §50 (3))"),
}
SECTION_LABELS = {
    "production_facilities": N_("Production facilities"),
    "products": N_("Products"),
    "control_facilities": N_("Pollution control facilities"),
}
# Keys a unit commonly gives facility and product rows (free-form; others are shown as typed).
ROW_KEY_LABELS = {
    "capacity": N_("Capacity"),
    "process": N_("Process"),
    "model": N_("Model"),
    "fuel": N_("Fuel"),
    "quantity": N_("Quantity"),
}
NEXT_ACTION_LABELS = {
    "accept": N_("Decide on acceptance"),
    "supply": N_("Waiting for the unit's missing materials"),
    "decide": N_("Decide on the application"),
    "issue": N_("Issue the permit"),
}
LABELS: dict[str, dict[str, str]] = {
    "status": {str(k): v for k, v in STATUS_LABELS.items()},
    "kind": {str(k): v for k, v in APPLICATION_KIND_LABELS.items()},
    "application_status": {str(k): v for k, v in APPLICATION_STATUS_LABELS.items()},
    "event": EVENT_LABELS,
    "version_reason": VERSION_REASON_LABELS,
    "cancellation": {str(k): v for k, v in CANCELLATION_REASON_LABELS.items()},
    "report": REPORT_KIND_LABELS,
    "section": SECTION_LABELS,
    "next_action": NEXT_ACTION_LABELS,
    "row_key": ROW_KEY_LABELS,
}


# ---------------------------------------------------------------------------
# Who may act
# ---------------------------------------------------------------------------


def may_decide(actor: Actor, permit: Permit) -> bool:
    """Accept, reject, extend, grant, refuse, issue, revoke, cancel: the permitting section of the region."""
    return can(actor, Operation.PERMIT_DECIDE, target_of(permit))


def may_apply(actor: Actor, permit: Permit) -> bool:
    """Apply for a change, renewal or replacement: the unit's administrator or the permitting section."""
    return can(actor, Operation.PERMIT_APPLY, target_of(permit))


def may_apply_first(actor: Actor) -> bool:
    """Whether the actor may file first applications at all (which unit is checked on filing)."""
    return can(
        actor,
        Operation.PERMIT_APPLY,
        Target(enterprise_id=actor.enterprise_id, region_code=actor.region_code),
    )


def may_see_worklist(actor: Actor) -> bool:
    return can(actor, Operation.PERMIT_LIST)


# ---------------------------------------------------------------------------
# Time limits as people read them
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A time limit: its date, whether it is approximate (and the warning), whether it was missed."""

    date: dt.date
    days_left: int  # calendar days from today; negative once passed
    approximate: bool = False
    warning: str | None = None
    warning_params: dict[str, str] = field(default_factory=dict)
    done_on: dt.date | None = None
    pending: bool = False
    working_days_left: int | None = None  # for limits counted in working days (0 on the last day)
    basis: Basis | None = None  # the article and rule set that set this limit

    @property
    def overdue(self) -> bool:
        """Still to be done and today is past the date (the last day itself is still in time)."""
        return self.pending and self.days_left < 0

    @property
    def missed(self) -> bool:
        """Done, but after the date."""
        return self.done_on is not None and self.done_on > self.date


def _due(
    due_on: date,
    *,
    counted_from: date | None,
    on: date,
    done_on: date | None = None,
    pending: bool = False,
    basis: Basis | None = None,
) -> Due:
    uncovered = uncovered_years_between(counted_from, due_on) if counted_from else ()
    return Due(
        date=due_on,
        days_left=(due_on - on).days,
        approximate=bool(uncovered),
        warning=holiday_data_warning(uncovered),
        warning_params=holiday_data_warning_params(uncovered),
        done_on=done_on,
        pending=pending,
        working_days_left=working_days_between(on, due_on) if pending and due_on >= on else None,
        basis=basis,
    )


def _deadline_due(deadline: LegalDeadline, on: date, *, pending: bool = False) -> Due:
    return Due(
        date=deadline.date,
        days_left=(deadline.date - on).days,
        approximate=deadline.approximate,
        warning=deadline.warning,
        warning_params=deadline.warning_params,
        pending=pending,
        basis=deadline.basis,
    )


@dataclass(frozen=True)
class ApplicationSteps:
    """One application with the time limit of each step (M48 §27, §31, §51)."""

    application: PermitApplication
    acceptance: Due | None
    decision: Due | None
    issue: Due | None
    next_action: str  # "accept", "decide", "issue", "supply" (the unit's turn) or "" once closed
    proposed: PermitContent | None
    window: Due | None = None  # the last day the unit should have applied by; missed when late
    deemed_accepted: bool = False  # the acceptance period passed with no decision (Reg art. 9 (4))
    waiting_for_materials: bool = False  # 补正告知 sent, materials not yet supplied

    @property
    def next_due(self) -> Due | None:
        return {"accept": self.acceptance, "decide": self.decision, "issue": self.issue}.get(self.next_action)

    @property
    def is_open(self) -> bool:
        return self.application.status in OPEN_APPLICATION_STATUSES

    @property
    def overdue(self) -> bool:
        due = self.next_due
        return due is not None and due.overdue


def application_steps(application: PermitApplication, on: date | None = None) -> ApplicationSteps:
    on = on or today()
    status = ApplicationStatus(application.status)
    acceptance: Due | None = None
    waiting = service.waiting_for_materials(application)
    if application.kind != ApplicationKind.REPLACEMENT and not application.started_by_authority:
        acceptance = _due(
            application.accept_due,
            counted_from=service.acceptance_clock_start(application),
            on=on,
            done_on=application.accepted_on
            or (application.decided_on if status == ApplicationStatus.NOT_ACCEPTED else None),
            pending=status == ApplicationStatus.SUBMITTED and not waiting,
            basis=law.acceptance_basis(service.acceptance_clock_start(application)),
        )
    decision: Due | None = None
    if application.decision_due is not None:
        decided = status in (
            ApplicationStatus.GRANTED,
            ApplicationStatus.REFUSED,
            ApplicationStatus.COMPLETED,
        )
        decision = _due(
            application.decision_due,
            counted_from=application.accepted_on,
            on=on,
            done_on=application.decided_on if decided else None,
            pending=status == ApplicationStatus.ACCEPTED,
            basis=law.decision_basis(
                application.received_on, application.kind, application.proposed_category, application.extended
            ),
        )
    issue: Due | None = None
    if application.issue_due is not None:
        issue = _due(
            application.issue_due,
            counted_from=application.decided_on,
            on=on,
            done_on=application.completed_on,
            pending=status == ApplicationStatus.GRANTED,
            basis=law.issue_basis(application.received_on, application.kind),
        )
    next_action = {
        ApplicationStatus.SUBMITTED: "accept",
        ApplicationStatus.ACCEPTED: "decide",
        ApplicationStatus.GRANTED: "issue",
    }.get(status, "")
    proposed = (
        rules.content_from_dict(application.proposed_content)
        if application.proposed_content is not None
        else None
    )
    if waiting:
        next_action = "supply"  # the unit's turn: the missing materials
    window: Due | None = None
    if application.window_due is not None:
        window = _due(
            application.window_due,
            counted_from=None,
            on=on,
            done_on=application.received_on,
            basis=_window_basis(application),
        )
    return ApplicationSteps(
        application,
        acceptance,
        decision,
        issue,
        next_action,
        proposed,
        window=window,
        deemed_accepted=service.deemed_accepted(application, on),
        waiting_for_materials=waiting,
    )


def _window_basis(application: PermitApplication) -> Basis | None:
    if application.kind == ApplicationKind.RENEWAL:
        return None  # the renewal deadline's basis is the permit's (shown with it)
    if application.event_date is None:
        return None
    window = law.change_window(application.kind, application.event_date)
    return window.basis if window else None


# ---------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PermitRow:
    permit: Permit
    enterprise: Enterprise
    display_status: str
    renewal: Due | None
    days_left: int | None  # calendar days until the last valid day; negative once expired


@dataclass(frozen=True)
class PermitList:
    page: Page[PermitRow]
    uncovered_years: tuple[int, ...]

    @property
    def warning(self) -> str | None:
        return holiday_data_warning(self.uncovered_years)

    @property
    def warning_params(self) -> dict[str, str]:
        return holiday_data_warning_params(self.uncovered_years)


def _row(permit: Permit, enterprise: Enterprise, on: date) -> tuple[PermitRow, tuple[int, ...]]:
    status = rules.display_status(permit.status, permit.valid_until, on)
    renewal: Due | None = None
    uncovered: tuple[int, ...] = ()
    if permit.valid_until is not None and permit.status == PermitStatus.ISSUED:
        deadline = rules.renewal_deadline(permit.valid_until, permit.decision_date)
        renewal = _deadline_due(deadline, on)
        uncovered = deadline.uncovered_years
    days_left = (permit.valid_until - on).days if permit.valid_until is not None else None
    return PermitRow(permit, enterprise, status, renewal, days_left), uncovered


async def list_permit_rows(
    session: AsyncSession,
    actor: Actor,
    *,
    filters: PermitFilter | None = None,
    first: int = 20,
    offset: int = 0,
) -> PermitList:
    """The permit list of the portal: regulators their jurisdiction, units their own, with deadlines."""
    page = await service.list_permits(session, actor, filters=filters, first=first, offset=offset)
    on = today()
    rows: list[PermitRow] = []
    years: set[int] = set()
    for permit, enterprise in page.items:
        row, uncovered = _row(permit, enterprise, on)
        rows.append(row)
        years.update(uncovered)
    return PermitList(Page(items=rows, offset=page.offset, total=page.total), tuple(sorted(years)))


# ---------------------------------------------------------------------------
# One permit
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RenewalNotice:
    """How the renewal deadline (M48 §46 or Reg art. 14, by the permit's rule set) stands.

    "near", "passed", "applied", "expired" or "ok"."""

    state: str
    deadline: Due
    valid_until: date
    days_to_expiry: int


@dataclass
class PermitPage:
    detail: PermitDetail
    versions: list[PermitVersion]
    open_application: ApplicationSteps | None
    past_applications: list[ApplicationSteps]
    renewal: RenewalNotice | None
    may_decide: bool
    may_apply: bool

    @property
    def permit(self) -> Permit:
        return self.detail.permit

    @property
    def in_force(self) -> bool:
        return self.detail.display_status == PermitStatus.ISSUED

    @property
    def actions(self) -> list[str]:
        """What the actor may start on this permit now (each its own form)."""
        permit = self.detail.permit
        if permit.status != PermitStatus.ISSUED or not permit.number:
            return []
        found: list[str] = []
        if self.may_apply and self.in_force and self.open_application is None:
            found.append("change")
            if self.renewal is not None and self.renewal.state in ("ok", "near", "passed"):
                found.append("renew")  # after the deadline too: taken and flagged late
            found.append("replace")
        if self.may_decide:
            if self.in_force and self.open_application is None:
                found.append("start_change")
            found += ["revoke", "cancel"]
        return found


def _renewal_notice(
    detail: PermitDetail, applications: list[ApplicationSteps], on: date
) -> RenewalNotice | None:
    permit = detail.permit
    if permit.status != PermitStatus.ISSUED or permit.valid_until is None or detail.renewal_deadline is None:
        return None
    deadline = _deadline_due(detail.renewal_deadline, on)
    renewing = any(a.is_open and a.application.kind == ApplicationKind.RENEWAL for a in applications)
    if permit.valid_until < on:
        state = "expired"
    elif renewing:
        state = "applied"
    elif deadline.days_left < 0:
        state = "passed"
    elif deadline.days_left <= RENEWAL_WARNING_DAYS:
        state = "near"
    else:
        state = "ok"
    return RenewalNotice(state, deadline, permit.valid_until, (permit.valid_until - on).days)


async def _page(session: AsyncSession, actor: Actor, detail: PermitDetail) -> PermitPage:
    permit = detail.permit
    on = today()
    steps = [application_steps(application, on) for application in detail.applications]
    versions: list[PermitVersion] = []
    if permit.id is not None:
        versions = list(
            (
                await session.exec(
                    select(PermitVersion)
                    .where(PermitVersion.permit_id == permit.id)
                    .order_by(col(PermitVersion.version).desc())
                )
            ).all()
        )
    open_application = next((s for s in steps if s.is_open), None)
    return PermitPage(
        detail=detail,
        versions=versions,
        open_application=open_application,
        past_applications=[s for s in steps if not s.is_open],
        renewal=_renewal_notice(detail, steps, on),
        may_decide=may_decide(actor, permit),
        may_apply=may_apply(actor, permit),
    )


async def permit_page(
    session: AsyncSession, actor: Actor, *, number: str | None = None, permit_id: int | None = None
) -> PermitPage:
    """Everything the permit's page shows, for those who may view it (others: not found)."""
    if number is not None:
        detail = await service.permit_detail(session, actor, number=number)
    elif permit_id is not None:
        detail = await service.permit_detail_by_id(session, actor, permit_id=permit_id)
    else:
        raise NotFound(N_("No such permit."), field="permit")
    return await _page(session, actor, detail)


async def permit_page_for_application(
    session: AsyncSession, actor: Actor, *, application_id: int
) -> PermitPage:
    """The page of the permit an application belongs to (to show a decision form again)."""
    application = await session.get(PermitApplication, application_id)
    if application is None:
        raise NotFound(N_("No such application."), field="application")
    return await permit_page(session, actor, permit_id=application.permit_id)


async def permit_page_to_apply(session: AsyncSession, actor: Actor, *, number: str) -> PermitPage:
    """A permit's page for a change, renewal or replacement form: refused to those who may not apply."""
    page = await permit_page(session, actor, number=number)
    require(actor, Operation.PERMIT_APPLY, target_of(page.permit))
    return page


async def permit_page_to_decide(session: AsyncSession, actor: Actor, *, number: str) -> PermitPage:
    """A permit's page for a revocation or cancellation form: refused to those who may not decide."""
    page = await permit_page(session, actor, number=number)
    require(actor, Operation.PERMIT_DECIDE, target_of(page.permit))
    return page


@dataclass(frozen=True)
class LimitDifference:
    """A permitted limit of one point and pollutant that is not the same in two versions."""

    point: str
    pollutant: str
    then: Limit | None  # None: the limit did not exist in that version
    now: Limit | None  # None: the limit no longer exists


def _limits_by_point(content: PermitContent) -> dict[tuple[str, str], Limit]:
    found: dict[tuple[str, str], Limit] = {}
    points: list[tuple[str, list[Limit]]] = [(o.code, o.limits) for o in content.outlets]
    points += [(f.code, f.limits) for f in content.fugitive_sources]
    for code, limits in points:
        for limit in limits:
            found[(code, limit.pollutant)] = limit
    return found


def limit_differences(then: PermitContent, now: PermitContent) -> list[LimitDifference]:
    """Limits added, removed or changed (concentration, unit or annual quantity) between two versions."""
    old, new = _limits_by_point(then), _limits_by_point(now)
    differences: list[LimitDifference] = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        same = (
            before is not None
            and after is not None
            and (before.concentration_limit, before.unit, before.annual_quantity_limit)
            == (after.concentration_limit, after.unit, after.annual_quantity_limit)
        )
        if not same:
            differences.append(LimitDifference(key[0], key[1], before, after))
    return differences


@dataclass(frozen=True)
class VersionPage:
    permit: Permit
    enterprise: Enterprise
    version: PermitVersion
    content: PermitContent
    current_version: int
    differences: list[LimitDifference]  # against the version in force; empty for that version itself


async def version_page(session: AsyncSession, actor: Actor, *, number: str, version: int) -> VersionPage:
    """One earlier (or the current) version of a permit, read-only, as it stood when decided."""
    found = await service.permit_version(session, actor, number=number, version=version)
    permit = await service.get_permit(session, actor, number=number)
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    assert enterprise is not None
    content = rules.content_from_dict(found.content)
    differences: list[LimitDifference] = []
    if found.version != permit.content_version:
        current = await service.permit_version(session, actor, number=number, version=permit.content_version)
        differences = limit_differences(content, rules.content_from_dict(current.content))
    return VersionPage(permit, enterprise, found, content, permit.content_version, differences)


# ---------------------------------------------------------------------------
# First applications
# ---------------------------------------------------------------------------


def content_skeleton() -> dict[str, Any]:
    """A starting point for a permit copy: one main air outlet and what every permit requires."""
    return {
        "production_facilities": [{"name": "1#锅炉", "capacity": ""}],
        "products": [],
        "control_facilities": [{"name": "脱硫设施", "process": ""}],
        "outlets": [
            {
                "code": "DA001",
                "name": "1#排气筒",
                "medium": "air",
                "kind": "main",
                "location": "",
                "direction": "排入大气",
                "height_m": 30,
                "online_monitoring": True,
                "limits": [
                    {
                        "pollutant": "SO2",
                        "concentration_limit": 35,
                        "unit": "mg/m3",
                        "annual_quantity_limit": 10,
                        "standard": "",
                    }
                ],
            }
        ],
        "fugitive_sources": [],
        "monitoring": [
            {"point": "DA001", "pollutant": "SO2", "frequency": "continuous", "method": "automatic"}
        ],
        "ledger_records": [{"kind": "production_facility", "frequency": "daily"}],
        "report_kinds": ["quarterly", "annual"],
        "special_period_limits": [],
        "commitments": "",
        "secret_sections": [],
    }


@dataclass(frozen=True)
class FirstApplicationDefaults:
    enterprise_credit_code: str = ""
    category: str = ""


async def first_application_defaults(
    session: AsyncSession, actor: Actor, *, credit_code: str = ""
) -> FirstApplicationDefaults:
    """What the first-application form starts with; refused to those who may not apply at all."""
    require(
        actor,
        Operation.PERMIT_APPLY,
        Target(enterprise_id=actor.enterprise_id, region_code=actor.region_code),
    )
    if actor.enterprise_id is not None:
        enterprise = await get_enterprise_by_id(session, actor, enterprise_id=actor.enterprise_id)
        return FirstApplicationDefaults(enterprise.credit_code, enterprise.management_category)
    return FirstApplicationDefaults(credit_code.strip().upper()[:18], "")


# ---------------------------------------------------------------------------
# The regulator's worklist
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WorklistItem:
    steps: ApplicationSteps
    permit: Permit
    enterprise: Enterprise


@dataclass(frozen=True)
class Worklist:
    page: Page[WorklistItem]
    overdue: int
    late_this_year: int = 0  # applications the units filed after their renewal or change window, this year


def _current_due() -> Any:
    return sa.case(
        (col(PermitApplication.status) == ApplicationStatus.SUBMITTED, col(PermitApplication.accept_due)),
        (col(PermitApplication.status) == ApplicationStatus.ACCEPTED, col(PermitApplication.decision_due)),
        else_=col(PermitApplication.issue_due),
    )


async def regulator_worklist(
    session: AsyncSession, actor: Actor, *, first: int = WORKLIST_LIMIT, offset: int = 0
) -> Worklist:
    """Open applications of the actor's jurisdiction, the nearest time limit first (missed ones lead)."""
    require(actor, Operation.PERMIT_LIST)
    check_page_size(first)
    on = today()
    due = _current_due()
    statement = (
        select(PermitApplication, Permit, Enterprise)
        .join(Permit, col(Permit.id) == col(PermitApplication.permit_id))
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
        .where(col(PermitApplication.status).in_(OPEN_APPLICATION_STATUSES))
    )
    prefix = jurisdiction_prefix(actor)
    if prefix is not None:
        statement = statement.where(col(Permit.region_code).startswith(prefix, autoescape=True))
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    # While the unit owes the missing materials (补正), the authority's acceptance period is not running.
    waiting = sa.and_(
        col(PermitApplication.status) == ApplicationStatus.SUBMITTED,
        col(PermitApplication.completion_requested_on).is_not(None),
        col(PermitApplication.materials_completed_on).is_(None),
    )
    overdue = (
        await session.exec(
            select(func.count()).select_from(statement.where(due < on, sa.not_(waiting)).subquery())
        )
    ).one()
    late = (
        select(func.count())
        .select_from(PermitApplication)
        .join(Permit, col(Permit.id) == col(PermitApplication.permit_id))
        .where(
            col(PermitApplication.late).is_(True),
            col(PermitApplication.received_on) >= on.replace(month=1, day=1),
        )
    )
    if prefix is not None:
        late = late.where(col(Permit.region_code).startswith(prefix, autoescape=True))
    late_this_year = (await session.exec(late)).one()
    rows = (
        await session.exec(statement.order_by(due, col(PermitApplication.id)).offset(offset).limit(first))
    ).all()
    items = [
        WorklistItem(application_steps(application, on), permit, enterprise)
        for application, permit, enterprise in rows
    ]
    return Worklist(Page(items=items, offset=offset, total=int(total)), int(overdue), int(late_this_year))
