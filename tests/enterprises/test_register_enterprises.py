"""Registering many units at once: the rows register_enterprise writes, checked the same way, all or none."""

import pytest
from sqlmodel import col, func, select

from domain.access import Role, operator
from domain.audit.models import AuditEntry
from domain.enterprises.models import Enterprise, EnterpriseRevision, ProductionSite
from domain.enterprises.service import MAX_REGISTRATIONS, register_enterprise, register_enterprises
from domain.errors import PermissionDenied, ValidationFailed
from tests.factories import actor, credit_code, enterprise_input, make_enterprise, make_user

ADMIN = operator("test")


async def written_for(session, code):
    """What registering left for one unit, without ids and times (those differ between two units)."""
    enterprise = (await session.exec(select(Enterprise).where(Enterprise.credit_code == code))).one()
    revision = (
        await session.exec(
            select(EnterpriseRevision).where(EnterpriseRevision.enterprise_id == enterprise.id)
        )
    ).one()
    site = (
        await session.exec(select(ProductionSite).where(ProductionSite.enterprise_id == enterprise.id))
    ).one()
    audit = (await session.exec(select(AuditEntry).where(AuditEntry.object_id == code))).all()

    def plain(row, *drop):
        return {k: v for k, v in row.model_dump().items() if k not in ("id", "enterprise_id", *drop)}

    unit = {k: v for k, v in enterprise.snapshot().items() if k not in ("credit_code", "name")}
    return (
        unit,
        enterprise.version,
        plain(revision, "changed_at", "data"),
        {k: v for k, v in revision.data.items() if k not in ("credit_code", "name")},
        plain(site, "created_at", "updated_at", "name"),
        [
            (a.action, a.object_type, a.actor_username, a.channel, {**a.after, "credit_code": "", "name": ""})
            for a in audit
        ],
    )


async def test_many_units_are_written_as_one_registration_writes_each(session):
    officer = actor(await make_user(session, Role.PERMITTING, region_code="310107"))
    one = enterprise_input()
    await register_enterprise(session, officer, data=one)
    many = [enterprise_input(), enterprise_input(region_code="310107", management_category="simplified")]
    registered = await register_enterprises(session, officer, data=many)
    assert [e.credit_code for e in registered] == [item.credit_code for item in many]
    assert all(e.id is not None for e in registered)
    alone = await written_for(session, one.credit_code)
    together = await written_for(session, many[0].credit_code)
    assert together == alone
    sites = (
        await session.exec(
            select(ProductionSite.sequence, ProductionSite.name).where(
                col(ProductionSite.enterprise_id).in_([e.id for e in registered])
            )
        )
    ).all()
    assert sorted(sites) == sorted((1, item.name) for item in many)


async def test_every_problem_of_every_row_is_told_and_nothing_is_written(session):
    taken = await make_enterprise(session)
    twice = credit_code()
    officer = actor(await make_user(session, Role.PERMITTING, region_code="310107"))
    rows = [
        enterprise_input(),
        enterprise_input(credit_code="91310107MA0000000X", name=""),  # a wrong check character, no name
        enterprise_input(region_code="370112"),  # Jinan: outside a Putuo officer's jurisdiction
        enterprise_input(credit_code=twice),
        enterprise_input(credit_code=twice),
        enterprise_input(credit_code=taken.credit_code),
    ]
    before = (await session.exec(select(func.count()).select_from(Enterprise))).one()
    with pytest.raises(ValidationFailed) as caught:
        await register_enterprises(session, officer, data=rows)
    found = {(e.field, e.code) for e in caught.value.errors}
    assert found == {
        ("rows[2].name", "required"),
        ("rows[2].credit_code", "credit_code_check"),
        ("rows[3].region_code", "outside_jurisdiction"),
        ("rows[5].credit_code", "duplicate"),  # the second of two rows with one code
        ("rows[6].credit_code", "duplicate"),  # already registered
    }
    assert [int(e.field[5:].split("]")[0]) for e in caught.value.errors] == sorted(
        int(e.field[5:].split("]")[0]) for e in caught.value.errors
    )
    assert (await session.exec(select(func.count()).select_from(Enterprise))).one() == before


async def test_only_those_who_may_register_may_register_many(session):
    unit = await make_enterprise(session)
    staff = actor(await make_user(session, Role.ENTERPRISE_ADMIN, enterprise=unit))
    with pytest.raises(PermissionDenied):
        await register_enterprises(session, staff, data=[enterprise_input()])
    with pytest.raises(ValidationFailed) as empty:
        await register_enterprises(session, ADMIN, data=[])
    assert (empty.value.field, empty.value.code) == ("rows", "required")
    with pytest.raises(ValidationFailed) as many:
        await register_enterprises(session, ADMIN, data=[enterprise_input()] * (MAX_REGISTRATIONS + 1))
    assert (many.value.field, many.value.code) == ("rows", "too_many")
