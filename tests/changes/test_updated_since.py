"""``updatedSince`` on the API's lists (domain/changes/since.py): a client that synced at a moment asks
each list for what was recorded or changed since, and gets exactly the rows whose ``updatedAt`` is at or
after it: a reading voided since (an event, its own record older), a reading recorded since, a permit
revoked since; nothing older."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from domain.access import operator
from domain.clock import history_at, utcnow
from domain.ledgers.models import MonitoringReading
from domain.ledgers.service import readings
from domain.permits.service.cancellation import revoke_permit
from tests.factories import actor, make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.ledgers.test_ledgers import day_start, hours

READINGS = """
query($n: String!, $since: DateTime) {
  monitoringReadings(permitNumber: $n, updatedSince: $since, includeVoid: true, first: 100) {
    totalCount edges { node { id updatedAt } }
  }
}"""
PERMITS = """
query($since: DateTime) {
  permits(filter: { updatedSince: $since }, first: 100) { totalCount edges { node { number updatedAt } } }
}"""


async def test_lists_answer_what_was_recorded_or_changed_since_a_moment(client, session):
    with history_at(utcnow() - timedelta(days=3)):
        enterprise = await make_enterprise(session)
        permit = await make_permit(session, enterprise)
        other = await make_permit(session, await make_enterprise(session))
        staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
        await readings.record_readings(
            session, actor(staff), permit_number=permit.number, readings=hours(day_start(5), [20, 21, 22])
        )
        await session.flush()
    old = list((await session.exec(select(MonitoringReading).order_by(MonitoringReading.id))).all())
    since = utcnow() - timedelta(seconds=1)
    await readings.void_reading(session, actor(staff), reading_id=old[0].id, reason="仪器校准期间数据")
    await readings.record_readings(
        session, actor(staff), permit_number=permit.number, readings=hours(day_start(1), [23])
    )
    await revoke_permit(session, operator(), number=other.number, reason="以欺骗手段取得")
    await session.flush()
    new = (
        await session.exec(select(MonitoringReading).where(MonitoringReading.id.not_in([r.id for r in old])))
    ).one()  # type: ignore[union-attr]

    token = await bearer_token(session, staff)
    changed = await graphql_data(
        client, READINGS, {"n": permit.number, "since": since.isoformat()}, token=token
    )
    listed = changed["monitoringReadings"]
    assert {int(e["node"]["id"]) for e in listed["edges"]} == {old[0].id, new.id}
    assert listed["totalCount"] == 2
    every = await graphql_data(client, READINGS, {"n": permit.number, "since": None}, token=token)
    for edge in every["monitoringReadings"]["edges"]:
        newer = datetime.fromisoformat(edge["node"]["updatedAt"]) >= since
        assert (int(edge["node"]["id"]) in {old[0].id, new.id}) == newer, edge

    admin = await bearer_token(session, await make_user(session, "admin"))
    permits = await graphql_data(client, PERMITS, {"since": since.isoformat()}, token=admin)
    assert [e["node"]["number"] for e in permits["permits"]["edges"]] == [other.number]
