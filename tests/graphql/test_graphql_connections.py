"""Connections: one Relay shape, keyset cursors that hold while others write, paging both ways, and old
offset cursors refused naming the argument."""

import base64
from datetime import timedelta

from domain.clock import utcnow
from tests.factories import make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql, graphql_data

SUBMIT = """
mutation($number: String!, $readings: [ReadingInputType!]!) {
  submitMonitoringBatch(permitNumber: $number, readings: $readings) { written errors { field code } }
}"""

READINGS = """
query($number: String!, $first: Int, $after: String, $last: Int, $before: String) {
  monitoringReadings(permitNumber: $number, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { id measuredAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""

START = (utcnow() - timedelta(days=5)).replace(minute=0, second=0, microsecond=0)


def hourly(hours: range) -> list[dict[str, object]]:
    return [
        {
            "outletCode": "DA001",
            "pollutant": "SO2",
            "method": "automatic",
            "measuredAt": (START + timedelta(hours=hour)).isoformat(),
            "concentration": 20,
            "unit": "mg/m3",
            "flowM3": 150000,
        }
        for hour in hours
    ]


async def ledger_with_token(client, session, hours: range):  # type: ignore[no-untyped-def]
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise)
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    token = await bearer_token(session, staff)
    await write(client, permit.number, token, hours)
    return permit.number, token


async def write(client, number: str, token: str, hours: range) -> None:  # type: ignore[no-untyped-def]
    data = await graphql_data(client, SUBMIT, {"number": number, "readings": hourly(hours)}, token=token)
    assert data["submitMonitoringBatch"] == {"written": len(hours), "errors": []}


async def page(client, number: str, token: str, **arguments: object) -> dict:  # type: ignore[no-untyped-def,type-arg]
    data = await graphql_data(client, READINGS, {"number": number, **arguments}, token=token)
    return data["monitoringReadings"]  # type: ignore[no-any-return]


def hours_of(connection: dict) -> list[int]:  # type: ignore[type-arg]
    from datetime import datetime

    return [
        round((datetime.fromisoformat(edge["node"]["measuredAt"]) - START).total_seconds() / 3600)
        for edge in connection["edges"]
    ]


async def test_a_reader_paging_while_rows_are_inserted_sees_none_twice_and_skips_none(client, session):
    number, token = await ledger_with_token(client, session, range(0, 20, 2))  # hours 0, 2, ... 18
    seen: list[int] = []
    after = None
    inserted = iter([range(19, 22), range(1, 2), range(23, 24)])
    while True:
        connection = await page(client, number, token, first=3, after=after)
        seen += hours_of(connection)
        # Newest first: the rows written now come before the cursor (19-23) or after it (hour 1).
        more = next(inserted, None)
        if more is not None:
            await write(client, number, token, more)
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)), seen
    assert set(range(0, 20, 2)) <= set(seen)  # every row that existed when the reader started
    assert seen == sorted(seen, reverse=True)
    assert 1 in seen  # a row written past the cursor is read when the reader gets there


async def test_last_and_before_page_backwards_through_the_same_order(client, session):
    number, token = await ledger_with_token(client, session, range(7))
    forwards = await page(client, number, token, first=7)
    assert hours_of(forwards) == [6, 5, 4, 3, 2, 1, 0]
    tail = await page(client, number, token, last=3)
    assert hours_of(tail) == [2, 1, 0]
    assert tail["pageInfo"]["hasPreviousPage"] is True and tail["pageInfo"]["hasNextPage"] is False
    middle = await page(client, number, token, last=3, before=tail["pageInfo"]["startCursor"])
    assert hours_of(middle) == [5, 4, 3]
    head = await page(client, number, token, last=3, before=middle["pageInfo"]["startCursor"])
    assert hours_of(head) == [6]
    assert head["pageInfo"]["hasPreviousPage"] is False and head["pageInfo"]["hasNextPage"] is True
    # An edge's cursor is a position: forwards from the middle page's first row.
    after_five = await page(client, number, token, first=2, after=middle["edges"][0]["cursor"])
    assert hours_of(after_five) == [4, 3]
    assert after_five["totalCount"] == 7


def offset_cursor(n: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{n}".encode()).decode()


async def test_an_old_offset_cursor_is_refused_naming_the_argument_never_a_500(client, session):
    number, token = await ledger_with_token(client, session, range(3))
    response = await graphql(
        client,
        READINGS,
        {"number": number, "after": offset_cursor(1)},
        token=token,
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "cursor_expired"
    assert error["extensions"]["field"] == "after"
    assert "start again from the first page" in error["message"]


async def test_a_forged_or_foreign_cursor_is_a_field_error(client, session):
    number, token = await ledger_with_token(client, session, range(3))
    forged = [
        "not base64!",
        base64.urlsafe_b64encode(b"k1:[1]").decode(),  # too few keys
        base64.urlsafe_b64encode(b'k1:["yesterday",1]').decode(),  # a string where a time goes
        base64.urlsafe_b64encode(b'k1:[{"t":"2026-01-01T00:00:00+00:00"},99999999999]').decode(),
        base64.urlsafe_b64encode(b'k1:[{"t":"2026-01-01T00:00:00+00:00"},"\\u0000"]').decode(),
        base64.urlsafe_b64encode(b"k9:[]").decode(),
        "A" * 5000,
    ]
    for cursor in forged:
        for argument in ("after", "before"):
            variables = {"number": number, argument: cursor}
            if argument == "before":
                variables["last"] = 2
            response = await graphql(client, READINGS, variables, token=token)
            assert response.status_code == 200, cursor
            [error] = response.json()["errors"]
            assert error["extensions"]["code"] == "cursor", cursor
            assert error["extensions"]["field"] == argument


async def test_first_with_last_or_a_cursor_of_the_other_direction_is_refused(client, session):
    number, token = await ledger_with_token(client, session, range(3))
    both = await graphql(client, READINGS, {"number": number, "first": 2, "last": 2}, token=token)
    assert both.json()["errors"][0]["extensions"]["field"] == "last"
    cursor = (await page(client, number, token, first=1))["pageInfo"]["endCursor"]
    mixed = await graphql(client, READINGS, {"number": number, "first": 2, "before": cursor}, token=token)
    assert mixed.json()["errors"][0]["extensions"]["field"] == "before"
    too_many = await graphql(client, READINGS, {"number": number, "last": 101}, token=token)
    assert too_many.json()["errors"][0]["extensions"] == {
        **too_many.json()["errors"][0]["extensions"],
        "code": "page_size",
        "field": "last",
    }


async def test_the_old_fields_still_answer_beside_the_relay_ones(client, session):
    number, token = await ledger_with_token(client, session, range(3))
    data = await graphql_data(
        client,
        "query($n: String!) { monitoringReadings(permitNumber: $n, first: 2) "
        "{ nodes { id } endCursor hasNextPage edges { cursor node { id } } } }",
        {"n": number},
        token=token,
    )
    connection = data["monitoringReadings"]
    assert [n["id"] for n in connection["nodes"]] == [e["node"]["id"] for e in connection["edges"]]
    assert connection["endCursor"] == connection["edges"][-1]["cursor"]
    assert connection["hasNextPage"] is True


async def test_every_list_of_the_schema_is_a_relay_connection(client):  # type: ignore[no-untyped-def]
    from graphql_schema.schema import schema

    query = schema._schema.query_type
    assert query is not None
    for name, field in query.fields.items():
        # The change feed (changes) reads forwards only, in commit order: a feed, not a list.
        if "first" not in field.args or name == "changes":
            continue
        assert {"after", "last", "before"} <= set(field.args), name
        connection = field.type.of_type if hasattr(field.type, "of_type") else field.type
        fields = connection.fields
        assert {"edges", "pageInfo", "totalCount"} <= set(fields), name
        edge = fields["edges"].type.of_type.of_type.of_type
        assert {"cursor", "node"} <= set(edge.fields), name
