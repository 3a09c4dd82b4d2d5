"""The change feed shows each reader exactly the changes of the objects can() lets it see.

Over the generated city of tests/access (every kind of actor and authorisation), the whole feed is read
page by page for each actor and compared with the city's change events that can() allows, the target of
each computed from the city (its unit, and the unit's region or a permit's site region), never from the
SQL under test.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from domain import feed
from domain.access import Actor, Role, Target, can
from domain.changes.kinds import ObjectType
from domain.changes.models import ChangeEvent
from domain.db import Database
from domain.errors import DomainError, NotAuthenticated
from domain.ledgers.service import readings
from domain.migrate import upgrade
from tests.access import city as city_module
from tests.changes.helpers import Client
from tests.conftest import _create_postgres_database, _drop_postgres_database, database_kind
from tests.ledgers.test_ledgers import day_start, hours


@pytest.fixture(scope="module")
async def city(tmp_path_factory):  # type: ignore[no-untyped-def]
    if database_kind() == "postgresql":
        admin_url, url = _create_postgres_database()
    else:
        admin_url, url = "", f"sqlite:///{tmp_path_factory.mktemp('feedcity') / 'city.db'}"
    upgrade(url)
    database = Database(url)
    async with database.transaction() as session:
        built = await city_module.build(session)
    # The city writes its ledgers directly; some readings through the use case give the feed readings of
    # several units and regions.
    for number, permit in enumerate(built.permits[:8]):
        staff = Actor(username="feed-staff", role=Role.ENTERPRISE_STAFF, enterprise_id=permit.enterprise_id)
        try:
            async with database.transaction() as session:
                await readings.record_readings(
                    session,
                    staff,
                    permit_number=permit.number or "",
                    readings=hours(day_start(40 + number), [1.0]),
                )
        except DomainError:
            continue  # not in force, or no such point: the city has all kinds
    async with database.read() as session:
        events = list((await session.exec(select(ChangeEvent))).all())
    yield database, built, events
    await database.dispose()
    if admin_url:
        _drop_postgres_database(admin_url, url)


def target(built, event: ChangeEvent) -> Target:  # type: ignore[no-untyped-def]
    regions = {e.id: e.region_code for e in built.enterprises}
    if event.object_type == ObjectType.PERMIT.value:
        permit = next(p for p in built.permits if p.id == event.object_id)
        return Target(enterprise_id=event.enterprise_id, region_code=permit.region_code)
    return Target(enterprise_id=event.enterprise_id, region_code=regions.get(event.enterprise_id))


async def test_the_feed_shows_exactly_what_can_allows(city):
    database, built, events = city
    kinds = {e.object_type for e in events}
    assert {"ENTERPRISE", "PERMIT", "READING"} <= kinds, kinds
    failures = []
    for name, actor in built.actors:
        expected = {
            (e.object_type, e.object_id, e.change, e.action)
            for e in events
            if can(actor, feed.VIEW_OF[ObjectType(e.object_type)], target(built, e))
        }
        client = Client(database, actor)
        try:
            got = await client.sync(page_size=40)
        except NotAuthenticated:
            if actor.is_authenticated:
                failures.append(f"{name}: refused")
            continue
        keys = [(c.object_type.value, c.object_id, c.change.value, c.action) for c in got]
        if len(keys) != len(set(keys)) and len({c.cursor for c in got}) != len(got):
            failures.append(f"{name}: a change listed twice")
        if set(keys) != expected:
            failures.append(
                f"{name}: {len(set(keys) - expected)} too many, {len(expected - set(keys))} missing"
            )
    assert not failures, "\n".join(failures)
