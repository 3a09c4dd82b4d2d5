from domain.enterprises.queries import get_enterprise, list_enterprises
from tests.factories import actor, make_enterprise, make_user


async def test_permitting_regulator_finds_a_registered_enterprise_of_its_region(session):
    enterprise = await make_enterprise(session, name="普陀热电有限公司")
    regulator = await make_user(session, "permitting", region_code="310107")
    page = await list_enterprises(session, actor(regulator), first=10)
    assert [e.name for e in page.items] == ["普陀热电有限公司"]
    found = await get_enterprise(session, actor(regulator), credit_code=enterprise.credit_code)
    assert found.id == enterprise.id
