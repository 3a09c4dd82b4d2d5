"""The read side of permit quality: a permit's audit, the permits the audit flagged, campaigns and their
checklists, and the quality-check half of 双百. Lists filter, count and page with the SQL form of
``QUALITY_VIEW`` (``domain.access.sql.allowed``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, require, rule
from domain.access.conditions import Never
from domain.access.sql import TargetColumns, allowed
from domain.bounds import MAX_ID
from domain.clock import as_utc, china_midnight, today
from domain.enterprises.models import Enterprise
from domain.errors import N_, NotFound
from domain.i18n import translate
from domain.pagination import Key, Page, Window, check_page_size, keyset_page, sort_order
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus
from domain.supervision.quality import rules
from domain.supervision.quality.audit import load_permit
from domain.supervision.quality.catalogue import row_for
from domain.supervision.quality.labels import finding_text
from domain.supervision.quality.models import (
    QualityAudit,
    QualityCampaign,
    QualityCheck,
    QualityCheckItem,
    QualityFindingRow,
)

PERMIT_COLUMNS = TargetColumns(enterprise_id=col(Permit.enterprise_id), region_code=col(Permit.region_code))
CAMPAIGN_COLUMNS = TargetColumns(region_code=col(QualityCampaign.region_code))


@dataclass(frozen=True)
class FindingView:
    rule_code: str
    rule_title: str
    field: str
    text: str
    basis: str
    problem_id: int | None


@dataclass(frozen=True)
class CheckSummary:
    check_id: int
    campaign_id: int
    campaign_name: str
    version: int
    checked_at: datetime | None


@dataclass(frozen=True)
class PermitQuality:
    permit: Permit
    enterprise_name: str
    audit: QualityAudit | None  # the latest run on the version in force
    findings: list[FindingView]
    checks: list[CheckSummary]
    catalogue: Any  # CatalogueRow | None
    may_audit: bool


def require_reader(actor: Actor) -> None:
    """Refuse whoever may read no quality record at all (a list's rows are then those ``allowed``)."""
    if not actor.is_authenticated or isinstance(rule(actor, Operation.QUALITY_VIEW), Never):
        require(actor, Operation.QUALITY_VIEW, None)


def _views(rows: list[QualityFindingRow], locale: str) -> list[FindingView]:
    return [
        FindingView(
            row.rule_code,
            translate(rules.RULES[row.rule_code].title, locale),
            row.field,
            finding_text(row.rule_code, row.params, locale),
            row.basis,
            row.problem_id,
        )
        for row in rows
    ]


async def latest_audit(session: AsyncSession, permit_id: int, version: int) -> QualityAudit | None:
    return (
        await session.exec(
            select(QualityAudit)
            .where(QualityAudit.permit_id == permit_id, QualityAudit.version == version)
            .order_by(col(QualityAudit.id).desc())
        )
    ).first()


async def findings_of(session: AsyncSession, audit_id: int) -> list[QualityFindingRow]:
    return list(
        (
            await session.exec(
                select(QualityFindingRow)
                .where(QualityFindingRow.audit_id == audit_id)
                .order_by(col(QualityFindingRow.id))
            )
        ).all()
    )


async def permit_quality(
    session: AsyncSession, actor: Actor, *, permit_id: int, locale: str
) -> PermitQuality:
    """A permit's quality page: the latest audit of its version in force, its findings, its checks."""
    permit = await load_permit(session, actor, permit_id)
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    audit = await latest_audit(session, permit_id, permit.content_version)
    rows = await findings_of(session, audit.id) if audit is not None and audit.id is not None else []
    checks = (
        await session.exec(
            select(QualityCheck, QualityCampaign)
            .join(QualityCampaign, col(QualityCampaign.id) == col(QualityCheck.campaign_id))
            .where(QualityCheck.permit_id == permit_id)
            .order_by(col(QualityCheck.id).desc())
        )
    ).all()
    return PermitQuality(
        permit,
        enterprise.name if enterprise else "",
        audit,
        _views(rows, locale),
        [CheckSummary(c.id or 0, k.id or 0, k.name, c.version, c.checked_at) for c, k in checks],
        row_for(permit.industry_code),
        can(
            actor,
            Operation.QUALITY_CHECK,
            Target(enterprise_id=permit.enterprise_id, region_code=permit.region_code),
        ),
    )


@dataclass(frozen=True)
class FlaggedRow:
    permit_id: int
    number: str
    enterprise_name: str
    industry_code: str
    category: str
    version: int
    finding_count: int
    ran_at: datetime


def _latest_audits() -> Any:
    """The latest audit of each permit's version in force (a subquery of audit ids)."""
    return (
        select(func.max(QualityAudit.id).label("audit_id"))
        .join(Permit, col(Permit.id) == col(QualityAudit.permit_id))
        .where(QualityAudit.version == col(Permit.content_version))
        .group_by(col(QualityAudit.permit_id))
        .subquery()
    )


FLAGGED_ORDER = (Key(col(QualityAudit.finding_count), descending=True), Key(col(Permit.id)))
CAMPAIGN_ORDER = (Key(col(QualityCampaign.id), descending=True),)


async def flagged_permits(
    session: AsyncSession, actor: Actor, *, first: int = 50, offset: int = 0, window: Window | None = None
) -> Page[FlaggedRow]:
    """Issued permits whose version in force the latest audit found faults in, most findings first
    (numbered pages for the portal, a keyset ``window`` for the API)."""
    require_reader(actor)
    check_page_size(first)
    latest = _latest_audits()
    where = [
        col(QualityAudit.id).in_(select(latest.c.audit_id)),
        col(QualityAudit.finding_count) > 0,
        Permit.status == PermitStatus.ISSUED.value,
        allowed(actor, Operation.QUALITY_VIEW, PERMIT_COLUMNS),
    ]
    base = (
        select(QualityAudit, Permit, Enterprise)
        .join(Permit, col(Permit.id) == col(QualityAudit.permit_id))
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
        .where(*where)
    )
    total = (
        await session.exec(
            select(func.count())
            .select_from(QualityAudit)
            .join(Permit, col(Permit.id) == col(QualityAudit.permit_id))
            .where(*where)
        )
    ).one()

    def flagged(row: Any) -> FlaggedRow:
        a, p, e = row
        return FlaggedRow(
            p.id or 0,
            p.number or "",
            e.name,
            p.industry_code,
            p.category,
            a.version,
            a.finding_count,
            a.ran_at,
        )

    if window is not None:
        page = await keyset_page(
            session, base, FLAGGED_ORDER, window, lambda r: (r[0].finding_count, r[1].id), total=int(total)
        )
        return page.mapped([flagged(row) for row in page.items])
    rows = (await session.exec(base.order_by(*sort_order(FLAGGED_ORDER)).offset(offset).limit(first))).all()
    return Page([flagged(row) for row in rows], offset, int(total))


@dataclass(frozen=True)
class CampaignRow:
    campaign: QualityCampaign
    checked: int


async def campaigns(
    session: AsyncSession, actor: Actor, *, first: int = 50, offset: int = 0, window: Window | None = None
) -> Page[CampaignRow]:
    """The campaigns of the reader's jurisdiction, newest first, with how many permits are checked."""
    require_reader(actor)
    check_page_size(first)
    where = allowed(actor, Operation.QUALITY_VIEW, CAMPAIGN_COLUMNS)
    total = (await session.exec(select(func.count()).select_from(QualityCampaign).where(where))).one()
    statement = select(QualityCampaign).where(where)
    keyed: Page[Any] | None = None
    if window is not None:
        keyed = await keyset_page(
            session, statement, CAMPAIGN_ORDER, window, lambda c: (c.id,), total=int(total)
        )
        found = list(keyed.items)
    else:
        found = list(
            (
                await session.exec(
                    statement.order_by(*sort_order(CAMPAIGN_ORDER)).offset(offset).limit(first)
                )
            ).all()
        )
    ids = [c.id for c in found]
    checked = (
        dict(
            (
                await session.exec(
                    select(QualityCheck.campaign_id, func.count())
                    .where(col(QualityCheck.campaign_id).in_(ids), col(QualityCheck.checked_at).is_not(None))
                    .group_by(col(QualityCheck.campaign_id))
                )
            ).all()
        )
        if ids
        else {}
    )
    rows = [CampaignRow(c, int(checked.get(c.id or 0, 0))) for c in found]
    if keyed is not None:
        return keyed.mapped(rows)
    return Page(rows, offset, int(total))


@dataclass(frozen=True)
class CheckRow:
    check: QualityCheck
    permit_number: str
    enterprise_name: str
    recorded: int
    failed: int
    items: int


@dataclass(frozen=True)
class CampaignPage:
    campaign: QualityCampaign
    checks: list[CheckRow]
    may_work: bool


async def load_campaign(session: AsyncSession, actor: Actor, campaign_id: int) -> QualityCampaign:
    campaign = await session.get(QualityCampaign, campaign_id) if 0 < campaign_id <= MAX_ID else None
    if campaign is None or not can(actor, Operation.QUALITY_VIEW, Target(region_code=campaign.region_code)):
        raise NotFound(N_("No such campaign."), field="campaign_id")
    return campaign


async def campaign_page(session: AsyncSession, actor: Actor, *, campaign_id: int) -> CampaignPage:
    campaign = await load_campaign(session, actor, campaign_id)
    counts = (
        sa.func.count(col(QualityCheckItem.id)),
        sa.func.sum(sa.case((col(QualityCheckItem.result).is_not(None), 1), else_=0)),
        sa.func.sum(sa.case((col(QualityCheckItem.result) == "failed", 1), else_=0)),
    )
    rows = (
        await session.exec(
            select(QualityCheck, Permit.number, Enterprise.name, *counts)  # type: ignore[call-overload]
            .join(Permit, col(Permit.id) == col(QualityCheck.permit_id))
            .join(Enterprise, col(Enterprise.id) == col(QualityCheck.enterprise_id))
            .join(QualityCheckItem, col(QualityCheckItem.check_id) == col(QualityCheck.id))
            .where(QualityCheck.campaign_id == campaign.id)
            .group_by(col(QualityCheck.id), col(Permit.number), col(Enterprise.name))
            .order_by(col(QualityCheck.id))
        )
    ).all()
    return CampaignPage(
        campaign,
        [CheckRow(c, n or "", e, int(r or 0), int(f or 0), int(t or 0)) for c, n, e, t, r, f in rows],
        can(actor, Operation.QUALITY_CHECK, Target(region_code=campaign.region_code))
        and campaign.state == "open",
    )


@dataclass(frozen=True)
class ItemView:
    code: str
    title: str
    result: str | None
    note: str
    audit_findings: list[str]  # what the audit found for this rule on the checked version
    hint: str  # the catalogue's condition (H1)


@dataclass(frozen=True)
class CheckPage:
    check: QualityCheck
    campaign: QualityCampaign
    permit: Permit
    enterprise_name: str
    items: list[ItemView]
    may_record: bool


async def check_page(session: AsyncSession, actor: Actor, *, check_id: int, locale: str) -> CheckPage:
    check = await session.get(QualityCheck, check_id) if 0 < check_id <= MAX_ID else None
    if check is None or not can(
        actor,
        Operation.QUALITY_VIEW,
        Target(enterprise_id=check.enterprise_id, region_code=check.region_code),
    ):
        raise NotFound(N_("No such quality check."), field="check_id")
    campaign = await session.get(QualityCampaign, check.campaign_id)
    permit = await session.get(Permit, check.permit_id)
    enterprise = await session.get(Enterprise, check.enterprise_id)
    assert campaign is not None and permit is not None
    audit = await latest_audit(session, check.permit_id, check.version)
    found: dict[str, list[str]] = {}
    for row in await findings_of(session, audit.id) if audit is not None and audit.id is not None else []:
        found.setdefault(row.rule_code, []).append(finding_text(row.rule_code, row.params, locale))
    catalogue = row_for(permit.industry_code)
    hint = ""
    if catalogue is not None:
        hint = f"{catalogue.industry_class}: 重点管理 {catalogue.key}; 简化管理 {catalogue.simplified}"
    items = (
        await session.exec(
            select(QualityCheckItem)
            .where(QualityCheckItem.check_id == check.id)
            .order_by(col(QualityCheckItem.position))
        )
    ).all()
    return CheckPage(
        check,
        campaign,
        permit,
        enterprise.name if enterprise else "",
        [
            ItemView(
                i.code,
                translate(rules.item_title(i.code), locale),
                i.result,
                i.note,
                found.get(i.code, []),
                hint if i.code == "H1" else "",
            )
            for i in items
        ],
        campaign.state == "open"
        and can(
            actor,
            Operation.QUALITY_CHECK,
            Target(enterprise_id=check.enterprise_id, region_code=check.region_code),
        ),
    )


def checked_since(on: date) -> datetime:
    """The first moment a check still counts on ``on``: three years back (JN 1(1))."""
    try:
        start = on.replace(year=on.year - rules.CHECK_VALIDITY_YEARS)
    except ValueError:  # 29 February
        start = on.replace(year=on.year - rules.CHECK_VALIDITY_YEARS, day=28)
    return as_utc(china_midnight(start))


def quality_checked_clause(on: date) -> Any:
    """Permits (as the outer query's ``Permit``) quality-checked by a campaign in the three years to
    ``on``. As ``IN`` (not a correlated EXISTS): PostgreSQL reads the checks once into a hash instead of
    probing them for every permit in force of the jurisdiction (the filing dashboard's 双百 tile: 40 ms
    of its page for a city at F = 0.05, issue 19)."""
    return col(Permit.id).in_(
        select(QualityCheck.permit_id).where(
            col(QualityCheck.checked_at).is_not(None),
            col(QualityCheck.checked_at) >= checked_since(on),
        )
    )


async def quality_check_counts(
    session: AsyncSession, actor: Actor, *, on: date, where: list[Any]
) -> tuple[int, int]:
    """The quality-check half of 双百 on day ``on``: permits in force that day (issued, within their
    validity) under the caller's conditions on ``Permit`` and the reader's ``QUALITY_VIEW``, and those a
    campaign quality-checked in the three years to that day. One statement."""
    checked = quality_checked_clause(on)
    row = (
        await session.exec(
            select(func.count(), func.coalesce(func.sum(sa.case((checked, 1), else_=0)), 0))
            .select_from(Permit)
            .where(
                Permit.status == PermitStatus.ISSUED.value,
                col(Permit.valid_from) <= on,
                (col(Permit.valid_until).is_(None)) | (col(Permit.valid_until) >= on),
                allowed(actor, Operation.QUALITY_VIEW, PERMIT_COLUMNS),
                *where,
            )
        )
    ).one()
    return int(row[0]), int(row[1] or 0)


async def quality_half_today(session: AsyncSession, actor: Actor) -> tuple[int, int]:
    """The quality-check half of 双百 today over the reader's jurisdiction: permits in force, and those
    quality-checked within three years (the filing dashboard shows it beside the filing half)."""
    require_reader(actor)
    return await quality_check_counts(session, actor, on=today(), where=[])
