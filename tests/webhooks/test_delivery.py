"""Webhooks delivered for real: a receiver on 127.0.0.1 gets each event of the feed its endpoint's owner
may read, once, signed; a failure is retried, marked as a retry; a paused endpoint gets nothing; replays
arrive marked as replays. The signature is checked with the very code docs/integrators.md shows.

Every test commits for real (a database of its own for this module): the feed serves committed events."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from domain.access import operator
from domain.audit.models import AuditEntry
from domain.clock import utcnow
from domain.db import Database
from domain.enterprises.service import update_enterprise
from domain.ledgers.service import readings
from domain.notifications.models import Notification
from domain.settings import get_settings
from domain.webhooks import service
from domain.webhooks.models import WebhookDelivery, WebhookEndpoint
from domain.webhooks.worker import RoundResult, run_once
from tests.changes.helpers import settle
from tests.conftest import database_kind
from tests.factories import actor, enterprise_input, make_enterprise, make_permit, make_user
from tests.ledgers.test_ledgers import day_start, hours
from tests.webhooks.receiver import Receiver, receiver

ADMIN = operator("hooks-test")
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integrators.md"


def guide_verify() -> Any:
    """The ``verify`` function of docs/integrators.md ("Verify the signature"), run as written."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index("### 3. Verify the signature") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(compile(code.group(1), str(GUIDE), "exec"), namespace)  # noqa: S102 - our own guide's code
    return namespace["verify"]


verify = guide_verify()


@pytest.fixture(scope="module")
async def database(tmp_path_factory):  # type: ignore[no-untyped-def]
    from domain.migrate import upgrade
    from tests.conftest import _create_postgres_database, _drop_postgres_database

    if database_kind() == "postgresql":
        admin_url, url = _create_postgres_database()
    else:
        admin_url, url = "", f"sqlite:///{tmp_path_factory.mktemp('hooks') / 'hooks.db'}"
    upgrade(url)
    database = Database(url)
    yield database
    await database.dispose()
    if admin_url:
        _drop_postgres_database(admin_url, url)


@pytest.fixture(autouse=True)
def private_addresses_allowed(settings, monkeypatch):  # type: ignore[no-untyped-def]
    """The receiver is on 127.0.0.1: allowed here as an operator would allow it."""
    monkeypatch.setattr(get_settings(), "webhook_allow_private_addresses", True)
    # A timeout here would be a loaded CI machine, not a slow receiver (the hanging one sets its own).
    monkeypatch.setattr(get_settings(), "webhook_timeout_seconds", 10.0)


@pytest.fixture(autouse=True)
async def each_test_its_own_endpoints(database):  # type: ignore[no-untyped-def]
    """Endpoints of earlier tests (their receivers gone) are paused, so each test counts its own."""
    yield
    async with database.transaction() as session:
        await session.exec(sa.update(WebhookEndpoint).values(active=False))  # type: ignore[call-overload]


async def deliver(database: Database, rounds: int = 5) -> RoundResult:
    """Run the worker's rounds until nothing is left to send now (at most ``rounds``)."""
    await settle(database)
    total = RoundResult()
    for _ in range(rounds):
        result = await run_once(database, get_settings(), worker="test-worker")
        total.queued += result.queued
        total.delivered += result.delivered
        total.retrying += result.retrying
        total.failed += result.failed
        if result.claimed == 0 and result.queued == 0:
            break
    return total


async def unit_with_admin(database: Database) -> tuple[Any, Any]:
    async with database.transaction() as session:
        enterprise = await make_enterprise(session)
        admin = await make_user(session, "enterprise_admin", enterprise=enterprise)
    return enterprise, actor(admin)


async def register(database: Database, owner: Any, url: str, types: list[str]) -> tuple[str, int]:
    """An endpoint told of what happens from now on. On PostgreSQL "now" is the feed's horizon: a change
    committed a moment ago by a transaction above it (another test run on the server holds the horizon
    back) comes after the endpoint's start, so wait until the past is past."""
    await settle(database)
    async with database.transaction() as session:
        secret, endpoint = await service.register_endpoint(session, owner, url=url, event_types=types)
    assert endpoint.id is not None
    return secret, endpoint.id


def events(got: Receiver) -> list[dict[str, Any]]:
    return [json.loads(request.body) for request in got.requests]


