"""Use cases of the enterprise register: register a unit, edit it (keeping every version), add a production
site. The forms' inline checks ask the same rules without writing (``check_enterprise_input``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can
from domain.audit.service import entry_values, record, record_many
from domain.clock import utcnow
from domain.db import insert_rows
from domain.enterprises.models import SNAPSHOT_FIELDS, Enterprise, EnterpriseRevision, ProductionSite
from domain.enterprises.public_register import rename_unit
from domain.enterprises.queries import (
    find_enterprise,
    get_enterprise_for_edit,
    require_may_register,
    sites_of,
)
from domain.enterprises.rules import (
    MAX_SITE_SEQUENCE,
    CleanSite,
    EnterpriseInput,
    SiteInput,
    clean_enterprise_input,
    clean_site_input,
    site_sequence_error,
)
from domain.errors import N_, Conflict, FieldError, ValidationFailed


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


def _duplicate() -> FieldError:
    return FieldError(
        "credit_code", "duplicate", N_("An enterprise with this credit code is already registered.")
    )


def _outside_jurisdiction() -> FieldError:
    return FieldError("region_code", "outside_jurisdiction", N_("This region is outside your jurisdiction."))


async def _registration_errors(
    session: AsyncSession, actor: Actor, data: EnterpriseInput
) -> tuple[EnterpriseInput, list[FieldError]]:
    """Every problem of a new unit's record: its fields, a credit code already registered, a region
    outside the registering regulator's jurisdiction."""
    cleaned, errors = clean_enterprise_input(data)
    bad = {e.field for e in errors}
    if "credit_code" not in bad and await find_enterprise(session, cleaned.credit_code) is not None:
        errors.append(_duplicate())
    if "region_code" not in bad and not can(
        actor, Operation.ENTERPRISE_REGISTER, Target(region_code=cleaned.region_code)
    ):
        errors.append(_outside_jurisdiction())
    return cleaned, errors


def _edit_errors(
    actor: Actor, enterprise: Enterprise, data: EnterpriseInput
) -> tuple[EnterpriseInput, list[FieldError]]:
    """Every problem of a unit's edited record: its fields, a changed credit code (it identifies the unit),
    a move to a region outside the editor's jurisdiction."""
    data.credit_code = data.credit_code or enterprise.credit_code
    cleaned, errors = clean_enterprise_input(data)
    bad = {e.field for e in errors}
    if "credit_code" not in bad and cleaned.credit_code != enterprise.credit_code:
        errors.append(
            FieldError(
                "credit_code",
                "immutable",
                N_("The credit code identifies the enterprise and cannot be changed."),
            )
        )
    if "region_code" not in bad and not can(
        actor, Operation.ENTERPRISE_EDIT, Target(region_code=cleaned.region_code)
    ):
        errors.append(_outside_jurisdiction())
    return cleaned, errors


