"""Alembic environment: migrations run on a sync connection (sqlite or psycopg)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import domain.models  # noqa: F401  (registers every table)
from domain.base import metadata
from domain.db import is_sqlite_url, sync_url
from domain.ledgers.partitions import include_name
from domain.settings import get_settings

config = context.config


def database_url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


def run_migrations_offline() -> None:
    url = sync_url(database_url())
    context.configure(url=url, target_metadata=metadata, literal_binds=True,
                      render_as_batch=is_sqlite_url(url), compare_type=True,
                      include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


def run_with_connection(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,  # the monthly partitions of monitoring_reading are not models
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with_connection(connection)
        return
    engine = create_engine(sync_url(database_url()), poolclass=pool.NullPool)
    with engine.connect() as connection:
        run_with_connection(connection)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
