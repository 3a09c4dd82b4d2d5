"""What the permit use cases share: writing a version's content rows, the validity, the public event and
the audit entry, telling the unit, loading an application for a decision, and turning the input checks of
``rules`` and ``content`` into errors. Called by use cases only, in their transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, can, require
from domain.audit.service import add_entry, entry_values
from domain.changes.kinds import ObjectType
from domain.clock import today
from domain.enterprises.models import Enterprise, ProductionSite
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed
from domain.permits import rules
from domain.permits.content import Limit, PermitContent, parse_content
from domain.permits.models import (
    Permit,
    PermitApplication,
    PermitEvent,
    PermitLedgerRequirement,
    PermitLimit,
    PermitMonitoring,
    PermitOutlet,
)
from domain.permits.rules import ApplicationStatus
from domain.permits.state import target_of


def basic_info(enterprise: Enterprise, site: ProductionSite) -> dict[str, Any]:
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


def content_rows(permit_id: int, version: int, content: PermitContent) -> dict[Any, list[dict[str, Any]]]:
    """The rows a version's content is also stored as (outlets, limits, monitoring, ledger records), per
    table model, every column given: for ``write_content_rows`` and for imports writing many at once."""
    outlets: list[dict[str, Any]] = []
    limits: list[dict[str, Any]] = []
    key = {"permit_id": permit_id, "version": version}
    for outlet in content.outlets:
        outlets.append(
            {
                **key,
                "code": outlet.code,
                "name": outlet.name,
                "is_fugitive": False,
                "medium": outlet.medium,
                "kind": outlet.kind,
                "location": outlet.location,
                "longitude": outlet.longitude,
                "latitude": outlet.latitude,
                "direction": outlet.direction,
                "height_m": outlet.height_m,
                "online_monitoring": outlet.online_monitoring,
            }
        )
        limits += [_limit_row(key, outlet.code, limit) for limit in outlet.limits]
    for source in content.fugitive_sources:
        outlets.append(
            {
                **key,
                "code": source.code,
                "name": source.name,
                "is_fugitive": True,
                "medium": None,
                "kind": None,
                "location": source.location,
                "longitude": None,
                "latitude": None,
                "direction": "",
                "height_m": None,
                "online_monitoring": False,
            }
        )
        limits += [_limit_row(key, source.code, limit) for limit in source.limits]
    return {
        PermitOutlet: outlets,
        PermitLimit: limits,
        PermitMonitoring: [
            {
                **key,
                "point_code": item.point,
                "pollutant": item.pollutant,
                "frequency": item.frequency,
                "method": item.method,
            }
            for item in content.monitoring
        ],
        PermitLedgerRequirement: [
            {**key, "kind": requirement.kind, "frequency": requirement.frequency}
            for requirement in content.ledger_records
        ],
    }


def write_content_rows(session: AsyncSession, permit_id: int, version: int, content: PermitContent) -> None:
    for model, rows in content_rows(permit_id, version, content).items():
        session.add_all(model(**row) for row in rows)


def _limit_row(key: dict[str, Any], point: str, limit: Limit) -> dict[str, Any]:
    return {
        **key,
        "point_code": point,
        "pollutant": limit.pollutant,
        "concentration_limit": limit.concentration_limit,
        "unit": limit.unit,
        "annual_quantity_limit": limit.annual_quantity_limit,
        "standard": limit.standard,
    }


def set_validity(
    permit: Permit, decision: date, *, renewed: bool, cut_to: date | None, cut_reason: str
) -> None:
    years = rules.term_years(decision, renewed)
    permit.renewed = renewed
    permit.decision_date = decision
    permit.valid_from = decision
    permit.valid_until = rules.validity_end(decision, years, cut_to)
    permit.validity_cut_reason = cut_reason if cut_to and permit.valid_until == cut_to else ""
    set_renewal_due(permit)


def set_renewal_due(permit: Permit) -> None:
    if permit.valid_until is None:
        permit.renewal_due, permit.renewal_due_approximate = None, False
        return
    deadline = rules.renewal_deadline(permit.valid_until, permit.decision_date)
    permit.renewal_due, permit.renewal_due_approximate = deadline.date, deadline.approximate


def event(
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
    session.add(
        PermitEvent(
            **event_values(actor, permit, kind, application=application, note=note, public=public, on=on)
        )
    )


def event_values(
    actor: Actor,
    permit: Permit,
    kind: str,
    *,
    application: PermitApplication | None = None,
    note: str = "",
    public: bool = True,
    on: date | None = None,
) -> dict[str, Any]:
    """The columns of a permit's public event (its time of recording left to the table's default)."""
    assert permit.id is not None
    return {
        "permit_id": permit.id,
        "application_id": application.id if application else None,
        "kind": kind,
        "effective_on": on or today(),
        "note": note,
        "public": public,
        "actor_username": actor.username,
    }


def permit_state(permit: Permit) -> dict[str, Any]:
    return {
        "number": permit.number,
        "status": permit.status,
        "category": permit.category,
        "decision_date": permit.decision_date.isoformat() if permit.decision_date else None,
        "valid_until": permit.valid_until.isoformat() if permit.valid_until else None,
        "content_version": permit.content_version,
    }


def audit(
    session: AsyncSession, actor: Actor, permit: Permit, action: str, before: dict[str, Any] | None
) -> None:
    add_entry(session, audit_values(actor, permit, action, before), {ObjectType.PERMIT: permit.id})


def audit_values(actor: Actor, permit: Permit, action: str, before: dict[str, Any] | None) -> dict[str, Any]:
    """The columns of the audit entry of an act on a permit: its state after the act."""
    return entry_values(
        actor,
        action=action,
        object_type="permit",
        object_id=permit.number or f"id:{permit.id}",
        enterprise_id=permit.enterprise_id,
        before=before,
        after=permit_state(permit),
    )


def content_errors(content: Any) -> tuple[PermitContent, list[FieldError]]:
    """The permit copy's content as given, and every problem in it under ``content.<path>``."""
    parsed, errors = parse_content(content)
    where = [f"content.{e.field}" if e.field else "content" for e in errors]
    return parsed, [
        FieldError(name, e.code, e.message, e.params) for name, e in zip(where, errors, strict=True)
    ]


def require_text(value: str, name: str, limit: int = rules.TEXT_LIMIT) -> str:
    """The text without surrounding spaces; refused when empty or longer than ``limit`` (never cut)."""
    problem = rules.text_error(value, name, limit=limit)
    if problem is not None:
        raise ValidationFailed([problem])
    return value.strip()


async def tell_unit(
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


async def load_application(
    session: AsyncSession, actor: Actor, application_id: int
) -> tuple[PermitApplication, Permit]:
    application = await session.get(PermitApplication, application_id)
    permit = await session.get(Permit, application.permit_id) if application else None
    if application is None or permit is None or not can(actor, Operation.PERMIT_VIEW, target_of(permit)):
        raise NotFound(N_("No such application."), field="application")
    require(actor, Operation.PERMIT_DECIDE, target_of(permit))
    return application, permit


def expect(application: PermitApplication, *statuses: ApplicationStatus) -> None:
    if application.status not in statuses:
        raise Conflict(
            N_("This application is {status}; that action is not possible now."),
            field="application",
            params={"status": application.status},
        )