async def register_enterprise(session: AsyncSession, actor: Actor, *, data: EnterpriseInput) -> Enterprise:
    """Register a pollutant discharge unit (permitting section of its region, or the administrator)."""
    # Refuse those who may never register before telling them anything about their input.
    require_may_register(actor)
    cleaned, errors = await _registration_errors(session, actor, data)
    if errors:
        raise ValidationFailed(errors)
    now = utcnow()
    enterprise = Enterprise.model_validate(
        {**cleaned.as_dict(), "version": 1, "created_at": now, "updated_at": now}
    )
    session.add(enterprise)
    try:
        await session.flush()
    except IntegrityError:
        raise ValidationFailed([_duplicate()]) from None
    _add_revision(session, actor, enterprise, list(SNAPSHOT_FIELDS))
    record(
        session,
        actor,
        action="enterprise.register",
        object_type="enterprise",
        object_id=enterprise.credit_code,
        enterprise_id=enterprise.id,
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


MAX_REGISTRATIONS = 1000  # units in one call of register_enterprises


async def register_enterprises(
    session: AsyncSession, actor: Actor, *, data: Sequence[EnterpriseInput]
) -> list[Enterprise]:
    """Register many units at once: all of them or, on any problem, none.

    For an operator loading a register of units (a district's list, the national platform's units
    before their permits are imported). Each row is checked by the rules of ``register_enterprise``
    (its errors named ``rows[N].<field>``, rows from 1) and written as it writes one: the record, its
    first revision, its site 001, its audit entry; one statement per table for all the rows."""
    require_may_register(actor)
    if not data:
        raise ValidationFailed([FieldError("rows", "required", N_("This field is required."))])
    if len(data) > MAX_REGISTRATIONS:
        raise ValidationFailed(
            [FieldError("rows", "too_many", N_("At most {limit} entries."), {"limit": MAX_REGISTRATIONS})]
        )
    cleaned = [clean_enterprise_input(item) for item in data]
    codes = [unit.credit_code for unit, _ in cleaned]
    taken = set(
        (
            await session.exec(select(Enterprise.credit_code).where(col(Enterprise.credit_code).in_(codes)))
        ).all()
    )
    problems: list[FieldError] = []
    for row, (unit, errors) in enumerate(cleaned, start=1):
        bad = {e.field for e in errors}
        if "credit_code" not in bad and unit.credit_code in taken:  # registered, or in an earlier row
            errors.append(_duplicate())
        taken.add(unit.credit_code)
        if "region_code" not in bad and not can(
            actor, Operation.ENTERPRISE_REGISTER, Target(region_code=unit.region_code)
        ):
            errors.append(_outside_jurisdiction())
        problems += [FieldError(f"rows[{row}].{e.field}", e.code, e.message, e.params) for e in errors]
    if problems:
        raise ValidationFailed(problems)
    rows = [unit.as_dict() for unit, _ in cleaned]
    now = utcnow()
    try:
        written = await insert_rows(
            session,
            Enterprise.__table__,  # type: ignore[attr-defined]
            [{**row, "version": 1, "created_at": now, "updated_at": now} for row in rows],
            returning=("id", "credit_code"),
        )
    except IntegrityError:  # registered by someone else meanwhile
        raise ValidationFailed([FieldError("rows", "duplicate", _duplicate().message)]) from None
    ids = {code: enterprise_id for enterprise_id, code in written}
    by = {
        "changed_by_id": actor.user_id,
        "changed_by_username": actor.username,
        "on_behalf_of": actor.on_behalf_of,
    }
    await insert_rows(
        session,
        EnterpriseRevision.__table__,  # type: ignore[attr-defined]
        [
            {
                "enterprise_id": ids[row["credit_code"]],
                "version": 1,
                "data": _snapshot(row),
                "changed_fields": list(SNAPSHOT_FIELDS),
                "changed_at": now,
                **by,
            }
            for row in rows
        ],
    )
    # Every unit's first site (001) where it operates; the registration's audit entry already tells it.
    await insert_rows(
        session,
        ProductionSite.__table__,  # type: ignore[attr-defined]
        [
            {
                "enterprise_id": ids[row["credit_code"]],
                "sequence": 1,
                "name": row["name"],
                "address": row["operating_address"],
                "region_code": row["region_code"],
                "industry_code": row["industry_code"],
                "longitude": None,
                "latitude": None,
                "created_at": now,
                "updated_at": now,
            }
            for row in rows
        ],
    )
    await record_many(
        session,
        [
            entry_values(
                actor,
                action="enterprise.register",
                object_type="enterprise",
                object_id=row["credit_code"],
                enterprise_id=ids[row["credit_code"]],
                after=_snapshot(row),
            )
            for row in rows
        ],
    )
    found = (await session.exec(select(Enterprise).where(col(Enterprise.id).in_(list(ids.values()))))).all()
    order = {code: row for row, code in enumerate(codes)}
    return sorted(found, key=lambda enterprise: order[enterprise.credit_code])


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in SNAPSHOT_FIELDS}


async def update_enterprise(
    session: AsyncSession,
    actor: Actor,
    *,
    credit_code: str,
    data: EnterpriseInput,
    expected_version: int | None = None,
) -> Enterprise:
    """Edit an enterprise; the previous version stays readable in its history."""
    enterprise = await get_enterprise_for_edit(session, actor, credit_code=credit_code)
    cleaned, errors = _edit_errors(actor, enterprise, data)
    if errors:
        raise ValidationFailed(errors)
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
        enterprise_id=enterprise.id,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    if "name" in changed:  # the public register lists the unit's permits and registrations by its name
        assert enterprise.id is not None
        await rename_unit(session, enterprise_id=enterprise.id, name=enterprise.name)
    return enterprise


async def check_enterprise_input(
    session: AsyncSession, actor: Actor, *, data: EnterpriseInput, credit_code_of_existing: str | None = None
) -> list[FieldError]:
    """Every problem the input has, by the rules of registering (or, for an existing unit, editing) it,
    without writing anything (inline validation of forms)."""
    if credit_code_of_existing is None:
        require_may_register(actor)
        return (await _registration_errors(session, actor, data))[1]
    enterprise = await get_enterprise_for_edit(session, actor, credit_code=credit_code_of_existing)
    return _edit_errors(actor, enterprise, data)[1]


# ---------------------------------------------------------------------------
# Production sites (生产经营场所): one permit or registration per site
# ---------------------------------------------------------------------------


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
            enterprise_id=enterprise.id,
            after=site.snapshot(),
        )
    return site


async def find_site(
    session: AsyncSession, enterprise: Enterprise, raw_sequence: str, *, field: str = "site"
) -> ProductionSite:
    """The unit's site by its sequence as typed; with none typed, its only site. Errors name ``field``.
    (For use cases: the caller has checked the actor may act for the unit.)"""
    return pick_site(
        (await sites_of(session, [enterprise.id or 0]))[enterprise.id or 0], raw_sequence, field=field
    )


def pick_site(sites: list[ProductionSite], raw_sequence: str, *, field: str = "site") -> ProductionSite:
    """``find_site`` among a unit's sites already read (``sites_of``), for use cases that read many units'."""
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
        errors.append(_outside_jurisdiction())
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
