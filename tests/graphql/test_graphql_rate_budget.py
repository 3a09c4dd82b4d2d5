"""The rate budget: each caller's rows per window, counted in the database so it holds across worker
processes, stated in every response, refused past it with a retry time."""

from datetime import UTC, datetime

import httpx

from graphql_schema.app import make_graphql_app
from tests.factories import make_user
from tests.graphql_helpers import bearer_token

QUERY = "{ agencies(first: 10) { totalCount } }"  # 10 rows


def worker(db, settings, budget: int):  # type: ignore[no-untyped-def]
    """One server process's GraphQL app (serve runs several, over one database)."""
    app = make_graphql_app(db, settings.model_copy(update={"graphql_rate_budget": budget}))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def ask(client: httpx.AsyncClient, token: str | None = None, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    return await client.post("/", json={"query": QUERY}, headers=sent)


async def test_the_budget_holds_across_two_workers_and_refuses_with_a_retry_time(db, settings, session):
    user = await make_user(session, "permitting", region_code="310107")
    token = await bearer_token(session, user)
    async with worker(db, settings, 25) as one, worker(db, settings, 25) as two:
        first = await ask(one, token)
        second = await ask(two, token)
        third = await ask(one, token, {"Accept-Language": "en"})

    assert first.json()["extensions"]["cost"]["requested"] == 10
    assert first.json()["extensions"]["cost"]["remaining"] == 15
    assert second.json()["extensions"]["cost"]["remaining"] == 5  # the other worker saw the first
    assert second.json()["data"]["agencies"] is not None

    assert third.status_code == 429
    body = third.json()
    assert body.get("data") is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "rate_limited"
    retry = int(third.headers["Retry-After"])
    assert 1 <= retry <= settings.graphql_rate_window_seconds
    assert error["extensions"]["retryAfter"] == retry
    reset_at = datetime.fromisoformat(body["extensions"]["cost"]["resetAt"])
    assert reset_at > datetime.now(UTC)
    assert body["extensions"]["cost"]["remaining"] == 0
    assert f"{retry} seconds" in error["message"]


async def test_each_token_and_each_anonymous_address_has_its_own_budget(db, settings, session):
    alice = await bearer_token(session, await make_user(session, "permitting", region_code="310107"))
    bob = await bearer_token(session, await make_user(session, "permitting", region_code="310107"))
    async with worker(db, settings, 15) as app:
        assert (await ask(app, alice)).status_code == 200
        assert (await ask(app, alice)).status_code == 429
        assert (await ask(app, bob)).status_code == 200
        anonymous = await ask(app)
        assert anonymous.status_code == 200
        assert anonymous.json()["extensions"]["cost"]["remaining"] == 5
        assert (await ask(app)).status_code == 429


async def test_a_new_window_starts_a_new_budget(db, settings, session, monkeypatch):
    import graphql_schema.limits as limits

    token = await bearer_token(session, await make_user(session, "permitting", region_code="310107"))
    moments = iter(
        [datetime(2026, 12, 4, 10, 0, 5, tzinfo=UTC), datetime(2026, 12, 4, 10, 0, 50, tzinfo=UTC)]
    )
    later = datetime(2026, 12, 4, 10, 1, 1, tzinfo=UTC)

    class Clock:
        @staticmethod
        def now(tz=None):  # type: ignore[no-untyped-def]
            return next(moments, later)

    monkeypatch.setattr(limits, "datetime", Clock)
    async with worker(db, settings, 15) as app:
        assert (await ask(app, token)).status_code == 200
        refused = await ask(app, token)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "10"  # 10:00:50 -> the window ends at 10:01:00
        again = await ask(app, token)
    assert again.status_code == 200
    assert again.json()["extensions"]["cost"]["remaining"] == 5
    assert again.json()["extensions"]["cost"]["resetAt"] == "2026-12-04T10:02:00+00:00"
