"""Reading many permits at once, as one actor may see them (for lists and dataloaders).

A reader either may view a permit (its unit, the regulators of its region, the
administrator) and sees everything, or sees only what is disclosed to the public:
a permit that has a number (M48 §32), its permitted items, its public
announcements, never the sections its unit marked as commercial secret (M48 §26),
never the unit's staff data, never its version history or the applications in
progress. That decision is made here, once, in ``permit_view``; every batch
function below takes the ``PermitKey`` of a view and serves only what the view
allows. Each batch function reads all the keys it is given in one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, can
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.enterprises.queries import EnterprisePublic
from domain.enterprises.targets import target_of as enterprise_target
from domain.pagination import Page, Window, check_page_size
from domain.permits import rules
from domain.permits.content import content_from_dict
from domain.permits.law import LegalDeadline
from domain.permits.models import (
    Permit,
    PermitApplication,
    PermitEvent,
    PermitLedgerRequirement,
    PermitLimit,
    PermitMonitoring,
    PermitOutlet,
    PermitVersion,
)
from domain.permits.queries.register import (
    NOT_COUNTED,
    PermitFilter,
    check_permit_filter,
    count_permits,
    filter_permits,
    list_permits,
    permit_page,
)
from domain.permits.register_entry import disclosed
from domain.permits.rules import ApplicationStatus, normal_number
from domain.permits.state import OPEN_APPLICATION_STATUSES, target_of, waiting_for_materials


@dataclass(frozen=True)
class PermitKey:
    """Which rows of a permit to load, and for whom: ``full`` readers may see everything."""

    permit_id: int
    version: int
    full: bool


@dataclass(frozen=True)
class PermitView:
    """A permit as one reader may see it."""

    permit: Permit
    full: bool
    display_status: str
    renewal_deadline: LegalDeadline | None

    @property
    def key(self) -> PermitKey:
        assert self.permit.id is not None
        return PermitKey(self.permit.id, self.permit.content_version, self.full)


def permit_view(actor: Actor, permit: Permit, *, on: date | None = None) -> PermitView | None:
    """The permit as this actor may see it; None when it is neither theirs to view nor disclosed."""
    if can(actor, Operation.PERMIT_VIEW, target_of(permit)):
        full = True
    elif permit.number and permit.content_version >= 1:
        # Disclosed once issued (M48 §32): the same rule as the public pages (queries.disclosure).
        full = False
    else:
        return None
    return PermitView(
        permit=permit,
        full=full,
        display_status=rules.display_status(permit.status, permit.valid_until, on or today()),
        renewal_deadline=rules.renewal_deadline(permit.valid_until, permit.decision_date)
        if permit.valid_until
        else None,
    )


def enterprise_view(actor: Actor, enterprise: Enterprise) -> Enterprise | EnterprisePublic:
    """The unit's full record for those who may view it, else its public identity (no staff data)."""
    if can(actor, Operation.ENTERPRISE_VIEW, enterprise_target(enterprise)):
        return enterprise
    return EnterprisePublic.from_model(enterprise)


@dataclass(frozen=True)
class PermitRow:
    permit: PermitView
    enterprise: Enterprise | EnterprisePublic


async def view_permit(session: AsyncSession, actor: Actor, *, number: str) -> PermitView | None:
    """One permit by its number, as the actor may see it; None when unknown or not visible."""
    permit = (await session.exec(select(Permit).where(Permit.number == normal_number(number)))).first()
    return permit_view(actor, permit) if permit is not None else None


async def list_public_permits(
    session: AsyncSession,
    *,
    filters: PermitFilter | None = None,
    first: int = 20,
    offset: int = 0,
    window: Window | None = None,
    count: bool = True,
) -> Page[tuple[Permit, Enterprise]]:
    """Permits anyone may list: those that have a number, in every region, by expiry (``count``: as
    ``list_permits``)."""
    filters = filters or PermitFilter()
    # The public list is never narrowed to one unit: that filter is for the unit's own users.
    filters = replace(filters, enterprise_id=None)
    check_permit_filter(filters)
    check_page_size(first)
    base_statement = (
        select(Permit, Enterprise)
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
        .where(*disclosed())
    )
    on = today()
    statement = filter_permits(base_statement, None, filters, on)
    counted = count or window is None
    total = await count_permits(session, filters, None, on, *disclosed()) if counted else NOT_COUNTED
    return await permit_page(session, statement, total, first=first, offset=offset, window=window)


def may_list_permits(actor: Actor) -> bool:
    """Regulators list their jurisdiction and units their own permits; everyone else the public list."""
    return actor.is_enterprise_user or can(actor, Operation.PERMIT_LIST)


