"""The permit register as those who may view a permit read it: lookups, the filtered list, one permit
with its content, its versions. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, can, require
from domain.access.sql import allowed
from domain.calendar.rules import holiday_data_warning, holiday_data_warning_params
from domain.changes.kinds import ObjectType
from domain.changes.since import updated_since
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.enterprises.rules import normalize_credit_code
from domain.errors import N_, FieldError, NotFound, ValidationFailed
from domain.pagination import Key, Page, Window, check_page_size, keyset_page, sort_order
from domain.permits import law, rules
from domain.permits.content import PermitContent, content_from_dict
from domain.permits.law import Basis, LegalDeadline
from domain.permits.models import (
    EXPIRY,
    Permit,
    PermitApplication,
    PermitEvent,
    PermitLedgerRequirement,
    PermitLimit,
    PermitMonitoring,
    PermitOutlet,
    PermitVersion,
)
from domain.permits.queries.deadlines import Due, deadline_due
from domain.permits.rules import EXPIRED, ApplicationKind, ApplicationStatus, PermitStatus
from domain.permits.state import OPEN_APPLICATION_STATUSES, TARGET_COLUMNS, target_of


@dataclass(frozen=True)
class PermitFilter:
    query: str = ""
    status: str = ""  # a PermitStatus value or "expired"
    category: str = ""
    industry_code: str = ""
    region_code: str = ""
    expiring_within_days: int | None = None
    renewal_deadline_passed: bool = False
    enterprise_id: int | None = None
    updated_since: datetime | None = None  # changed (or recorded) at or after: an integrator's sync


async def find_permit(session: AsyncSession, number: str) -> Permit | None:
    statement = select(Permit).where(Permit.number == rules.normal_number(number))
    return (await session.exec(statement)).first()


async def get_permit(session: AsyncSession, actor: Actor, *, number: str) -> Permit:
    permit = await find_permit(session, number)
    if permit is not None and can(actor, Operation.PERMIT_VIEW, target_of(permit)):
        return permit
    if not actor.is_authenticated:
        require(actor, Operation.PERMIT_VIEW)
    raise NotFound(N_("No permit with this number."), field="number")


async def get_permit_by_id(session: AsyncSession, actor: Actor, *, permit_id: int) -> Permit:
    permit = await session.get(Permit, permit_id)
    if permit is None or not can(actor, Operation.PERMIT_VIEW, target_of(permit)):
        raise NotFound(N_("No such permit."), field="permit")
    return permit


def filter_permits(statement: Any, actor: Actor | None, filters: PermitFilter, on: date) -> Any:
    if actor is not None:
        # The SQL form of can(PERMIT_VIEW): the unit its own, regulators their jurisdiction, the
        # administrator all (None: the public register, filtered by its caller).
        statement = statement.where(allowed(actor, Operation.PERMIT_VIEW, TARGET_COLUMNS))
    query = filters.query.strip()
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            sa.or_(
                col(Enterprise.name).like(pattern, escape="\\"),
                col(Enterprise.credit_code).startswith(normalize_credit_code(query), autoescape=True),
                col(Permit.number).startswith(query.upper(), autoescape=True),
            )
        )
    if filters.status == EXPIRED:
        statement = statement.where(Permit.status == PermitStatus.ISSUED, col(Permit.valid_until) < on)
    elif filters.status == PermitStatus.ISSUED:
        statement = statement.where(Permit.status == PermitStatus.ISSUED, col(Permit.valid_until) >= on)
    elif filters.status:
        statement = statement.where(Permit.status == filters.status)
    if filters.category:
        statement = statement.where(Permit.category == filters.category)
    if filters.industry_code:
        statement = statement.where(Permit.industry_code == filters.industry_code)
    if filters.region_code:
        prefix = filters.region_code.strip()
        while prefix.endswith("00"):
            prefix = prefix[:-2]
        statement = statement.where(col(Permit.region_code).startswith(prefix, autoescape=True))
    if filters.expiring_within_days is not None:
        statement = statement.where(
            Permit.status == PermitStatus.ISSUED,
            col(Permit.valid_until) >= on,
            col(Permit.valid_until) <= on + timedelta(days=filters.expiring_within_days),
        )
    if filters.renewal_deadline_passed:
        renewing = select(PermitApplication.permit_id).where(
            PermitApplication.kind == ApplicationKind.RENEWAL,
            col(PermitApplication.status).in_(
                [ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED, ApplicationStatus.GRANTED]
            ),
        )
        statement = statement.where(
            Permit.status == PermitStatus.ISSUED,
            col(Permit.renewal_due) < on,
            col(Permit.valid_until) >= on,
            col(Permit.id).not_in(renewing),
        )
    if filters.enterprise_id is not None:
        statement = statement.where(Permit.enterprise_id == filters.enterprise_id)
    if filters.updated_since is not None:
        statement = statement.where(
            updated_since(ObjectType.PERMIT, col(Permit.id), col(Permit.updated_at), filters.updated_since)
        )
    return statement


def check_permit_filter(filters: PermitFilter) -> None:
    errors: list[FieldError] = []
    if filters.status and filters.status not in rules.DISPLAY_STATUSES:
        errors.append(
            FieldError(
                "status",
                "choice",
                N_("Choose one of: {choices}."),
                {"choices": ", ".join(rules.DISPLAY_STATUSES)},
            )
        )
    if filters.expiring_within_days is not None and not 0 <= filters.expiring_within_days <= 3660:
        errors.append(FieldError("expiring_within_days", "range", N_("Between 0 and 3660 days.")))
    if errors:
        raise ValidationFailed(errors)


async def list_permits(
    session: AsyncSession,
    actor: Actor,
    *,
    filters: PermitFilter | None = None,
    first: int = 20,
    offset: int = 0,
    window: Window | None = None,
    count: bool = True,
) -> Page[tuple[Permit, Enterprise]]:
    """Permits the actor may list (regulators: jurisdiction; enterprise users: their own), by expiry.

    ``count=False`` (a keyset window only): the total is not counted (``NOT_COUNTED``), for an API
    client that did not ask for it; counting a city's permits costs more than reading its page."""
    if not actor.is_enterprise_user:
        require(actor, Operation.PERMIT_LIST)
    filters = filters or PermitFilter()
    check_permit_filter(filters)
    check_page_size(first)
    on = today()
    base_statement = select(Permit, Enterprise).join(
        Enterprise, col(Enterprise.id) == col(Permit.enterprise_id)
    )
    statement = filter_permits(base_statement, actor, filters, on)
    total = await count_permits(session, filters, actor, on) if count or window is None else NOT_COUNTED
    return await permit_page(session, statement, total, first=first, offset=offset, window=window)


