"""Use cases of the discharge registration (排污登记): file, change, renew, cancel.

Who: the unit's administrator for its own unit, the permitting section of the site's region, the
administrator (the same rule as applying for a permit, ``Operation.PERMIT_APPLY``). A unit not yet
in the register is registered with the form by those who may register enterprises. A site holds
either a permit or a registration, never both in force; a registration brings no permit and no
execution reports.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, require
from domain.audit.service import record
from domain.bounds import day_in_range, out_of_range
from domain.changes.kinds import ObjectType
from domain.clock import today, utcnow
from domain.enterprises.models import Enterprise, ProductionSite
from domain.enterprises.queries import sites_of
from domain.enterprises.rules import EnterpriseInput, ManagementCategory
from domain.enterprises.service import add_site_for_unit, find_site, register_enterprise
from domain.errors import N_, Conflict, FieldError, ValidationFailed
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus
from domain.registrations import rules
from domain.registrations.models import DischargeRegistration, RegistrationRevision
from domain.registrations.queries import RegistrationRecord, get_registration, target_of
from domain.registrations.register_entry import refresh_registration_entry
from domain.registrations.rules import RegistrationInput, RegistrationStatus, RevisionKind

# A permit in these states occupies its site: no registration beside it.
PERMIT_HOLDING = (PermitStatus.APPLIED, PermitStatus.ACCEPTED, PermitStatus.GRANTED, PermitStatus.ISSUED)


def _revision(
    session: AsyncSession,
    actor: Actor,
    found: RegistrationRecord,
    kind: RevisionKind,
    *,
    changed: list[str],
    changed_on: date | None = None,
    late: bool = False,
    note: str = "",
) -> None:
    assert found.registration.id is not None
    session.add(
        RegistrationRevision(
            registration_id=found.registration.id,
            version=found.registration.version,
            kind=kind,
            data=found.snapshot(),
            changed_fields=changed,
            changed_on=changed_on,
            late=late,
            note=note[:500],
            recorded_at=found.registration.updated_at,
            recorded_by_id=actor.user_id,
            recorded_by_username=actor.username,
            on_behalf_of=actor.on_behalf_of,
        )
    )


def _content_of(values: dict[str, str], data: RegistrationInput) -> dict[str, Any]:
    return {
        **{name: values[name] for name in rules.CONTENT_FIELDS},
        "outlets": [entry.as_dict() for entry in data.outlets],
    }


# ---------------------------------------------------------------------------
# File a registration
# ---------------------------------------------------------------------------


async def _unit_for(
    session: AsyncSession, actor: Actor, values: dict[str, str], site: Any
) -> tuple[Enterprise, bool]:
    """The unit the form is for; a unit not yet in the register is registered with it."""
    enterprise = (
        await session.exec(select(Enterprise).where(Enterprise.credit_code == values["credit_code"]))
    ).first()
    if enterprise is not None:
        require(
            actor,
            Operation.PERMIT_APPLY,
            Target(enterprise_id=enterprise.id, region_code=enterprise.region_code),
        )
        if enterprise.name != values["unit_name"]:
            raise ValidationFailed(
                [
                    FieldError(
                        "unit_name",
                        "name_differs",
                        N_(
                            "This credit code is registered as {name}; a change of name is made on the unit's record first."  # noqa: E501
                        ),
                        {"name": enterprise.name},
                    )
                ]
            )
        return enterprise, False
    if not can(actor, Operation.ENTERPRISE_REGISTER, Target(region_code=site.region_code)):
        if not actor.is_authenticated:
            require(actor, Operation.ENTERPRISE_REGISTER)
        raise ValidationFailed(
            [
                FieldError(
                    "credit_code",
                    "unit_not_registered",
                    N_("No unit with this credit code is in the register of your jurisdiction."),
                )
            ]
        )
    enterprise = await register_enterprise(
        session,
        actor,
        data=EnterpriseInput(
            name=values["unit_name"],
            credit_code=values["credit_code"],
            registered_address=values["registered_address"],
            operating_address=site.address,
            legal_representative=values["legal_representative"],
            industry_code=site.industry_code,
            region_code=site.region_code,
            management_category=ManagementCategory.REGISTRATION,
        ),
    )
    return enterprise, True


async def _site_for(
    session: AsyncSession, actor: Actor, enterprise: Enterprise, values: dict[str, str], site: Any
) -> ProductionSite:
    """The site named, else the unit's site at this address, else a new site of the unit."""
    if values["site"]:
        return await find_site(session, enterprise, values["site"])
    assert enterprise.id is not None
    for existing in (await sites_of(session, [enterprise.id]))[enterprise.id]:
        if existing.address == site.address:
            return existing
    return await add_site_for_unit(session, actor, enterprise, site)


