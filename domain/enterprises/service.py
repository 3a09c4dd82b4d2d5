"""Use cases for enterprises: register, edit (keeping every version), read, search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, jurisdiction_prefix, require
from domain.audit.service import record
from domain.clock import utcnow
from domain.enterprises.models import (
    PERSONAL_FIELDS,
    SNAPSHOT_FIELDS,
    Enterprise,
    EnterpriseRevision,
    ProductionSite,
)
from domain.enterprises.rules import (
    MAX_SITE_SEQUENCE,
    CleanSite,
    EnterpriseInput,
    SiteInput,
    clean_enterprise_input,
    clean_site_input,
    normalize_credit_code,
    site_sequence_error,
)
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed
from domain.pagination import Page, check_page_size


def target_of(enterprise: Enterprise) -> Target:
    return Target(enterprise_id=enterprise.id, region_code=enterprise.region_code)


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


async def _find(session: AsyncSession, credit_code: str) -> Enterprise | None:
    statement = select(Enterprise).where(Enterprise.credit_code == normalize_credit_code(credit_code))
    return (await session.exec(statement)).first()


def _add_revision(session: AsyncSession, actor: Actor, enterprise: Enterprise, changed: list[str]) -> None:
    assert enterprise.id is not None
    session.add(
        EnterpriseRevision(
            enterprise_id=enterprise.id,
            version=enterprise.version,
            data=enterprise.snapshot(),
            changed_fields=changed,
            changed_at=enterprise.updated_at,
            changed_by_id=actor.user_id,
            changed_by_username=actor.username,
            on_behalf_of=actor.on_behalf_of,
        )
    )


async def register_enterprise(session: AsyncSession, actor: Actor, *, data: EnterpriseInput) -> Enterprise:
    """Register a pollutant discharge unit (permitting section of its region, or the administrator)."""
    # Refuse those who may never register before telling them anything about their input.
    require(actor, Operation.ENTERPRISE_REGISTER, Target(region_code=actor.region_code))
    cleaned, errors = clean_enterprise_input(data)
    if errors:
        raise ValidationFailed(errors)
    if not can(actor, Operation.ENTERPRISE_REGISTER, Target(region_code=cleaned.region_code)):
        raise ValidationFailed(
            [
                FieldError(
                    "region_code", "outside_jurisdiction", N_("This region is outside your jurisdiction.")
                )
            ]
        )
    if await _find(session, cleaned.credit_code) is not None:
        raise ValidationFailed(
            [
                FieldError(
                    "credit_code",
                    "duplicate",
                    N_("An enterprise with this credit code is already registered."),
                )
            ]
        )
    now = utcnow()
    enterprise = Enterprise.model_validate(
        {**cleaned.as_dict(), "version": 1, "created_at": now, "updated_at": now}
    )
    session.add(enterprise)
    try:
        await session.flush()
    except IntegrityError:
        raise ValidationFailed(
            [
                FieldError(
                    "credit_code",
                    "duplicate",
                    N_("An enterprise with this credit code is already registered."),
                )
            ]
        ) from None
    _add_revision(session, actor, enterprise, list(SNAPSHOT_FIELDS))
    record(
        session,
        actor,
        action="enterprise.register",
        object_type="enterprise",
        object_id=enterprise.credit_code,
        after=enterprise.snapshot(),
    )
    # Every unit has its first production site (001) where it operates; the registration's audit
    # entry (operating address, region, industry) already tells it.
    await _write_site(
        session,
        actor,
        enterprise,
        CleanSite(
            name=enterprise.name,
            address=enterprise.operating_address,
            region_code=enterprise.region_code,
            industry_code=enterprise.industry_code,
            longitude=None,
            latitude=None,
        ),
        sequence=1,
        audited=False,
    )
    return enterprise


# ---------------------------------------------------------------------------
# Production sites (生产经营场所): one permit or registration per site
# ---------------------------------------------------------------------------


def site_target(site: ProductionSite) -> Target:
    return Target(enterprise_id=site.enterprise_id, region_code=site.region_code)


async def _write_site(
    session: AsyncSession,
    actor: Actor,
    enterprise: Enterprise,
    cleaned: CleanSite,
    *,
    sequence: int,
    audited: bool = True,
) -> ProductionSite:
    assert enterprise.id is not None
    now = utcnow()
    site = ProductionSite(
        enterprise_id=enterprise.id,
        sequence=sequence,
        name=cleaned.name,
        address=cleaned.address,
        region_code=cleaned.region_code,
        industry_code=cleaned.industry_code,
        longitude=cleaned.longitude,
        latitude=cleaned.latitude,
        created_at=now,
        updated_at=now,
    )
    session.add(site)
    await session.flush()
    if audited:
        record(
            session,
            actor,
            action="site.add",
            object_type="production_site",
            object_id=f"{enterprise.credit_code}-{site.code}",
            after=site.snapshot(),
        )
    return site


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


async def find_site(
    session: AsyncSession, enterprise: Enterprise, raw_sequence: str, *, field: str = "site"
) -> ProductionSite:
    """The unit's site by its sequence as typed; with none typed, its only site. Errors name ``field``."""
    sites = (await sites_of(session, [enterprise.id or 0]))[enterprise.id or 0]
    if not (raw_sequence or "").strip():
        if len(sites) == 1:
            return sites[0]
        raise ValidationFailed(
            [
                FieldError(
                    field,
                    "site_required",
                    N_("This unit has {count} production sites: choose one ({sites})."),
                    {"count": len(sites), "sites": ", ".join(f"{s.code} {s.address}" for s in sites)},
                )
            ]
        )
    sequence, problem = site_sequence_error(raw_sequence, field)
    if problem:
        raise ValidationFailed([problem])
    for site in sites:
        if site.sequence == sequence:
            return site
    raise ValidationFailed(
        [
            FieldError(
                field,
                "site_not_found",
                N_("This unit has no production site {site}."),
                {"site": f"{sequence:03d}"},
            )
        ]
    )


