"""The lists the product shows, each with how to read it whole and what can() says it must hold.

``fetch(session, actor, city)`` reads a list as both faces do (every page of a paged list, checking the
paging as it goes) and returns its keys, or a dict of its keys and figures; a refusal propagates.
``expected(city, actor)`` computes the same from the city and ``domain.access.can`` alone; None means
the list must refuse the reader. The list's own conditions (a state, a period, open or not) are restated
here; who may see which row is asked of ``can()`` only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain import regions
from domain.access import Actor, Operation, Target, can, jurisdiction
from domain.accounts import queries as accounts
from domain.agencies.labels import STATUS_LABELS
from domain.agencies.models import Agency
from domain.agencies.queries import credit as agency_credit
from domain.agencies.queries import directory as agency_directory
from domain.agency_oversight.queries import credit as credit_pages
from domain.agency_oversight.queries import filings as agency_filings
from domain.agency_oversight.queries import profile as agency_profile
from domain.audit.service import recent
from domain.clock import china_date, today
from domain.enterprises.queries import list_enterprises
from domain.enterprises.targets import target_of as enterprise_target
from domain.errors import NotAuthenticated, NotFound, PermissionDenied
from domain.ledgers.queries import exceedances as ledger_warnings
from domain.ledgers.queries import ledger as ledger_pages
from domain.ledgers.queries import records as ledger_records
from domain.notifications import queries as notifications
from domain.pagination import Window
from domain.permits import state as permit_state
from domain.permits.list_filters import ListFilter
from domain.permits.models import Permit, PermitApplication
from domain.permits.queries import register as permits
from domain.permits.queries import visible as permit_lists
from domain.permits.queries import worklist
from domain.registrations import queries as registrations
from domain.reports import rules as report_rules
from domain.reports.queries import exchange as report_exchange
from domain.reports.queries import review as report_review
from domain.reports.queries import rows as report_lists
from domain.reports.queries import schedule as report_schedule
from domain.reports.queries import statistics as report_statistics
from domain.supervision.cases import queries as cases
from domain.supervision.credit import queries as unit_credit
from domain.supervision.grading import queries as grading
from domain.supervision.inspections.queries import draws as draw_queries
from domain.supervision.inspections.queries import plan as plan_queries
from domain.supervision.inspections.queries import records as record_queries
from domain.supervision.linkage import queries as linkage
from domain.supervision.problems import queries as problem_queries
from domain.supervision.quality import queries as quality_queries
from domain.supervision.standing import queries as standing
from domain.trail import unit_trail
from tests.access.city import City

PAGE = 3
REFUSALS = (PermissionDenied, NotAuthenticated, NotFound)
OP = Operation
Keys = frozenset[Hashable]


async def walk(fetch: Callable[[int, int], Awaitable[tuple[list[Hashable], int, bool]]]) -> Keys:
    """Every page of a paged list. Each page is full but the last, counts the same total, and says that
    another follows exactly when rows remain; no row comes twice; the total is the number of rows."""
    keys: list[Hashable] = []
    offset = 0
    while True:
        items, total, has_next = await fetch(PAGE, offset)
        assert len(items) == min(PAGE, max(0, total - offset)), f"offset {offset}: {len(items)} of {total}"
        assert has_next is (offset + len(items) < total), f"offset {offset}: has_next {has_next} of {total}"
        keys.extend(items)
        if not has_next:
            break
        offset += PAGE
    assert len(keys) == len(set(keys)), "a row came twice"
    assert len(keys) == total
    return frozenset(keys)


def _paged(page: Any, key: Callable[[Any], Hashable]) -> tuple[list[Hashable], int, bool]:
    return [key(item) for item in page.items], page.total, page.has_next


def permit_target(permit: Permit) -> Target:
    return permit_state.target_of(permit)


def agency_target(agency: Agency) -> Target:
    return Target(agency_id=agency.id, region_code=agency.region_code)


def _visible_permits(city: City, actor: Actor, operation: Operation = OP.PERMIT_VIEW) -> list[Permit]:
    return [p for p in city.permits if can(actor, operation, permit_target(p))]


@dataclass(frozen=True)
class ListCase:
    name: str
    fetch: Callable[[Any, Actor, City], Awaitable[Any]]
    expected: Callable[[City, Actor], Any]
    known_wrong: str = ""  # why the list does not agree yet (a strict xfail: it fails once fixed)
    # A public list (e.g. the double-random draws, 双随机一公开) shows every reader the same rows.
    same_for_everyone: bool = False


# --- Permits -----------------------------------------------------------------------------------------


async def fetch_permits(session: Any, actor: Actor, city: City) -> Keys:
    async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
        found = await permit_lists.browse_permits(session, actor, first=first, offset=offset)
        return _paged(found, lambda row: row.permit.permit.number)

    return await walk(page)


def expected_permits(city: City, actor: Actor) -> Keys:
    """Regulators and units list what they may view; anyone else the public register (every permit)."""
    if actor.is_enterprise_user or can(actor, OP.PERMIT_LIST):
        return frozenset(p.number for p in _visible_permits(city, actor))
    return frozenset(p.number for p in city.permits if can(actor, OP.VIEW_PUBLIC))


async def fetch_permit_list(session: Any, actor: Actor, city: City) -> Keys:
    async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
        found = await permits.list_permits(session, actor, first=first, offset=offset)
        return _paged(found, lambda row: row[0].number)

    return await walk(page)


def expected_permit_list(city: City, actor: Actor) -> Keys | None:
    if not (actor.is_enterprise_user or can(actor, OP.PERMIT_LIST)):
        return None
    return frozenset(p.number for p in _visible_permits(city, actor))


async def fetch_worklist(session: Any, actor: Actor, city: City) -> dict[str, Any]:
    figures: dict[str, Any] = {}

    async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
        found = await worklist.regulator_worklist(session, actor, first=first, offset=offset)
        figures["overdue"], figures["late_this_year"] = found.overdue, found.late_this_year
        return _paged(found.page, lambda item: item.steps.application.id)

    figures["rows"] = await walk(page)
    return figures


def _current_due(application: PermitApplication) -> date | None:
    if application.status == "submitted":
        return application.accept_due
    if application.status == "accepted":
        return application.decision_due
    return application.issue_due


def expected_worklist(city: City, actor: Actor) -> dict[str, Any] | None:
    if not can(actor, OP.PERMIT_LIST):
        return None
    on = today()
    visible = [
        a for a in city.applications if can(actor, OP.PERMIT_VIEW, permit_target(city.permit(a.permit_id)))
    ]
    open_ = [a for a in visible if a.status in ("submitted", "accepted", "granted")]
    return {
        "rows": frozenset(a.id for a in open_),
        "overdue": sum(1 for a in open_ if (due := _current_due(a)) is not None and due < on),
        "late_this_year": sum(1 for a in visible if a.late and a.received_on >= on.replace(month=1, day=1)),
    }


# --- Enterprises ---------------------------------------------------------------------------------------


async def fetch_enterprises(session: Any, actor: Actor, city: City) -> Keys:
    async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
        return _paged(await list_enterprises(session, actor, first=first, offset=offset), lambda e: e.id)

    return await walk(page)


def expected_enterprises(city: City, actor: Actor) -> Keys | None:
    if not can(actor, OP.ENTERPRISE_LIST):
        return None
    return frozenset(e.id for e in city.enterprises if can(actor, OP.ENTERPRISE_VIEW, enterprise_target(e)))


async def fetch_registrations(session: Any, actor: Actor, city: City) -> Keys:
    found: set[Hashable] = set()
    for enterprise in city.enterprises:
        rows = await registrations.registrations_of_unit(session, actor, credit_code=enterprise.credit_code)
        found |= {r.number for r in rows}
    return frozenset(found)


def expected_registrations(city: City, actor: Actor) -> Keys:
    """On a unit's page (which its viewer may open), the unit's registrations its viewer may view."""
    return frozenset(
        r.number
        for r in city.registrations
        if can(actor, OP.ENTERPRISE_VIEW, enterprise_target(city.enterprise(r.enterprise_id)))
        and can(actor, OP.ENTERPRISE_VIEW, registrations.target_of(r))
    )


# --- Reports -------------------------------------------------------------------------------------------


async def fetch_reports(session: Any, actor: Actor, city: City) -> Keys:
    async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
        found = await report_lists.browse_reports(session, actor, first=first, offset=offset)
        return _paged(found, lambda row: row.report.id)

    return await walk(page)


def expected_reports(city: City, actor: Actor) -> Keys:
    """Readers with reports of their own (units, their agencies for reports, regulators, the administrator)
    list the reports they may view, drafts only on the unit's side; the public the filed annual reports."""
    if actor.is_unit_side or can(actor, OP.PERMIT_LIST):
        return frozenset(
            r.id
            for r in city.reports
            if can(actor, OP.REPORT_VIEW, permit_target(city.permit(r.permit_id)))
            and (r.latest_version > 0 or actor.is_unit_side)
        )
    return frozenset(r.id for r in city.reports if r.kind == "annual" and r.latest_version > 0)