async def _check_site_is_free(session: AsyncSession, site: ProductionSite) -> DischargeRegistration | None:
    permit = (
        await session.exec(
            select(Permit).where(Permit.site_id == site.id, col(Permit.status).in_(PERMIT_HOLDING))
        )
    ).first()
    if permit is not None and not (
        permit.status == PermitStatus.ISSUED
        and permit.valid_until is not None
        and permit.valid_until < today()
    ):
        raise ValidationFailed(
            [
                FieldError(
                    "site",
                    "site_has_permit",
                    N_(
                        "Site {site} holds a permit ({number}); a site has a permit or a registration, "
                        "not both."
                    ),
                    {"site": site.code, "number": permit.number or "—"},
                )
            ]
        )
    existing = (
        await session.exec(select(DischargeRegistration).where(DischargeRegistration.site_id == site.id))
    ).first()
    if existing is not None and existing.status == RegistrationStatus.REGISTERED:
        raise ValidationFailed(
            [
                FieldError(
                    "site",
                    "already_registered",
                    N_("Site {site} is already registered ({number}): change or renew that registration."),
                    {"site": site.code, "number": existing.number},
                )
            ]
        )
    return existing


async def file_registration(
    session: AsyncSession, actor: Actor, *, data: RegistrationInput
) -> RegistrationRecord:
    """填报排污登记表: registered today, valid five years. A site whose registration was cancelled is
    registered again under the same number."""
    if not actor.is_authenticated:
        require(actor, Operation.PERMIT_APPLY)
    values, site_values, errors = rules.clean_registration_input(data)
    if errors or site_values is None:
        raise ValidationFailed(errors)
    enterprise, _new = await _unit_for(session, actor, values, site_values)
    site = await _site_for(session, actor, enterprise, values, site_values)
    require(actor, Operation.PERMIT_APPLY, Target(enterprise_id=enterprise.id, region_code=site.region_code))
    previous = await _check_site_is_free(session, site)
    on = today()
    valid_from, valid_until = rules.validity_from(on)
    content = _content_of(values, data)
    assert enterprise.id is not None and site.id is not None
    if previous is None:
        registration = DischargeRegistration(
            number=rules.registration_number(enterprise.credit_code, site.sequence),
            enterprise_id=enterprise.id,
            site_id=site.id,
            region_code=site.region_code,
            industry_code=site.industry_code,
            status=RegistrationStatus.REGISTERED,
            first_registered_on=on,
            valid_from=valid_from,
            valid_until=valid_until,
            **content,
        )
    else:
        registration = previous
        for name, value in content.items():
            setattr(registration, name, value)
        registration.status = RegistrationStatus.REGISTERED
        registration.valid_from, registration.valid_until = valid_from, valid_until
        registration.cancelled_on, registration.cancellation_reason = None, ""
        registration.version += 1
        registration.updated_at = utcnow()
    session.add(registration)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(N_("This site was registered meanwhile; reload the page."), field="site") from None
    found = RegistrationRecord(registration, enterprise, site)
    _revision(session, actor, found, RevisionKind.REGISTERED, changed=list(found.snapshot()))
    record(
        session,
        actor,
        action="registration.file",
        object_type="discharge_registration",
        object_id=registration.number,
        changed={ObjectType.REGISTRATION: registration.id},
        enterprise_id=enterprise.id,
        after=found.snapshot(),
    )
    await refresh_registration_entry(session, registration)  # the public register shows it
    return found


# ---------------------------------------------------------------------------
# Change, renew, cancel
# ---------------------------------------------------------------------------


async def _for_update(session: AsyncSession, actor: Actor, number: str) -> RegistrationRecord:
    found = await get_registration(session, actor, number=number)
    require(actor, Operation.PERMIT_APPLY, target_of(found.registration))
    if found.registration.status == RegistrationStatus.CANCELLED:
        raise Conflict(N_("This registration was cancelled; file a new one for the site."), field="number")
    return found


