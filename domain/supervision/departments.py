"""Departments (科室) of an ecology bureau as supervision names them: a regulator role in a jurisdiction.

A problem, a linkage step or a case is owned by a department: the role (审批科, 生态科, 污防科, 法制科,
执法大队, 监测站) and the region whose bureau it belongs to. People see the department's name, never the
role's code; the people of a department are the active users with that role whose jurisdiction covers
the region."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import regions
from domain.access import Role, role_label
from domain.accounts.models import User
from domain.errors import N_, FieldError

DEPARTMENTS: tuple[Role, ...] = (
    Role.PERMITTING,
    Role.ECOLOGY,
    Role.POLLUTION_PREVENTION,
    Role.LEGAL,
    Role.ENFORCEMENT,
    Role.MONITORING_STATION,
)


def department_label(role: Role | str, locale: str = "zh_Hans") -> str:
    """The department's name in the reader's language (审批科 / Permitting section)."""
    return role_label(role, locale)


def department_error(value: str, field: str = "department") -> FieldError | None:
    """None if ``value`` names a department, else the field's error."""
    if value in {d.value for d in DEPARTMENTS}:
        return None
    return FieldError(field, "unknown_department", N_("Choose one of the bureau's departments."))


def jurisdictions_covering(region_code: str) -> list[str]:
    """The region codes whose jurisdiction covers ``region_code``: the district, its city, its province
    and the national level."""
    found = [region_code, f"{region_code[:4]}00", f"{region_code[:2]}0000", regions.NATIONAL]
    return sorted({code for code in found if regions.covers(code, region_code)})


async def department_users(session: AsyncSession, *, role: Role | str, region_code: str) -> list[User]:
    """The active people of a department whose jurisdiction covers the region, for notices."""
    statement = (
        select(User)
        .where(
            User.role == Role(role).value,
            col(User.is_active).is_(True),
            col(User.region_code).in_(jurisdictions_covering(region_code)),
        )
        .order_by(col(User.id))
    )
    return list((await session.exec(statement)).all())