async def fetch_exchange(session: Any, actor: Actor, city: City) -> Keys:
    """The reports exported for the national platform, for both provinces of the city (``export_reports``)."""
    keys: set[Hashable] = set()
    for region in ("370000", "310000"):
        document = await report_exchange.export_reports(session, actor, region_code=region)
        keys |= {(r["permit_number"], r["kind"], r["period"]) for r in document["reports"]}
    return frozenset(keys)


def expected_exchange(city: City, actor: Actor) -> Keys | None:
    """Whoever is logged in gets the filed reports they may view (never a draft); the public is refused."""
    if not actor.is_authenticated:
        return None
    return frozenset(
        (city.permit(r.permit_id).number, r.kind, r.period)
        for r in city.reports
        if r.latest_version > 0 and can(actor, OP.REPORT_VIEW, permit_target(city.permit(r.permit_id)))
    )


def _queue(state: str, filters: ListFilter | None = None, label: str = "") -> ListCase:
    """The review queue of a state, filtered or not: a row iff can() lets the reader view the report and
    the filter (restated here from the city) matches it."""

    async def fetch(session: Any, actor: Actor, city: City) -> Keys:
        async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
            rows, total = await report_review.review_queue(
                session, actor, state=state, filters=filters, first=first, offset=offset
            )
            return [r.id for r, _p, _s in rows], total, offset + len(rows) < total

        return await walk(page)

    def matches(city: City, report: Any) -> bool:
        if filters is None:
            return True
        permit = city.permit(report.permit_id)
        unit = city.enterprise(report.enterprise_id)
        search = filters.search.upper()
        return (
            (
                not filters.district
                or report.region_code.startswith(regions.significant_prefix(filters.district))
            )
            and (not filters.industry or report.industry_code == filters.industry)
            and (not filters.period or report.period == filters.period)
            and (
                not search
                or search in unit.name.upper()
                or search in unit.credit_code
                or search in (permit.number or "")
            )
        )

    def expected(city: City, actor: Actor) -> Keys | None:
        if not can(actor, OP.PERMIT_LIST):
            return None
        return frozenset(
            r.id
            for r in city.reports
            if r.state == state
            and can(actor, OP.REPORT_VIEW, permit_target(city.permit(r.permit_id)))
            and matches(city, r)
        )

    return ListCase(f"report review queue ({state}{label})", fetch, expected)


