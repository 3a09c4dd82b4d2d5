"""The demo city's third-party service agency (上海绿源环境技术服务): registered with its clerk, approved by
Putuo's legal section, and authorised by two units, through the agency use cases."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from demo.actors import CityActors
from demo.city import (
    DEMO_AGENCY_CLIENTS,
    DEMO_AGENCY_NAME,
    DEMO_AGENCY_SINCE_DAYS,
    DEMO_PASSWORD,
    LOGINS,
    demo_credit_code,
)
from domain.access import Actor, Role, operator
from domain.agencies.rules import AgencyInput, AuthorisationInput, QualificationInput, StaffInput
from domain.agencies.service import authorise_agency, register_agency, review_agency
from domain.clock import today


async def register_demo_agency(session: AsyncSession, legal: Actor, actors: CityActors) -> None:
    """The demo agency: registered, approved, and authorised by two units for a year (eight months ago)."""
    clerk = next(login for login in LOGINS if login.role == Role.AGENCY_STAFF)
    agency = await register_agency(
        session,
        operator("demo"),
        data=AgencyInput(
            name=DEMO_AGENCY_NAME,
            credit_code=demo_credit_code("310107", 999_999_000),
            address="上海市普陀区真北路 1000 号",
            region_code="310107",
            contact_person="周敏",
            contact_phone="021-52000000",
            service_types=["ledger", "reports", "self_monitoring"],
            qualifications=[
                QualificationInput("检验检测机构资质认定（CMA）", "230912340567", date(2029, 6, 30))
            ],
        ),
        staff=[StaffInput(clerk.username, DEMO_PASSWORD, display_name="周敏")],
    )
    await session.flush()
    await review_agency(session, legal, credit_code=agency.credit_code, decision="approve")
    on = today()
    for index, scopes in DEMO_AGENCY_CLIENTS:
        await authorise_agency(
            session,
            actors.enterprise_admins[index],
            data=AuthorisationInput(
                agency.credit_code,
                list(scopes),
                on - timedelta(days=DEMO_AGENCY_SINCE_DAYS),  # a one-year contract, signed months ago
                on - timedelta(days=DEMO_AGENCY_SINCE_DAYS) + timedelta(days=364),
                f"LY-{on.year}-{index + 1:03d}",
            ),
        )
