"""The pages of one permit for regulators and units: what it says, its applications with their time
limits, the renewal warning, what the reader may start on it, an earlier version, the first-application
form's starting point. Who may see or do what is answered here through ``domain.access``. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, require
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.enterprises.queries import get_enterprise_by_id
from domain.errors import N_, NotFound
from domain.permits.content import Limit, PermitContent, content_from_dict
from domain.permits.models import Permit, PermitApplication, PermitVersion
from domain.permits.queries.deadlines import ApplicationSteps, Due, application_steps, deadline_due
from domain.permits.queries.register import (
    PermitDetail,
    get_permit,
    permit_detail,
    permit_detail_by_id,
    permit_version,
)
from domain.permits.rules import ApplicationKind, PermitStatus
from domain.permits.state import target_of

# A renewal deadline this close (calendar days) gets a warning on the permit's page.
RENEWAL_WARNING_DAYS = 60


def may_decide(actor: Actor, permit: Permit) -> bool:
    """Accept, reject, extend, grant, refuse, issue, revoke, cancel: the permitting section of the region."""
    return can(actor, Operation.PERMIT_DECIDE, target_of(permit))


def may_apply(actor: Actor, permit: Permit) -> bool:
    """Apply for a change, renewal or replacement: the unit's administrator or the permitting section."""
    return can(actor, Operation.PERMIT_APPLY, target_of(permit))


def may_apply_first(actor: Actor) -> bool:
    """Whether the actor may file first applications at all (which unit is checked on filing)."""
    return can(
        actor,
        Operation.PERMIT_APPLY,
        Target(enterprise_id=actor.enterprise_id, region_code=actor.region_code),
    )


def may_see_worklist(actor: Actor) -> bool:
    return can(actor, Operation.PERMIT_LIST)


@dataclass(frozen=True)
class RenewalNotice:
    """How the renewal deadline (M48 §46 or Reg art. 14, by the permit's rule set) stands.

    "near", "passed", "applied", "expired" or "ok"."""

    state: str
    deadline: Due
    valid_until: date
    days_to_expiry: int


@dataclass
class PermitPage:
    detail: PermitDetail
    versions: list[PermitVersion]
    open_application: ApplicationSteps | None
    past_applications: list[ApplicationSteps]
    renewal: RenewalNotice | None
    may_decide: bool
    may_apply: bool

    @property
    def permit(self) -> Permit:
        return self.detail.permit

    @property
    def in_force(self) -> bool:
        return self.detail.display_status == PermitStatus.ISSUED

    @property
    def actions(self) -> list[str]:
        """What the actor may start on this permit now (each its own form)."""
        permit = self.detail.permit
        if permit.status != PermitStatus.ISSUED or not permit.number:
            return []
        found: list[str] = []
        if self.may_apply and self.in_force and self.open_application is None:
            found.append("change")
            if self.renewal is not None and self.renewal.state in ("ok", "near", "passed"):
                found.append("renew")  # after the deadline too: taken and flagged late
            found.append("replace")
        if self.may_decide:
            if self.in_force and self.open_application is None:
                found.append("start_change")
            found += ["revoke", "cancel"]
        return found


def _renewal_notice(
    detail: PermitDetail, applications: list[ApplicationSteps], on: date
) -> RenewalNotice | None:
    permit = detail.permit
    if permit.status != PermitStatus.ISSUED or permit.valid_until is None or detail.renewal_deadline is None:
        return None
    deadline = deadline_due(detail.renewal_deadline, on)
    renewing = any(a.is_open and a.application.kind == ApplicationKind.RENEWAL for a in applications)
    if permit.valid_until < on:
        state = "expired"
    elif renewing:
        state = "applied"
    elif deadline.days_left < 0:
        state = "passed"
    elif deadline.days_left <= RENEWAL_WARNING_DAYS:
        state = "near"
    else:
        state = "ok"
    return RenewalNotice(state, deadline, permit.valid_until, (permit.valid_until - on).days)


async def _page(session: AsyncSession, actor: Actor, detail: PermitDetail) -> PermitPage:
    permit = detail.permit
    on = today()
    steps = [application_steps(application, on) for application in detail.applications]
    versions: list[PermitVersion] = []
    if permit.id is not None:
        versions = list(
            (
                await session.exec(
                    select(PermitVersion)
                    .where(PermitVersion.permit_id == permit.id)
                    .order_by(col(PermitVersion.version).desc())
                )
            ).all()
        )
    open_application = next((s for s in steps if s.is_open), None)
    return PermitPage(
        detail=detail,
        versions=versions,
        open_application=open_application,
        past_applications=[s for s in steps if not s.is_open],
        renewal=_renewal_notice(detail, steps, on),
        may_decide=may_decide(actor, permit),
        may_apply=may_apply(actor, permit),
    )


async def permit_page(
    session: AsyncSession, actor: Actor, *, number: str | None = None, permit_id: int | None = None
) -> PermitPage:
    """Everything the permit's page shows, for those who may view it (others: not found)."""
    if number is not None:
        detail = await permit_detail(session, actor, number=number)
    elif permit_id is not None:
        detail = await permit_detail_by_id(session, actor, permit_id=permit_id)
    else:
        raise NotFound(N_("No such permit."), field="permit")
    return await _page(session, actor, detail)