# The total of a page whose count was not asked for.
NOT_COUNTED = -1


async def count_permits(
    session: AsyncSession, filters: PermitFilter, actor: Actor | None, on: date, *conditions: Any
) -> int:
    """How many permits the filters find (``actor``: within what it may list; None: the public list,
    whose disclosure ``conditions`` add). Every permit has its unit: the unit is joined only for a search
    by its name or code."""
    statement: Any = select(func.count(col(Permit.id))).where(*conditions)
    if filters.query.strip():
        statement = statement.join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
    statement = filter_permits(statement, actor, filters, on)
    return int((await session.exec(statement)).one())


# The last day of any validity, standing for "no end" in the list's order (a permit not yet issued).
NO_END = date(9999, 12, 31)

# By expiry, permits without an end last (as NO_END: a key that is never NULL, so that the order is an
# index's, ix_permit_expiry_order, read with the page's LIMIT: models.EXPIRY); the id breaks ties.
PERMIT_ORDER = (Key(EXPIRY), Key(col(Permit.id)))


async def permit_page(
    session: AsyncSession, statement: Any, total: int, *, first: int, offset: int, window: Window | None
) -> Page[tuple[Permit, Enterprise]]:
    """A page of (permit, enterprise) rows by expiry: numbered, or the API's keyset window."""
    if window is not None:
        page = await keyset_page(
            session,
            statement,
            PERMIT_ORDER,
            window,
            lambda row: (row[0].valid_until or NO_END, row[0].id),
            total=total,
        )
        return page.mapped([(permit, enterprise) for permit, enterprise in page.items])
    rows = (
        await session.exec(statement.order_by(*sort_order(PERMIT_ORDER)).offset(offset).limit(first))
    ).all()
    return Page(items=[(permit, enterprise) for permit, enterprise in rows], offset=offset, total=total)


@dataclass
class PermitDetail:
    """A permit with what a page or an API needs about it, loaded in a fixed number of queries."""

    permit: Permit
    enterprise: Enterprise
    version: PermitVersion | None
    content: PermitContent
    outlets: list[PermitOutlet]
    limits: list[PermitLimit]
    monitoring: list[PermitMonitoring]
    ledger_requirements: list[PermitLedgerRequirement]
    applications: list[PermitApplication] = field(default_factory=list)
    events: list[PermitEvent] = field(default_factory=list)
    renewal_deadline: LegalDeadline | None = None
    display_status: str = ""

    @property
    def term_years(self) -> int | None:
        """The years of validity the rule set of the decision gives (before any phase-out cut)."""
        if self.permit.decision_date is None:
            return None
        return rules.term_years(self.permit.decision_date, self.permit.renewed)

    @property
    def term_basis(self) -> Basis | None:
        """The article that set this permit's validity (M48 §21 or Reg art. 14), by its decision date."""
        if self.permit.decision_date is None:
            return None
        return law.term_years(self.permit.decision_date, self.permit.renewed)[1]

    def limits_at(self, code: str) -> list[PermitLimit]:
        return [limit for limit in self.limits if limit.point_code == code]

    def monitoring_at(self, code: str) -> list[PermitMonitoring]:
        return [item for item in self.monitoring if item.point_code == code]

    @property
    def open_application(self) -> PermitApplication | None:
        for application in self.applications:
            if application.status in OPEN_APPLICATION_STATUSES:
                return application
        return None


