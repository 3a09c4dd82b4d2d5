"""Database engines and the unit of work.

One ``Database`` per process. A unit of work is one transaction: it commits whole
when its block ends normally and rolls back whole on any exception. Use cases
never commit; their caller (a request, a CLI command) owns the transaction.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import sqlalchemy.exc
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

if TYPE_CHECKING:
    from domain.replica import Replica
    from domain.settings import Settings


def async_url(url: str) -> str:
    """The async driver URL for a configured DATABASE_URL (sqlite or postgresql)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database: {backend}")


def sync_url(url: str) -> str:
    """The sync driver URL (used by Alembic and bulk tools)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database: {backend}")


def is_sqlite_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def configure_sqlite(sync_engine: Any) -> None:
    """WAL, foreign keys, and transactions SQLAlchemy controls (so SAVEPOINT works).

    Python's sqlite3 module otherwise begins transactions lazily on its own, which
    breaks nested transactions and makes BEGIN IMMEDIATE impossible.
    """

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the database lock at BEGIN, so two processes never deadlock
        # upgrading a read lock; readers stay deferred and never wait.
        if connection.get_execution_options().get("sqlite_immediate"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def statement_pool_size(pool_size: int) -> int:
    """Connections of ``pool_size`` kept in autocommit for single statements (``Database.statements``): a
    sixth, at least two; each serves a statement of a fraction of a millisecond, so a few serve every
    request of a process (the token's lookup and the rate budget's charge)."""
    return max(2, pool_size // 6)


class Database:
    """Engine, session factories and the per-process SQLite write lock."""

    def __init__(
        self,
        url: str,
        *,
        bind: AsyncConnection | None = None,
        echo: bool = False,
        pool_size: int = 30,
        max_overflow: int = 10,
        connect_timeout: int = 5,
        pooler: str = "none",
        replica_url: str | None = None,
        replica_max_lag_seconds: float = 10.0,
        replica_check_seconds: float = 2.0,
        replica_connect_timeout: int = 2,
    ):
        # Every table must be known before the first flush, or a foreign key (e.g. user_account.agency_id)
        # cannot be resolved when a process only imported part of the domain.
        import domain.models  # noqa: F401

        self.url = url
        self.is_sqlite = is_sqlite_url(url)
        self.pooler = pooler
        self._external_connection = bind
        if bind is not None:
            # Tests: every session joins the test's outer transaction through savepoints.
            self.engine: AsyncEngine = bind.engine
            self._reader = async_sessionmaker(
                bind=bind,
                class_=AsyncSession,
                expire_on_commit=False,
                join_transaction_mode="create_savepoint",
            )
            self._writer = self._reader
        else:
            kwargs: dict[str, Any] = {"echo": echo}
            if not self.is_sqlite:
                # No ping before each checkout (a round trip per request): a connection the server dropped
                # fails one request, and SQLAlchemy then discards every pooled connection made before it.
                kwargs.update(
                    pool_size=max(1, pool_size - statement_pool_size(pool_size)),
                    max_overflow=max_overflow,
                    pool_recycle=1800,
                    connect_args=connect_args(pooler, connect_timeout),
                )
            self.engine = create_async_engine(async_url(url), **kwargs)
            if self.is_sqlite:
                configure_sqlite(self.engine.sync_engine)
            self._reader = async_sessionmaker(bind=self.engine, class_=AsyncSession, expire_on_commit=False)
            writer_engine = (
                self.engine.execution_options(sqlite_immediate=True) if self.is_sqlite else self.engine
            )
            self._writer = async_sessionmaker(bind=writer_engine, class_=AsyncSession, expire_on_commit=False)
        self.replica: Replica | None = None
        if replica_url and bind is None:
            if self.is_sqlite or is_sqlite_url(replica_url):
                raise ValueError("a read replica (DATABASE_REPLICA_URL) needs PostgreSQL on both sides")
            from domain.replica import Replica

            # Checked before each checkout (a round trip): a replica that went away is found at once and
            # the read goes to the primary in the same request (``read``), instead of failing it.
            replica_engine = create_async_engine(
                async_url(replica_url),
                echo=echo,
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_recycle=1800,
                pool_pre_ping=True,
                connect_args=connect_args(pooler, replica_connect_timeout),
                execution_options={"postgresql_readonly": True},
            )
            self.replica = Replica(
                replica_engine,
                self.engine,
                max_lag_seconds=replica_max_lag_seconds,
                check_seconds=replica_check_seconds,
                check_timeout_seconds=replica_connect_timeout + 1.0,
            )
        # Statements that are whole on their own (statements()): no BEGIN, no COMMIT, one round trip each.
        # Their connections stay in autocommit in a pool of their own, carved out of ``pool_size`` (the
        # process holds no more connections than before): switching a pooled connection to autocommit at
        # checkout and back at return cost about a tenth of an API request's CPU (issue 19). Nothing to
        # reset when one comes back: no transaction is ever open on it.
        self._autocommit: AsyncEngine | None = (
            None
            if self.is_sqlite or bind is not None
            else create_async_engine(
                async_url(url),
                echo=echo,
                isolation_level="AUTOCOMMIT",
                pool_size=statement_pool_size(pool_size),
                max_overflow=0,
                pool_recycle=1800,
                pool_reset_on_return=None,
                connect_args=connect_args(pooler, connect_timeout),
            )
        )
        # SQLite allows one writer at a time; queueing writers inside the process
        # instead of in SQLite's busy handler cut p99 from ~0.9 s to ~65 ms here.
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite and bind is None else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write unit of work: commits on success, rolls back on any exception."""
        if self._write_lock is not None:
            async with self._write_lock, self._session(self._writer) as session:
                yield session
        else:
            async with self._session(self._writer) as session:
                yield session

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> Database:
        """The process's database as the deployment's settings describe it (primary, pooler, replica)."""
        options: dict[str, Any] = {
            "pool_size": settings.database_pool_size,
            "max_overflow": settings.database_max_overflow,
            "connect_timeout": settings.database_connect_timeout_seconds,
            "pooler": settings.database_pooler,
            "replica_url": settings.database_replica_url,
            "replica_max_lag_seconds": settings.database_replica_max_lag_seconds,
            "replica_check_seconds": settings.database_replica_check_seconds,
            "replica_connect_timeout": settings.database_replica_connect_timeout_seconds,
        }
        return cls(settings.database_url, **{**options, **overrides})

    @asynccontextmanager
    async def read(self, *, replica: bool = False) -> AsyncIterator[AsyncSession]:
        """A read-only unit of work: nothing is committed; closing releases the connection.

        Objects read stay usable after the block (closing detaches without expiring them).

        ``replica=True`` lets the read replica serve it while the replica is in use (domain/replica.py),
        else the primary does. Only for what any visitor may see, read by a caller who has written
        nothing in this request and is not logged in: a writer reads their own writes from the primary.
        """
        if replica and self.replica is not None and await self.replica.in_use():
            session = self.replica.sessions()
            try:
                await session.connection()  # checked out and pinged here, so a dead replica costs no error
            except Exception as error:  # noqa: BLE001 - whatever keeps it from connecting, read from the primary
                await session.close()
                self.replica.unreachable(error)
            else:
                async with session:
                    try:
                        yield session
                    except BaseException as error:
                        if database_unavailable(error):
                            self.replica.unreachable(error)
                        raise
                return
        async with self._reader() as session:
            yield session

    @property
    def engines(self) -> tuple[AsyncEngine, ...]:
        """Every engine of the primary: the pooled one and the autocommit one of ``statements``."""
        return (self.engine,) if self._autocommit is None else (self.engine, self._autocommit)

    @property
    def joined(self) -> bool:
        """Whether every unit of work joins one outer transaction (tests)."""
        return self._external_connection is not None

    @asynccontextmanager
    async def statements(self, *, write: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection for a statement that is a unit of work by itself (the bearer token's lookup, the rate
        budget's upsert): on PostgreSQL in autocommit, so it costs one round trip instead of three (BEGIN,
        the statement, COMMIT or ROLLBACK) and PostgreSQL no transaction of its own. On SQLite (whose writers
        queue on the process's lock) and under tests joined to an outer transaction, a unit of work as
        usual: ``write`` chooses ``transaction()`` over ``read()``."""
        if self._autocommit is None:
            async with self.transaction() if write else self.read() as session:
                yield await session.connection()
            return
        async with self._autocommit.connect() as connection:
            yield connection

    @asynccontextmanager
    async def _session(self, factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
        async with factory() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            else:
                await session.commit()

    async def dispose(self) -> None:
        if self._external_connection is None:
            await self.engine.dispose()
        if self._autocommit is not None:
            await self._autocommit.dispose()
        if self.replica is not None:
            await self.replica.engine.dispose()


def connect_args(pooler: str, connect_timeout: int) -> dict[str, Any]:
    """psycopg's connection arguments. Behind pgbouncer in transaction pooling (``DATABASE_POOLER=
    pgbouncer``) a connection's next transaction may run on another server connection, where a statement
    psycopg prepared on the first (it prepares one after 5 executions) does not exist: prepare none."""
    args: dict[str, Any] = {"connect_timeout": connect_timeout}
    if pooler == "pgbouncer":
        args["prepare_threshold"] = None
    return args


async def ping(session: AsyncSession) -> None:
    """Round-trip to the database (health checks)."""
    connection = await session.connection()
    await connection.execute(text("SELECT 1"))


async def insert_unless_present(
    session: AsyncSession,
    model: Any,
    rows: dict[str, Any] | list[dict[str, Any]],
    unique: tuple[str, ...],
) -> None:
    """INSERT rows unless one with the same ``unique`` columns exists (ON CONFLICT DO NOTHING).

    Two requests creating the same row at once neither fail nor need a savepoint: one row is written.
    Callers that insert several rows pass them in one fixed order (sorted by ``unique``), so that two
    transactions inserting overlapping rows wait for each other in that order and never deadlock.
    """
    await insert_rows(
        session, model.__table__, [rows] if isinstance(rows, dict) else rows, unless_present=unique
    )


# ---------------------------------------------------------------------------
# Many rows in one INSERT
# ---------------------------------------------------------------------------
# The filing desk writes tens of submissions, findings and audit entries per transaction. As a multi-row
# VALUES list ("insertmanyvalues") such a statement carries hundreds of parameters, and psycopg parses a
# statement with more than 50 parameters again on every execution, in Python: that was about 40 % of the
# desk's CPU. On PostgreSQL ``insert_rows`` sends the rows as one JSON document instead (one parameter,
# encoded by the json module in C) and lets the server turn it into rows of the table's type
# (``json_populate_recordset``); the statement's text is the same whatever the number of rows. On
# SQLite, where neither cost arises, it is a plain INSERT executed for each row.


def _json_value(value: Any) -> Any:
    """What ``json`` cannot write itself, as PostgreSQL reads it from text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a column value")


def on_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def column_defaults(model: Any) -> dict[str, Any]:
    """What the ORM writes for each column a new row of the table ``model`` leaves out (its defaults, the
    default factories called now): the start of a complete row for ``insert_rows``."""
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in model.model_fields.items()
        if name != "id" and not info.is_required()
    }


