"""The change feed as a syncing client reads it: everything once, then only what changed, in commit
order, with no gaps and no duplicates, even when transactions overlap and commit out of order.

Every test commits for real (a database of its own per module): the feed serves committed changes only.
"""

from __future__ import annotations

import asyncio
import base64
from collections import Counter

import pytest

from domain import feed
from domain.access import ANONYMOUS, operator
from domain.changes.kinds import ChangeKind, ObjectType
from domain.db import Database
from domain.enterprises.service import register_enterprise, update_enterprise
from domain.errors import NotAuthenticated, ValidationFailed
from domain.ledgers.service import readings
from tests.changes.helpers import Client, settle
from tests.conftest import database_kind
from tests.factories import actor, enterprise_input, make_enterprise, make_permit, make_user
from tests.ledgers.test_ledgers import day_start, hours

ADMIN = operator("feed-test")


@pytest.fixture(scope="module")
async def database(tmp_path_factory):  # type: ignore[no-untyped-def]
    from domain.migrate import upgrade
    from tests.conftest import _create_postgres_database, _drop_postgres_database

    if database_kind() == "postgresql":
        admin_url, url = _create_postgres_database()
    else:
        admin_url, url = "", f"sqlite:///{tmp_path_factory.mktemp('feed') / 'feed.db'}"
    upgrade(url)
    database = Database(url)
    yield database
    await database.dispose()
    if admin_url:
        _drop_postgres_database(admin_url, url)


async def at_the_end(database: Database) -> Client:
    """A client that has synced everything so far (the feed's past belongs to other tests)."""
    client = Client(database, ADMIN)
    await client.sync()
    return client


async def test_a_client_syncs_everything_once_then_only_what_changed(database):
    client = await at_the_end(database)
    async with database.transaction() as session:
        enterprise = await make_enterprise(session)
        permit = await make_permit(session, enterprise)
        staff = actor(await make_user(session, "enterprise_staff", enterprise=enterprise))
        await readings.record_readings(
            session, staff, permit_number=permit.number, readings=hours(day_start(3), [10.0, 11.0, 12.0])
        )
    first = await client.sync(page_size=2)  # several pages
    assert [(c.object_type, c.change) for c in first if c.object_type != ObjectType.READING] == [
        (ObjectType.ENTERPRISE, ChangeKind.CREATED),
        (ObjectType.PERMIT, ChangeKind.CREATED),
    ]
    assert sum(c.object_type == ObjectType.READING for c in first) == 3
    permit_change = next(c for c in first if c.object_type == ObjectType.PERMIT)
    assert (permit_change.object_id, permit_change.object_key) == (permit.id, permit.number)

    # Nothing new: the same cursor back, nothing listed twice.
    assert await client.sync() == []
    async with database.transaction() as session:
        data = enterprise_input(credit_code=enterprise.credit_code, name="改名后的单位")
        await update_enterprise(session, ADMIN, credit_code=enterprise.credit_code, data=data)
    again = await client.sync()
    assert [(c.object_type, c.object_id, c.change) for c in again] == [
        (ObjectType.ENTERPRISE, enterprise.id, ChangeKind.UPDATED)
    ]
    assert again[0].occurred_at.tzinfo is not None


async def test_types_narrow_the_feed_and_the_cursor_holds_across_them(database):
    client = await at_the_end(database)
    async with database.transaction() as session:
        enterprise = await make_enterprise(session)
        await make_permit(session, enterprise)
    await settle(database)
    async with database.read() as session:
        page = await feed.changes(session, ADMIN, after=client.cursor, types=[ObjectType.PERMIT])
    assert [c.object_type for c in page.changes] == [ObjectType.PERMIT]


async def test_a_transaction_that_commits_late_is_not_skipped(database):
    """Two overlapping transactions: the one that began first commits last. A client reading between
    the two commits must not move past the late one; afterwards it sees both, each once."""
    if database_kind() != "postgresql":
        pytest.skip("SQLite serialises writers: transactions cannot overlap there")
    client = await at_the_end(database)
    early = database.transaction()
    session_early = await early.__aenter__()
    try:
        slow = await register_enterprise(session_early, ADMIN, data=enterprise_input())
        await session_early.flush()  # its event row exists, uncommitted, in the older transaction
        async with database.transaction() as session_late:
            quick = await register_enterprise(session_late, ADMIN, data=enterprise_input())
        # The later transaction has committed; the earlier is still open.
        between = await client.sync(wait=False)
        assert between == [], "served a change behind a transaction still running"
    except BaseException as error:
        await early.__aexit__(type(error), error, error.__traceback__)
        raise
    await early.__aexit__(None, None, None)
    after = await client.sync()
    assert [(c.object_type, c.object_id) for c in after] == [
        (ObjectType.ENTERPRISE, slow.id),
        (ObjectType.ENTERPRISE, quick.id),
    ]