def _filtered_queues() -> list[ListCase]:
    """The queue with each filter, sorted several ways (the order never changes which rows are listed)."""
    return [
        _queue("submitted", ListFilter(district="370100", sort="unit"), ", district of Jinan, by unit"),
        _queue(
            "submitted", ListFilter(district="370211", industry="2614", sort="-due"), ", Qingdao, industry"
        ),
        _queue("accepted", ListFilter(district="370102", sort="-received"), ", Lixia district, newest first"),
        _queue("submitted", ListFilter(search="ma0", sort="errors"), ", search by credit code"),
        _queue("returned", ListFilter(search="001p", sort="period"), ", search by permit number"),
        _queue("accepted", ListFilter(search="化工", district="370000"), ", search by name, Shandong"),
    ]


async def fetch_overdue(session: Any, actor: Actor, city: City) -> Keys:
    found = await report_statistics.overdue_reports(session, actor, kind="quarterly", period=city.quarter)
    return frozenset(row.permit.number for row in found)


def expected_overdue(city: City, actor: Actor) -> Keys | None:
    """Every permit owes the last quarter's report; the units of even rank filed it."""
    if not can(actor, OP.PERMIT_LIST):
        return None
    period = report_rules.parse_period("quarterly", city.quarter)
    assert period is not None
    if today() <= report_rules.due_date(period):
        return frozenset()
    return frozenset(
        p.number for i, p in enumerate(city.permits) if i % 2 and can(actor, OP.PERMIT_VIEW, permit_target(p))
    )


async def fetch_statistics(session: Any, actor: Actor, city: City) -> dict[str, Any]:
    rates = await report_statistics.filing_statistics(
        session, actor, kind="quarterly", period=city.quarter, by="region"
    )
    return {rate.group: (rate.due, rate.submitted, rate.on_time) for rate in rates}


def expected_statistics(city: City, actor: Actor) -> dict[str, Any] | None:
    if not can(actor, OP.PERMIT_LIST):
        return None
    groups: dict[str, list[int]] = {}
    for index, permit in enumerate(city.permits):
        if can(actor, OP.PERMIT_VIEW, permit_target(permit)):
            counts = groups.setdefault(permit.region_code, [0, 0, 0])
            counts[0] += 1
            counts[1] += index % 2 == 0
            counts[2] += index % 2 == 0
    return {group: tuple(counts) for group, counts in groups.items()}


async def fetch_schedules(session: Any, actor: Actor, city: City) -> Keys:
    return frozenset(s.permit.number for s in await report_schedule.my_schedules(session, actor))


def expected_schedules(city: City, actor: Actor) -> Keys | None:
    """The permits whose reports the reader files: the unit's own, an agency's clients for reports."""
    if not actor.is_unit_side:
        return None
    return frozenset(p.number for p in _visible_permits(city, actor, OP.REPORT_VIEW))


# --- Ledgers -------------------------------------------------------------------------------------------


async def fetch_exceedances(session: Any, actor: Actor, city: City) -> Keys:
    async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
        found = await ledger_warnings.list_exceedances(session, actor, first=first, offset=offset)
        return _paged(found, lambda row: row[0].id)

    return await walk(page)


def expected_exceedances(city: City, actor: Actor) -> Keys | None:
    if not (actor.is_unit_side or can(actor, OP.PERMIT_LIST)):
        return None
    return frozenset(
        e.id for e in city.exceedances if can(actor, OP.LEDGER_VIEW, permit_target(city.permit(e.permit_id)))
    )


def _warnings(filters: ListFilter, label: str) -> ListCase:
    """The warnings filtered: a row iff can() lets the reader view the ledger and the filter matches."""

    async def fetch(session: Any, actor: Actor, city: City) -> Keys:
        async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
            found = await ledger_warnings.list_exceedances(
                session, actor, filters=filters, first=first, offset=offset
            )
            return _paged(found, lambda row: row[0].id)

        return await walk(page)

    def expected(city: City, actor: Actor) -> Keys | None:
        if not (actor.is_unit_side or can(actor, OP.PERMIT_LIST)):
            return None
        search = filters.search.upper()
        found = set()
        for e in city.exceedances:
            permit = city.permit(e.permit_id)
            unit = city.enterprise(permit.enterprise_id)
            if not can(actor, OP.LEDGER_VIEW, permit_target(permit)):
                continue
            if filters.district and not permit.region_code.startswith(
                regions.significant_prefix(filters.district)
            ):
                continue
            if filters.state and e.status != filters.state:
                continue
            if search and not (
                search in unit.name.upper() or search in unit.credit_code or search in (permit.number or "")
            ):
                continue
            found.add(e.id)
        return frozenset(found)

    return ListCase(f"ledger warnings ({label})", fetch, expected)


async def fetch_readings(session: Any, actor: Actor, city: City) -> Keys:
    """Each permit's ledger readings, for the permits whose ledger the reader may open."""
    found: set[Hashable] = set()
    for permit in city.permits:

        async def page(
            first: int, offset: int, number: str = permit.number or ""
        ) -> tuple[list[Hashable], int, bool]:
            rows = await ledger_records.readings(
                session, actor, permit_number=number, first=first, offset=offset
            )
            return _paged(rows, lambda reading: reading.id)

        try:
            found |= await walk(page)
        except REFUSALS:
            continue
    return frozenset(found)


def expected_readings(city: City, actor: Actor) -> Keys:
    return frozenset(
        r.id for r in city.readings if can(actor, OP.LEDGER_VIEW, permit_target(city.permit(r.permit_id)))
    )


async def fetch_my_ledgers(session: Any, actor: Actor, city: City) -> Keys:
    return frozenset(row.number for row in await ledger_pages.my_ledgers(session, actor))


def expected_my_ledgers(city: City, actor: Actor) -> Keys | None:
    """A unit's permits in force; regulators open ledgers from a permit or a warning (an empty list)."""
    if actor.is_enterprise_user:
        return frozenset(p.number for p in _visible_permits(city, actor, OP.LEDGER_VIEW))
    return frozenset() if can(actor, OP.PERMIT_LIST) else None