async def test_each_event_arrives_once_signed_and_nothing_of_another_unit(database):
    enterprise, admin = await unit_with_admin(database)
    other, _ = await unit_with_admin(database)
    with receiver() as got:
        secret, endpoint_id = await register(database, admin, got.url, ["ENTERPRISE", "PERMIT", "READING"])
        async with database.transaction() as session:
            data = enterprise_input(credit_code=enterprise.credit_code, name="推送测试单位")
            await update_enterprise(session, ADMIN, credit_code=enterprise.credit_code, data=data)
            permit = await make_permit(session, enterprise)
            staff = actor(await make_user(session, "enterprise_staff", enterprise=enterprise))
            await readings.record_readings(
                session, staff, permit_number=permit.number, readings=hours(day_start(2), [10.0, 11.0])
            )
            # Another unit's changes: its admin may not read them, so its endpoint is never told.
            data = enterprise_input(credit_code=other.credit_code, name="别的单位")
            await update_enterprise(session, ADMIN, credit_code=other.credit_code, data=data)
            await make_permit(session, other)
        result = await deliver(database)
        assert (result.delivered, result.retrying, result.failed) == (4, 0, 0)
        received = events(got)
        assert [(e["objectType"], e["change"]) for e in received] == [
            ("ENTERPRISE", "UPDATED"),
            ("PERMIT", "CREATED"),
            ("READING", "CREATED"),
            ("READING", "CREATED"),
        ]
        assert received[1]["objectKey"] == permit.number
        assert received[0]["objectId"] == str(enterprise.id)
        for request, event in zip(got.requests, received, strict=True):
            assert verify(secret, request.headers["x-permitwatch-signature"], request.body) == event
            assert request.headers["x-permitwatch-delivery"] == str(event["deliveryId"])
            assert request.headers["x-permitwatch-event"] == event["objectType"]
            assert request.headers["x-permitwatch-event-id"] == str(event["eventId"])
            assert request.headers["x-permitwatch-attempt"] == "1"
            assert "x-permitwatch-retry" not in request.headers
            assert "x-permitwatch-replay" not in request.headers
            assert (event["attempt"], event["retry"], event["replay"]) == (1, False, False)
            assert request.path == "/hooks"
        # Not the guide's secret, a changed body, or a signature too old: refused by the guide's code.
        first = got.requests[0]
        with pytest.raises(ValueError, match="does not match"):
            verify("whsec_wrong", first.headers["x-permitwatch-signature"], first.body)
        with pytest.raises(ValueError, match="does not match"):
            verify(
                secret, first.headers["x-permitwatch-signature"], first.body.replace(b"UPDATED", b"CREATED")
            )
        with pytest.raises(ValueError, match="too old"):
            verify(secret, first.headers["x-permitwatch-signature"], first.body, now=time.time() + 301)

        # Nothing new: nothing sent again.
        again = await deliver(database)
        assert (again.queued, again.claimed) == (0, 0)
        assert len(got.requests) == 4
    async with database.read() as session:
        rows = (
            await session.exec(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id))
        ).all()
    assert sorted(d.status for d in rows) == ["delivered"] * 4
    assert all(d.last_status_code == 204 and d.attempts == 1 for d in rows)


async def test_a_failure_is_retried_marked_as_a_retry_and_nothing_else_twice(database):
    enterprise, admin = await unit_with_admin(database)
    with receiver() as got:
        secret, endpoint_id = await register(database, admin, got.url, ["ENTERPRISE"])
        got.answers = [500]  # the first request fails
        async with database.transaction() as session:
            for name in ("第一次改名", "第二次改名"):
                data = enterprise_input(credit_code=enterprise.credit_code, name=name)
                await update_enterprise(session, ADMIN, credit_code=enterprise.credit_code, data=data)
        first = await deliver(database)
        assert (first.delivered, first.retrying) == (1, 1)
        async with database.read() as session:
            waiting = (
                await session.exec(
                    select(WebhookDelivery).where(
                        WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending"
                    )
                )
            ).one()
        assert (waiting.attempts, waiting.last_status_code, waiting.last_error) == (1, 500, "HTTP 500")
        assert waiting.next_attempt_at > utcnow() + timedelta(seconds=50)  # the back-off: not yet
        assert (await deliver(database)).claimed == 0
        async with database.transaction() as session:  # the back-off has passed
            waiting.next_attempt_at = utcnow() - timedelta(seconds=1)
            await session.merge(waiting)
        second = await deliver(database)
        assert (second.delivered, second.retrying) == (1, 0)
    assert len(got.requests) == 3
    failed, ok, retried = got.requests
    assert retried.headers["x-permitwatch-delivery"] == failed.headers["x-permitwatch-delivery"]
    assert retried.headers["x-permitwatch-retry"] == "1"
    assert retried.headers["x-permitwatch-attempt"] == "2"
    assert "x-permitwatch-retry" not in ok.headers
    event = verify(secret, retried.headers["x-permitwatch-signature"], retried.body)
    assert (event["attempt"], event["retry"]) == (2, True)
    assert event["eventId"] == json.loads(failed.body)["eventId"] != json.loads(ok.body)["eventId"]