async def add_site(
    session: AsyncSession, actor: Actor, *, credit_code: str, data: SiteInput
) -> ProductionSite:
    """Add a production site to a unit; it takes the next sequence (002, 003 ...)."""
    enterprise = await get_enterprise_for_edit(session, actor, credit_code=credit_code)
    cleaned, errors = clean_site_input(data)
    if cleaned is not None and not can(
        actor, Operation.ENTERPRISE_EDIT, Target(enterprise_id=enterprise.id, region_code=cleaned.region_code)
    ):
        errors.append(
            FieldError("region_code", "outside_jurisdiction", N_("This region is outside your jurisdiction."))
        )
    if errors or cleaned is None:
        raise ValidationFailed(errors)
    return await add_site_for_unit(session, actor, enterprise, cleaned)


async def add_site_for_unit(
    session: AsyncSession, actor: Actor, enterprise: Enterprise, cleaned: CleanSite
) -> ProductionSite:
    """The unit's next site (002, 003 ...). The caller has checked the actor may declare it: the
    permitting section adding a site, or the unit registering a new site's discharges."""
    assert enterprise.id is not None
    last = (
        await session.exec(
            select(func.max(ProductionSite.sequence)).where(ProductionSite.enterprise_id == enterprise.id)
        )
    ).one()
    sequence = int(last or 0) + 1
    if sequence > MAX_SITE_SEQUENCE:
        raise ValidationFailed(
            [FieldError("name", "too_many_sites", N_("A unit has at most 999 production sites."))]
        )
    try:
        return await _write_site(session, actor, enterprise, cleaned, sequence=sequence)
    except IntegrityError:
        raise Conflict(
            N_("Someone else added a site to this unit meanwhile; reload and add it again."), field="name"
        ) from None