# --- Agencies ------------------------------------------------------------------------------------------


async def fetch_directory(session: Any, actor: Actor, city: City) -> Keys:
    async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
        found = await agency_directory.directory(
            session, actor, filters=agency_directory.DirectoryFilter(status=""), first=first, offset=offset
        )
        return _paged(found, lambda listing: listing.agency.id)

    return await walk(page)


def expected_directory(city: City, actor: Actor) -> Keys:
    """Anyone reads the agencies that act or acted (approved, suspended); those who oversee agencies
    (regulators, the administrator) every one."""
    oversees = can(actor, OP.AGENCY_OWN, Target())
    return frozenset(
        a.id for a in city.agencies.values() if oversees or (a.status in ("approved", "suspended"))
    )


def _review(status: str) -> ListCase:
    async def fetch(session: Any, actor: Actor, city: City) -> dict[str, Any]:
        found = await agency_directory.review_list(session, actor, status=status)
        return {"rows": frozenset(item.agency.id for item in found.items), "counts": found.counts}

    def expected(city: City, actor: Actor) -> dict[str, Any] | None:
        if not can(actor, OP.AGENCY_REVIEW_LIST):
            return None
        reviewable = [a for a in city.agencies.values() if can(actor, OP.AGENCY_REVIEW, agency_target(a))]
        counts = {s: sum(1 for a in reviewable if a.status == s) for s in STATUS_LABELS}
        return {"rows": frozenset(a.id for a in reviewable if a.status == status), "counts": counts}

    return ListCase(f"agency review list ({status})", fetch, expected)


def _work(city: City, agency: Agency, enterprise_id: int, region_code: str) -> Target:
    return Target(agency_id=agency.id, enterprise_id=enterprise_id, region_code=region_code)


def _filings(agency_name: str) -> ListCase:
    async def fetch(session: Any, actor: Actor, city: City) -> Keys:
        agency = city.agencies[agency_name]

        async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
            found = await agency_filings.filings(
                session, actor, credit_code=agency.credit_code, first=first, offset=offset
            )
            return _paged(found, lambda f: (f.permit_number, f.at.replace(tzinfo=None).isoformat()))

        return await walk(page)

    def expected(city: City, actor: Actor) -> Keys | None:
        """The agency's traced filings, each a record of one permit's ledger."""
        agency = city.agencies[agency_name]
        if not can(actor, OP.AGENCY_OWN, Target(agency_id=agency.id)):
            return None
        tag = f"agency:{agency.credit_code}"
        return frozenset(
            (permit.number, r.entered_at.replace(tzinfo=None).isoformat())
            for r in city.readings
            if r.on_behalf_of == tag
            and (permit := city.permit(r.permit_id))
            and can(actor, OP.AGENCY_WORK_VIEW, _work(city, agency, permit.enterprise_id, permit.region_code))
        )

    return ListCase(f"agency filings ({agency_name})", fetch, expected)


def _agency_page(agency_name: str) -> ListCase:
    async def fetch(session: Any, actor: Actor, city: City) -> dict[str, Any]:
        page = await agency_profile.agency_page(
            session, actor, credit_code=city.agencies[agency_name].credit_code
        )
        return {
            "clients": frozenset(c.authorisation.id for c in page.clients),
            "summary": frozenset(s.enterprise_credit_code for s in page.summary),
            "events": frozenset(e.event.id for e in page.events),
        }

    def expected(city: City, actor: Actor) -> dict[str, Any] | None:
        """Its clients (authorisations, each about one unit), what it filed for whom, its credit events."""
        agency = city.agencies[agency_name]
        if not can(actor, OP.AGENCY_OWN, Target(agency_id=agency.id)):
            return None
        tag = f"agency:{agency.credit_code}"
        return {
            "clients": frozenset(
                a.id
                for a in city.authorisations
                if a.agency_id == agency.id
                and can(
                    actor,
                    OP.AGENCY_WORK_VIEW,
                    _work(city, agency, a.enterprise_id, city.enterprise(a.enterprise_id).region_code),
                )
            ),
            "summary": frozenset(
                city.enterprise(permit.enterprise_id).credit_code
                for r in city.readings
                if r.on_behalf_of == tag
                and (permit := city.permit(r.permit_id))
                and can(
                    actor, OP.AGENCY_WORK_VIEW, _work(city, agency, permit.enterprise_id, permit.region_code)
                )
            ),
            "events": frozenset(e.id for e in city.credit_events if e.agency_id == agency.id),
        }

    return ListCase(f"agency page ({agency_name})", fetch, expected)


async def fetch_credit_events(session: Any, actor: Actor, city: City) -> Keys:
    """Every event of each agency the reader may open in full (the ranking opens them one by one)."""
    found: set[Hashable] = set()
    for agency in city.agencies.values():
        try:
            _agency, rows = await credit_pages.credit_events(session, actor, credit_code=agency.credit_code)
        except REFUSALS:
            continue
        found |= {row.event.id for row in rows}
    return frozenset(found)


def expected_credit_events(city: City, actor: Actor) -> Keys:
    return frozenset(
        e.id for e in city.credit_events if can(actor, OP.AGENCY_OWN, Target(agency_id=e.agency_id))
    )


async def fetch_ranking(session: Any, actor: Actor, city: City) -> dict[Hashable, int]:
    return {row.agency.id: row.clients for row in (await agency_credit.ranking(session, actor)).rows}


