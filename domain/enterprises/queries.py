"""What the enterprise pages and the API show of the register: one unit (in full, or its public identity),
a searchable list of the units of a jurisdiction, a record's history, the units' production sites."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, require
from domain.access.sql import allowed
from domain.enterprises.models import PERSONAL_FIELDS, Enterprise, EnterpriseRevision, ProductionSite
from domain.enterprises.rules import normalize_credit_code
from domain.enterprises.targets import TARGET_COLUMNS, target_of
from domain.errors import N_, NotFound
from domain.pagination import Key, Page, Window, check_page_size, keyset_page, sort_order


@dataclass(frozen=True)
class EnterpriseFilter:
    query: str = ""
    industry_code: str = ""
    region_code: str = ""
    management_category: str = ""


@dataclass(frozen=True)
class EnterprisePublic:
    """What anyone may see of an enterprise: identity, never staff's personal data."""

    credit_code: str
    name: str
    registered_address: str
    operating_address: str
    legal_representative: str
    industry_code: str
    region_code: str
    management_category: str

    @classmethod
    def from_model(cls, enterprise: Enterprise) -> EnterprisePublic:
        values = {k: v for k, v in enterprise.snapshot().items() if k not in PERSONAL_FIELDS}
        return cls(**values)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def find_enterprise(session: AsyncSession, credit_code: str) -> Enterprise | None:
    """The unit with this credit code, whoever asks (callers check what the viewer may see of it)."""
    statement = select(Enterprise).where(Enterprise.credit_code == normalize_credit_code(credit_code))
    return (await session.exec(statement)).first()


async def get_enterprise(session: AsyncSession, actor: Actor, *, credit_code: str) -> Enterprise:
    """The full record, for those who may see it; others get 'not found' (no existence leak)."""
    enterprise = await find_enterprise(session, credit_code)
    if enterprise is not None and can(actor, Operation.ENTERPRISE_VIEW, target_of(enterprise)):
        return enterprise
    if not actor.is_authenticated:
        require(actor, Operation.ENTERPRISE_VIEW)
    raise NotFound(N_("No enterprise with this credit code."), field="credit_code")


async def get_enterprise_public(session: AsyncSession, *, credit_code: str) -> EnterprisePublic:
    enterprise = await find_enterprise(session, credit_code)
    if enterprise is None:
        raise NotFound(N_("No enterprise with this credit code."), field="credit_code")
    return EnterprisePublic.from_model(enterprise)


async def view_enterprise(
    session: AsyncSession, actor: Actor, *, credit_code: str
) -> Enterprise | EnterprisePublic | None:
    """One enterprise as this actor may see it: the full record, else the public identity, else None."""
    enterprise = await find_enterprise(session, credit_code)
    if enterprise is None:
        return None
    if can(actor, Operation.ENTERPRISE_VIEW, target_of(enterprise)):
        return enterprise
    return EnterprisePublic.from_model(enterprise)


async def get_enterprise_by_id(session: AsyncSession, actor: Actor, *, enterprise_id: int) -> Enterprise:
    enterprise = await session.get(Enterprise, enterprise_id)
    if enterprise is None or not can(actor, Operation.ENTERPRISE_VIEW, target_of(enterprise)):
        raise NotFound(N_("No such enterprise."))
    return enterprise


async def enterprises_by_ids(session: AsyncSession, ids: list[int]) -> dict[int, Enterprise]:
    """Batch lookup for dataloaders; callers have already checked access to the referring objects."""
    if not ids:
        return {}
    rows = (await session.exec(select(Enterprise).where(col(Enterprise.id).in_(ids)))).all()
    return {row.id: row for row in rows if row.id is not None}


