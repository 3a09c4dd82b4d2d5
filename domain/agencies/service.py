"""Use cases for third-party service agencies: registration (备案), review, authorisations, credit events
(AP (12), actions 38-40; JN ch. 2 (3), ch. 3 (3)). Both faces call these, with the same rules and errors;
the rules themselves (what each must hold, the credit formula) are in ``domain.agencies.rules``.
"""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Role, Target, can, require
from domain.accounts import passwords
from domain.accounts.models import User
from domain.accounts.queries import find_user
from domain.accounts.rules import MAX_DISPLAY_NAME_LENGTH, email_error, username_error
from domain.agencies import notices
from domain.agencies.models import Agency, AgencyAuthorisation, CreditEvent
from domain.agencies.queries.lookup import agency_by_code, find_agency
from domain.agencies.rules import (
    CREDIT_POINTS,
    DECISIONS,
    REVOKE_REASON_LIMIT,
    SERIOUS_KINDS,
    USERNAME_SUFFIX_CHARS,
    AgencyInput,
    AuthorisationInput,
    StaffInput,
    agency_errors,
    agency_target,
    authorisation_errors,
    requested_username_error,
    review_errors,
    stored_qualifications,
)
from domain.audit.service import record
from domain.bounds import too_long
from domain.clock import utcnow
from domain.enterprises.models import Enterprise
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed

# ---------------------------------------------------------------------------
# Registration and review
# ---------------------------------------------------------------------------


def _suffixed(username: str) -> str:
    return f"{username}-{''.join(secrets.choice(USERNAME_SUFFIX_CHARS) for _ in range(4))}"


async def _free_username(session: AsyncSession, requested: str, taken: set[str]) -> str:
    """The requested name with a random suffix that nobody holds. The answer is the same whether or not the
    requested name itself exists, so registering tells nobody which usernames exist."""
    while True:
        candidate = _suffixed(requested)
        if (
            candidate not in taken
            and not (await session.exec(select(User.id).where(User.username == candidate))).first()
        ):
            return candidate


async def _staff_errors(
    session: AsyncSession, staff: list[StaffInput], *, exact: bool, agency_name: str
) -> list[FieldError]:
    """Each staff member's login (exact, or asked for and suffixed), name, address and password."""
    errors: list[FieldError] = []
    if not staff:
        errors.append(FieldError("staff", "required", N_("Register at least one staff member with a login.")))
    seen: set[str] = set()
    for index, member in enumerate(staff):
        at = f"staff[{index}]"
        username = (member.username or "").strip().lower()
        member.username = username
        member.display_name = (member.display_name or "").strip()
        member.email = (member.email or "").strip() or None
        format_error = (
            username_error(username, f"{at}.username")
            if exact
            else requested_username_error(username, f"{at}.username")
        )
        if format_error:
            errors.append(format_error)
        elif username in seen:
            errors.append(
                FieldError(f"{at}.username", "repeated", N_("Each staff member needs their own name."))
            )
        elif exact and await find_user(session, username=username) is not None:
            errors.append(FieldError(f"{at}.username", "duplicate", N_("This username is taken.")))
        seen.add(username)
        errors += [
            e
            for e in (
                too_long(f"{at}.display_name", member.display_name, MAX_DISPLAY_NAME_LENGTH),
                email_error(member.email, f"{at}.email"),
            )
            if e
        ]
        errors += await passwords.password_errors(
            member.password or "",
            username,
            f"{at}.password",
            hints=(member.display_name, member.email or "", agency_name),
        )
    return errors


