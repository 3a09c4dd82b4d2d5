"""Factories that build valid objects through the domain's own use cases."""

from __future__ import annotations

import itertools

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Role, operator
from domain.accounts.models import User
from domain.accounts.service import actor_for, create_user
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