def _filtered(actor: Actor, filters: EnterpriseFilter) -> Any:
    # The SQL form of can(ENTERPRISE_VIEW): regulators their jurisdiction, the administrator all.
    statement = select(Enterprise).where(allowed(actor, Operation.ENTERPRISE_VIEW, TARGET_COLUMNS))
    query = filters.query.strip()
    if query:
        pattern = f"%{_escape_like(query)}%"
        statement = statement.where(
            sa.or_(
                col(Enterprise.name).like(pattern, escape="\\"),
                col(Enterprise.credit_code).startswith(normalize_credit_code(query), autoescape=True),
            )
        )
    if filters.industry_code:
        statement = statement.where(Enterprise.industry_code == filters.industry_code.strip())
    if filters.region_code:
        # A region and what lies in it: trailing "00" pairs name the level (as the permit list reads it);
        # stripping every trailing zero made Yangpu (310110) also match 310111-310119.
        prefix = filters.region_code.strip()
        while prefix.endswith("00"):
            prefix = prefix[:-2]
        statement = statement.where(col(Enterprise.region_code).startswith(prefix, autoescape=True))
    if filters.management_category:
        statement = statement.where(Enterprise.management_category == filters.management_category)
    return statement


ENTERPRISE_ORDER = (Key(col(Enterprise.name)), Key(col(Enterprise.id)))


def _enterprise_key(enterprise: Enterprise) -> tuple[Any, ...]:
    return (enterprise.name, enterprise.id)


async def list_enterprises(
    session: AsyncSession,
    actor: Actor,
    *,
    filters: EnterpriseFilter | None = None,
    first: int = 20,
    offset: int = 0,
    window: Window | None = None,
) -> Page[Enterprise]:
    """Enterprises of the actor's jurisdiction, searched by name or credit code, by name order
    (numbered pages from ``offset``, or the API's keyset ``window``)."""
    require(actor, Operation.ENTERPRISE_LIST)
    check_page_size(first)
    statement = _filtered(actor, filters or EnterpriseFilter())
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    if window is not None:
        return await keyset_page(
            session, statement, ENTERPRISE_ORDER, window, _enterprise_key, total=int(total)
        )
    rows = (
        await session.exec(statement.order_by(*sort_order(ENTERPRISE_ORDER)).offset(offset).limit(first))
    ).all()
    return Page(items=list(rows), offset=offset, total=int(total))


async def enterprise_history(
    session: AsyncSession, actor: Actor, *, credit_code: str
) -> list[EnterpriseRevision]:
    enterprise = await get_enterprise(session, actor, credit_code=credit_code)
    statement = (
        select(EnterpriseRevision)
        .where(EnterpriseRevision.enterprise_id == enterprise.id)
        .order_by(col(EnterpriseRevision.version).desc())
    )
    return list((await session.exec(statement)).all())


async def sites_of(session: AsyncSession, enterprise_ids: list[int]) -> dict[int, list[ProductionSite]]:
    """The sites of these enterprises, by sequence; callers have checked access to the enterprises."""
    found: dict[int, list[ProductionSite]] = {key: [] for key in enterprise_ids}
    if not enterprise_ids:
        return found
    rows = await session.exec(
        select(ProductionSite)
        .where(col(ProductionSite.enterprise_id).in_(enterprise_ids))
        .order_by(col(ProductionSite.enterprise_id), col(ProductionSite.sequence))
    )
    for site in rows.all():
        found[site.enterprise_id].append(site)
    return found


async def list_sites(session: AsyncSession, actor: Actor, *, credit_code: str) -> list[ProductionSite]:
    enterprise = await get_enterprise(session, actor, credit_code=credit_code)
    assert enterprise.id is not None
    return (await sites_of(session, [enterprise.id]))[enterprise.id]


def may_register(actor: Actor) -> bool:
    return can(actor, Operation.ENTERPRISE_REGISTER, Target(region_code=actor.region_code))


def require_may_register(actor: Actor) -> None:
    require(actor, Operation.ENTERPRISE_REGISTER, Target(region_code=actor.region_code))


def may_edit(actor: Actor, enterprise: Enterprise) -> bool:
    return can(actor, Operation.ENTERPRISE_EDIT, target_of(enterprise))


async def get_enterprise_for_edit(session: AsyncSession, actor: Actor, *, credit_code: str) -> Enterprise:
    enterprise = await get_enterprise(session, actor, credit_code=credit_code)
    require(actor, Operation.ENTERPRISE_EDIT, target_of(enterprise))
    return enterprise