async def register_agency(
    session: AsyncSession, actor: Actor, *, data: AgencyInput, staff: list[StaffInput]
) -> Agency:
    """An agency registers itself (anyone may file; it acts for no one until approved).

    Anyone may register, so a registration must not reveal whether a username exists: each staff member's
    login is the name they asked for plus a random suffix (``lvyuan-li`` becomes e.g. ``lvyuan-li-k7m2``),
    written back into ``staff`` and shown to the registrant once registered. Only the administrator (and
    the operator on the command line, the demo) chooses exact usernames, and is told when one is taken.
    Passwords must be hard to guess.
    """
    exact = actor.is_admin
    errors = agency_errors(data)
    errors += await _staff_errors(session, staff, exact=exact, agency_name=data.name)
    if not errors and await agency_by_code(session, data.credit_code) is not None:
        errors.append(
            FieldError(
                "credit_code", "duplicate", N_("An agency with this credit code is already registered.")
            )
        )
    if errors:
        raise ValidationFailed(errors)
    agency = Agency(
        credit_code=data.credit_code,
        name=data.name,
        address=data.address,
        region_code=data.region_code,
        contact_person=data.contact_person,
        contact_phone=data.contact_phone,
        service_types=list(data.service_types or []),
        qualifications=stored_qualifications(data),
    )
    session.add(agency)
    await session.flush()
    assigned: set[str] = set()
    for member in staff:
        if not exact:
            member.username = await _free_username(session, member.username, assigned)
        assigned.add(member.username)
        session.add(
            User(
                username=member.username,
                display_name=member.display_name or member.username,
                email=member.email,
                password_hash=await passwords.hash_password_async(member.password),
                role=Role.AGENCY_STAFF.value,
                agency_id=agency.id,
            )
        )
    record(
        session,
        actor,
        action="agency.register",
        object_type="agency",
        object_id=agency.credit_code,
        enterprise_id=None,
        after={"name": agency.name, "staff": [m.username for m in staff], "services": agency.service_types},
    )
    return agency


async def review_agency(
    session: AsyncSession, actor: Actor, *, credit_code: str, decision: str, reason: str = ""
) -> Agency:
    """Legal and credit section: approve, reject (with reasons) or suspend an agency of its jurisdiction.

    The agency's staff are told (and, on suspension, the units it acts for) in the same transaction."""
    require(actor, Operation.AGENCY_REVIEW_LIST)
    agency = await find_agency(session, credit_code)
    require(actor, Operation.AGENCY_REVIEW, agency_target(agency))
    reason = (reason or "").strip()
    problems = review_errors(decision, reason)
    if any(p.field == "decision" for p in problems):
        raise ValidationFailed(problems)
    follows, status = DECISIONS[decision]
    if agency.status not in follows:
        raise Conflict(
            N_("The agency is {status}; that decision is not possible now."),
            field="decision",
            params={"status": agency.status},
        )
    if problems:
        raise ValidationFailed(problems)
    before = agency.status
    agency.status = status
    agency.status_reason = reason
    agency.status_changed_at, agency.status_changed_by = utcnow(), actor.username
    session.add(agency)
    record(
        session,
        actor,
        action=f"agency.{decision}",
        object_type="agency",
        object_id=agency.credit_code,
        enterprise_id=None,
        before={"status": before},
        after={"status": agency.status, "reason": reason[:500]},
    )
    await session.flush()
    await notices.agency_status_changed(session, agency)
    return agency


# ---------------------------------------------------------------------------
# Authorisations
# ---------------------------------------------------------------------------


def _unit_target(enterprise: Enterprise) -> Target:
    return Target(enterprise_id=enterprise.id, region_code=enterprise.region_code)


async def authorise_agency(
    session: AsyncSession, actor: Actor, *, data: AuthorisationInput
) -> AgencyAuthorisation:
    """The enterprise administrator authorises an approved agency for chosen scopes and a time window,
    with the contract's number and, if attached, its scan (a PDF, JPG or PNG of at most 10 MB)."""
    if actor.enterprise_id is None:
        require(actor, Operation.AGENCY_AUTHORISE, Target())
    enterprise = await session.get(Enterprise, actor.enterprise_id)
    assert enterprise is not None
    require(actor, Operation.AGENCY_AUTHORISE, _unit_target(enterprise))
    errors: list[FieldError] = []
    agency = await agency_by_code(session, data.agency_credit_code)
    if agency is None:
        errors.append(FieldError("agency_credit_code", "not_found", N_("No agency with this credit code.")))
    elif agency.status != "approved":
        errors.append(
            FieldError(
                "agency_credit_code",
                "agency_not_approved",
                N_("This agency is not approved ({status}); it cannot act for anyone."),
                {"status": agency.status},
            )
        )
    errors += authorisation_errors(data)
    if agency is not None and not any(e.field == "scopes" for e in errors):
        missing = [s for s in data.scopes if s not in agency.service_types]
        if missing:
            errors.append(
                FieldError(
                    "scopes",
                    "not_offered",
                    N_("The agency is not registered for: {scopes}."),
                    {"scopes": ", ".join(missing)},
                )
            )
    if errors:
        raise ValidationFailed(errors)
    assert agency is not None and agency.id is not None and enterprise.id is not None
    assert data.valid_from is not None and data.valid_until is not None
    authorisation = AgencyAuthorisation(
        agency_id=agency.id,
        enterprise_id=enterprise.id,
        scopes=sorted(set(data.scopes)),
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        contract_number=data.contract_number,
        contract_file_name=data.contract_file_name if data.contract_file is not None else "",
        contract_file=data.contract_file,
        created_by=actor.username or "",
    )
    session.add(authorisation)
    await session.flush()
    record(
        session,
        actor,
        action="agency.authorise",
        object_type="agency_authorisation",
        object_id=authorisation.id or 0,
        enterprise_id=enterprise.id,
        after={
            "agency": agency.credit_code,
            "enterprise": enterprise.credit_code,
            "scopes": authorisation.scopes,
            "valid_from": data.valid_from.isoformat(),
            "valid_until": data.valid_until.isoformat(),
            "contract": data.contract_number,
        },
    )
    await notices.authorisation_changed(session, authorisation, agency=agency, enterprise=enterprise)
    return authorisation


