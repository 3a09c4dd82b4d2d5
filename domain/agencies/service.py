"""Use cases for third-party service agencies: registration (备案), review, authorisations, traced filings,
and credit computed from events (AP (12), actions 38-40; JN ch. 2 (3), ch. 3 (3)).

The credit formula is the product's own and deliberately plain: every agency starts at
100 points; each event adds or removes the points listed in ``CREDIT_POINTS``; the level
follows the thresholds in settings (A ≥ 90, B ≥ 75, C ≥ 60, D below). Every point is an
event the agency can see, with its source.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import regions
from domain.access import Actor, Operation, Role, Target, can, require
from domain.accounts import passwords
from domain.accounts.models import User
from domain.accounts.passwords import password_errors
from domain.accounts.rules import USERNAME
from domain.agencies import evidence, notices
from domain.agencies.models import SERVICE_SCOPES, Agency, AgencyAuthorisation, CreditEvent
from domain.audit.service import record
from domain.clock import utcnow
from domain.enterprises.models import Enterprise
from domain.enterprises.rules import PHONE, credit_code_error, normalize_credit_code
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed

BASE_SCORE = 100.0
CREDIT_POINTS: dict[str, float] = {
    "finding_error": -2.0,  # per rule error in a filing the agency made
    "finding_warning": -0.5,  # per rule warning
    "feedback_form": -3.0,  # a regulator returned a report the agency filed
    "late_filing": -2.0,  # the agency's first filing of a report came after its due date
    "falsified_data": -30.0,  # found by enforcement: disclosed publicly, suspension proposed
    "clean_filing_accepted": 1.0,  # accepted without any rule finding
    "training_passed": 2.0,
    "assessment_passed": 3.0,
}
SERIOUS_KINDS = frozenset({"falsified_data"})
MANUAL_KINDS = ("falsified_data", "training_passed", "assessment_passed")
LEVELS = (("A", 90.0), ("B", 75.0), ("C", 60.0))


def level_of(score: float) -> str:
    for level, threshold in LEVELS:
        if score >= threshold:
            return level
    return "D"


def agency_tag(agency: Agency) -> str:
    """How filings record the agency as on-behalf-of."""
    return f"agency:{agency.credit_code}"


# ---------------------------------------------------------------------------
# Registration and review
# ---------------------------------------------------------------------------


@dataclass
class StaffInput:
    username: str
    password: str
    display_name: str = ""
    email: str | None = None


@dataclass
class AgencyInput:
    name: str = ""
    credit_code: str = ""
    address: str = ""
    region_code: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    service_types: list[str] | None = None
    qualifications: list[dict[str, Any]] | None = None


def _check_agency(data: AgencyInput) -> tuple[AgencyInput, list[FieldError]]:
    errors: list[FieldError] = []
    data.credit_code = normalize_credit_code(data.credit_code or "")
    for name, limit in (("name", 200), ("address", 300), ("contact_person", 50)):
        value = (getattr(data, name) or "").strip()
        setattr(data, name, value)
        if not value:
            errors.append(FieldError(name, "required", N_("This field is required.")))
        elif len(value) > limit:
            errors.append(
                FieldError(
                    name,
                    "too_long",
                    N_("At most {limit} characters (got {length})."),
                    {"limit": limit, "length": len(value)},
                )
            )
    problem = (
        credit_code_error(data.credit_code)
        if data.credit_code
        else FieldError("credit_code", "required", N_("This field is required."))
    )
    if problem:
        errors.append(problem)
    if not regions.is_valid_region_code(data.region_code or ""):
        errors.append(
            FieldError(
                "region_code",
                "region_code_format",
                N_("A region code (GB/T 2260) is six digits, e.g. 310107."),
            )
        )
    if not PHONE.match(data.contact_phone or ""):
        errors.append(
            FieldError(
                "contact_phone",
                "phone_format",
                N_("A phone number has 5 to 20 digits, spaces, +, - or brackets."),
            )
        )
    services = data.service_types or []
    if not services or any(s not in SERVICE_SCOPES for s in services):
        errors.append(
            FieldError(
                "service_types",
                "choice",
                N_("Choose one of: {choices}."),
                {"choices": ", ".join(SERVICE_SCOPES)},
            )
        )
    qualifications = []
    for index, item in enumerate(data.qualifications or []):
        name = str(item.get("name", "")).strip()
        try:
            valid_until = date.fromisoformat(str(item.get("valid_until", "")))
        except ValueError:
            errors.append(
                FieldError(
                    f"qualifications[{index}].valid_until", "date", N_("Expected a date as YYYY-MM-DD.")
                )
            )
            continue
        if not name:
            errors.append(
                FieldError(f"qualifications[{index}].name", "required", N_("This field is required."))
            )
            continue
        qualifications.append(
            {
                "name": name[:200],
                "number": str(item.get("number", ""))[:64],
                "valid_until": valid_until.isoformat(),
            }
        )
    data.qualifications = qualifications
    return data, errors


# A public registration's login names: what the registrant asked for, and a random suffix.
REQUESTED_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,26}$")
USERNAME_SUFFIX_CHARS = "abcdefghjkmnpqrstuvwxyz23456789"


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


async def register_agency(
    session: AsyncSession, actor: Actor, *, data: AgencyInput, staff: list[StaffInput]
) -> Agency:
    """An agency registers itself (anyone may file; it acts for no one until approved).

    Anyone may register, so a registration must not reveal whether a username exists: each staff member's
    login is the name they asked for plus a random suffix (``lvyuan-li`` becomes e.g. ``lvyuan-li-k7m2``),
    shown to the registrant once registered. Only the administrator (and the operator on the command line,
    the demo) chooses exact usernames, and is told when one is taken. Passwords must be hard to guess.
    """
    exact = actor.is_admin
    data, errors = _check_agency(data)
    if not staff:
        errors.append(FieldError("staff", "required", N_("Register at least one staff member with a login.")))
    seen: set[str] = set()
    for index, member in enumerate(staff):
        username = (member.username or "").strip().lower()
        member.username = username
        if exact and not USERNAME.match(username):
            errors.append(
                FieldError(
                    f"staff[{index}].username",
                    "username_format",
                    N_(
                        "3 to 32 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit."  # noqa: E501
                    ),
                )
            )
        elif not exact and not REQUESTED_USERNAME.match(username):
            errors.append(
                FieldError(
                    f"staff[{index}].username",
                    "username_format",
                    N_(
                        "3 to 27 characters: lower-case letters, digits, '.', '_' or '-', starting with a "
                        "letter or digit (a short suffix is added to make the login unique)."
                    ),
                )
            )
        elif username in seen:
            errors.append(
                FieldError(
                    f"staff[{index}].username", "repeated", N_("Each staff member needs their own name.")
                )
            )
        elif exact and (await session.exec(select(User.id).where(User.username == username))).first():
            errors.append(FieldError(f"staff[{index}].username", "duplicate", N_("This username is taken.")))
        seen.add(username)
        errors += [
            FieldError(f"staff[{index}].password", e.code, e.message, e.params)
            for e in await password_errors(
                member.password or "", username, hints=(member.display_name, member.email or "", data.name)
            )
        ]
    if (
        not errors
        and (await session.exec(select(Agency.id).where(Agency.credit_code == data.credit_code))).first()
    ):
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
        qualifications=list(data.qualifications or []),
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
                display_name=(member.display_name or member.username)[:64],
                email=member.email or None,
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
        after={"name": agency.name, "staff": [m.username for m in staff], "services": agency.service_types},
    )
    return agency


async def _agency(session: AsyncSession, credit_code: str) -> Agency:
    agency = (
        await session.exec(select(Agency).where(Agency.credit_code == normalize_credit_code(credit_code)))
    ).first()
    if agency is None:
        raise NotFound(N_("No agency with this credit code."), field="credit_code")
    return agency


def agency_target(agency: Agency) -> Target:
    """What access rules see of an agency: itself, and the region it registered in (the jurisdiction of the
    regulators who review it and record its credit)."""
    return Target(agency_id=agency.id, region_code=agency.region_code)


async def review_agency(
    session: AsyncSession, actor: Actor, *, credit_code: str, decision: str, reason: str = ""
) -> Agency:
    """Legal and credit section: approve, reject (with reasons) or suspend an agency of its jurisdiction.

    The agency's staff are told (and, on suspension, the units it acts for) in the same transaction."""
    require(actor, Operation.AGENCY_REVIEW_LIST)
    agency = await _agency(session, credit_code)
    require(actor, Operation.AGENCY_REVIEW, agency_target(agency))
    allowed = {
        "approve": ("pending", "suspended", "rejected"),
        "reject": ("pending",),
        "suspend": ("approved",),
    }
    if decision not in allowed:
        raise ValidationFailed(
            [
                FieldError(
                    "decision",
                    "choice",
                    N_("Choose one of: {choices}."),
                    {"choices": "approve, reject, suspend"},
                )
            ]
        )
    if agency.status not in allowed[decision]:
        raise Conflict(
            N_("The agency is {status}; that decision is not possible now."),
            field="decision",
            params={"status": agency.status},
        )
    reason = (reason or "").strip()
    if decision in ("reject", "suspend") and not reason:
        raise ValidationFailed([FieldError("reason", "required", N_("This field is required."))])
    before = agency.status
    agency.status = {"approve": "approved", "reject": "rejected", "suspend": "suspended"}[decision]
    agency.status_reason = reason[:1000]
    agency.status_changed_at, agency.status_changed_by = utcnow(), actor.username
    session.add(agency)
    record(
        session,
        actor,
        action=f"agency.{decision}",
        object_type="agency",
        object_id=agency.credit_code,
        before={"status": before},
        after={"status": agency.status, "reason": reason[:500]},
    )
    await session.flush()
    await notices.agency_status_changed(session, agency)
    return agency