async def permit_page_for_application(
    session: AsyncSession, actor: Actor, *, application_id: int
) -> PermitPage:
    """The page of the permit an application belongs to (to show a decision form again)."""
    application = await session.get(PermitApplication, application_id)
    if application is None:
        raise NotFound(N_("No such application."), field="application")
    return await permit_page(session, actor, permit_id=application.permit_id)


async def permit_page_to_apply(session: AsyncSession, actor: Actor, *, number: str) -> PermitPage:
    """A permit's page for a change, renewal or replacement form: refused to those who may not apply."""
    page = await permit_page(session, actor, number=number)
    require(actor, Operation.PERMIT_APPLY, target_of(page.permit))
    return page


async def permit_page_to_decide(session: AsyncSession, actor: Actor, *, number: str) -> PermitPage:
    """A permit's page for a revocation or cancellation form: refused to those who may not decide."""
    page = await permit_page(session, actor, number=number)
    require(actor, Operation.PERMIT_DECIDE, target_of(page.permit))
    return page


@dataclass(frozen=True)
class LimitDifference:
    """A permitted limit of one point and pollutant that is not the same in two versions."""

    point: str
    pollutant: str
    then: Limit | None  # None: the limit did not exist in that version
    now: Limit | None  # None: the limit no longer exists


def _limits_by_point(content: PermitContent) -> dict[tuple[str, str], Limit]:
    found: dict[tuple[str, str], Limit] = {}
    points: list[tuple[str, list[Limit]]] = [(o.code, o.limits) for o in content.outlets]
    points += [(f.code, f.limits) for f in content.fugitive_sources]
    for code, limits in points:
        for limit in limits:
            found[(code, limit.pollutant)] = limit
    return found


def limit_differences(then: PermitContent, now: PermitContent) -> list[LimitDifference]:
    """Limits added, removed or changed (concentration, unit or annual quantity) between two versions."""
    old, new = _limits_by_point(then), _limits_by_point(now)
    differences: list[LimitDifference] = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        same = (
            before is not None
            and after is not None
            and (before.concentration_limit, before.unit, before.annual_quantity_limit)
            == (after.concentration_limit, after.unit, after.annual_quantity_limit)
        )
        if not same:
            differences.append(LimitDifference(key[0], key[1], before, after))
    return differences


@dataclass(frozen=True)
class VersionPage:
    permit: Permit
    enterprise: Enterprise
    version: PermitVersion
    content: PermitContent
    current_version: int
    differences: list[LimitDifference]  # against the version in force; empty for that version itself


async def version_page(session: AsyncSession, actor: Actor, *, number: str, version: int) -> VersionPage:
    """One earlier (or the current) version of a permit, read-only, as it stood when decided."""
    found = await permit_version(session, actor, number=number, version=version)
    permit = await get_permit(session, actor, number=number)
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    assert enterprise is not None
    content = content_from_dict(found.content)
    differences: list[LimitDifference] = []
    if found.version != permit.content_version:
        current = await permit_version(session, actor, number=number, version=permit.content_version)
        differences = limit_differences(content, content_from_dict(current.content))
    return VersionPage(permit, enterprise, found, content, permit.content_version, differences)


def content_skeleton() -> dict[str, Any]:
    """A starting point for a permit copy: one main air outlet and what every permit requires."""
    return {
        "production_facilities": [{"name": "1#锅炉", "capacity": ""}],
        "products": [],
        "control_facilities": [{"name": "脱硫设施", "process": ""}],
        "outlets": [
            {
                "code": "DA001",
                "name": "1#排气筒",
                "medium": "air",
                "kind": "main",
                "location": "",
                "direction": "排入大气",
                "height_m": 30,
                "online_monitoring": True,
                "limits": [
                    {
                        "pollutant": "SO2",
                        "concentration_limit": 35,
                        "unit": "mg/m3",
                        "annual_quantity_limit": 10,
                        "standard": "",
                    }
                ],
            }
        ],
        "fugitive_sources": [],
        "monitoring": [
            {"point": "DA001", "pollutant": "SO2", "frequency": "continuous", "method": "automatic"}
        ],
        "ledger_records": [{"kind": "production_facility", "frequency": "daily"}],
        "report_kinds": ["quarterly", "annual"],
        "special_period_limits": [],
        "commitments": "",
        "secret_sections": [],
    }


@dataclass(frozen=True)
class FirstApplicationDefaults:
    enterprise_credit_code: str = ""
    category: str = ""


async def first_application_defaults(
    session: AsyncSession, actor: Actor, *, credit_code: str = ""
) -> FirstApplicationDefaults:
    """What the first-application form starts with; refused to those who may not apply at all."""
    require(
        actor,
        Operation.PERMIT_APPLY,
        Target(enterprise_id=actor.enterprise_id, region_code=actor.region_code),
    )
    if actor.enterprise_id is not None:
        enterprise = await get_enterprise_by_id(session, actor, enterprise_id=actor.enterprise_id)
        return FirstApplicationDefaults(enterprise.credit_code, enterprise.management_category)
    return FirstApplicationDefaults(credit_code.strip().upper()[:18], "")
