"""The mail worker: claim due messages, send each, record the outcome. Run by `permitwatch worker`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from domain.db import Database, database_unavailable
from domain.notifications import mailer, outbox
from domain.settings import Settings

log = logging.getLogger("permitwatch.worker")

Sender = Callable[[outbox.Letter, Settings], Awaitable[None]]
# Once per round: the work of a new day (given the day it last ran; returns the day it ran for).
DailyRun = Callable[[Database, date | None], Awaitable[date]]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class RoundResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.retrying + self.failed


async def run_once(
    db: Database, settings: Settings, *, worker: str | None = None, send: Sender = mailer.send
) -> RoundResult:
    """One round: claim a batch in a short transaction, send outside it, record each outcome."""
    worker = worker or worker_name()
    async with db.transaction() as session:
        letters = await outbox.claim(session, worker=worker, limit=settings.worker_batch_size)
    result = RoundResult()
    for letter in letters:
        try:
            await send(letter, settings)
        except Exception as error:  # noqa: BLE001 - any SMTP or network failure is retried later
            async with db.transaction() as session:
                state = await outbox.mark_failed(
                    session, message_id=letter.id, worker=worker, error=f"{type(error).__name__}: {error}"
                )
            if state == "failed":
                result.failed += 1
                log.error("giving up on message %s after %s attempts: %s", letter.id, letter.attempts, error)
            else:
                result.retrying += 1
                log.warning(
                    "message %s not sent (attempt %s), will retry: %s", letter.id, letter.attempts, error
                )
        else:
            async with db.transaction() as session:
                await outbox.mark_sent(session, message_id=letter.id, worker=worker)
            result.sent += 1
    return result


async def run(
    db: Database,
    settings: Settings,
    *,
    stop: asyncio.Event,
    worker: str | None = None,
    send: Sender = mailer.send,
    daily: DailyRun | None = None,
) -> None:
    """Keep sending until ``stop`` is set; sleeps between rounds when there is nothing to do. ``daily``,
    when given, runs before each round with the day it last ran (``domain.reminders.daily.remind_if_new_day``
    writes the day's reminders once per day): the worker sends the mail, whoever calls it says what else
    is due."""
    worker = worker or worker_name()
    last_day: date | None = None
    while not stop.is_set():
        try:
            if daily is not None:
                last_day = await daily(db, last_day)
            result = await run_once(db, settings, worker=worker, send=send)
        except Exception as error:
            if not database_unavailable(error):
                raise
            # The database restarts or is away: nothing was lost (a claimed message's lease runs out and
            # it is claimed again); wait a round and go on, so the worker needs no restart.
            log.warning("database unavailable, worker %s waits: %s", worker, type(error).__name__)
            result = RoundResult()
        if result.claimed < settings.worker_batch_size:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.worker_poll_seconds)