# ---------------------------------------------------------------------------
# Authorisations
# ---------------------------------------------------------------------------


@dataclass
class AuthorisationInput:
    agency_credit_code: str
    scopes: list[str]
    valid_from: date | None
    valid_until: date | None
    contract_number: str
    contract_file_name: str = ""
    contract_file: bytes | None = None


MAX_CONTRACT_BYTES = 10 * 1024 * 1024


async def authorise_agency(
    session: AsyncSession, actor: Actor, *, data: AuthorisationInput
) -> AgencyAuthorisation:
    """The enterprise administrator authorises an approved agency for chosen scopes and a time window."""
    if actor.enterprise_id is None:
        require(actor, Operation.AGENCY_AUTHORISE, Target())
    enterprise = await session.get(Enterprise, actor.enterprise_id)
    assert enterprise is not None
    require(
        actor,
        Operation.AGENCY_AUTHORISE,
        Target(enterprise_id=enterprise.id, region_code=enterprise.region_code),
    )
    errors: list[FieldError] = []
    agency = (
        await session.exec(
            select(Agency).where(Agency.credit_code == normalize_credit_code(data.agency_credit_code))
        )
    ).first()
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
    if not data.scopes or any(s not in SERVICE_SCOPES for s in data.scopes):
        errors.append(
            FieldError(
                "scopes", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(SERVICE_SCOPES)}
            )
        )
    elif agency is not None and any(s not in agency.service_types for s in data.scopes):
        errors.append(
            FieldError(
                "scopes",
                "not_offered",
                N_("The agency is not registered for: {scopes}."),
                {"scopes": ", ".join(s for s in data.scopes if s not in agency.service_types)},
            )
        )
    if data.valid_from is None:
        errors.append(FieldError("valid_from", "required", N_("This field is required.")))
    if data.valid_until is None:
        errors.append(FieldError("valid_until", "required", N_("This field is required.")))
    if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
        errors.append(FieldError("valid_until", "end_before_start", N_("The end is not after the start.")))
    contract = (data.contract_number or "").strip()
    if not contract:
        errors.append(FieldError("contract_number", "required", N_("This field is required.")))
    if data.contract_file is not None and len(data.contract_file) > MAX_CONTRACT_BYTES:
        errors.append(
            FieldError("contract_file", "too_large", N_("The file is larger than {size} MB."), {"size": 10})
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
        contract_number=contract[:64],
        contract_file_name=(data.contract_file_name or "")[:200],
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
        after={
            "agency": agency.credit_code,
            "enterprise": enterprise.credit_code,
            "scopes": authorisation.scopes,
            "valid_from": data.valid_from.isoformat(),
            "valid_until": data.valid_until.isoformat(),
            "contract": contract,
        },
    )
    await notices.authorisation_changed(session, authorisation, agency=agency, enterprise=enterprise)
    return authorisation


