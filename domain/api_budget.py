"""The API's rate budget: rows an API caller may ask for in a time window, counted in the database.

Each caller (a bearer token, a portal session's user, an anonymous address) has one row: the window it
spends in and what it spent there. A request adds its cost with one statement (an upsert that starts a
new window when the stored one has passed, ``RETURNING`` the sum), so the budget holds across the
server's worker processes and machines, and costs one round trip per request (the statement is its own
transaction: ``Database.statements``, no BEGIN and no COMMIT). Refused requests are
charged too: a caller who keeps asking past the budget stays refused until the window ends.

Operational metering, not a record of anything a person did: no audit entry, no history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


class ApiBudget(SQLModel, table=True):
    __tablename__ = "api_budget"

    subject: str = Field(primary_key=True, max_length=80)
    window_index: int = Field(sa_type=sa.BigInteger)  # seconds since the epoch // window length
    spent: int = Field(sa_type=sa.BigInteger)


@dataclass(frozen=True)
class Charge:
    """What a request cost and what is left of its caller's budget."""

    requested: int
    spent: int
    budget: int
    reset_at: datetime
    # The credential version read in the same statement (``with_credential_version``; web/token_cache.py).
    credential_version: int | None = None

    @property
    def remaining(self) -> int:
        return max(0, self.budget - self.spent)

    @property
    def refused(self) -> bool:
        return self.spent > self.budget

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the window ends (at least 1)."""
        return max(1, math.ceil((self.reset_at - now).total_seconds()))


# One statement on both databases (PostgreSQL 9.5+, SQLite 3.35+ for RETURNING).
UPSERT = sa.text(
    "INSERT INTO api_budget (subject, window_index, spent) VALUES (:subject, :window, :cost) "
    "ON CONFLICT (subject) DO UPDATE SET "
    "spent = CASE WHEN api_budget.window_index = excluded.window_index "
    "THEN api_budget.spent + excluded.spent ELSE excluded.spent END, "
    "window_index = excluded.window_index "
    "RETURNING spent"
)
# PostgreSQL: the same, returning also the credential version (migration 0038) as of the statement.
UPSERT_WITH_VERSION = sa.text(
    str(UPSERT) + ", (SELECT n FROM credential_version WHERE id = 1) AS credential_version"
)


@lru_cache(maxsize=8)
def _driver_sql(dialect: Dialect, with_credential_version: bool) -> tuple[str, tuple[str, ...] | None]:
    """The upsert as the driver takes it (its SQL in the driver's parameter style, and the order of the
    parameters when they are positional), compiled once per dialect.

    Run with ``exec_driver_sql``: still SQLAlchemy's execution, its error wrapping and its handling of a
    lost connection, without building the text statement's cache key and bound parameters on every
    request (about a tenth of the statement's CPU, round trip included: issue 19)."""
    compiled = (UPSERT_WITH_VERSION if with_credential_version else UPSERT).compile(dialect=dialect)
    return str(compiled), tuple(compiled.positiontup or ()) if dialect.positional else None


async def charge(
    session: AsyncSession | AsyncConnection,
    *,
    subject: str,
    cost: int,
    budget: int,
    window_seconds: int,
    now: datetime,
    with_credential_version: bool = False,
) -> Charge:
    """Add ``cost`` to ``subject``'s spending in the window ``now`` falls in (the caller commits).

    ``with_credential_version`` (PostgreSQL): the same round trip reads the credential version, which a
    request whose actor was remembered compares with the one it was read at."""
    epoch = now.astimezone(UTC).timestamp()
    window = int(epoch // window_seconds)
    connection = session if isinstance(session, AsyncConnection) else await session.connection()
    sql, order = _driver_sql(connection.dialect, with_credential_version)
    values = {"subject": subject[:80], "window": window, "cost": cost}
    parameters: Any = values if order is None else tuple(values[name] for name in order)
    row: Any = (await connection.exec_driver_sql(sql, parameters)).one()
    reset_at = datetime.fromtimestamp((window + 1) * window_seconds, tz=UTC)
    version = int(row[1]) if with_credential_version and row[1] is not None else None
    return Charge(
        requested=cost, spent=int(row[0]), budget=budget, reset_at=reset_at, credential_version=version
    )