async def change_registration(
    session: AsyncSession, actor: Actor, *, number: str, data: RegistrationInput, changed_on: date | None
) -> RegistrationRecord:
    """变更登记: within 20 days of the change (Regulation art. 24); a later one is taken and flagged late."""
    found = await _for_update(session, actor, number)
    registration, site = found.registration, found.site
    # The unit's identity is not changed here: it is taken from its record.
    data.unit_name, data.credit_code = found.enterprise.name, found.enterprise.credit_code
    data.legal_representative = data.legal_representative or found.enterprise.legal_representative
    data.region_code = data.region_code or site.region_code
    data.site = ""
    values, site_values, errors = rules.clean_registration_input(data)
    on = today()
    if changed_on is None:
        errors.append(FieldError("changed_on", "required", N_("This field is required.")))
    elif not day_in_range(changed_on):
        errors.append(out_of_range("changed_on"))
    elif changed_on > on:
        errors.append(FieldError("changed_on", "future", N_("This date is in the future.")))
    if site_values is not None and site_values.region_code != site.region_code:
        errors.append(
            FieldError(
                "region_code",
                "site_region_fixed",
                N_("A site does not move to another region; register the new site instead."),
            )
        )
    if errors or site_values is None or changed_on is None:
        raise ValidationFailed(errors)
    before = found.snapshot()
    for name, value in _content_of(values, data).items():
        setattr(registration, name, value)
    site.address, site.industry_code = site_values.address, site_values.industry_code
    if site_values.longitude is not None:
        site.longitude, site.latitude = site_values.longitude, site_values.latitude
    registration.industry_code = site.industry_code
    after = found.snapshot()
    changed = [name for name in after if before[name] != after[name]]
    if not changed:
        raise ValidationFailed([FieldError("", "unchanged", N_("Nothing was changed."))])
    late = rules.change_is_late(changed_on, on)
    registration.version += 1
    registration.updated_at = site.updated_at = utcnow()
    session.add_all([registration, site])
    await session.flush()
    _revision(session, actor, found, RevisionKind.CHANGED, changed=changed, changed_on=changed_on, late=late)
    record(
        session,
        actor,
        action="registration.change",
        object_type="discharge_registration",
        object_id=registration.number,
        changed={ObjectType.REGISTRATION: registration.id},
        enterprise_id=found.enterprise.id,
        before={k: before[k] for k in changed},
        after={**{k: after[k] for k in changed}, "changed_on": changed_on.isoformat(), "late": late},
    )
    await refresh_registration_entry(session, registration)  # the public register shows it
    return found


async def renew_registration(session: AsyncSession, actor: Actor, *, number: str) -> RegistrationRecord:
    """延续: open in the last 90 days of the validity and after it; the new five years follow on."""
    found = await _for_update(session, actor, number)
    registration = found.registration
    on = today()
    opens = rules.renewal_opens(registration.valid_until)
    if on < opens:
        raise ValidationFailed(
            [
                FieldError(
                    "number",
                    "renewal_not_open",
                    N_("This registration is valid until {until}; it can be renewed from {opens}."),
                    {"until": registration.valid_until.isoformat(), "opens": opens.isoformat()},
                )
            ]
        )
    before = found.snapshot()
    registration.valid_from, registration.valid_until = rules.renewed_validity(registration.valid_until, on)
    registration.version += 1
    registration.updated_at = utcnow()
    session.add(registration)
    await session.flush()
    _revision(session, actor, found, RevisionKind.RENEWED, changed=["valid_from", "valid_until"])
    record(
        session,
        actor,
        action="registration.renew",
        object_type="discharge_registration",
        object_id=registration.number,
        changed={ObjectType.REGISTRATION: registration.id},
        enterprise_id=found.enterprise.id,
        before={"valid_from": before["valid_from"], "valid_until": before["valid_until"]},
        after={
            "valid_from": registration.valid_from.isoformat(),
            "valid_until": registration.valid_until.isoformat(),
        },
    )
    await refresh_registration_entry(session, registration)  # the public register shows it
    return found


async def cancel_registration(
    session: AsyncSession, actor: Actor, *, number: str, reason: str
) -> RegistrationRecord:
    """注销: the unit no longer discharges at the site (closed, moved, or it now holds a permit)."""
    found = await _for_update(session, actor, number)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([FieldError("reason", "required", N_("This field is required."))])
    if len(reason) > 500:
        raise ValidationFailed(
            [
                FieldError(
                    "reason",
                    "too_long",
                    N_("At most {limit} characters (got {length})."),
                    {"limit": 500, "length": len(reason)},
                )
            ]
        )
    registration = found.registration
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_on = today()
    registration.cancellation_reason = reason
    registration.version += 1
    registration.updated_at = utcnow()
    session.add(registration)
    await session.flush()
    _revision(session, actor, found, RevisionKind.CANCELLED, changed=["status"], note=reason)
    record(
        session,
        actor,
        action="registration.cancel",
        object_type="discharge_registration",
        object_id=registration.number,
        changed={ObjectType.REGISTRATION: registration.id},
        enterprise_id=found.enterprise.id,
        before={"status": RegistrationStatus.REGISTERED.value},
        after={"status": RegistrationStatus.CANCELLED.value, "reason": reason},
    )
    await refresh_registration_entry(session, registration)  # the public register shows it
    return found
