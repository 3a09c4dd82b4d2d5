"""What the permitting section is told of its quality-check campaigns, in the transaction of the change."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Role
from domain.errors import N_
from domain.notifications.notices import both, tell
from domain.supervision.departments import department_users
from domain.supervision.quality.models import QualityCampaign

KIND = "quality"


async def campaign_created(session: AsyncSession, campaign: QualityCampaign) -> int:
    users = await department_users(session, role=Role.PERMITTING, region_code=campaign.region_code)
    return await tell(
        session,
        users,
        kind=KIND,
        key=f"quality-campaign-created:{campaign.id}",
        title=both(N_("Quality check campaign {name}"), name=campaign.name),
        body=both(
            N_("The campaign {name} has {count} permits to check, each with its checklist."),
            name=campaign.name,
            count=campaign.sample_size,
        ),
        link=f"/quality/campaigns/{campaign.id}",
    )


async def campaign_closed(session: AsyncSession, campaign: QualityCampaign) -> int:
    users = await department_users(session, role=Role.PERMITTING, region_code=campaign.region_code)
    return await tell(
        session,
        users,
        kind=KIND,
        key=f"quality-campaign-closed:{campaign.id}",
        title=both(N_("Quality check campaign {name} closed"), name=campaign.name),
        body=both(
            N_("The campaign {name} was closed: {conclusion}"),
            name=campaign.name,
            conclusion=campaign.conclusion,
        ),
        link=f"/quality/campaigns/{campaign.id}",
    )