async def insert_rows(
    session: AsyncSession,
    table: Any,
    rows: Sequence[dict[str, Any]],
    *,
    returning: Sequence[str] = (),
    unless_present: tuple[str, ...] | None = None,
) -> list[Any]:
    """INSERT ``rows`` (dicts with the same keys) in one statement; the ``returning`` columns of each
    row written, in no promised order (return a key with the id to match them up). With
    ``unless_present``, rows whose unique columns exist already are skipped (ON CONFLICT DO NOTHING)."""
    if not rows:
        return []
    connection = await session.connection()
    postgresql = on_postgresql(session)
    statement = _insert_statement(table, tuple(rows[0]), tuple(returning), unless_present, postgresql)
    if postgresql:
        document = json.dumps(list(rows), default=_json_value, ensure_ascii=False)
        result = await connection.execute(statement, {"rows": document})
    else:
        result = await connection.execute(statement, list(rows))
    return list(result.all()) if returning else []


@lru_cache(maxsize=64)
def _insert_statement(
    table: Any,
    names: tuple[str, ...],
    returning: tuple[str, ...],
    unless_present: tuple[str, ...] | None,
    postgresql: bool,
) -> Any:
    """The INSERT of ``insert_rows``, built once per table and shape (building one costs more than
    executing it). On PostgreSQL its one parameter, ``rows``, is the rows as a JSON array."""
    from sqlalchemy import Text, bindparam, cast, func, literal_column, select
    from sqlalchemy.dialects import postgresql as pg
    from sqlalchemy.dialects import sqlite

    statement: Any
    if postgresql:
        rows_type: Any = literal_column(f"NULL::{pg.dialect().identifier_preparer.format_table(table)}")
        document = cast(bindparam("rows", type_=Text), pg.JSON)
        source = func.json_populate_recordset(rows_type, document).table_valued(*names)
        statement = pg.insert(table).from_select(list(names), select(*(source.c[n] for n in names)))
    else:
        statement = sqlite.insert(table)
    if unless_present:
        statement = statement.on_conflict_do_nothing(index_elements=unless_present)
    if returning:
        statement = statement.returning(*(table.c[name] for name in returning))
    return statement