async def update_enterprise(
    session: AsyncSession,
    actor: Actor,
    *,
    credit_code: str,
    data: EnterpriseInput,
    expected_version: int | None = None,
) -> Enterprise:
    """Edit an enterprise; the previous version stays readable in its history."""
    enterprise = await get_enterprise(session, actor, credit_code=credit_code)
    require(actor, Operation.ENTERPRISE_EDIT, target_of(enterprise))
    data.credit_code = data.credit_code or enterprise.credit_code
    cleaned, errors = clean_enterprise_input(data)
    if not any(e.field == "credit_code" for e in errors) and cleaned.credit_code != enterprise.credit_code:
        errors.append(
            FieldError(
                "credit_code",
                "immutable",
                N_("The credit code identifies the enterprise and cannot be changed."),
            )
        )
    if errors:
        raise ValidationFailed(errors)
    # Moving a unit to another region must stay within the editor's own jurisdiction.
    if not can(actor, Operation.ENTERPRISE_EDIT, Target(region_code=cleaned.region_code)):
        raise ValidationFailed(
            [
                FieldError(
                    "region_code", "outside_jurisdiction", N_("This region is outside your jurisdiction.")
                )
            ]
        )
    if expected_version is not None and expected_version != enterprise.version:
        raise Conflict(
            N_(
                "Someone else changed this enterprise meanwhile (now version {current}); reload and edit again."  # noqa: E501
            ),
            field="version",
            params={"current": enterprise.version},
        )
    before = enterprise.snapshot()
    after = cleaned.as_dict()
    changed = [name for name in SNAPSHOT_FIELDS if before[name] != after[name]]
    if not changed:
        return enterprise
    for name in changed:
        setattr(enterprise, name, after[name])
    enterprise.version += 1
    enterprise.updated_at = utcnow()
    session.add(enterprise)
    await session.flush()
    _add_revision(session, actor, enterprise, changed)
    record(
        session,
        actor,
        action="enterprise.update",
        object_type="enterprise",
        object_id=enterprise.credit_code,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return enterprise


async def get_enterprise(session: AsyncSession, actor: Actor, *, credit_code: str) -> Enterprise:
    """The full record, for those who may see it; others get 'not found' (no existence leak)."""
    enterprise = await _find(session, credit_code)
    if enterprise is not None and can(actor, Operation.ENTERPRISE_VIEW, target_of(enterprise)):
        return enterprise
    if not actor.is_authenticated:
        require(actor, Operation.ENTERPRISE_VIEW)
    raise NotFound(N_("No enterprise with this credit code."), field="credit_code")


async def get_enterprise_public(session: AsyncSession, *, credit_code: str) -> EnterprisePublic:
    enterprise = await _find(session, credit_code)
    if enterprise is None:
        raise NotFound(N_("No enterprise with this credit code."), field="credit_code")
    return EnterprisePublic.from_model(enterprise)


async def view_enterprise(
    session: AsyncSession, actor: Actor, *, credit_code: str
) -> Enterprise | EnterprisePublic | None:
    """One enterprise as this actor may see it: the full record, else the public identity, else None."""
    enterprise = await _find(session, credit_code)
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
    statement = select(Enterprise)
    prefix = jurisdiction_prefix(actor)
    if prefix is not None:
        statement = statement.where(col(Enterprise.region_code).startswith(prefix, autoescape=True))
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
        statement = statement.where(
            col(Enterprise.region_code).startswith(
                filters.region_code.strip().rstrip("0") or "", autoescape=True
            )
        )
    if filters.management_category:
        statement = statement.where(Enterprise.management_category == filters.management_category)
    return statement


async def list_enterprises(
    session: AsyncSession,
    actor: Actor,
    *,
    filters: EnterpriseFilter | None = None,
    first: int = 20,
    offset: int = 0,
) -> Page[Enterprise]:
    """Enterprises of the actor's jurisdiction, searched by name or credit code, by name order."""
    require(actor, Operation.ENTERPRISE_LIST)
    check_page_size(first)
    statement = _filtered(actor, filters or EnterpriseFilter())
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = (
        await session.exec(
            statement.order_by(col(Enterprise.name), col(Enterprise.id)).offset(offset).limit(first)
        )
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


async def check_enterprise_input(
    session: AsyncSession, actor: Actor, *, data: EnterpriseInput, credit_code_of_existing: str | None = None
) -> list[FieldError]:
    """Every problem the input has, without writing anything (inline validation of forms)."""
    if credit_code_of_existing is None:
        require_may_register(actor)
    else:
        await get_enterprise_for_edit(session, actor, credit_code=credit_code_of_existing)
        data.credit_code = data.credit_code or credit_code_of_existing
    cleaned, errors = clean_enterprise_input(data)
    bad = {e.field for e in errors}
    if (
        credit_code_of_existing is None
        and "credit_code" not in bad
        and await _find(session, cleaned.credit_code) is not None
    ):
        errors.append(
            FieldError(
                "credit_code", "duplicate", N_("An enterprise with this credit code is already registered.")
            )
        )
    if (
        "region_code" not in bad
        and cleaned.region_code
        and not can(actor, Operation.ENTERPRISE_REGISTER, Target(region_code=cleaned.region_code))
    ):
        errors.append(
            FieldError("region_code", "outside_jurisdiction", N_("This region is outside your jurisdiction."))
        )
    return errors


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
