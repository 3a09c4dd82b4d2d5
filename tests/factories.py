"""Factories that build valid objects through the domain's own use cases."""

from __future__ import annotations

import itertools

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Role, operator
from domain.accounts.models import User
from domain.accounts.service.users import create_user
from domain.actors import actor_for
from domain.enterprises.models import Enterprise
from domain.enterprises.rules import EnterpriseInput, make_credit_code
from domain.enterprises.service import register_enterprise

PASSWORD = "correct-horse-battery"
_sequence = itertools.count(1)


def credit_code(n: int | None = None) -> str:
    """A valid, unique unified social credit code."""
    n = next(_sequence) if n is None else n
    return make_credit_code(f"91310107MA{n:07d}")


def enterprise_input(**overrides: str) -> EnterpriseInput:
    n = next(_sequence)
    values = {
        "name": f"测试化工有限公司{n}",
        "credit_code": credit_code(n),
        "registered_address": "上海市普陀区真北路1号",
        "operating_address": "上海市普陀区真北路1号",
        "legal_representative": "王伟",
        "technical_lead": "李娜",
        "contact_phone": "021-62000000",
        "industry_code": "2614",
        "region_code": "310107",
        "management_category": "key",
    }
    values.update(overrides)
    return EnterpriseInput(**values)


async def make_enterprise(session: AsyncSession, **overrides: str) -> Enterprise:
    enterprise = await register_enterprise(session, operator(), data=enterprise_input(**overrides))
    await session.flush()
    return enterprise


async def make_user(
    session: AsyncSession,
    role: Role | str,
    *,
    enterprise: Enterprise | None = None,
    region_code: str | None = None,
    username: str | None = None,
    password: str = PASSWORD,
) -> User:
    role = Role(role)
    if role in (Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF) and enterprise is None:
        enterprise = await make_enterprise(session)
    if region_code is None and role not in (Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF, Role.ADMIN):
        region_code = "310107"
    user = await create_user(
        session,
        operator(),
        username=username or f"{role.value.replace('_', '-')}-{next(_sequence)}",
        password=password,
        role=role.value,
        enterprise_credit_code=enterprise.credit_code if enterprise else None,
        region_code=region_code,
    )
    await session.flush()
    return user


def actor(user: User, channel: str = "portal") -> Actor:
    return actor_for(user, channel=channel)


def permit_content(**overrides: object) -> dict:  # type: ignore[type-arg]
    """The copy (副本) of a small thermal power permit: one main air outlet, one water outlet."""
    content: dict[str, object] = {
        "production_facilities": [{"name": "1#燃煤锅炉", "capacity": "220 t/h"}],
        "products": [{"name": "电力", "capacity": "50 MW"}],
        "control_facilities": [{"name": "石灰石-石膏湿法脱硫", "process": "湿法脱硫"}],
        "outlets": [
            {
                "code": "DA001",
                "name": "1#锅炉烟囱",
                "medium": "air",
                "kind": "main",
                "location": "厂区东北角",
                "longitude": 121.39,
                "latitude": 31.25,
                "direction": "排入大气",
                "height_m": 80,
                "online_monitoring": True,
                "limits": [
                    {
                        "pollutant": "SO2",
                        "concentration_limit": 35,
                        "unit": "mg/m3",
                        "annual_quantity_limit": 120.5,
                        "standard": "GB 13223-2011",
                    },
                    {
                        "pollutant": "NOX",
                        "concentration_limit": 50,
                        "unit": "mg/m3",
                        "annual_quantity_limit": 180,
                    },
                    {"pollutant": "PM", "concentration_limit": 10, "unit": "mg/m3"},
                ],
            },
            {
                "code": "DW001",
                "name": "废水总排口",
                "medium": "water",
                "kind": "general",
                "direction": "排入城市污水处理厂",
                "limits": [{"pollutant": "COD", "concentration_limit": 500, "unit": "mg/L"}],
            },
        ],
        "fugitive_sources": [
            {
                "code": "MF0001",
                "name": "煤场",
                "limits": [{"pollutant": "PM", "concentration_limit": 1.0, "unit": "mg/m3"}],
            }
        ],
        "monitoring": [
            {"point": "DA001", "pollutant": "SO2", "frequency": "continuous", "method": "automatic"},
            {"point": "DA001", "pollutant": "NOX", "frequency": "continuous", "method": "automatic"},
            {"point": "DW001", "pollutant": "COD", "frequency": "quarterly", "method": "manual"},
        ],
        "ledger_records": [
            {"kind": "production_facility", "frequency": "daily"},
            {"kind": "monitoring", "frequency": "hourly"},
        ],
        "report_kinds": ["quarterly", "annual"],
        "special_period_limits": [],
        "commitments": "严格按照排污许可证规定排放污染物。",
        "secret_sections": ["products"],
    }
    content.update(overrides)
    return content


def permit_record(
    enterprise: Enterprise, *, decision_date: str, sequence: int = 1, **overrides: object
) -> dict:  # type: ignore[type-arg]
    record: dict[str, object] = {
        "number": f"{enterprise.credit_code}{sequence:03d}P",
        "enterprise_credit_code": enterprise.credit_code,
        "category": "key",
        "issuing_authority": "上海市普陀区生态环境局",
        "decision_date": decision_date,
        "renewed": False,
        "content": permit_content(),
    }
    record.update(overrides)
    return record


async def make_permit(
    session: AsyncSession,
    enterprise: Enterprise | None = None,
    *,
    decision_date: str = "2025-06-02",
    **overrides: object,
):  # type: ignore[no-untyped-def]
    """An issued permit, loaded as the import from the national platform does."""
    from domain.permits.service.imports import import_permits

    enterprise = enterprise or await make_enterprise(session)
    permits = await import_permits(
        session, operator(), records=[permit_record(enterprise, decision_date=decision_date, **overrides)]
    )
    await session.flush()
    return permits[0]


async def file_report(db, staff: Actor, permit, period: str, content, key: str, *, kind: str = "quarterly"):  # type: ignore[no-untyped-def]
    """File a report as the server does: through the filing desk's queue, in a transaction of the desk's
    own (the test's ``db``: arranged data must be flushed first; objects the test holds are not refreshed)."""
    from domain.reports.filing import desk_for
    from domain.reports.service.submission import Filing

    return await desk_for(db).file(Filing(staff, permit.number, kind, period, content, key))


async def clear_every_section(session: AsyncSession, report_id: int, *, region_code: str = "310107") -> None:
    """Every department that checks the report (PT §5) clears every section of its latest version still
    open for it, so that the report may be accepted (a department cannot accept a report alone)."""
    from domain.reports import lookup
    from domain.reports.models import ExecutionReport
    from domain.reports.service.review import clear_section

    report = await session.get(ExecutionReport, report_id)
    assert report is not None
    latest = await lookup.latest_submission(session, report)
    assert latest is not None and latest.id is not None
    round_ = (await lookup.rounds_of(session, report, [latest]))[latest.id]
    reviewers: dict[str, Actor] = {}
    # Problems waiting for the form first: clearing the last pending section would otherwise issue it.
    for verdict in sorted(round_.open, key=lambda v: v.state != "problems"):
        if verdict.department not in reviewers:
            reviewers[verdict.department] = actor(
                await make_user(session, verdict.department, region_code=region_code)
            )
        await clear_section(
            session, reviewers[verdict.department], report_id=report_id, section=verdict.section
        )
    await session.flush()