async def rename(database: Database, enterprise: Any, *names: str) -> None:
    async with database.transaction() as session:
        for name in names:
            data = enterprise_input(credit_code=enterprise.credit_code, name=name)
            await update_enterprise(session, ADMIN, credit_code=enterprise.credit_code, data=data)


async def notices_of(database: Database, user_id: int) -> list[Notification]:
    async with database.read() as session:
        statement = select(Notification).where(Notification.user_id == user_id).order_by(col(Notification.id))
        return list((await session.exec(statement)).all())


async def test_the_owner_is_told_once_per_failure_streak_when_deliveries_are_given_up(database, monkeypatch):
    monkeypatch.setattr(get_settings(), "webhook_max_attempts", 1)  # the first failure is the last attempt
    enterprise, admin = await unit_with_admin(database)
    with receiver() as got:
        _, endpoint_id = await register(database, admin, got.url, ["ENTERPRISE"])
        got.answers = [500, 503]
        await rename(database, enterprise, "第一次失败", "第二次失败")
        assert (await deliver(database)).failed == 2
        notices = await notices_of(database, admin.user_id)
        # Two deliveries given up in one streak: one notice, naming the endpoint and the event.
        assert len(notices) == 1
        notice = notices[0]
        async with database.read() as session:
            given_up = (
                await session.exec(
                    select(WebhookDelivery)
                    .where(WebhookDelivery.endpoint_id == endpoint_id)
                    .order_by(col(WebhookDelivery.id))
                )
            ).first()
        assert given_up is not None and given_up.status == "failed"
        assert notice.kind == "webhook_failing"
        assert notice.link == f"/account/webhooks/{endpoint_id}"
        assert got.url in notice.title and got.url in notice.body
        assert f"{given_up.event_id}" in notice.body and "HTTP 500" in notice.body
        assert "推送失败" in notice.title and "failing" in notice.title  # Chinese, then English
        assert "ENTERPRISE" not in notice.body  # the event's type by name, not code

        # A delivery that succeeds ends the streak; the next one given up is told again, once.
        await rename(database, enterprise, "送达")
        assert (await deliver(database)).delivered == 1
        got.answers = [500, 500]
        await rename(database, enterprise, "再次失败", "又一次失败")
        assert (await deliver(database)).failed == 2
    assert len(await notices_of(database, admin.user_id)) == 2


async def test_a_paused_endpoint_gets_nothing(database):
    enterprise, admin = await unit_with_admin(database)
    with receiver() as got:
        _, endpoint_id = await register(database, admin, got.url, ["ENTERPRISE"])
        async with database.transaction() as session:
            await service.update_endpoint(session, admin, endpoint_id=endpoint_id, active=False)
            data = enterprise_input(credit_code=enterprise.credit_code, name="暂停期间改名")
            await update_enterprise(session, ADMIN, credit_code=enterprise.credit_code, data=data)
        await deliver(database)
        assert got.requests == []
        # Resumed: told what happens from then on (the paused time's events are for a replay).
        async with database.transaction() as session:
            await service.update_endpoint(session, admin, endpoint_id=endpoint_id, active=True)
        await settle(database)
        async with database.transaction() as session:
            data = enterprise_input(credit_code=enterprise.credit_code, name="恢复后改名")
            await update_enterprise(session, ADMIN, credit_code=enterprise.credit_code, data=data)
        await deliver(database)
        assert len(got.requests) == 1


async def test_a_regulator_of_another_region_is_told_nothing(database):
    with receiver() as got:
        async with database.transaction() as session:
            elsewhere = actor(await make_user(session, "permitting", region_code="370102"))
            here = actor(await make_user(session, "permitting", region_code="310107"))
        await register(database, elsewhere, got.url, ["ENTERPRISE"])
        async with database.transaction() as session:
            enterprise = await make_enterprise(session)  # region 310107
        await deliver(database)
        assert got.requests == []
        await register(database, here, got.url, ["ENTERPRISE"])
        async with database.transaction() as session:
            data = enterprise_input(credit_code=enterprise.credit_code, name="辖区内改名")
            await update_enterprise(session, ADMIN, credit_code=enterprise.credit_code, data=data)
        await deliver(database)
        assert [json.loads(r.body)["objectId"] for r in got.requests] == [str(enterprise.id)]