async def _detail(session: AsyncSession, permit: Permit, *, public: bool = False) -> PermitDetail:
    assert permit.id is not None
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    assert enterprise is not None
    version_number = permit.content_version
    version = (
        await session.exec(
            select(PermitVersion).where(
                PermitVersion.permit_id == permit.id, PermitVersion.version == version_number
            )
        )
    ).first()
    where = (PermitOutlet.permit_id == permit.id, PermitOutlet.version == version_number)
    outlets = list(
        (await session.exec(select(PermitOutlet).where(*where).order_by(col(PermitOutlet.code)))).all()
    )
    limits = list(
        (
            await session.exec(
                select(PermitLimit)
                .where(PermitLimit.permit_id == permit.id, PermitLimit.version == version_number)
                .order_by(col(PermitLimit.point_code), col(PermitLimit.id))
            )
        ).all()
    )
    monitoring = list(
        (
            await session.exec(
                select(PermitMonitoring).where(
                    PermitMonitoring.permit_id == permit.id, PermitMonitoring.version == version_number
                )
            )
        ).all()
    )
    ledger = list(
        (
            await session.exec(
                select(PermitLedgerRequirement).where(
                    PermitLedgerRequirement.permit_id == permit.id,
                    PermitLedgerRequirement.version == version_number,
                )
            )
        ).all()
    )
    events_query = select(PermitEvent).where(PermitEvent.permit_id == permit.id)
    if public:
        events_query = events_query.where(col(PermitEvent.public).is_(True))
    events = list((await session.exec(events_query.order_by(col(PermitEvent.occurred_at).desc()))).all())
    applications: list[PermitApplication] = []
    if not public:
        applications = list(
            (
                await session.exec(
                    select(PermitApplication)
                    .where(PermitApplication.permit_id == permit.id)
                    .order_by(col(PermitApplication.id).desc())
                )
            ).all()
        )
    content = content_from_dict(version.content) if version else PermitContent()
    return PermitDetail(
        permit=permit,
        enterprise=enterprise,
        version=version,
        content=content,
        outlets=outlets,
        limits=limits,
        monitoring=monitoring,
        ledger_requirements=ledger,
        applications=applications,
        events=events,
        renewal_deadline=rules.renewal_deadline(permit.valid_until, permit.decision_date)
        if permit.valid_until
        else None,
        display_status=rules.display_status(permit.status, permit.valid_until, today()),
    )


async def permit_detail(session: AsyncSession, actor: Actor, *, number: str) -> PermitDetail:
    return await _detail(session, await get_permit(session, actor, number=number))


async def permit_detail_by_id(session: AsyncSession, actor: Actor, *, permit_id: int) -> PermitDetail:
    return await _detail(session, await get_permit_by_id(session, actor, permit_id=permit_id))


async def permit_versions(session: AsyncSession, actor: Actor, *, number: str) -> list[PermitVersion]:
    permit = await get_permit(session, actor, number=number)
    statement = (
        select(PermitVersion)
        .where(PermitVersion.permit_id == permit.id)
        .order_by(col(PermitVersion.version).desc())
    )
    return list((await session.exec(statement)).all())


async def permit_version(session: AsyncSession, actor: Actor, *, number: str, version: int) -> PermitVersion:
    permit = await get_permit(session, actor, number=number)
    found = (
        await session.exec(
            select(PermitVersion).where(
                PermitVersion.permit_id == permit.id, PermitVersion.version == version
            )
        )
    ).first()
    if found is None:
        raise NotFound(N_("This permit has no such version."), field="version")
    return found


async def current_content(session: AsyncSession, permit: Permit) -> PermitContent:
    version = (
        await session.exec(
            select(PermitVersion).where(
                PermitVersion.permit_id == permit.id, PermitVersion.version == permit.content_version
            )
        )
    ).first()
    return content_from_dict(version.content) if version else PermitContent()


async def open_application_of(session: AsyncSession, permit: Permit) -> PermitApplication | None:
    statement = select(PermitApplication).where(
        PermitApplication.permit_id == permit.id, col(PermitApplication.status).in_(OPEN_APPLICATION_STATUSES)
    )
    return (await session.exec(statement)).first()


# The list with its renewal deadlines, as the portal shows it


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
        renewal = deadline_due(deadline, on)
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
    page = await list_permits(session, actor, filters=filters, first=first, offset=offset)
    on = today()
    rows: list[PermitRow] = []
    years: set[int] = set()
    for permit, enterprise in page.items:
        row, uncovered = _row(permit, enterprise, on)
        rows.append(row)
        years.update(uncovered)
    return PermitList(Page(items=rows, offset=page.offset, total=page.total), tuple(sorted(years)))