async def revoke_authorisation(
    session: AsyncSession, actor: Actor, *, authorisation_id: int, reason: str = ""
) -> AgencyAuthorisation:
    authorisation = await session.get(AgencyAuthorisation, authorisation_id)
    enterprise = await session.get(Enterprise, authorisation.enterprise_id) if authorisation else None
    if (
        authorisation is None
        or enterprise is None
        or not can(
            actor,
            Operation.AGENCY_AUTHORISE,
            Target(enterprise_id=enterprise.id, region_code=enterprise.region_code),
        )
    ):
        raise NotFound(N_("No such authorisation."), field="authorisation")
    if authorisation.revoked_at is None:
        authorisation.revoked_at, authorisation.revoked_by = utcnow(), actor.username
        authorisation.revoke_reason = (reason or "").strip()[:500]
        session.add(authorisation)
        record(
            session,
            actor,
            action="agency.revoke_authorisation",
            object_type="agency_authorisation",
            object_id=authorisation_id,
            after={"revoked": True, "reason": authorisation.revoke_reason},
        )
        agency = await session.get(Agency, authorisation.agency_id)
        assert agency is not None
        await notices.authorisation_changed(session, authorisation, agency=agency, enterprise=enterprise)
    return authorisation


async def authorisations_of_enterprise(
    session: AsyncSession, actor: Actor
) -> list[tuple[AgencyAuthorisation, Agency]]:
    require(
        actor,
        Operation.ENTERPRISE_VIEW,
        Target(enterprise_id=actor.enterprise_id, region_code=None) if actor.enterprise_id else None,
    )
    rows = (
        await session.exec(
            select(AgencyAuthorisation, Agency)
            .join(Agency, col(Agency.id) == col(AgencyAuthorisation.agency_id))
            .where(AgencyAuthorisation.enterprise_id == actor.enterprise_id)
            .order_by(col(AgencyAuthorisation.id).desc())
        )
    ).all()
    return [(a, g) for a, g in rows]


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
    """Record an event once per source (a replayed hook never counts twice)."""
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
    if not on_behalf_of or not on_behalf_of.startswith("agency:"):
        return None
    return (
        await session.exec(select(Agency).where(Agency.credit_code == on_behalf_of.split(":", 1)[1]))
    ).first()