def expected_ranking(city: City, actor: Actor) -> dict[Hashable, int] | None:
    """Agencies that act or acted, registered in the reader's jurisdiction or working for its units, with
    the number of its units they act for today."""
    if not can(actor, OP.AGENCY_OWN, Target()):
        return None
    on = today()
    found: dict[Hashable, int] = {}
    for agency in city.agencies.values():
        if agency.status not in ("approved", "suspended"):
            continue
        work = [
            (a, _work(city, agency, a.enterprise_id, city.enterprise(a.enterprise_id).region_code))
            for a in city.authorisations
            if a.agency_id == agency.id
        ]
        mine = [(a, target) for a, target in work if can(actor, OP.AGENCY_WORK_VIEW, target)]
        registered_here = actor.is_admin or jurisdiction(actor).holds(Target(region_code=agency.region_code))
        if not (registered_here or mine):
            continue
        found[agency.id] = len(
            {
                a.enterprise_id
                for a, _t in mine
                if a.revoked_at is None and a.valid_from <= on <= a.valid_until
            }
        )
    return found


# --- Notices, sessions, tokens, the audit trail -------------------------------------------------------


async def fetch_notifications(session: Any, actor: Actor, city: City) -> dict[str, Any]:
    items = await notifications.notifications_of(session, actor)
    return {
        "rows": frozenset(n.id for n in items),
        "unread": await notifications.unread_count(session, actor),
    }


def expected_notifications(city: City, actor: Actor) -> dict[str, Any] | None:
    if not can(actor, OP.NOTIFICATIONS_OWN):
        return None
    mine = [
        n for n in city.notifications if can(actor, OP.NOTIFICATIONS_OWN, Target(owner_user_id=n.user_id))
    ]
    return {"rows": frozenset(n.id for n in mine), "unread": sum(1 for n in mine if n.read_at is None)}


async def fetch_sessions(session: Any, actor: Actor, city: City) -> Keys:
    _user, found = await accounts.sessions_of(session, actor)
    return frozenset(s.id for s in found)


def expected_sessions(city: City, actor: Actor) -> Keys | None:
    if not can(actor, OP.SESSION_MANAGE_OWN) or actor.user_id is None:
        return None
    return frozenset(
        s.id for s in city.sessions if can(actor, OP.SESSION_MANAGE_OWN, Target(owner_user_id=s.user_id))
    )


async def fetch_sessions_of_other(session: Any, actor: Actor, city: City) -> Keys:
    user = city.users["ecology@370100"]
    _user, found = await accounts.sessions_of(session, actor, username=user.username)
    return frozenset(s.id for s in found)


def expected_sessions_of_other(city: City, actor: Actor) -> Keys | None:
    """The administrator reads anyone's sessions; everyone else only their own."""
    user = city.users["ecology@370100"]
    operation = OP.SESSION_MANAGE_OWN if actor.username == user.username else OP.USER_MANAGE
    if not can(actor, operation, Target(owner_user_id=user.id)):
        return None
    return frozenset(s.id for s in city.sessions if s.user_id == user.id)


async def fetch_tokens(session: Any, actor: Actor, city: City) -> Keys:
    return frozenset(t.id for t in await accounts.list_api_tokens(session, actor))


def expected_tokens(city: City, actor: Actor) -> Keys | None:
    if not can(actor, OP.TOKEN_MANAGE_OWN):
        return None
    return frozenset(
        t.id for t in city.tokens if can(actor, OP.TOKEN_MANAGE_OWN, Target(owner_user_id=t.user_id))
    )


async def fetch_users(session: Any, actor: Actor, city: City) -> Keys:
    return frozenset(
        user.id for user, _enterprise in await accounts.list_users(session, actor, limit=100_000)
    )


def expected_users(city: City, actor: Actor) -> Keys | None:
    if not can(actor, OP.USER_MANAGE):
        return None
    return frozenset(user.id for user in city.users.values())


async def fetch_audit(session: Any, actor: Actor, city: City) -> Keys:
    return frozenset(entry.id for entry in await recent(session, actor, limit=100_000))


def expected_audit(city: City, actor: Actor) -> Keys | None:
    if not can(actor, OP.AUDIT_VIEW):
        return None
    return frozenset(city.audit_ids)


async def fetch_unit_trails(session: Any, actor: Actor, city: City) -> Keys:
    """Every unit's trail page by page, as its readers turn them (a unit one may not read is not found)."""
    found: set[int] = set()
    for enterprise in city.enterprises:
        before = None
        while True:
            try:
                page = await unit_trail(
                    session, actor, credit_code=enterprise.credit_code, before=before, limit=25
                )
            except NotFound:
                break
            found.update(entry.id for entry in page.entries)
            if page.older is None:
                break
            before = page.older
    return frozenset(found)


def expected_unit_trails(city: City, actor: Actor) -> Keys | None:
    return frozenset(
        entry_id
        for entry_id, enterprise_id in city.audit_units.items()
        if enterprise_id is not None
        and can(actor, OP.UNIT_AUDIT_VIEW, enterprise_target(city.enterprise(enterprise_id)))
    )


async def fetch_listed_units(session: Any, actor: Actor, city: City) -> Keys:
    codes = {row.credit_code for row in await standing.listed_units(session, actor)}
    return frozenset(e.id for e in city.enterprises if e.credit_code in codes)


def expected_listed_units(city: City, actor: Actor) -> Keys | None:
    """The units on the positive list now that the reader may see (STANDING_VIEW)."""
    if not actor.is_authenticated:
        return None
    return frozenset(
        entry.enterprise_id
        for entry in city.positive_list
        if entry.removed_on is None
        and can(
            actor, OP.STANDING_VIEW, Target(enterprise_id=entry.enterprise_id, region_code=entry.region_code)
        )
    )


async def fetch_yellow_cards(session: Any, actor: Actor, city: City) -> Keys:
    return frozenset(row.card.id for row in await standing.cards_of_year(session, actor, year=today().year))


def expected_yellow_cards(city: City, actor: Actor) -> Keys | None:
    """This year's yellow cards the reader may see (STANDING_VIEW)."""
    if not actor.is_authenticated:
        return None
    return frozenset(
        card.id
        for card in city.yellow_cards
        if card.issued_on.year == today().year
        and can(
            actor, OP.STANDING_VIEW, Target(enterprise_id=card.enterprise_id, region_code=card.region_code)
        )
    )


