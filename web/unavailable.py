"""The database cannot be reached: both faces answer 503 with ``Retry-After``, at once, never a 500.

While PostgreSQL restarts, fails over or refuses new connections, a request fails on its first
statement (a refused connection fails in milliseconds; ``DATABASE_CONNECT_TIMEOUT_SECONDS`` bounds a
connection that hangs). That is not a bug of the request: the person or the integrator is told the
service is briefly unavailable and when to try again, and a filing sent again with the same
idempotency key is filed once (docs/operations.md, "Faults"). Once the database answers again the
next request succeeds: the pool discards the connections made before the outage on their first
failure, so no restart of the application is needed.
"""

from __future__ import annotations

import sqlalchemy.exc

from domain.errors import N_
from domain.i18n import translate

RETRY_AFTER_SECONDS = 5
MESSAGE = N_(
    "The database cannot be reached just now, so nothing was done. Please try again in {seconds} seconds."
)

# SQLSTATE classes and codes of a database that is going away or not there yet: 08 connection
# exceptions, 57P01-57P03 admin or crash shutdown and "cannot connect now" (starting up, recovering).
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03")
# SQLite: its file cannot be opened, or another process held the write lock past the busy timeout.
_SQLITE_UNAVAILABLE = frozenset({"unable to open database file", "database is locked"})


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


def retry_after_headers() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS)}


def unavailable_message(locale: str) -> str:
    return translate(MESSAGE, locale, seconds=RETRY_AFTER_SECONDS)
