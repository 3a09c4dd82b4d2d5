"""`monitoringStations` through GraphQL: what the stations pages show, read with the same rules."""

from __future__ import annotations

from domain.access import operator
from domain.ledgers.hj212.protocol import Frame
from domain.ledgers.hj212.receiver import receive
from domain.ledgers.hj212.stations import StationInput, register_station
from tests.factories import make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql_data
from tests.hj212.station import MN, an_hour_ago_in_china, hourly

QUERY = """
query($number: String!) {
  monitoringStations(permitNumber: $number) {
    stations { mn permitNumber outletCode ledgerData active packetsAccepted lastPacketAt }
    rejections { mn reason detail }
  }
}
"""


async def test_a_unit_reads_its_stations_and_their_refused_packets(client, session, db):
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise)
    await register_station(
        session,
        operator(),
        values=StationInput(permit_number=permit.number, outlet_code="DA001", mn=MN, password="123456"),
    )
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    other = await make_user(session, "enterprise_staff")
    token, other_token = await bearer_token(session, staff), await bearer_token(session, other)
    await session.commit()
    moment = an_hour_ago_in_china()
    async with db.transaction() as tx:
        await receive(
            tx,
            [Frame(hourly(moment, {"a21026": 20})[6:-6]), Frame(hourly(moment, {"a21026": 1}, pw="1")[6:-6])],
        )
    data = await graphql_data(client, QUERY, {"number": permit.number}, token=token)
    [station] = data["monitoringStations"]["stations"]
    assert (
        station["mn"] == MN and station["permitNumber"] == permit.number and station["packetsAccepted"] == 1
    )
    assert data["monitoringStations"]["rejections"] == [
        {"mn": MN, "reason": "wrong_password", "detail": "PW is not the station's access password"}
    ]
    everything = await graphql_data(client, "{ monitoringStations { stations { mn } } }", token=other_token)
    assert everything["monitoringStations"]["stations"] == []