async def fetch_unit_scores(session: Any, actor: Actor, city: City) -> Keys:
    async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
        found = await unit_credit.unit_scores(session, actor, first=first, offset=offset)
        return _paged(found, lambda row: row.credit_code)

    codes = await walk(page)
    return frozenset(e.id for e in city.enterprises if e.credit_code in codes)


def expected_unit_scores(city: City, actor: Actor) -> Keys | None:
    """The units whose credit the reader may see (UNIT_CREDIT_VIEW), with or without events."""
    if not actor.is_authenticated:
        return None
    return frozenset(e.id for e in city.enterprises if can(actor, OP.UNIT_CREDIT_VIEW, enterprise_target(e)))


async def fetch_unit_credit_events(session: Any, actor: Actor, city: City) -> Keys:
    """Every unit's events through the keyset connection, three at a time: a unit the reader may not see
    is refused as a whole (exactly those can() refuses); the public is refused outright."""
    found: set[Hashable] = set()
    for unit in city.enterprises[:9]:
        allowed = can(actor, OP.UNIT_CREDIT_VIEW, enterprise_target(unit))
        after: str | None = None
        while True:
            try:
                page = await unit_credit.credit_events(
                    session, actor, credit_code=unit.credit_code, window=Window(first=PAGE, after=after)
                )
            except PermissionDenied:
                assert not allowed, f"refused a unit can() allows: {unit.credit_code}"
                break
            assert allowed, f"listed a unit can() refuses: {unit.credit_code}"
            keys = [event.id for event in page.items]
            assert not found.intersection(keys), "an event came twice"
            found.update(keys)
            if not page.has_next:
                break
            after = page.cursor_at(len(page.items) - 1)
    return frozenset(found)


def expected_unit_credit_events(city: City, actor: Actor) -> Keys | None:
    """The events (voided ones too) of the units the reader may see (UNIT_CREDIT_VIEW)."""
    if not actor.is_authenticated:
        return None
    return frozenset(
        event.id
        for event in city.unit_credit_events
        if can(
            actor,
            OP.UNIT_CREDIT_VIEW,
            Target(enterprise_id=event.enterprise_id, region_code=event.region_code),
        )
    )


def _grading_region(actor: Actor) -> str:
    return actor.region_code or "310107"  # the administrator grades any district: Putuo here


async def fetch_grading(session: Any, actor: Actor, city: City) -> Keys:
    found = await grading.grading(session, actor, region_code=_grading_region(actor), year=today().year - 1)
    return frozenset(unit.enterprise.id for unit in found.units)


def expected_grading(city: City, actor: Actor) -> Keys | None:
    """Last year's permit holders of the reader's district that the reader may see (GRADING_VIEW); the
    list is refused to whoever may not read the district's grading."""
    region = _grading_region(actor)
    if not can(actor, OP.GRADING_VIEW, Target(region_code=region)):
        return None
    year = today().year - 1
    first, last = date(year, 1, 1), date(year, 12, 31)
    prefix = regions.significant_prefix(region)
    held = {
        p.enterprise_id
        for p in city.permits
        if p.status in grading.HELD
        and p.valid_from is not None
        and p.valid_from <= last
        and (p.valid_until is None or p.valid_until >= first)
        and p.region_code.startswith(prefix)
    }
    return frozenset(
        e.id
        for e in city.enterprises
        if e.id in held and can(actor, OP.GRADING_VIEW, Target(enterprise_id=e.id, region_code=e.region_code))
    )


def _linkage(view: str) -> ListCase:
    """A view of the linkage tasks (PT §8): the rows the reader may view (LINKAGE_VIEW), restated per view;
    ``mine`` is the reader's department's queue (its steps to record; for the permitting section also the
    tasks to archive; every open task with a step left for the administrator)."""

    async def fetch(session: Any, actor: Actor, city: City) -> Keys:
        async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
            found = await linkage.task_list(session, actor, view=view, first=first, offset=offset)
            return _paged(found, lambda r: r.task.id)

        return await walk(page)

    def expected(city: City, actor: Actor) -> Keys | None:
        if not actor.is_authenticated:
            return None
        on = today()

        def listed(task: Any) -> bool:
            receivers = [r for r in city.linkage_receivers if r.task_id == task.id]
            waiting = [r for r in receivers if r.stage != "fed_back"]
            is_open = task.archived_at is None
            if view == "open":
                return is_open
            if view == "archived":
                return not is_open
            if view == "overdue":
                return is_open and task.due_on < on and bool(waiting)
            if view == "mine":
                if actor.is_admin:
                    return is_open and bool(waiting)
                if not actor.is_regulator or actor.role is None:
                    return False
                mine = any(r.department == actor.role.value for r in waiting)
                return is_open and (mine or (actor.role.value == "permitting" and not waiting))
            return True

        return frozenset(
            t.id
            for t in city.linkage_tasks
            if can(actor, OP.LINKAGE_VIEW, Target(enterprise_id=t.enterprise_id, region_code=t.region_code))
            and listed(t)
        )

    return ListCase(f"linkage tasks ({view})", fetch, expected)


async def fetch_leads(session: Any, actor: Actor, city: City) -> Keys:
    async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
        return _paged(
            await cases.leads_inbox(session, actor, first=first, offset=offset), lambda r: r.lead.id
        )

    return await walk(page)


def expected_leads(city: City, actor: Actor) -> Keys | None:
    """The enforcement leads inbox: leads nobody decided, over units the reader may manage cases of."""
    if not actor.is_authenticated:
        return None
    return frozenset(
        lead.id
        for lead in city.leads
        if lead.id not in city.decided_leads
        and can(actor, OP.CASE_MANAGE, Target(enterprise_id=lead.enterprise_id, region_code=lead.region_code))
    )