async def browse_permits(
    session: AsyncSession,
    actor: Actor,
    *,
    filters: PermitFilter | None = None,
    first: int = 20,
    offset: int = 0,
    window: Window | None = None,
    count: bool = True,
) -> Page[PermitRow]:
    """A page of permits for this actor: their own scope in full, or the public list for anyone else.
    ``count=False`` (a keyset window): the total is not counted (``NOT_COUNTED``), as nobody asked."""
    if may_list_permits(actor):
        page = await list_permits(
            session, actor, filters=filters, first=first, offset=offset, window=window, count=count
        )
    else:
        page = await list_public_permits(
            session, filters=filters, first=first, offset=offset, window=window, count=count
        )
    on = today()
    rows: list[PermitRow | None] = []
    for permit, enterprise in page.items:
        view = permit_view(actor, permit, on=on)
        # Always a view, for the rows the lists return; never show what is not visible.
        rows.append(PermitRow(view, enterprise_view(actor, enterprise)) if view is not None else None)
    return page.kept(rows)


async def find_outlet(
    session: AsyncSession, actor: Actor, *, permit_number: str, code: str
) -> tuple[PermitView, PermitOutlet] | None:
    """One outlet or fugitive source of a permit in force, as an outlet's QR code opens it."""
    view = await view_permit(session, actor, number=permit_number)
    if view is None:
        return None
    outlet = (
        await session.exec(
            select(PermitOutlet).where(
                PermitOutlet.permit_id == view.permit.id,
                PermitOutlet.version == view.permit.content_version,
                PermitOutlet.code == normal_number(code),
            )
        )
    ).first()
    return (view, outlet) if outlet is not None else None


async def enterprise_views(
    session: AsyncSession, actor: Actor, ids: Sequence[int]
) -> dict[int, Enterprise | EnterprisePublic]:
    """The units of permits the actor sees, each as the actor may see it."""
    if not ids:
        return {}
    rows = (await session.exec(select(Enterprise).where(col(Enterprise.id).in_(list(ids))))).all()
    return {row.id: enterprise_view(actor, row) for row in rows if row.id is not None}


@dataclass(frozen=True)
class DisclosedContent:
    """The sections of a permit copy (副本) that are not rows of their own.

    A section is None when its unit marked it as commercial secret and the reader is the public.
    """

    production_facilities: list[dict[str, str]] | None
    products: list[dict[str, str]] | None
    control_facilities: list[dict[str, str]] | None
    report_kinds: list[str]
    commitments: str
    secret_sections: list[str]


EMPTY_CONTENT = DisclosedContent([], [], [], [], "", [])


def _versions_of(keys: Sequence[PermitKey]) -> list[tuple[int, int]]:
    return sorted({(key.permit_id, key.version) for key in keys})


def _spread(keys: Sequence[PermitKey], found: dict[tuple[int, int], list[Any]]) -> dict[PermitKey, Any]:
    return {key: found.get((key.permit_id, key.version), []) for key in keys}


async def _rows_of_versions(
    session: AsyncSession, model: Any, keys: Sequence[PermitKey], *order: Any
) -> dict[PermitKey, Any]:
    pairs = _versions_of(keys)
    if not pairs:
        return {}
    statement = (
        select(model)
        .where(sa.tuple_(col(model.permit_id), col(model.version)).in_(pairs))
        .order_by(col(model.permit_id), *order, col(model.id))
    )
    found: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for row in (await session.exec(statement)).all():
        found[(row.permit_id, row.version)].append(row)
    return _spread(keys, found)


async def outlets_for(
    session: AsyncSession, keys: Sequence[PermitKey]
) -> dict[PermitKey, list[PermitOutlet]]:
    """Outlets and fugitive sources (public: permitted items, M48 §32), by code."""
    return await _rows_of_versions(session, PermitOutlet, keys, col(PermitOutlet.code))


async def limits_for(session: AsyncSession, keys: Sequence[PermitKey]) -> dict[PermitKey, list[PermitLimit]]:
    """Permitted concentrations and quantities of every point of the permits (public)."""
    return await _rows_of_versions(session, PermitLimit, keys, col(PermitLimit.point_code))


async def monitoring_for(
    session: AsyncSession, keys: Sequence[PermitKey]
) -> dict[PermitKey, list[PermitMonitoring]]:
    """Self-monitoring requirements (public)."""
    return await _rows_of_versions(session, PermitMonitoring, keys, col(PermitMonitoring.point_code))


async def ledger_requirements_for(
    session: AsyncSession, keys: Sequence[PermitKey]
) -> dict[PermitKey, list[PermitLedgerRequirement]]:
    """Ledger records required and how often (public: part of the permitted requirements)."""
    return await _rows_of_versions(session, PermitLedgerRequirement, keys)


