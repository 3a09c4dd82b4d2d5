"""While the database cannot be reached both faces answer 503 with Retry-After, in the reader's language,
never a 500; liveness still answers; a refused statement or a bug is still a 500."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy.exc

from domain.db import Database, database_unavailable
from tests.portal_helpers import csrf_token
from web.unavailable import RETRY_AFTER_SECONDS


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once the probe is closed


@pytest.fixture
async def away(settings) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """The application against a PostgreSQL server that refuses connections (stopped or restarting)."""
    from server.app import create_app

    database = Database(f"postgresql://permitwatch@127.0.0.1:{closed_port()}/permitwatch")
    app = create_app(settings, database)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    await database.dispose()


async def test_a_login_while_the_database_is_away_is_a_503_page_with_retry_after(away):
    token = await csrf_token(away)  # the login form itself needs no database
    response = await away.post(
        "/login", data={"username": "someone", "password": "x" * 12, "csrf_token": token, "next": "/"}
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert "服务暂时不可用" in response.text  # Chinese by default
    assert "Traceback" not in response.text


async def test_a_page_while_the_database_is_away_is_answered_without_an_error_escaping(settings):  # type: ignore[no-untyped-def]
    """The 503 is answered inside the application: an exception that escaped it would be logged by the
    server with a traceback, for what is not a bug (one warning line is enough)."""
    from server.app import create_app

    database = Database(f"postgresql://permitwatch@127.0.0.1:{closed_port()}/permitwatch")
    transport = httpx.ASGITransport(app=create_app(settings, database), raise_app_exceptions=True)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            token = await csrf_token(client)
            response = await client.post(
                "/login", data={"username": "someone", "password": "x" * 12, "csrf_token": token, "next": "/"}
            )
            assert response.status_code == 503 and response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
            assert (await client.get("/public/permits")).status_code == 503
    finally:
        await database.dispose()


async def test_the_api_answers_503_with_a_code_and_retry_after_in_english_when_asked(away):
    response = await away.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"Authorization": "Bearer pwt_" + "a" * 40, "Accept-Language": "en"},
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "database_unavailable"
    assert error["extensions"]["retryAfter"] == RETRY_AFTER_SECONDS
    assert "try again in" in error["message"]


async def test_an_anonymous_query_that_reaches_the_database_is_a_503_too(away):
    response = await away.post(
        "/graphql",
        json={"query": "{ publicPenalties { __typename } }"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 503, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "database_unavailable"


async def test_liveness_answers_and_readiness_says_unreachable(away):
    assert (await away.get("/livez")).status_code == 200
    assert (await away.get("/healthz")).status_code == 503


def test_only_a_lost_or_absent_database_counts_as_unavailable():
    class Refused(Exception):
        sqlstate = None

    Refused.__module__ = "psycopg"

    class Shutdown(Exception):
        sqlstate = "57P01"

    class Syntax(Exception):
        sqlstate = "42601"

    refused = sqlalchemy.exc.OperationalError("connect", {}, Refused("connection refused"))
    shutdown = sqlalchemy.exc.OperationalError("SELECT 1", {}, Shutdown("terminating connection"))
    syntax = sqlalchemy.exc.ProgrammingError("SELEC", {}, Syntax("syntax error"))
    assert database_unavailable(refused)
    assert database_unavailable(shutdown)
    assert database_unavailable(sqlalchemy.exc.TimeoutError("QueuePool limit reached"))
    wrapped = RuntimeError("while filing")
    wrapped.__cause__ = shutdown
    assert database_unavailable(wrapped)
    assert not database_unavailable(syntax)
    assert not database_unavailable(ValueError("a bug"))
    assert not database_unavailable(None)