def _cases(view: str) -> ListCase:
    async def fetch(session: Any, actor: Actor, city: City) -> Keys:
        async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
            found = await cases.case_list(session, actor, view=view, first=first, offset=offset)
            return _paged(found, lambda r: r.case.id)

        return await walk(page)

    def expected(city: City, actor: Actor) -> Keys | None:
        if not actor.is_authenticated:
            return None
        statuses = {"active": ("open", "decided"), "all": ("open", "decided", "closed")}.get(view, (view,))
        return frozenset(
            c.id
            for c in city.cases
            if c.status in statuses
            and can(actor, OP.CASE_VIEW, Target(enterprise_id=c.enterprise_id, region_code=c.region_code))
        )

    return ListCase(f"enforcement cases ({view})", fetch, expected)


# --- Inspections ---------------------------------------------------------------------------------------


def _plan_lines(region: str) -> ListCase:
    async def fetch(session: Any, actor: Actor, city: City) -> Keys:
        async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
            found = await plan_queries.plan_lines(
                session, actor, region_code=region, year=today().year, first=first, offset=offset
            )
            return _paged(found, lambda row: row.line.id)

        return await walk(page)

    def expected(city: City, actor: Actor) -> Keys | None:
        """The bureau's plan: regulators whose jurisdiction covers the region (never the unit)."""
        if not can(actor, OP.INSPECTION_VIEW, Target(region_code=region)):
            return None
        return frozenset(
            line.id
            for line in city.plan_lines
            if regions.covers(region, line.region_code)
            and can(
                actor,
                OP.INSPECTION_VIEW,
                Target(enterprise_id=line.enterprise_id, region_code=line.region_code),
            )
        )

    return ListCase(f"inspection plan ({region})", fetch, expected)


async def fetch_inspection_records(session: Any, actor: Actor, city: City) -> Keys:
    async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
        found = await record_queries.list_records(session, actor, first=first, offset=offset)
        return _paged(found, lambda row: row.record.id)

    return await walk(page)


def expected_inspection_records(city: City, actor: Actor) -> Keys | None:
    if not actor.is_authenticated:
        return None
    return frozenset(
        r.id
        for r in city.inspection_records
        if can(actor, OP.INSPECTION_VIEW, Target(enterprise_id=r.enterprise_id, region_code=r.region_code))
    )


async def fetch_draws(session: Any, actor: Actor, city: City) -> Keys:
    async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
        return _paged(
            await draw_queries.list_draws(session, actor, first=first, offset=offset), lambda d: d.id
        )

    return await walk(page)


def expected_draws(city: City, actor: Actor) -> Keys:
    """Published under 双随机一公开: every draw, for anyone."""
    return frozenset(d.id for d in city.draws if can(actor, OP.VIEW_PUBLIC))


def _problem_target(problem: Any) -> Target:
    return Target(enterprise_id=problem.enterprise_id, region_code=problem.region_code)


def _problems(state: str, overdue: bool = False) -> ListCase:
    """The problem list (docs/supervision.md): the problems the reader may view, in a state (``unclosed``:
    every one not closed), overdue only on request."""

    async def fetch(session: Any, actor: Actor, city: City) -> Keys:
        async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
            found = await problem_queries.problems(
                session, actor, state=state, overdue=overdue, first=first, offset=offset
            )
            return _paged(found, lambda r: r.problem.id)

        return await walk(page)

    def expected(city: City, actor: Actor) -> Keys | None:
        if not actor.is_authenticated:
            return None
        items = {i.problem_id: i for i in city.rectification_items}
        on = today()

        def listed(p: Any) -> bool:
            if (
                state == "unclosed"
                and p.state == "closed"
                or state not in ("", "unclosed")
                and p.state != state
            ):
                return False
            item = items.get(p.id)
            return not overdue or (item is not None and item.state == "rectifying" and item.deadline < on)

        return frozenset(
            p.id for p in city.problems if listed(p) and can(actor, OP.PROBLEM_VIEW, _problem_target(p))
        )

    return ListCase(f"problems ({state}{', overdue' if overdue else ''})", fetch, expected)


def _rectification_items(include_closed: bool) -> ListCase:
    async def fetch(session: Any, actor: Actor, city: City) -> Keys:
        async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
            found = await problem_queries.rectification_items(
                session, actor, include_closed=include_closed, first=first, offset=offset
            )
            return _paged(found, lambda r: r.item_id)

        return await walk(page)

    def expected(city: City, actor: Actor) -> Keys | None:
        if not actor.is_authenticated:
            return None
        problems = {p.id: p for p in city.problems}
        return frozenset(
            i.id
            for i in city.rectification_items
            if (include_closed or i.state != "closed")
            and can(actor, OP.PROBLEM_VIEW, _problem_target(problems[i.problem_id]))
        )

    return ListCase(f"rectification items ({'all' if include_closed else 'open'})", fetch, expected)


async def fetch_problem_board(session: Any, actor: Actor, city: City) -> dict[str, Any]:
    board = await problem_queries.board(session, actor, by="department")
    return {
        "rows": frozenset((r.key, r.open, r.overdue, r.closed_this_month, r.closed) for r in board.rows),
        "total": (board.total.open, board.total.overdue, board.total.closed),
    }


def expected_problem_board(city: City, actor: Actor) -> dict[str, Any] | None:
    """The clear-to-zero board by department: counts over the problems the reader may view."""
    if not actor.is_authenticated:
        return None
    items = {i.problem_id: i for i in city.rectification_items}
    on = today()
    month_start = on.replace(day=1)
    rows: dict[str, list[int]] = {}
    for p in city.problems:
        if not can(actor, OP.PROBLEM_VIEW, _problem_target(p)):
            continue
        row = rows.setdefault(p.department, [0, 0, 0, 0])
        item = items.get(p.id)
        if p.state != "closed":
            row[0] += 1
            row[1] += int(item is not None and item.state == "rectifying" and item.deadline < on)
        else:
            row[3] += 1
            row[2] += int(china_date(p.closed_at) >= month_start)
    return {
        "rows": frozenset((key, *values) for key, values in rows.items()),
        "total": tuple(sum(v[i] for v in rows.values()) for i in (0, 1, 3)),
    }