async def update_rows(session: AsyncSession, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """UPDATE rows of ``table`` by id (dicts with the same keys, "id" among them) in one statement: on
    PostgreSQL the rows travel as one JSON document joined to the table (``UPDATE … FROM
    json_populate_recordset``), so the statement is the same whatever the number of rows; on SQLite it
    is one UPDATE executed for each row. The filing desk updates every report of a batch this way
    instead of through the ORM's flush (one statement and its unit of work per report; issue 19)."""
    if not rows:
        return
    connection = await session.connection()
    postgresql = on_postgresql(session)
    statement = _update_statement(table, tuple(rows[0]), postgresql)
    if postgresql:
        document = json.dumps(list(rows), default=_json_value, ensure_ascii=False)
        await connection.execute(statement, {"rows": document})
    else:
        await connection.execute(statement, [{f"new_{k}": v for k, v in row.items()} for row in rows])


@lru_cache(maxsize=16)
def _update_statement(table: Any, names: tuple[str, ...], postgresql: bool) -> Any:
    """The UPDATE of ``update_rows``, built once per table and shape."""
    from sqlalchemy import Text, bindparam, cast, func, literal_column, update
    from sqlalchemy.dialects import postgresql as pg

    changed = [name for name in names if name != "id"]
    if postgresql:
        rows_type: Any = literal_column(f"NULL::{pg.dialect().identifier_preparer.format_table(table)}")
        document = cast(bindparam("rows", type_=Text), pg.JSON)
        source = func.json_populate_recordset(rows_type, document).table_valued(*names).alias("new")
        return (
            update(table).values({name: source.c[name] for name in changed}).where(table.c.id == source.c.id)
        )
    return (
        update(table)
        .values({name: bindparam(f"new_{name}", type_=table.c[name].type) for name in changed})
        .where(table.c.id == bindparam("new_id", type_=table.c.id.type))
    )


# SQLSTATE classes and codes of a database that is going away or not there yet: 08 connection
# exceptions, 57P01-57P03 admin or crash shutdown and "cannot connect now" (starting up, recovering).
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03")
# SQLite: its file cannot be opened, or another process held the write lock past the busy timeout.
_SQLITE_UNAVAILABLE = frozenset({"unable to open database file", "database is locked"})


# Every error SQLAlchemy raises (a lost connection, a refused statement, a pool timeout): the faces tell
# the database away (``database_unavailable``) from a bug by it.
DatabaseError = sqlalchemy.exc.SQLAlchemyError


def database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) says the database could not be reached or went away,
    as opposed to a refused statement or a bug."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, sqlalchemy.exc.TimeoutError):
            return True  # no pooled connection came free in time: the database is not keeping up
        if isinstance(error, sqlalchemy.exc.DBAPIError):
            if error.connection_invalidated:
                return True
            orig = error.orig
            state = getattr(orig, "sqlstate", None)
            if isinstance(error, sqlalchemy.exc.OperationalError):
                if state is None and type(orig).__module__.startswith("psycopg"):
                    return True  # psycopg: no connection at all (refused, reset, timed out)
                if str(orig) in _SQLITE_UNAVAILABLE:
                    return True
            return isinstance(state, str) and state.startswith(_UNAVAILABLE_STATES)
        error = error.__cause__ or error.__context__
    return False