async def contents_for(session: AsyncSession, keys: Sequence[PermitKey]) -> dict[PermitKey, DisclosedContent]:
    """The copy's other sections; for the public, without the sections marked as commercial secret."""
    pairs = _versions_of(keys)
    if not pairs:
        return {}
    statement = select(PermitVersion).where(
        sa.tuple_(col(PermitVersion.permit_id), col(PermitVersion.version)).in_(pairs)
    )
    stored = {(v.permit_id, v.version): v.content for v in (await session.exec(statement)).all()}
    result: dict[PermitKey, DisclosedContent] = {}
    for key in keys:
        raw = stored.get((key.permit_id, key.version))
        if raw is None:
            result[key] = EMPTY_CONTENT
            continue
        content = content_from_dict(raw)
        values = content.to_dict() if key.full else content.public_dict()
        result[key] = DisclosedContent(
            production_facilities=values["production_facilities"],
            products=values["products"],
            control_facilities=values["control_facilities"],
            report_kinds=list(content.report_kinds),
            commitments=content.commitments,
            secret_sections=list(content.secret_sections),
        )
    return result


async def events_for(session: AsyncSession, keys: Sequence[PermitKey]) -> dict[PermitKey, list[PermitEvent]]:
    """State changes, newest first; the public sees only the announced ones."""
    ids = sorted({key.permit_id for key in keys})
    if not ids:
        return {}
    statement = (
        select(PermitEvent)
        .where(col(PermitEvent.permit_id).in_(ids))
        .order_by(col(PermitEvent.occurred_at).desc(), col(PermitEvent.id).desc())
    )
    found: dict[int, list[PermitEvent]] = defaultdict(list)
    for event in (await session.exec(statement)).all():
        found[event.permit_id].append(event)
    return {
        key: [event for event in found.get(key.permit_id, []) if key.full or event.public] for key in keys
    }


async def versions_for(
    session: AsyncSession, keys: Sequence[PermitKey]
) -> dict[PermitKey, list[PermitVersion] | None]:
    """Every version of the permits, newest first; None for the public (history is not disclosed)."""
    ids = sorted({key.permit_id for key in keys if key.full})
    found: dict[int, list[PermitVersion]] = defaultdict(list)
    if ids:
        statement = (
            select(PermitVersion)
            .where(col(PermitVersion.permit_id).in_(ids))
            .order_by(col(PermitVersion.permit_id), col(PermitVersion.version).desc())
        )
        for version in (await session.exec(statement)).all():
            found[version.permit_id].append(version)
    return {key: found.get(key.permit_id, []) if key.full else None for key in keys}


async def open_applications_for(
    session: AsyncSession, keys: Sequence[PermitKey]
) -> dict[PermitKey, PermitApplication | None]:
    """The application in progress on each permit, if any; always None for the public."""
    ids = sorted({key.permit_id for key in keys if key.full})
    found: dict[int, PermitApplication] = {}
    if ids:
        statement = (
            select(PermitApplication)
            .where(
                col(PermitApplication.permit_id).in_(ids),
                col(PermitApplication.status).in_(OPEN_APPLICATION_STATUSES),
            )
            .order_by(col(PermitApplication.id).desc())
        )
        for application in (await session.exec(statement)).all():
            found.setdefault(application.permit_id, application)
    return {key: found.get(key.permit_id) if key.full else None for key in keys}


def application_overdue(application: PermitApplication, on: date | None = None) -> bool:
    """Whether the authority let the time limit of the current step pass (docs/domain-rules.md); while the
    unit owes missing materials the acceptance period is not running."""
    on = on or today()
    if waiting_for_materials(application):
        return False
    due = {
        ApplicationStatus.SUBMITTED: application.accept_due,
        ApplicationStatus.ACCEPTED: application.decision_due,
        ApplicationStatus.GRANTED: application.issue_due,
    }.get(ApplicationStatus(application.status))
    return due is not None and on > due


@dataclass(frozen=True)
class ApplicationView:
    application: PermitApplication
    permit: PermitView | None


async def application_view(
    session: AsyncSession, actor: Actor, application: PermitApplication
) -> ApplicationView:
    """An application a use case just handled, with its permit as the actor may see it."""
    permit = await session.get(Permit, application.permit_id)
    return ApplicationView(application, permit_view(actor, permit) if permit is not None else None)


def visible_permits(actor: Actor, permits: Sequence[Permit]) -> list[PermitView]:
    """Permits a use case just wrote, as the actor may now see them."""
    on = today()
    views = [permit_view(actor, permit, on=on) for permit in permits]
    return [view for view in views if view is not None]