# --- Permit quality ------------------------------------------------------------------------------------


def _may_read_quality(actor: Actor) -> bool:
    """Whether QUALITY_VIEW holds for some target at all (the list refuses whoever it never holds for)."""
    return actor.is_authenticated and (
        actor.is_admin or (actor.is_regulator and actor.region_code is not None)
    )


async def fetch_flagged_permits(session: Any, actor: Actor, city: City) -> Keys:
    async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
        found = await quality_queries.flagged_permits(session, actor, first=first, offset=offset)
        return _paged(found, lambda row: row.permit_id)

    return await walk(page)


def expected_flagged_permits(city: City, actor: Actor) -> Keys | None:
    """Issued permits whose latest audit of the version in force found something."""
    if not _may_read_quality(actor):
        return None
    latest: dict[int, Any] = {}
    for audit in city.quality_audits:
        latest[audit.permit_id] = audit  # built in order: the last one is the latest
    return frozenset(
        p.id
        for p in city.permits
        if p.status == "issued"
        and p.id in latest
        and latest[p.id].finding_count > 0
        and can(actor, OP.QUALITY_VIEW, permit_target(p))
    )


async def fetch_quality_campaigns(session: Any, actor: Actor, city: City) -> Keys:
    async def page(first: int, offset: int) -> tuple[list[Hashable], int, bool]:
        found = await quality_queries.campaigns(session, actor, first=first, offset=offset)
        return _paged(found, lambda row: row.campaign.id)

    return await walk(page)


def expected_quality_campaigns(city: City, actor: Actor) -> Keys | None:
    if not _may_read_quality(actor):
        return None
    return frozenset(
        c.id for c in city.quality_campaigns if can(actor, OP.QUALITY_VIEW, Target(region_code=c.region_code))
    )


CASES = [
    ListCase("permits (both faces' list)", fetch_permits, expected_permits),
    ListCase("permits (regulators' and units' list)", fetch_permit_list, expected_permit_list),
    ListCase("permit worklist", fetch_worklist, expected_worklist),
    ListCase("enterprises", fetch_enterprises, expected_enterprises),
    ListCase("a unit's discharge registrations", fetch_registrations, expected_registrations),
    ListCase("reports", fetch_reports, expected_reports),
    ListCase("reports exported for the national platform", fetch_exchange, expected_exchange),
    *(_queue(state) for state in ("submitted", "returned", "accepted")),
    *_filtered_queues(),
    ListCase("overdue reports", fetch_overdue, expected_overdue),
    ListCase("filing statistics", fetch_statistics, expected_statistics),
    ListCase("report schedules to file", fetch_schedules, expected_schedules),
    ListCase("ledger warnings (exceedances)", fetch_exceedances, expected_exceedances),
    _warnings(ListFilter(district="370100", state="open", sort="unit"), "open, district of Jinan, by unit"),
    _warnings(ListFilter(state="explained", search="001p", sort="-excess"), "explained, by permit number"),
    _warnings(ListFilter(district="310107", search="化工", sort="started"), "Putuo, by name, oldest first"),
    ListCase("my ledgers", fetch_my_ledgers, expected_my_ledgers),
    ListCase("a ledger's readings", fetch_readings, expected_readings),
    ListCase("agency directory", fetch_directory, expected_directory),
    *(_review(status) for status in ("pending", "approved", "suspended", "rejected")),
    *(_filings(name) for name in ("approved", "suspended", "shanghai")),
    *(_agency_page(name) for name in ("approved", "suspended")),
    ListCase("agency ranking", fetch_ranking, expected_ranking),
    ListCase("an agency's credit events", fetch_credit_events, expected_credit_events),
    ListCase("notifications", fetch_notifications, expected_notifications),
    ListCase("own sessions", fetch_sessions, expected_sessions),
    ListCase("another user's sessions", fetch_sessions_of_other, expected_sessions_of_other),
    ListCase("API tokens", fetch_tokens, expected_tokens),
    ListCase("users", fetch_users, expected_users),
    ListCase("audit trail", fetch_audit, expected_audit),
    ListCase("a unit's trail", fetch_unit_trails, expected_unit_trails),
    *(_plan_lines(region) for region in ("370100", "370102", "310107")),
    ListCase("inspection records", fetch_inspection_records, expected_inspection_records),
    ListCase("double-random draws (public)", fetch_draws, expected_draws, same_for_everyone=True),
    *(_linkage(view) for view in linkage.VIEWS),
    *(_problems(state) for state in ("unclosed", "", "open", "rectifying", "verified", "closed")),
    _problems("unclosed", overdue=True),
    *(_rectification_items(closed) for closed in (False, True)),
    ListCase("clear-to-zero board", fetch_problem_board, expected_problem_board),
    ListCase("enforcement leads inbox", fetch_leads, expected_leads),
    *(_cases(view) for view in cases.CASE_VIEWS),
    ListCase("units on the positive list", fetch_listed_units, expected_listed_units),
    ListCase("last year's grading of a district", fetch_grading, expected_grading),
    ListCase("yellow cards of the year", fetch_yellow_cards, expected_yellow_cards),
    ListCase("units by credit score", fetch_unit_scores, expected_unit_scores),
    ListCase("a unit's credit events", fetch_unit_credit_events, expected_unit_credit_events),
    ListCase("permits the quality audit flagged", fetch_flagged_permits, expected_flagged_permits),
    ListCase("quality-check campaigns", fetch_quality_campaigns, expected_quality_campaigns),
]
