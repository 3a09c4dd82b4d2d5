"""The database cannot be reached (``domain.db.database_unavailable``): both faces answer 503 with
``Retry-After``, at once, never a 500.

While PostgreSQL restarts, fails over or refuses new connections, a request fails on its first
statement (a refused connection fails in milliseconds; ``DATABASE_CONNECT_TIMEOUT_SECONDS`` bounds a
connection that hangs). That is not a bug of the request: the person or the integrator is told the
service is briefly unavailable and when to try again, and a filing sent again with the same
idempotency key is filed once (docs/operations.md, "Faults"). Once the database answers again the
next request succeeds: the pool discards the connections made before the outage on their first
failure, so no restart of the application is needed.
"""

from __future__ import annotations

from domain.errors import N_
from domain.i18n import translate

RETRY_AFTER_SECONDS = 5

MESSAGE = N_(
    "The database cannot be reached just now, so nothing was done. Please try again in {seconds} seconds."
)


def retry_after_headers() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS)}


def unavailable_message(locale: str) -> str:
    return translate(MESSAGE, locale, seconds=RETRY_AFTER_SECONDS)