async def test_no_gaps_and_no_duplicates_under_concurrent_writes(database):
    client = await at_the_end(database)
    async with database.transaction() as session:
        enterprise = await make_enterprise(session)
        permit = await make_permit(session, enterprise)
        staff = actor(await make_user(session, "enterprise_staff", enterprise=enterprise))
    writers, batches = 4, 5
    done = asyncio.Event()
    seen: list[feed.Change] = []

    async def write(writer: int) -> None:
        for batch in range(batches):
            start = day_start(10 + writer * batches + batch)
            async with database.transaction() as session:
                await readings.record_readings(
                    session, staff, permit_number=permit.number, readings=hours(start, [1.0, 2.0])
                )
            await asyncio.sleep(0)

    async def read() -> None:
        while not done.is_set():
            seen.extend(await client.sync(page_size=3, wait=False))
            await asyncio.sleep(0.01)
        seen.extend(await client.sync())

    reader = asyncio.create_task(read())
    await asyncio.gather(*(write(w) for w in range(writers)))
    done.set()
    await reader
    assert [(c.object_type, c.change) for c in seen[:2]] == [
        (ObjectType.ENTERPRISE, ChangeKind.CREATED),
        (ObjectType.PERMIT, ChangeKind.CREATED),
    ]
    read_back = seen[2:]
    keys = [(c.object_type, c.object_id, c.change) for c in read_back]
    assert len(keys) == writers * batches * 2
    assert not [key for key, n in Counter(keys).items() if n > 1], "a change was served twice"
    async with database.read() as session:
        from sqlmodel import select

        from domain.ledgers.models import MonitoringReading

        ids = set(
            (
                await session.exec(
                    select(MonitoringReading.id).where(MonitoringReading.permit_id == permit.id)
                )
            ).all()
        )
    assert {c.object_id for c in read_back} == ids


async def test_a_bad_cursor_or_page_size_is_a_field_error_and_the_public_has_no_feed(database):
    async with database.read() as session:
        bad = ("offset:5", "change:-1:1", "change:1:99999999999999999999", "change:1:x", "change:\x00:1")
        for cursor in ("nonsense", "", *(base64.urlsafe_b64encode(b.encode()).decode() for b in bad)):
            if not cursor:
                continue
            with pytest.raises(ValidationFailed) as refused:
                await feed.changes(session, ADMIN, after=cursor)
            assert refused.value.errors[0].field == "after"
        for size in (0, 101):
            with pytest.raises(ValidationFailed) as refused:
                await feed.changes(session, ADMIN, first=size)
            assert refused.value.errors[0].field == "first"
        with pytest.raises(NotAuthenticated):
            await feed.changes(session, ANONYMOUS)


async def test_readings_and_events_past_two_to_the_31_are_fed(database):
    """A province's hourly readings pass 2^31 ids within years, and so does the feed (migration 0045)."""
    if database_kind() != "postgresql":
        pytest.skip("SQLite's integers are 64-bit whatever the column says")
    client = await at_the_end(database)
    async with database.transaction() as session:
        enterprise = await make_enterprise(session)
        permit = await make_permit(session, enterprise)
        staff = actor(await make_user(session, "enterprise_staff", enterprise=enterprise))
        connection = await session.connection()
        # This module's own database: the sequences moved past 2^31 stay so for the tests after it.
        for table in ("monitoring_reading", "change_event"):
            await connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {2**31 + 1000})"
            )
        await readings.record_readings(
            session, staff, permit_number=permit.number, readings=hours(day_start(5), [10.0, 11.0])
        )
    fed = [c for c in await client.sync() if c.object_type == ObjectType.READING]
    assert len(fed) == 2 and all(c.object_id > 2**31 for c in fed)
    assert await client.sync() == []  # the cursor holds past 2^31 too