async def revoke_authorisation(
    session: AsyncSession, actor: Actor, *, authorisation_id: int, reason: str = ""
) -> AgencyAuthorisation:
    """The unit's administrator revokes an authorisation (the reason, optional, is told the agency);
    revoking one already revoked changes nothing. Anyone else is told there is no such authorisation."""
    authorisation = await session.get(AgencyAuthorisation, authorisation_id)
    enterprise = await session.get(Enterprise, authorisation.enterprise_id) if authorisation else None
    if (
        authorisation is None
        or enterprise is None
        or not can(actor, Operation.AGENCY_AUTHORISE, _unit_target(enterprise))
    ):
        raise NotFound(N_("No such authorisation."), field="authorisation")
    reason = (reason or "").strip()
    if problem := too_long("reason", reason, REVOKE_REASON_LIMIT):
        raise ValidationFailed([problem])
    if authorisation.revoked_at is None:
        authorisation.revoked_at, authorisation.revoked_by = utcnow(), actor.username
        authorisation.revoke_reason = reason
        session.add(authorisation)
        record(
            session,
            actor,
            action="agency.revoke_authorisation",
            object_type="agency_authorisation",
            object_id=authorisation_id,
            enterprise_id=authorisation.enterprise_id,
            after={"revoked": True, "reason": authorisation.revoke_reason},
        )
        agency = await session.get(Agency, authorisation.agency_id)
        assert agency is not None
        await notices.authorisation_changed(session, authorisation, agency=agency, enterprise=enterprise)
    return authorisation


# ---------------------------------------------------------------------------
# Credit
# ---------------------------------------------------------------------------


async def add_credit_event(
    session: AsyncSession,
    *,
    agency_id: int,
    kind: str,
    source_type: str,
    source_id: str,
    note: str = "",
    recorded_by: str | None = None,
    points: float | None = None,
) -> CreditEvent | None:
    """Record an event once per source (a replayed hook never counts twice). Called by the use cases whose
    acts move the score (a filing's findings, a feedback form, ...) with values they made themselves."""
    existing = (
        await session.exec(
            select(CreditEvent.id).where(
                CreditEvent.agency_id == agency_id,
                CreditEvent.kind == kind,
                CreditEvent.source_type == source_type,
                CreditEvent.source_id == source_id,
            )
        )
    ).first()
    if existing is not None:
        return None
    event = CreditEvent(
        agency_id=agency_id,
        kind=kind,
        points=CREDIT_POINTS[kind] if points is None else points,
        source_type=source_type,
        source_id=source_id[:64],
        note=note[:1000],
        public=kind in SERIOUS_KINDS,
        recorded_by=recorded_by,
    )
    try:
        async with session.begin_nested():
            session.add(event)
    except IntegrityError:
        return None
    return event


async def agency_of_tag(session: AsyncSession, on_behalf_of: str | None) -> Agency | None:
    """The agency a filing's ``on_behalf_of`` names (``agency:<credit code>``), if any."""
    if not on_behalf_of or not on_behalf_of.startswith("agency:"):
        return None
    return (
        await session.exec(select(Agency).where(Agency.credit_code == on_behalf_of.split(":", 1)[1]))
    ).first()
