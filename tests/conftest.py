"""Shared fixtures.

The database under test is chosen by ``TEST_DATABASE``: ``sqlite`` (default, a
fresh file per run) or ``postgresql`` (a fresh database on ``TEST_POSTGRES_URL``,
created for the run and dropped after). When PostgreSQL is asked for and cannot
be reached the run fails: it never silently skips.

The schema is built once per run by running the Alembic migrations. Each test
then runs inside an outer transaction that is rolled back at its end; the code
under test commits into savepoints of it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

os.environ.setdefault("ENVIRONMENT", "test")
# Cheap argon2 parameters keep the suite fast; production parameters are set in settings.
os.environ.setdefault("ARGON2_MEMORY_COST", "1024")
os.environ.setdefault("ARGON2_TIME_COST", "1")
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 40)

from domain import migrate  # noqa: E402
from domain.db import Database, async_url, configure_sqlite, sync_url  # noqa: E402
from domain.settings import get_settings  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def database_kind() -> str:
    kind = os.environ.get("TEST_DATABASE", "sqlite").lower()
    if kind not in ("sqlite", "postgresql"):
        raise pytest.UsageError(f"TEST_DATABASE must be sqlite or postgresql, not {kind!r}")
    return kind


def _create_postgres_database() -> tuple[str, str]:
    admin_url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    name = f"permitwatch_test_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(sync_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as error:  # pragma: no cover - depends on the machine
        pytest.exit(
            f"PostgreSQL was asked for (TEST_DATABASE=postgresql) but is not reachable: {error}", returncode=3
        )
    finally:
        engine.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return admin_url, url


def _drop_postgres_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    engine = sa.create_engine(sync_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database for the whole run."""
    if database_kind() == "postgresql":
        admin_url, url = _create_postgres_database()
        migrate.upgrade(url)
        yield url
        _drop_postgres_database(admin_url, url)
    else:
        path: Path = tmp_path_factory.mktemp("db") / "test.db"
        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str):  # type: ignore[no-untyped-def]
    os.environ["DATABASE_URL"] = database_url
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[object]:
    engine = create_async_engine(async_url(database_url))
    if make_url(database_url).get_backend_name() == "sqlite":
        configure_sqlite(engine.sync_engine)
    yield engine
    await engine.dispose()


@pytest.fixture(autouse=True)
def _forget_permit_terms() -> Iterator[None]:
    """Permit terms are remembered per process; rolled-back tests reuse ids and rows."""
    from domain.calendar import service as calendar_service
    from domain.permits import terms

    terms.forget_all()
    calendar_service.forget()  # holiday schedules a test loaded (and rolled back)
    yield
    terms.forget_all()
    calendar_service.forget()


@pytest.fixture
async def connection(engine, settings) -> AsyncIterator[AsyncConnection]:  # type: ignore[no-untyped-def]
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
async def db(connection: AsyncConnection, database_url: str) -> Database:
    """A Database whose units of work all run inside the test's rolled-back transaction."""
    return Database(database_url, bind=connection)


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A session for arranging and checking data directly (inside the test transaction)."""
    session = AsyncSession(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        await session.close()


@pytest.fixture
async def app(db: Database, settings):  # type: ignore[no-untyped-def]
    """The whole ASGI application, wired to the test's rolled-back transaction."""
    from server.app import create_app

    return create_app(settings, db)


@pytest.fixture
async def client(app) -> AsyncIterator[object]:  # type: ignore[no-untyped-def]
    """An HTTP client talking to the app in-process (same event loop as the test)."""
    import httpx

    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", follow_redirects=False
    ) as client:
        yield client


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """A separate, migrated database for code that commits for real (CLI, servers)."""
    if database_kind() == "postgresql":
        admin_url, url = _create_postgres_database()
        migrate.upgrade(url)
        yield url
        _drop_postgres_database(admin_url, url)
    else:
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        migrate.upgrade(url)
        yield url


@pytest.fixture
def cli(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run `permitwatch ARGS…` in-process against the fresh database; returns click's result."""
    from click.testing import CliRunner

    from server.cli import main

    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    get_settings.cache_clear()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    yield run
    get_settings.cache_clear()


@pytest.fixture
def smtp_server() -> Iterator[object]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 keeping what it receives; it can stop and restart."""
    import socket as socket_module

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Inbox(Message):
        def __init__(self) -> None:
            super().__init__()
            self.messages: list = []  # type: ignore[type-arg]

        def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
            self.messages.append(message)

    # aiosmtpd cannot pick port 0 itself (STACK_NOTES pitfall 8): choose a free one first.
    with socket_module.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    class Server:
        def __init__(self) -> None:
            self.inbox = Inbox()
            self.port = port
            self.controller: Controller | None = None

        def start(self) -> None:
            self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
            self.controller.start()

        def stop(self) -> None:
            if self.controller is not None:
                self.controller.stop()
                self.controller = None

        @property
        def messages(self) -> list:  # type: ignore[type-arg]
            return self.inbox.messages

    server = Server()
    server.start()
    previous = {key: os.environ.get(key) for key in ("SMTP_HOST", "SMTP_PORT")}
    os.environ["SMTP_HOST"], os.environ["SMTP_PORT"] = "127.0.0.1", str(port)
    get_settings.cache_clear()
    yield server
    server.stop()
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()
