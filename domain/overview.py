"""What the home page shows each kind of user: a summary of what they may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, can
from domain.accounts.queries import list_users
from domain.audit.models import AuditEntry
from domain.audit.service import recent
from domain.enterprises.models import Enterprise
from domain.enterprises.queries import get_enterprise_by_id, list_enterprises


@dataclass
class Overview:
    enterprise_total: int | None = None
    recent_enterprises: list[Enterprise] = field(default_factory=list)
    own_enterprise: Enterprise | None = None
    user_count: int | None = None
    recent_audit: list[AuditEntry] = field(default_factory=list)


async def home_overview(session: AsyncSession, actor: Actor) -> Overview:
    overview = Overview()
    if can(actor, Operation.ENTERPRISE_LIST):
        page = await list_enterprises(session, actor, first=5)
        overview.enterprise_total = page.total
        overview.recent_enterprises = page.items
    if actor.enterprise_id is not None:
        overview.own_enterprise = await get_enterprise_by_id(
            session, actor, enterprise_id=actor.enterprise_id
        )
    if can(actor, Operation.USER_MANAGE):
        overview.user_count = len(await list_users(session, actor))
    if can(actor, Operation.AUDIT_VIEW):
        overview.recent_audit = await recent(session, actor, limit=8)
    return overview
