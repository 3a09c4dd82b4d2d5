"""The read replica: a PostgreSQL hot standby that serves what anyone may read, while it keeps up.

``Database.read(replica=True)`` (domain/db.py) takes a session here when ``DATABASE_REPLICA_URL`` is set
and the replica is *in use*: reachable, a standby, and no more than ``DATABASE_REPLICA_MAX_LAG_SECONDS``
behind the primary. Otherwise the same read goes to the primary. Whether it is in use is checked at most
every ``DATABASE_REPLICA_CHECK_SECONDS`` per process, beside the requests (the answer is kept between
checks), and at once when a replica connection fails. Each change is logged (``permitwatch.replica``);
``/healthz`` and ``permitwatch status`` show the state and the lag (docs/operations.md, "Read replica").

How far behind. The replay timestamp alone (``now() - pg_last_xact_replay_timestamp()``) says how old the
last replayed commit is, which on an idle primary grows without the replica missing anything. The test is
the WAL position instead: each check first reads the primary's flushed position
(``pg_current_wal_flush_lsn()``: every commit acknowledged so far lies before it, and it is what the
primary streams; the insert position can stay ahead of what is ever sent while the primary is idle), then
the replica's replayed position (``pg_last_wal_replay_lsn()``), again for a moment while it is behind.
(With ``synchronous_commit = off`` a commit is acknowledged up to three ``wal_writer_delay`` before it
is flushed: the bound holds within that.) Once it has replayed that position, it lags by no more than the
time since the check began. Still behind, it has replayed at least the position an earlier check saw on
the primary at time *t* (kept as samples), so everything acknowledged before *t* is there: the lag is at
most now − *t*. With no such sample (the first check), the replay timestamp's age stands in, an
overestimate. Erring is on the safe side only: a position the replica cannot reach yet (the primary's
background flush can end inside a record that spans a page, on a primary that then stays idle) reads as
lag, and the public reads from the primary until the next write completes the record.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

log = logging.getLogger("permitwatch.replica")

NOT_CHECKED = "not checked yet"
CAUGHT_UP = "caught up"
BEHIND = "behind, within the bound"
LAGGING = "lagging past the bound"
UNREACHABLE = "unreachable"
# How long a check waits for the replica to replay the position it just read on the primary.
SETTLE_SECONDS = 0.25
NOT_A_STANDBY = "not a standby"

_PRIMARY_POSITION = text("SELECT pg_current_wal_flush_lsn()::text")
_REPLICA_POSITION = text(
    "SELECT pg_is_in_recovery(),"
    " pg_wal_lsn_diff(CAST(:primary AS pg_lsn), pg_last_wal_replay_lsn()),"
    " pg_last_wal_replay_lsn()::text,"
    " extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())"
)


class ReadOnlySession(Session):
    """A replica session: writing through it is a bug of the caller, refused before any SQL is sent."""


@event.listens_for(ReadOnlySession, "before_flush")
def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read-replica session is read-only: write in Database.transaction()")


@dataclass(frozen=True)
class ReplicaState:
    in_use: bool
    reason: str
    lag_seconds: float | None  # at most this far behind the primary (None: unknown)
    behind_bytes: int | None  # WAL the replica had still to replay at the check
    checked_at: datetime | None  # UTC
    max_lag_seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "in_use": self.in_use,
            "state": self.reason,
            "lag_seconds": None if self.lag_seconds is None else round(self.lag_seconds, 3),
            "behind_bytes": self.behind_bytes,
            "max_lag_seconds": self.max_lag_seconds,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
        }

    def describe(self) -> str:
        lag = "unknown" if self.lag_seconds is None else f"{self.lag_seconds:.1f} s"
        use = "in use" if self.in_use else "not in use (reads go to the primary)"
        return f"{use}: {self.reason}; lag {lag} (bound {self.max_lag_seconds:g} s)"


class Replica:
    """One process's view of the replica: its engine and sessions, and whether reads may go there."""

    def __init__(
        self,
        engine: AsyncEngine,
        primary: AsyncEngine,
        *,
        max_lag_seconds: float,
        check_seconds: float,
        check_timeout_seconds: float,
    ) -> None:
        self.engine = engine
        self.primary = primary
        self.max_lag_seconds = max_lag_seconds
        self.check_seconds = check_seconds
        self.check_timeout_seconds = check_timeout_seconds
        self.sessions = async_sessionmaker(
            bind=engine, class_=AsyncSession, sync_session_class=ReadOnlySession, expire_on_commit=False
        )
        self.state = ReplicaState(False, NOT_CHECKED, None, None, None, max_lag_seconds)
        self._checked = -float("inf")  # monotonic time of the last check
        self._task: asyncio.Task[ReplicaState] | None = None  # the check under way, if any
        self._task_loop: asyncio.AbstractEventLoop | None = None
        # (monotonic time before reading the primary's position, that position as bytes), oldest first.
        self._samples: deque[tuple[float, int]] = deque(maxlen=256)

    async def in_use(self) -> bool:
        """Whether a read may go to the replica now. When the last answer is old a check starts beside
        the request, which goes on with that answer: no request waits for a check (one can take a
        moment while the replica catches up, or the connect timeout when its host is away), except the
        process's first, so that its first reads can already go to the replica."""
        loop = asyncio.get_running_loop()
        running = self._task is not None and not self._task.done() and self._task_loop is loop
        if not running and time.monotonic() - self._checked >= self.check_seconds:
            self._task, self._task_loop = loop.create_task(self.check()), loop
            if self.state.reason == NOT_CHECKED:
                await asyncio.shield(self._task)
        return self.state.in_use

    async def check(self) -> ReplicaState:
        """Measure the lag now (bounded by the check timeout) and record the state."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.check_timeout_seconds):
                async with self.primary.connect() as connection:
                    primary = str((await connection.execute(_PRIMARY_POSITION)).scalar_one())
                async with self.engine.connect() as connection:
                    while True:  # a replica that keeps up replays the primary's position within moments
                        row = (await connection.execute(_REPLICA_POSITION, {"primary": primary})).one()
                        settling = time.monotonic() - started < SETTLE_SECONDS
                        if not row[0] or row[1] is None or row[1] <= 0 or not settling:
                            break
                        await asyncio.sleep(0.05)
        except Exception as error:  # noqa: BLE001 - any failure to measure means: read from the primary
            self._record(self._state(False, UNREACHABLE, None, None), error)
            return self.state
        finally:
            self._checked = time.monotonic()
        in_recovery, behind, replayed, replay_age = row
        if not in_recovery:
            self._record(self._state(False, NOT_A_STANDBY, None, None))
            return self.state
        position = _lsn(primary)
        if behind is None or behind <= 0:
            lag: float | None = time.monotonic() - started  # it has all the primary had at ``started``
        else:
            reached = _lsn(replayed) if replayed else -1
            seen = [at for at, lsn in self._samples if lsn <= reached]
            if seen:
                lag = time.monotonic() - seen[-1]
            else:
                lag = None if replay_age is None else max(0.0, float(replay_age))
        self._samples.append((started, position))
        behind_bytes = max(0, int(behind or 0))
        if lag is None or lag > self.max_lag_seconds:
            self._record(self._state(False, LAGGING, lag, behind_bytes))
        else:
            self._record(self._state(True, CAUGHT_UP if behind_bytes == 0 else BEHIND, lag, behind_bytes))
        return self.state

    def unreachable(self, error: BaseException) -> None:
        """A replica connection failed during a request: read from the primary until the next check."""
        self._checked = time.monotonic()
        self._record(self._state(False, UNREACHABLE, None, None), error)

    def _state(self, in_use: bool, reason: str, lag: float | None, behind: int | None) -> ReplicaState:
        return ReplicaState(in_use, reason, lag, behind, datetime.now(UTC), self.max_lag_seconds)

    def _record(self, state: ReplicaState, error: BaseException | None = None) -> None:
        was = self.state
        self.state = state
        if state.in_use and not was.in_use:
            log.warning("read replica in use: %s", state.describe())
        elif was.in_use and not state.in_use:
            cause = f" ({type(error).__name__}: {str(error).strip()[:200]})" if error is not None else ""
            log.warning("read replica out of use, reads go to the primary: %s%s", state.describe(), cause)
        elif not state.in_use and was.reason != state.reason:
            log.info("read replica still out of use: %s", state.describe())


def _lsn(value: str) -> int:
    """A WAL position ('16/B374D848') as a byte number."""
    high, _, low = value.partition("/")
    return (int(high, 16) << 32) + int(low, 16)
