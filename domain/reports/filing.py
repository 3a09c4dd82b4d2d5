"""The filing desk: reports that arrive together are filed together, in one transaction.

At a filing deadline thousands of units file within minutes. Filed one transaction each, every filing
pays for its own dozen statements and its own commit, and the CPU, not the database, runs out first
(see the filing-peak benchmark). The desk collects the filings that arrive while the previous batch is
being written and hands them to ``service.submission.submit_reports`` as one batch: a dozen statements and
one commit for all of them. Nothing waits for a batch to fill: a filing that finds the desk idle is written
at once, alone; under load the batches grow by themselves (group commit). The desk's worker runs while
filings wait and ends when none is left; the next filing starts it again.

Each filing still gets its own outcome: a refused filing (bad content, someone else's permit, an
accepted report) is refused alone and writes nothing, and a filing is acknowledged only after the
transaction that holds it has committed. Should the batch's transaction fail as a whole (the database
went away, a constraint fired), its filings are filed again one by one, so one filing's failure is
never another's.

One desk per process and database (``desk_for``): the portal, the API and the tests all file through it.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field

from domain.db import Database
from domain.errors import DomainError
from domain.reports.service import submission
from domain.reports.service.submission import Filing, SubmissionResult

log = logging.getLogger("permitwatch.filing")

MAX_BATCH = 64  # filings per transaction: past this, the batch's statements grow long for little gain


@dataclass
class _Waiting:
    filing: Filing
    answer: asyncio.Future[SubmissionResult]


@dataclass
class FilingDesk:
    db: Database
    max_batch: int = MAX_BATCH
    batches: int = 0  # written so far (for the benchmark and the tests)
    filed: int = 0
    _queue: asyncio.Queue[_Waiting] | None = field(default=None, repr=False)
    _worker: asyncio.Task[None] | None = field(default=None, repr=False)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)

    async def file(self, filing: Filing) -> SubmissionResult:
        """File one report; returns once it is committed, or raises the error that refused it."""
        loop = asyncio.get_running_loop()
        if self._queue is None or self._loop is not loop:
            self._loop, self._queue, self._worker = loop, asyncio.Queue(), None
        answer: asyncio.Future[SubmissionResult] = loop.create_future()
        answer.add_done_callback(_retrieve)  # an answer whose caller left is still read, not warned about
        self._queue.put_nowait(_Waiting(filing, answer))
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._work(self._queue), name="filing-desk")
        # A caller that goes away (the client hung up) does not take the filing with it: it is written
        # all the same, and the same idempotency key later returns it.
        return await asyncio.shield(answer)

    async def _work(self, queue: asyncio.Queue[_Waiting]) -> None:
        """Files what waits, batch after batch, and ends when nothing is left (between the last look at the
        queue and the end there is no await, so a filing that arrives later finds the worker done and
        starts a new one)."""
        while not queue.empty():
            batch = [queue.get_nowait()]
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                await self._file(batch)
            except BaseException as error:  # never leave a caller waiting
                for waiting in batch:
                    if not waiting.answer.done():
                        waiting.answer.set_exception(
                            error if isinstance(error, Exception) else RuntimeError("filing desk stopped")
                        )
                if not isinstance(error, Exception):
                    raise

    async def _file(self, batch: list[_Waiting]) -> None:
        try:
            async with self.db.transaction() as session:
                outcomes = await submission.submit_reports(session, [w.filing for w in batch])
        except Exception as error:
            if len(batch) == 1:
                if not isinstance(error, DomainError):
                    log.exception("filing failed")
                batch[0].answer.set_exception(error)
                return
            log.warning(
                "a batch of %d filings failed as a whole (%r); filing them one by one", len(batch), error
            )  # noqa: E501
            for waiting in batch:
                await self._file([waiting])
            return
        self.batches += 1
        self.filed += len(batch)
        for waiting, outcome in zip(batch, outcomes, strict=True):
            if waiting.answer.done():
                continue
            if isinstance(outcome, DomainError):
                waiting.answer.set_exception(outcome)
            else:
                waiting.answer.set_result(outcome)


def _retrieve(answer: asyncio.Future[SubmissionResult]) -> None:
    if not answer.cancelled():
        answer.exception()


_desks: weakref.WeakKeyDictionary[Database, FilingDesk] = weakref.WeakKeyDictionary()


def desk_for(db: Database) -> FilingDesk:
    """The process's filing desk for this database (both the portal and the API file through it)."""
    desk = _desks.get(db)
    if desk is None:
        desk = _desks[db] = FilingDesk(db)
    return desk