async def record_credit_event(
    session: AsyncSession,
    actor: Actor,
    *,
    credit_code: str,
    kind: str,
    note: str,
    source_id: str = "",
    evidence_kind: str = "",
    evidence_id: str = "",
) -> CreditEvent:
    """Regulators of the agency's region record training, assessments and falsified data found by
    enforcement (serious: public).

    An event that lowers the score names its evidence, a record checked to exist and to concern this
    agency (``domain.agencies.evidence``); it is stored as the event's source, once per record. Events that
    raise it keep a certificate or inspection number (``source_id``) if given.
    """
    try:
        agency = await _agency(session, credit_code)
    except NotFound:
        # Only someone who may record credit anywhere learns that there is no such agency.
        require(actor, Operation.CREDIT_RECORD, Target(region_code=actor.region_code))
        raise
    require(actor, Operation.CREDIT_RECORD, agency_target(agency))
    errors: list[FieldError] = []
    if kind not in MANUAL_KINDS:
        errors.append(
            FieldError(
                "kind", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(MANUAL_KINDS)}
            )
        )
    note = (note or "").strip()
    if not note:
        errors.append(FieldError("note", "required", N_("This field is required.")))
    source_type, reference = "regulator", (source_id or "").strip()
    lowers = kind in MANUAL_KINDS and CREDIT_POINTS[kind] < 0
    if lowers and not (evidence_kind and (evidence_id or "").strip()):
        errors.append(
            FieldError(
                "evidence",
                "evidence_required",
                N_(
                    "An event that lowers the score names its evidence: a report submission, a feedback form "
                    "or the monitoring readings the agency filed."
                ),
            )
        )
    elif lowers:
        found = await evidence.resolve(session, agency, evidence_kind, evidence_id)
        if found is None:
            errors.append(
                FieldError(
                    "evidence",
                    "evidence_not_found",
                    N_("There is no such record, or it does not concern this agency."),
                )
            )
        else:
            source_type, reference = found.kind, found.reference
    if errors:
        raise ValidationFailed(errors)
    assert agency.id is not None
    event = await add_credit_event(
        session,
        agency_id=agency.id,
        kind=kind,
        source_type=source_type,
        source_id=reference or f"{kind}:{utcnow().isoformat()}",
        note=note,
        recorded_by=actor.username,
    )
    if event is None:
        raise Conflict(N_("This event is already recorded."), field="evidence" if lowers else "source_id")
    record(
        session,
        actor,
        action="agency.credit_event",
        object_type="agency",
        object_id=agency.credit_code,
        after={
            "kind": kind,
            "points": event.points,
            "note": note[:500],
            "source_type": event.source_type,
            "source_id": event.source_id,
        },
    )
    return event


@dataclass(frozen=True)
class Credit:
    score: float
    level: str
    events: list[CreditEvent]


async def credit_of(session: AsyncSession, *, agency_id: int, public_only: bool = False) -> Credit:
    statement = select(CreditEvent).where(CreditEvent.agency_id == agency_id)
    events = list((await session.exec(statement.order_by(col(CreditEvent.occurred_at).desc()))).all())
    score = BASE_SCORE + sum(event.points for event in events)
    shown = [e for e in events if e.public] if public_only else events
    return Credit(round(score, 2), level_of(score), shown)


@dataclass(frozen=True)
class AgencyListing:
    agency: Agency
    score: float
    level: str


async def get_agency(session: AsyncSession, *, credit_code: str) -> Agency:
    return await _agency(session, credit_code)
