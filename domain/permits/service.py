"""Use cases of the permit register: the lifecycle, reads and the public view.

The rules and their articles: docs/domain-rules.md, "The law in force, by effective date".

Every transition checks who may do it and whether the permit is in a state that
allows it, computes its working-day time limits with ``domain.calendar``, writes
an event (the public announcement) and an audit entry, all in the caller's
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, jurisdiction_prefix, require
from domain.audit.service import record
from domain.clock import today, utcnow
from domain.enterprises.models import Enterprise, ProductionSite
from domain.enterprises.rules import normalize_credit_code
from domain.enterprises.service import find_site
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed
from domain.pagination import Page, check_page_size
from domain.permits import law, rules
from domain.permits.law import Basis, LegalDeadline
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
from domain.permits.rules import (
    EXPIRED,
    ApplicationKind,
    ApplicationStatus,
    CancellationReason,
    PermitContent,
    PermitStatus,
)


def target_of(permit: Permit) -> Target:
    return Target(enterprise_id=permit.enterprise_id, region_code=permit.region_code)


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


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


async def _find(session: AsyncSession, number: str) -> Permit | None:
    statement = select(Permit).where(Permit.number == rules.normal_number(number))
    return (await session.exec(statement)).first()


async def get_permit(session: AsyncSession, actor: Actor, *, number: str) -> Permit:
    permit = await _find(session, number)
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
        prefix = jurisdiction_prefix(actor)
        if actor.is_enterprise_user:
            statement = statement.where(Permit.enterprise_id == actor.enterprise_id)
        elif prefix is not None:
            statement = statement.where(col(Permit.region_code).startswith(prefix, autoescape=True))
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
) -> Page[tuple[Permit, Enterprise]]:
    """Permits the actor may list (regulators: jurisdiction; enterprise users: their own), by expiry."""
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
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = (
        await session.exec(
            statement.order_by(col(Permit.valid_until).is_(None), col(Permit.valid_until), col(Permit.id))
            .offset(offset)
            .limit(first)
        )
    ).all()
    return Page(items=[(permit, enterprise) for permit, enterprise in rows], offset=offset, total=int(total))


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


OPEN_APPLICATION_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.GRANTED,
)


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
    content = rules.content_from_dict(version.content) if version else PermitContent()
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


# ---------------------------------------------------------------------------
# Writing content
# ---------------------------------------------------------------------------


def _basic_info(enterprise: Enterprise, site: ProductionSite) -> dict[str, Any]:
    """The original's (正本) basic information as it stood when the version was decided; the
    operating address is the permit's production site's."""
    return {
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "registered_address": enterprise.registered_address,
        "operating_address": site.address,
        "site": site.code,
        "legal_representative": enterprise.legal_representative,
        "industry_code": enterprise.industry_code,
    }


def _write_content_rows(session: AsyncSession, permit_id: int, version: int, content: PermitContent) -> None:
    for outlet in content.outlets:
        session.add(
            PermitOutlet(
                permit_id=permit_id,
                version=version,
                code=outlet.code,
                name=outlet.name,
                medium=outlet.medium,
                kind=outlet.kind,
                location=outlet.location,
                longitude=outlet.longitude,
                latitude=outlet.latitude,
                direction=outlet.direction,
                height_m=outlet.height_m,
                online_monitoring=outlet.online_monitoring,
            )
        )
        for limit in outlet.limits:
            session.add(_limit_row(permit_id, version, outlet.code, limit))
    for source in content.fugitive_sources:
        session.add(
            PermitOutlet(
                permit_id=permit_id,
                version=version,
                code=source.code,
                name=source.name,
                is_fugitive=True,
                location=source.location,
            )
        )
        for limit in source.limits:
            session.add(_limit_row(permit_id, version, source.code, limit))
    for item in content.monitoring:
        session.add(
            PermitMonitoring(
                permit_id=permit_id,
                version=version,
                point_code=item.point,
                pollutant=item.pollutant,
                frequency=item.frequency,
                method=item.method,
            )
        )
    for requirement in content.ledger_records:
        session.add(
            PermitLedgerRequirement(
                permit_id=permit_id, version=version, kind=requirement.kind, frequency=requirement.frequency
            )
        )


def _limit_row(permit_id: int, version: int, point: str, limit: rules.Limit) -> PermitLimit:
    return PermitLimit(
        permit_id=permit_id,
        version=version,
        point_code=point,
        pollutant=limit.pollutant,
        concentration_limit=limit.concentration_limit,
        unit=limit.unit,
        annual_quantity_limit=limit.annual_quantity_limit,
        standard=limit.standard,
    )


def _set_validity(
    permit: Permit, decision: date, *, renewed: bool, cut_to: date | None, cut_reason: str
) -> None:
    years = rules.term_years(decision, renewed)
    permit.renewed = renewed
    permit.decision_date = decision
    permit.valid_from = decision
    permit.valid_until = rules.validity_end(decision, years, cut_to)
    permit.validity_cut_reason = cut_reason if cut_to and permit.valid_until == cut_to else ""
    _set_renewal_due(permit)


def _set_renewal_due(permit: Permit) -> None:
    if permit.valid_until is None:
        permit.renewal_due, permit.renewal_due_approximate = None, False
        return
    deadline = rules.renewal_deadline(permit.valid_until, permit.decision_date)
    permit.renewal_due, permit.renewal_due_approximate = deadline.date, deadline.approximate


def _event(
    session: AsyncSession,
    actor: Actor,
    permit: Permit,
    kind: str,
    *,
    application: PermitApplication | None = None,
    note: str = "",
    public: bool = True,
    on: date | None = None,
) -> None:
    assert permit.id is not None
    session.add(
        PermitEvent(
            permit_id=permit.id,
            application_id=application.id if application else None,
            kind=kind,
            effective_on=on or today(),
            note=note[:1000],
            public=public,
            actor_username=actor.username,
        )
    )


def _permit_state(permit: Permit) -> dict[str, Any]:
    return {
        "number": permit.number,
        "status": permit.status,
        "category": permit.category,
        "decision_date": permit.decision_date.isoformat() if permit.decision_date else None,
        "valid_until": permit.valid_until.isoformat() if permit.valid_until else None,
        "content_version": permit.content_version,
    }


def _audit(
    session: AsyncSession, actor: Actor, permit: Permit, action: str, before: dict[str, Any] | None
) -> None:
    record(
        session,
        actor,
        action=action,
        object_type="permit",
        object_id=permit.number or f"id:{permit.id}",
        before=before,
        after=_permit_state(permit),
    )


def _parse(content: Any) -> PermitContent:
    parsed, errors = rules.parse_content(content)
    if errors:
        raise ValidationFailed(
            [
                FieldError(f"content.{e.field}" if e.field else "content", e.code, e.message, e.params)
                for e in errors
            ]
        )
    return parsed


def _require_text(value: str, name: str, limit: int = 1000) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed([FieldError(name, "required", N_("This field is required."))])
    if len(value) > limit:
        raise ValidationFailed(
            [
                FieldError(
                    name,
                    "too_long",
                    N_("At most {limit} characters (got {length})."),
                    {"limit": limit, "length": len(value)},
                )
            ]
        )
    return value


async def _open_application(session: AsyncSession, permit: Permit) -> PermitApplication | None:
    statement = select(PermitApplication).where(
        PermitApplication.permit_id == permit.id, col(PermitApplication.status).in_(OPEN_APPLICATION_STATUSES)
    )
    return (await session.exec(statement)).first()


# ---------------------------------------------------------------------------
# Applications (M48 §26-31, §43-48, §51)
# ---------------------------------------------------------------------------


@dataclass
class ApplicationInput:
    """What an applicant files; dates of events (a change, a loss) are facts, not submission times."""

    kind: str
    enterprise_credit_code: str = ""
    # The production site of a first application (001, 002 ...); empty when the unit has only one.
    site: str = ""
    permit_number: str = ""
    category: str = ""
    issuing_authority: str = ""
    content: Any = None
    change_description: str = ""
    event_date: date | None = None


def _kind(value: str) -> ApplicationKind:
    try:
        return ApplicationKind(value)
    except ValueError:
        raise ValidationFailed(
            [
                FieldError(
                    "kind",
                    "choice",
                    N_("Choose one of: {choices}."),
                    {"choices": ", ".join(k.value for k in ApplicationKind)},
                )
            ]
        ) from None


async def submit_application(
    session: AsyncSession, actor: Actor, *, data: ApplicationInput
) -> PermitApplication:
    """File an application; it is received today (server date) and the acceptance deadline starts."""
    kind = _kind(data.kind)
    received = today()
    if kind == ApplicationKind.FIRST:
        permit = await _new_permit_for_application(session, actor, data)
    else:
        permit = await _permit_for_application(session, actor, data, kind, received)
    proposed: PermitContent | None = None
    if kind in (ApplicationKind.FIRST, ApplicationKind.RENEWAL) or kind in rules.CHANGE_KINDS:
        proposed = _parse(data.content) if data.content is not None or kind == ApplicationKind.FIRST else None
    if kind in rules.CHANGE_KINDS:
        data.change_description = _require_text(data.change_description, "change_description")
    category = (data.category or permit.category).strip()
    if category not in ("key", "simplified"):
        raise ValidationFailed(
            [FieldError("category", "choice", N_("Choose key management or simplified management."))]
        )
    assert permit.id is not None
    if kind == ApplicationKind.REPLACEMENT:
        # M48 §51: no acceptance step; the authority re-issues within 10 working days of receipt.
        due = law.replacement_issue_due(received)
        application = PermitApplication(
            permit_id=permit.id,
            kind=kind,
            status=ApplicationStatus.GRANTED,
            received_on=received,
            accept_due=received,
            accepted_on=received,
            decided_on=received,
            issue_due=due.date,
            issue_due_approximate=due.approximate,
            reason=data.change_description[:1000],
            event_date=data.event_date,
            submitted_by_username=actor.username,
            on_behalf_of=actor.on_behalf_of,
        )
    else:
        due = law.acceptance_due(received)
        application = PermitApplication(
            permit_id=permit.id,
            kind=kind,
            status=ApplicationStatus.SUBMITTED,
            received_on=received,
            accept_due=due.date,
            accept_due_approximate=due.approximate,
            proposed_category=category,
            proposed_content=proposed.to_dict() if proposed else None,
            change_description=data.change_description[:1000],
            event_date=data.event_date,
            submitted_by_username=actor.username,
            on_behalf_of=actor.on_behalf_of,
        )
    window = _application_window(permit, kind, data.event_date)
    if window is not None:
        application.window_due = window.date
        application.late = received > window.date
    session.add(application)
    await session.flush()
    _event(
        session,
        actor,
        permit,
        f"application.{kind.value}",
        application=application,
        note=data.change_description,
        public=False,
    )
    record(
        session,
        actor,
        action=f"permit.apply.{kind.value}",
        object_type="permit_application",
        object_id=application.id or 0,
        after={
            "permit": permit.number,
            "kind": kind.value,
            "received_on": received.isoformat(),
            "window_due": window.date.isoformat() if window else None,
            "late": application.late,
        },
    )
    if application.late and window is not None:
        await _flag_late(session, actor, permit, application, window)
    return application


def _application_window(
    permit: Permit, kind: ApplicationKind, event_date: date | None
) -> LegalDeadline | None:
    """The last day the unit should have applied by: the renewal deadline, or the window of a change or a
    replacement counted from the day it happened (docs/domain-rules.md, "Change" and "Renewal")."""
    if kind == ApplicationKind.RENEWAL and permit.valid_until is not None:
        return rules.renewal_deadline(permit.valid_until, permit.decision_date)
    if event_date is not None:
        return law.change_window(kind.value, event_date)
    return None


async def _tell_unit(
    session: AsyncSession, permit: Permit, *, kind: str, key: str, title: str, text: str
) -> None:
    """A notice (and mail) to the unit's users about its permit, in the caller's transaction."""
    from domain.notifications.notices import notify_unit

    number = permit.number or ""
    await notify_unit(
        session,
        enterprise_id=permit.enterprise_id,
        kind=kind,
        key=key,
        title=title,
        text=text,
        link=f"/permits/{number}" if number else "/permits",
    )


async def _flag_late(
    session: AsyncSession, actor: Actor, permit: Permit, application: PermitApplication, window: LegalDeadline
) -> None:
    """A late application is taken, recorded against the unit and the unit is told so."""
    from domain.i18n import translate

    _event(
        session,
        actor,
        permit,
        "late_application",
        application=application,
        note=f"{application.kind}: {window.date.isoformat()}",
        public=False,
    )
    basis_zh = translate(window.basis.article, "zh_Hans")
    basis_en = translate(window.basis.article, "en")
    number = permit.number or ""
    await _tell_unit(
        session,
        permit,
        kind="permit_late_application",
        key=f"late-application:{application.id}",
        title=f"【排污许可】申请逾期：{number} / Application filed late",
        text=(
            f"贵单位关于排污许可证 {number} 的申请于 {application.received_on.isoformat()} 收到，"
            f"晚于应申请的期限 {window.date.isoformat()}（{basis_zh}）。申请已受理办理，逾期情况已记录。\n"
            f"Your application for permit {number} arrived on {application.received_on.isoformat()}, "
            f"after the last day to apply, {window.date.isoformat()} ({basis_en}). It is being handled; "
            "the late filing is recorded."
        ),
    )


async def _new_permit_for_application(session: AsyncSession, actor: Actor, data: ApplicationInput) -> Permit:
    code = normalize_credit_code(data.enterprise_credit_code)
    enterprise = (await session.exec(select(Enterprise).where(Enterprise.credit_code == code))).first()
    if enterprise is None:
        raise ValidationFailed(
            [FieldError("enterprise_credit_code", "not_found", N_("No enterprise with this credit code."))]
        )
    require(
        actor, Operation.PERMIT_APPLY, Target(enterprise_id=enterprise.id, region_code=enterprise.region_code)
    )
    if enterprise.management_category == "registration":
        raise ValidationFailed(
            [
                FieldError(
                    "enterprise_credit_code",
                    "registration_only",
                    N_(
                        "This unit is only registered (排污登记) and needs no permit; change its management category first."  # noqa: E501
                    ),
                )
            ]
        )
    site = await find_site(session, enterprise, data.site)
    # One permit per production site (Reg art. 6 ¶2): another site of the same unit may apply.
    existing = (
        await session.exec(
            select(Permit).where(
                Permit.site_id == site.id,
                col(Permit.status).in_(
                    [PermitStatus.APPLIED, PermitStatus.ACCEPTED, PermitStatus.GRANTED, PermitStatus.ISSUED]
                ),
            )
        )
    ).first()
    if existing is not None:
        raise Conflict(
            N_("This site already has a permit or an application in progress ({number})."),
            field="site",
            params={"number": existing.number or "—"},
        )
    authority = _require_text(data.issuing_authority, "issuing_authority", 100)
    assert enterprise.id is not None and site.id is not None
    permit = Permit(
        enterprise_id=enterprise.id,
        site_id=site.id,
        category=(data.category or enterprise.management_category),
        status=PermitStatus.APPLIED,
        issuing_authority=authority,
        region_code=site.region_code,
        industry_code=site.industry_code,
        content_version=0,
    )
    session.add(permit)
    await session.flush()
    return permit


async def _permit_for_application(
    session: AsyncSession, actor: Actor, data: ApplicationInput, kind: ApplicationKind, received: date
) -> Permit:
    permit = await _find(session, data.permit_number)
    if permit is None or not can(actor, Operation.PERMIT_VIEW, target_of(permit)):
        raise NotFound(N_("No permit with this number."), field="permit_number")
    require(actor, Operation.PERMIT_APPLY, target_of(permit))
    if permit.status != PermitStatus.ISSUED or (permit.valid_until and permit.valid_until < received):
        raise Conflict(
            N_("Only a permit in force can be changed, renewed or replaced."), field="permit_number"
        )
    if await _open_application(session, permit) is not None:
        raise Conflict(N_("This permit already has an application in progress."), field="permit_number")
    # A renewal applied for after its deadline is taken and flagged late (``_flag_late``), never turned
    # into a fresh first application: the unit keeps its permit while the authority decides.
    if kind == ApplicationKind.CHANGE_BASIC:
        if data.event_date is None:
            raise ValidationFailed(
                [
                    FieldError(
                        "event_date",
                        "required",
                        N_(
                            "Give the day the name, address, legal representative "
                            "or principal person changed."
                        ),
                    )
                ]
            )
        if data.event_date > received:
            raise ValidationFailed([FieldError("event_date", "future", N_("This date is in the future."))])
    if kind == ApplicationKind.REPLACEMENT:
        if data.event_date is None:
            raise ValidationFailed([FieldError("event_date", "required", N_("This field is required."))])
        if data.event_date > received:
            raise ValidationFailed([FieldError("event_date", "future", N_("This date is in the future."))])
    return permit


async def _application(
    session: AsyncSession, actor: Actor, application_id: int
) -> tuple[PermitApplication, Permit]:
    application = await session.get(PermitApplication, application_id)
    permit = await session.get(Permit, application.permit_id) if application else None
    if application is None or permit is None or not can(actor, Operation.PERMIT_VIEW, target_of(permit)):
        raise NotFound(N_("No such application."), field="application")
    require(actor, Operation.PERMIT_DECIDE, target_of(permit))
    return application, permit


def _expect(application: PermitApplication, *statuses: ApplicationStatus) -> None:
    if application.status not in statuses:
        raise Conflict(
            N_("This application is {status}; that action is not possible now."),
            field="application",
            params={"status": application.status},
        )


def acceptance_clock_start(application: PermitApplication) -> date:
    """The acceptance period runs from receipt, or anew from the day the complete materials arrived."""
    return application.materials_completed_on or application.received_on


def waiting_for_materials(application: PermitApplication) -> bool:
    """The authority asked for missing materials (补正告知) and the unit has not supplied them yet."""
    return (
        application.status == ApplicationStatus.SUBMITTED
        and application.completion_requested_on is not None
        and application.materials_completed_on is None
    )


def deemed_accepted(application: PermitApplication, on: date) -> bool:
    """M48 §27, Reg art. 9 (4): the acceptance period passed with no decision and no request for missing
    materials: the application counts as accepted and can no longer be refused as not accepted."""
    return (
        application.status == ApplicationStatus.SUBMITTED
        and not waiting_for_materials(application)
        and on > application.accept_due
    )


def _refuse_if_deemed_accepted(application: PermitApplication, on: date) -> None:
    if deemed_accepted(application, on):
        raise Conflict(
            N_(
                "The acceptance period ended on {date} without a decision: the application counts as "
                "accepted and can no longer be refused as not accepted."
            ),
            field="application",
            params={"date": application.accept_due.isoformat()},
        )


async def accept_application(
    session: AsyncSession, actor: Actor, *, application_id: int
) -> PermitApplication:
    """受理 (M48 §27, Reg art. 9). Past the acceptance period it counts as accepted when it started."""
    application, permit = await _application(session, actor, application_id)
    _expect(application, ApplicationStatus.SUBMITTED)
    if waiting_for_materials(application):
        raise Conflict(
            N_("The unit has not yet supplied the missing materials requested on {date}."),
            field="application",
            params={
                "date": application.completion_requested_on.isoformat()
                if application.completion_requested_on
                else ""
            },
        )
    before = _permit_state(permit)
    accepted = rules.effective_acceptance_date(
        acceptance_clock_start(application), application.accept_due, today()
    )
    due = law.decision_due(
        application.received_on, accepted, application.kind, application.proposed_category or permit.category
    )
    application.status = ApplicationStatus.ACCEPTED
    application.accepted_on = accepted
    application.decision_due, application.decision_due_approximate = due.date, due.approximate
    if application.kind == ApplicationKind.FIRST:
        permit.status = PermitStatus.ACCEPTED
    session.add_all([application, permit])
    _event(session, actor, permit, "accepted", application=application, public=False, on=accepted)
    _audit(session, actor, permit, "permit.accept", before)
    return application


async def reject_application(
    session: AsyncSession, actor: Actor, *, application_id: int, reason: str
) -> PermitApplication:
    """不予受理 (M48 §27 (1)-(3), Reg art. 9), with the reason told to the unit; only within the period."""
    application, permit = await _application(session, actor, application_id)
    _expect(application, ApplicationStatus.SUBMITTED)
    reason = _require_text(reason, "reason")
    on = today()
    _refuse_if_deemed_accepted(application, on)
    before = _permit_state(permit)
    application.status = ApplicationStatus.NOT_ACCEPTED
    application.reason = reason
    application.decided_on = on
    if application.kind == ApplicationKind.FIRST:
        permit.status = PermitStatus.NOT_ACCEPTED
    session.add_all([application, permit])
    _event(session, actor, permit, "not_accepted", application=application, note=reason)
    _audit(session, actor, permit, "permit.reject", before)
    return application


async def request_missing_materials(
    session: AsyncSession, actor: Actor, *, application_id: int, missing: str
) -> PermitApplication:
    """补正告知: tell the unit at once everything that is missing, once, within the acceptance period
    (Reg art. 9 (4), M48 §27 (3)). The acceptance period restarts when the materials are complete."""
    application, permit = await _application(session, actor, application_id)
    _expect(application, ApplicationStatus.SUBMITTED)
    missing = _require_text(missing, "missing")
    on = today()
    if application.completion_requested_on is not None:
        raise Conflict(
            N_(
                "Missing materials were already requested on {date}; "
                "the request is made once, listing everything."
            ),
            field="application",
            params={"date": application.completion_requested_on.isoformat()},
        )
    _refuse_if_deemed_accepted(application, on)
    before = _permit_state(permit)
    application.completion_requested_on = on
    application.completion_request = missing
    session.add(application)
    _event(session, actor, permit, "materials_requested", application=application, note=missing, public=False)
    _audit(session, actor, permit, "permit.request_materials", before)
    number = permit.number or ""
    await _tell_unit(
        session,
        permit,
        kind="permit_missing_materials",
        key=f"missing-materials:{application.id}",
        title=f"【排污许可】补正告知 {number} / Materials missing from your application",
        text=(
            f"申请（{application.received_on.isoformat()} 收到）需要补正以下全部材料：\n{missing}\n"
            f"Your application received on {application.received_on.isoformat()} "
            f"needs these materials:\n{missing}"
        ),
    )
    return application


async def supply_missing_materials(
    session: AsyncSession, actor: Actor, *, application_id: int, note: str = ""
) -> PermitApplication:
    """The unit supplies what was requested: the acceptance period runs anew from today."""
    application = await session.get(PermitApplication, application_id)
    permit = await session.get(Permit, application.permit_id) if application else None
    if application is None or permit is None or not can(actor, Operation.PERMIT_VIEW, target_of(permit)):
        raise NotFound(N_("No such application."), field="application")
    require(actor, Operation.PERMIT_APPLY, target_of(permit))
    if not waiting_for_materials(application):
        raise Conflict(N_("No missing materials are awaited for this application."), field="application")
    received = today()
    due = law.acceptance_due(received)
    application.materials_completed_on = received
    application.accept_due, application.accept_due_approximate = due.date, due.approximate
    session.add(application)
    _event(
        session, actor, permit, "materials_supplied", application=application, note=note[:1000], public=False
    )
    record(
        session,
        actor,
        action="permit.supply_materials",
        object_type="permit_application",
        object_id=application.id or 0,
        after={"materials_completed_on": received.isoformat(), "accept_due": due.date.isoformat()},
    )
    return application


async def start_change(
    session: AsyncSession, actor: Actor, *, number: str, change_description: str, content: Any = None
) -> PermitApplication:
    """The authority changes a permit itself (Reg art. 16: the applicable standards or the total control
    of key pollutants changed): the procedure starts accepted, and the unit is told."""
    permit = await get_permit(session, actor, number=number)
    require(actor, Operation.PERMIT_DECIDE, target_of(permit))
    on = today()
    if permit.status != PermitStatus.ISSUED or (permit.valid_until and permit.valid_until < on):
        raise Conflict(N_("Only a permit in force can be changed, renewed or replaced."), field="number")
    if await _open_application(session, permit) is not None:
        raise Conflict(N_("This permit already has an application in progress."), field="number")
    description = _require_text(change_description, "change_description")
    proposed = _parse(content) if content is not None else None
    due = law.decision_due(on, on, ApplicationKind.CHANGE_ITEMS.value, permit.category)
    before = _permit_state(permit)
    application = PermitApplication(
        permit_id=permit.id or 0,
        kind=ApplicationKind.CHANGE_ITEMS,
        status=ApplicationStatus.ACCEPTED,
        received_on=on,
        accept_due=on,
        accepted_on=on,
        decision_due=due.date,
        decision_due_approximate=due.approximate,
        proposed_category=permit.category,
        proposed_content=proposed.to_dict() if proposed else None,
        change_description=description,
        started_by_authority=True,
        submitted_by_username=actor.username,
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(application)
    await session.flush()
    _event(session, actor, permit, "change_started", application=application, note=description, public=False)
    _audit(session, actor, permit, "permit.start_change", before)
    await _tell_unit(
        session,
        permit,
        kind="permit_change_started",
        key=f"change-started:{application.id}",
        title=f"【排污许可】审批部门启动变更：{permit.number} / The authority is changing your permit",
        text=(
            f"审批部门依《排污许可管理条例》第十六条启动排污许可证 {permit.number} 的变更：{description}\n"
            f"The authority started a change of permit {permit.number} (Regulation art. 16): {description}"
        ),
    )
    return application


async def extend_decision(
    session: AsyncSession, actor: Actor, *, application_id: int, reason: str
) -> PermitApplication:
    """Extend the decision time limit once by 10 working days, telling the unit why (M48 §31 ¶2)."""
    application, permit = await _application(session, actor, application_id)
    _expect(application, ApplicationStatus.ACCEPTED)
    if application.extended:
        raise Conflict(N_("The decision time limit can be extended only once."), field="application")
    reason = _require_text(reason, "reason", 500)
    assert application.decision_due is not None
    due = law.extended_decision_due(application.received_on, application.decision_due)
    application.extended = True
    application.extension_reason = reason
    application.decision_due = due.date
    application.decision_due_approximate = application.decision_due_approximate or due.approximate
    session.add(application)
    _event(session, actor, permit, "extended", application=application, note=reason, public=False)
    record(
        session,
        actor,
        action="permit.extend",
        object_type="permit_application",
        object_id=application.id or 0,
        after={"decision_due": due.date.isoformat(), "reason": reason},
    )
    return application


@dataclass
class GrantInput:
    number: str = ""
    validity_cut_to: date | None = None
    validity_cut_reason: str = ""


async def grant_application(
    session: AsyncSession, actor: Actor, *, application_id: int, data: GrantInput | None = None
) -> PermitApplication:
    """准予许可 (M48 §31): the decision date starts the validity; issue follows within 10 working days."""
    application, permit = await _application(session, actor, application_id)
    _expect(application, ApplicationStatus.ACCEPTED)
    data = data or GrantInput()
    kind = ApplicationKind(application.kind)
    before = _permit_state(permit)
    decided = today()
    if kind == ApplicationKind.FIRST:
        enterprise = await session.get(Enterprise, permit.enterprise_id)
        site = await session.get(ProductionSite, permit.site_id)
        assert enterprise is not None and site is not None
        # Left empty, the number is the site's own: credit code + site sequence + P (Reg art. 6 ¶2).
        number = (data.number or "").strip().upper() or rules.site_permit_number(
            enterprise.credit_code, site.sequence
        )
        problem = rules.permit_number_error(number, enterprise.credit_code, site_sequence=site.sequence)
        if problem:
            raise ValidationFailed([problem])
        if await _find(session, number) is not None:
            raise ValidationFailed(
                [FieldError("number", "duplicate", N_("This permit number is already in use."))]
            )
        permit.number = number
    if data.validity_cut_to is not None:
        if data.validity_cut_to <= decided:
            raise ValidationFailed(
                [FieldError("validity_cut_to", "past", N_("The phase-out date must be in the future."))]
            )
        _require_text(data.validity_cut_reason, "validity_cut_reason", 300)
    due = law.issue_due(application.received_on, decided)
    application.status = ApplicationStatus.GRANTED
    application.decided_on = decided
    application.issue_due, application.issue_due_approximate = due.date, due.approximate
    application.reason = data.validity_cut_reason[:1000]
    # The validity (first 3 years / renewed 5) runs from this decision (M48 §21); kept on the application
    # until the permit is issued.
    application.event_date = data.validity_cut_to
    if kind == ApplicationKind.FIRST:
        permit.status = PermitStatus.GRANTED
    session.add_all([application, permit])
    _event(session, actor, permit, "granted", application=application, on=decided)
    _audit(session, actor, permit, "permit.grant", before)
    return application


async def refuse_application(
    session: AsyncSession, actor: Actor, *, application_id: int, reason: str
) -> PermitApplication:
    """不予许可 / 不予延续 / 不予变更 with the reasons (M48 §32 ¶3)."""
    application, permit = await _application(session, actor, application_id)
    _expect(application, ApplicationStatus.ACCEPTED)
    reason = _require_text(reason, "reason")
    before = _permit_state(permit)
    application.status = ApplicationStatus.REFUSED
    application.decided_on = today()
    application.reason = reason
    if application.kind == ApplicationKind.FIRST:
        permit.status = PermitStatus.REFUSED
    session.add_all([application, permit])
    _event(session, actor, permit, "refused", application=application, note=reason)
    _audit(session, actor, permit, "permit.refuse", before)
    return application


async def issue_permit(session: AsyncSession, actor: Actor, *, application_id: int) -> Permit:
    """Issue what was granted: a new version of the permit comes into force and is announced."""
    application, permit = await _application(session, actor, application_id)
    _expect(application, ApplicationStatus.GRANTED)
    kind = ApplicationKind(application.kind)
    before = _permit_state(permit)
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    site = await session.get(ProductionSite, permit.site_id)
    assert enterprise is not None and site is not None
    assert permit.id is not None and application.decided_on is not None
    issued = today()
    if kind == ApplicationKind.REPLACEMENT:
        application.status = ApplicationStatus.COMPLETED
        application.completed_on = issued
        session.add(application)
        _event(session, actor, permit, "replaced", application=application, note=application.reason)
        _audit(session, actor, permit, "permit.replace", before)
        return permit
    cut_to = application.event_date if kind in (ApplicationKind.FIRST, ApplicationKind.RENEWAL) else None
    if kind == ApplicationKind.FIRST:
        _set_validity(
            permit, application.decided_on, renewed=False, cut_to=cut_to, cut_reason=application.reason
        )
        permit.status = PermitStatus.ISSUED
    elif kind == ApplicationKind.RENEWAL:
        _set_validity(
            permit, application.decided_on, renewed=True, cut_to=cut_to, cut_reason=application.reason
        )
    elif kind == ApplicationKind.CHANGE_RESTART:
        # M48 §45 ¶2: the validity runs anew from the change.
        _set_validity(permit, application.decided_on, renewed=permit.renewed, cut_to=None, cut_reason="")
    # Other changes keep the original validity (M48 §45 ¶2, first sentence).
    content = (
        rules.content_from_dict(application.proposed_content)
        if application.proposed_content is not None
        else await _current_content(session, permit)
    )
    if application.proposed_category:
        permit.category = application.proposed_category
    new_version = permit.content_version + 1
    session.add(
        PermitVersion(
            permit_id=permit.id,
            version=new_version,
            reason=kind.value,
            application_id=application.id,
            category=permit.category,
            decision_date=permit.decision_date,
            valid_from=permit.valid_from,
            valid_until=permit.valid_until,
            basic_info=_basic_info(enterprise, site),
            content=content.to_dict(),
            created_by_username=actor.username,
        )
    )
    _write_content_rows(session, permit.id, new_version, content)
    permit.content_version = new_version
    permit.updated_at = utcnow()
    application.status = ApplicationStatus.COMPLETED
    application.completed_on = issued
    session.add_all([permit, application])
    event_kind = {ApplicationKind.FIRST: "issued", ApplicationKind.RENEWAL: "renewed"}.get(kind, "changed")
    _event(session, actor, permit, event_kind, application=application, note=application.change_description)
    _audit(session, actor, permit, f"permit.{event_kind}", before)
    return permit


async def _current_content(session: AsyncSession, permit: Permit) -> PermitContent:
    version = (
        await session.exec(
            select(PermitVersion).where(
                PermitVersion.permit_id == permit.id, PermitVersion.version == permit.content_version
            )
        )
    ).first()
    return rules.content_from_dict(version.content) if version else PermitContent()


async def revoke_permit(session: AsyncSession, actor: Actor, *, number: str, reason: str) -> Permit:
    """撤销 (M48 §49): by the issuing authority, with the legal ground; announced publicly."""
    permit = await get_permit(session, actor, number=number)
    require(actor, Operation.PERMIT_DECIDE, target_of(permit))
    reason = _require_text(reason, "reason")
    if permit.status != PermitStatus.ISSUED:
        raise Conflict(N_("Only an issued permit can be revoked or cancelled."), field="number")
    before = _permit_state(permit)
    permit.status = PermitStatus.REVOKED
    permit.updated_at = utcnow()
    session.add(permit)
    await _close_open_application(session, permit, reason)
    _event(session, actor, permit, "revoked", note=reason)
    _audit(session, actor, permit, "permit.revoke", before)
    return permit


async def cancel_permit(
    session: AsyncSession, actor: Actor, *, number: str, reason: str, note: str = ""
) -> Permit:
    """注销 (M48 §50): expired and not renewed, unit terminated, or other lawful grounds."""
    permit = await get_permit(session, actor, number=number)
    require(actor, Operation.PERMIT_DECIDE, target_of(permit))
    try:
        ground = CancellationReason(reason)
    except ValueError:
        raise ValidationFailed(
            [
                FieldError(
                    "reason",
                    "choice",
                    N_("Choose one of: {choices}."),
                    {"choices": ", ".join(r.value for r in CancellationReason)},
                )
            ]
        ) from None
    if permit.status != PermitStatus.ISSUED:
        raise Conflict(N_("Only an issued permit can be revoked or cancelled."), field="number")
    if ground == CancellationReason.EXPIRED_NOT_RENEWED and (
        permit.valid_until is None or permit.valid_until >= today()
    ):
        raise ValidationFailed(
            [
                FieldError(
                    "reason",
                    "not_expired",
                    N_("This permit is valid until {date}; it cannot be cancelled as expired before then."),
                    {"date": permit.valid_until.isoformat() if permit.valid_until else "—"},
                )
            ]
        )
    if ground == CancellationReason.OTHER:
        note = _require_text(note, "note")
    before = _permit_state(permit)
    permit.status = PermitStatus.CANCELLED
    permit.cancellation_reason = ground.value
    permit.updated_at = utcnow()
    session.add(permit)
    await _close_open_application(session, permit, note or ground.value)
    _event(session, actor, permit, "cancelled", note=f"{ground.value}: {note}".strip(": "))
    _audit(session, actor, permit, "permit.cancel", before)
    return permit


async def _close_open_application(session: AsyncSession, permit: Permit, reason: str) -> None:
    open_application = await _open_application(session, permit)
    if open_application is not None:
        open_application.status = ApplicationStatus.REFUSED
        open_application.decided_on = today()
        open_application.reason = reason[:1000]
        session.add(open_application)


# ---------------------------------------------------------------------------
# Import of permits issued on the national platform
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    code: str
    message: str
    params: dict[str, Any]


class ImportFailed(ValidationFailed):
    """Some rows are wrong: nothing was imported. Each error names its row and field."""

    code = "import_failed"

    def __init__(self, rows: list[RowError]) -> None:
        super().__init__([FieldError(f"rows[{e.row}].{e.field}", e.code, e.message, e.params) for e in rows])
        self.rows = rows


def _date(value: Any, name: str, problems: list[FieldError], *, required: bool = True) -> date | None:
    if value in (None, ""):
        if required:
            problems.append(FieldError(name, "required", N_("This field is required.")))
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        problems.append(FieldError(name, "date", N_("Expected a date as YYYY-MM-DD.")))
        return None


async def import_permits(
    session: AsyncSession, actor: Actor, *, records: list[dict[str, Any]]
) -> list[Permit]:
    """Load permits already issued on the national platform. All rows or none (row numbers start at 1)."""
    require(actor, Operation.PERMIT_LIST)
    if not isinstance(records, list) or not records:
        raise ValidationFailed([FieldError("rows", "required", N_("The file contains no permits."))])
    row_errors: list[RowError] = []
    prepared: list[tuple[dict[str, Any], Enterprise, ProductionSite, PermitContent, date, date | None]] = []
    seen_numbers: set[str] = set()
    on = today()
    for row_number, raw in enumerate(records, start=1):
        problems: list[FieldError] = []
        if not isinstance(raw, dict):
            row_errors.append(
                RowError(row_number, "row", "type", N_("Expected the permit content as an object."), {})
            )
            continue
        code = normalize_credit_code(str(raw.get("enterprise_credit_code", "")))
        enterprise = (await session.exec(select(Enterprise).where(Enterprise.credit_code == code))).first()
        if enterprise is None:
            problems.append(
                FieldError("enterprise_credit_code", "not_found", N_("No enterprise with this credit code."))
            )
        elif not can(
            actor,
            Operation.PERMIT_DECIDE,
            Target(enterprise_id=enterprise.id, region_code=enterprise.region_code),
        ):
            problems.append(
                FieldError(
                    "enterprise_credit_code",
                    "outside_jurisdiction",
                    N_("This region is outside your jurisdiction."),
                )
            )
        number = str(raw.get("number", "")).strip().upper()
        site: ProductionSite | None = None
        if enterprise is not None:
            problem = rules.permit_number_error(number, enterprise.credit_code)
            if problem:
                problems.append(problem)
            else:
                # The number names the production site (Reg art. 6 ¶2): it must be one of the unit's sites.
                try:
                    site = await find_site(session, enterprise, number[18:21], field="number")
                except ValidationFailed as error:
                    problems.extend(error.errors)
        if number in seen_numbers or (number and await _find(session, number) is not None):
            problems.append(FieldError("number", "duplicate", N_("This permit number is already in use.")))
        seen_numbers.add(number)
        if raw.get("category") not in ("key", "simplified"):
            problems.append(
                FieldError("category", "choice", N_("Choose key management or simplified management."))
            )
        if not str(raw.get("issuing_authority", "")).strip():
            problems.append(FieldError("issuing_authority", "required", N_("This field is required.")))
        decision = _date(raw.get("decision_date"), "decision_date", problems)
        cut_to = _date(raw.get("valid_until"), "valid_until", problems, required=False)
        if decision and decision > on:
            problems.append(FieldError("decision_date", "future", N_("This date is in the future.")))
        if decision and cut_to and cut_to < decision:
            problems.append(
                FieldError(
                    "valid_until", "before_decision", N_("The validity cannot end before the decision.")
                )
            )
        if raw.get("renewed") not in (None, True, False):
            problems.append(FieldError("renewed", "type", N_("Expected true or false.")))
        content, content_errors = rules.parse_content(raw.get("content"), prefix="content.")
        problems.extend(content_errors)
        for problem in problems:
            row_errors.append(
                RowError(row_number, problem.field or "row", problem.code, problem.message, problem.params)
            )
        if not problems and enterprise is not None and site is not None and decision is not None:
            prepared.append((raw, enterprise, site, content, decision, cut_to))
    if row_errors:
        raise ImportFailed(row_errors)
    permits: list[Permit] = []
    for raw, enterprise, site, content, decision, cut_to in prepared:
        assert enterprise.id is not None and site.id is not None
        permit = Permit(
            number=str(raw["number"]).strip().upper(),
            enterprise_id=enterprise.id,
            site_id=site.id,
            category=raw["category"],
            status=PermitStatus.ISSUED,
            issuing_authority=str(raw["issuing_authority"]).strip()[:100],
            region_code=site.region_code,
            industry_code=site.industry_code,
            content_version=1,
        )
        years = rules.term_years(decision, bool(raw.get("renewed")))
        permit.renewed = bool(raw.get("renewed"))
        permit.decision_date = permit.valid_from = decision
        permit.valid_until = rules.validity_end(decision, years, cut_to)
        permit.validity_cut_reason = str(raw.get("validity_cut_reason", ""))[:300] if cut_to else ""
        _set_renewal_due(permit)
        session.add(permit)
        await session.flush()
        assert permit.id is not None
        session.add(
            PermitVersion(
                permit_id=permit.id,
                version=1,
                reason="imported",
                category=permit.category,
                decision_date=decision,
                valid_from=permit.valid_from,
                valid_until=permit.valid_until,
                basic_info=_basic_info(enterprise, site),
                content=content.to_dict(),
                created_by_username=actor.username,
            )
        )
        _write_content_rows(session, permit.id, 1, content)
        _event(session, actor, permit, "issued", on=decision, note=N_("Imported from the national platform"))
        _audit(session, actor, permit, "permit.import", None)
        permits.append(permit)
    return permits


# ---------------------------------------------------------------------------
# Counting again when a year's holiday schedule is loaded
# ---------------------------------------------------------------------------


async def recount_deadlines(session: AsyncSession, year: int) -> int:
    """Count again the stored deadlines a newly loaded ``year`` may move: renewal deadlines counted in
    working days across it, and the time limits of open applications. Returns how many dates moved or
    stopped being approximate. Called by ``domain.calendar.service.load_schedule`` in its transaction."""
    changed = 0
    first, last = date(year, 1, 1), date(year, 12, 31)
    permits = (
        await session.exec(
            select(Permit).where(
                Permit.status == PermitStatus.ISSUED,
                col(Permit.valid_until) >= first,
                col(Permit.renewal_due) <= last,
            )
        )
    ).all()
    for permit in permits:
        before = (permit.renewal_due, permit.renewal_due_approximate)
        _set_renewal_due(permit)
        if (permit.renewal_due, permit.renewal_due_approximate) != before:
            session.add(permit)
            changed += 1
    applications = (
        await session.exec(
            select(PermitApplication, Permit)
            .join(Permit, col(Permit.id) == col(PermitApplication.permit_id))
            .where(col(PermitApplication.status).in_(OPEN_APPLICATION_STATUSES))
        )
    ).all()
    for application, permit in applications:
        before_dates = (
            application.accept_due,
            application.accept_due_approximate,
            application.decision_due,
            application.decision_due_approximate,
            application.issue_due,
            application.issue_due_approximate,
        )
        kind = application.kind
        if (
            application.status == ApplicationStatus.SUBMITTED
            and not waiting_for_materials(application)
            and kind != ApplicationKind.REPLACEMENT
        ):
            due = law.acceptance_due(acceptance_clock_start(application))
            application.accept_due, application.accept_due_approximate = due.date, due.approximate
        elif application.status == ApplicationStatus.ACCEPTED and application.accepted_on is not None:
            category = application.proposed_category or permit.category
            due = law.decision_due(application.received_on, application.accepted_on, kind, category)
            if application.extended:
                extended = law.extended_decision_due(application.received_on, due.date)
                approximate = due.approximate or extended.approximate
                application.decision_due, application.decision_due_approximate = extended.date, approximate
            else:
                application.decision_due, application.decision_due_approximate = due.date, due.approximate
        elif application.status == ApplicationStatus.GRANTED and application.decided_on is not None:
            due = (
                law.replacement_issue_due(application.received_on)
                if kind == ApplicationKind.REPLACEMENT
                else law.issue_due(application.received_on, application.decided_on)
            )
            application.issue_due, application.issue_due_approximate = due.date, due.approximate
        after_dates = (
            application.accept_due,
            application.accept_due_approximate,
            application.decision_due,
            application.decision_due_approximate,
            application.issue_due,
            application.issue_due_approximate,
        )
        if after_dates != before_dates:
            session.add(application)
            changed += 1
    return changed