async def test_replays_arrive_marked_and_are_audited(database):
    enterprise, admin = await unit_with_admin(database)
    with receiver() as got:
        secret, endpoint_id = await register(database, admin, got.url, ["ENTERPRISE"])
        async with database.transaction() as session:
            for name in ("重放一", "重放二"):
                data = enterprise_input(credit_code=enterprise.credit_code, name=name)
                await update_enterprise(session, ADMIN, credit_code=enterprise.credit_code, data=data)
        await deliver(database)
        original = events(got)
        assert len(original) == 2
        # One delivery again.
        async with database.transaction() as session:
            one = await service.replay(
                session, admin, endpoint_id=endpoint_id, delivery_id=original[0]["deliveryId"]
            )
        assert one.deliveries == 1
        await deliver(database)
        replayed = got.requests[2]
        assert replayed.headers["x-permitwatch-replay"] == "1"
        event = verify(secret, replayed.headers["x-permitwatch-signature"], replayed.body)
        assert event["eventId"] == original[0]["eventId"] and event["replay"] is True
        assert event["deliveryId"] != original[0]["deliveryId"]
        # A range: everything after the first event's cursor (the second), up to where it has been told.
        async with database.transaction() as session:
            ranged = await service.replay(
                session, admin, endpoint_id=endpoint_id, after=original[0]["cursor"]
            )
        assert ranged.deliveries == 1 and ranged.next_cursor is None
        await deliver(database)
        assert [json.loads(r.body)["eventId"] for r in got.requests[3:]] == [original[1]["eventId"]]
        # Rotation: the new secret signs from now on, the old one no longer verifies.
        async with database.transaction() as session:
            new_secret, _ = await service.rotate_secret(session, admin, endpoint_id=endpoint_id)
            await service.replay(
                session, admin, endpoint_id=endpoint_id, delivery_id=original[1]["deliveryId"]
            )
        await deliver(database)
        last = got.requests[-1]
        assert verify(new_secret, last.headers["x-permitwatch-signature"], last.body)["replay"] is True
        with pytest.raises(ValueError):
            verify(secret, last.headers["x-permitwatch-signature"], last.body)
    async with database.read() as session:
        actions = (
            await session.exec(
                select(col(AuditEntry.action)).where(
                    AuditEntry.object_type == "webhook_endpoint", AuditEntry.object_id == str(endpoint_id)
                )
            )
        ).all()
        assert sorted(actions) == sorted(
            ["webhook.register", "webhook.replay", "webhook.replay", "webhook.rotate", "webhook.replay"]
        )
        secrets_in_trail = (
            await session.exec(
                select(sa.func.count())
                .select_from(AuditEntry)
                .where(sa.cast(AuditEntry.after, sa.Text).contains(new_secret))
            )
        ).one()
        assert secrets_in_trail == 0


async def test_the_worker_refuses_private_addresses_unless_allowed_and_bounds_the_wait(database, monkeypatch):
    enterprise, admin = await unit_with_admin(database)
    with receiver() as got:
        _, endpoint_id = await register(database, admin, got.url, ["ENTERPRISE"])
        monkeypatch.setattr(get_settings(), "webhook_allow_private_addresses", False)
        async with database.transaction() as session:
            data = enterprise_input(credit_code=enterprise.credit_code, name="私网地址")
            await update_enterprise(session, ADMIN, credit_code=enterprise.credit_code, data=data)
        result = await deliver(database)
        assert (result.retrying, got.requests) == (1, [])
        async with database.read() as session:
            delivery = (
                await session.exec(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id))
            ).one()
        assert "private address" in delivery.last_error and delivery.last_status_code is None
        # Allowed again, a receiver slower than the timeout is a failure, not a wait without end.
        monkeypatch.setattr(get_settings(), "webhook_allow_private_addresses", True)
        monkeypatch.setattr(get_settings(), "webhook_timeout_seconds", 0.3)
        got.delay = 1.0
        async with database.transaction() as session:
            delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
            await session.merge(delivery)
        started = time.monotonic()
        result = await deliver(database, rounds=1)
        assert result.retrying == 1 and time.monotonic() - started < 5
    async with database.read() as session:
        delivery = await session.get(WebhookDelivery, delivery.id)
    assert delivery is not None and "Timeout" in delivery.last_error and delivery.attempts == 2
