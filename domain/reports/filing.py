"""The filing desk: reports that arrive together are filed together, in one transaction.

At a filing deadline thousands of units file within minutes. Filed one transaction each, every filing
pays for its own dozen statements and its own commit, and the CPU, not the database, runs out first
(see the filing-peak benchmark). The desk collects the filings that arrive while the previous batch is
being written and hands them to ``service.submit_reports`` as one batch: a dozen statements and one
commit for all of them. Nothing waits for a batch to fill: a filing that finds the desk idle is written
at once, alone; under load the batches grow by themselves (group commit).

Each filing still gets its own outcome: a refused filing (bad content, someone else's permit, an
accepted report) is refused alone and writes nothing, and a filing is acknowledged only after the
transaction that holds it has committed. Should the batch's transaction fail as a whole (the database
went away, a constraint fired), its filings are filed again one by one, so one filing's failure is
never another's.

One desk per process and database (``desk_for``). Tests whose database shares the test's connection
file directly in the caller's task (``Database.shares_connection``).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field

from domain.db import Database
from domain.errors import DomainError
from domain.reports import service
from domain.reports.service import Filing, SubmissionResult

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
        if self.db.shares_connection:
            async with self.db.transaction() as session:
                return await service.submit_report(
                    session,
                    filing.actor,
                    permit_number=filing.permit_number,
                    kind=filing.kind,
                    period=filing.period,
                    content=filing.content,
                    idempotency_key=filing.idempotency_key,
                )
        queue = self._running_queue()
        answer: asyncio.Future[SubmissionResult] = asyncio.get_running_loop().create_future()
        answer.add_done_callback(_retrieve)  # an answer whose caller left is still read, not warned about
        queue.put_nowait(_Waiting(filing, answer))
        # A caller that goes away (the client hung up) does not take the filing with it: it is written
        # all the same, and the same idempotency key later returns it.
        return await asyncio.shield(answer)

    def _running_queue(self) -> asyncio.Queue[_Waiting]:
        loop = asyncio.get_running_loop()
        if self._queue is None or self._loop is not loop or self._worker is None or self._worker.done():
            self._loop = loop
            self._queue = asyncio.Queue()
            self._worker = loop.create_task(self._work(self._queue), name="filing-desk")
        return self._queue

    async def _work(self, queue: asyncio.Queue[_Waiting]) -> None:
        while True:
            batch = [await queue.get()]
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
                outcomes = await service.submit_reports(session, [w.filing for w in batch])
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
