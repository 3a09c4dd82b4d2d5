"""`permitwatch hj212`: the TCP listener online monitoring stations connect to (HJ 212-2017).

Each connection is read in chunks; the packets complete in a chunk are handed together to
``domain.ledgers.hj212.receiver.receive`` in one unit of work (a burst of history costs one transaction
per chunk, not per packet), and the replies go back in the order the packets came. Bounded everywhere
(docs/integrators.md, "Limits"): a packet is at most 10,011 bytes (a 4-digit length), the reader holds at
most one unfinished packet, a chunk is at most ``READ_SIZE`` bytes, connections past ``max_connections``
are closed at once, a connection silent for ``idle_timeout`` seconds is closed, and so is one that sent
``max_refusals`` refused packets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from domain.db import Database
from domain.ledgers.hj212.protocol import Frame, FrameReader
from domain.ledgers.hj212.receiver import Outcome, receive

log = logging.getLogger("permitwatch.hj212")
READ_SIZE = 64 * 1024


@dataclass
class Counters:
    connections: int = 0
    refused_connections: int = 0
    cut_off: int = 0  # connections closed after too many refused packets
    packets: int = 0
    accepted: int = 0
    refused: int = 0
    readings: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)


class Listener:
    def __init__(
        self,
        database: Database,
        *,
        region_code: str | None = None,
        max_connections: int = 500,
        idle_timeout: float = 300.0,
        max_refusals: int = 200,
    ) -> None:
        self.database = database
        self.region_code = region_code
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.max_refusals = max_refusals
        self.open_connections = 0
        self.counters = Counters()
        self.server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> asyncio.Server:
        self.server = await asyncio.start_server(self._connection, host, port, limit=READ_SIZE)
        return self.server

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername")
        peer = f"{peername[0]}:{peername[1]}" if isinstance(peername, tuple) else str(peername or "")
        if self.open_connections >= self.max_connections:
            self.counters.refused_connections += 1
            writer.close()
            return
        self.open_connections += 1
        self.counters.connections += 1
        frames = FrameReader()
        refused = 0
        try:
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(READ_SIZE), self.idle_timeout)
                except TimeoutError:
                    break
                if not data:
                    break
                complete = frames.feed(data)
                if not complete:
                    continue
                outcomes = await self.handle(complete, peer)
                replies = b"".join(outcome.reply for outcome in outcomes if outcome.reply)
                if replies:
                    writer.write(replies)
                    await writer.drain()
                refused += sum(1 for outcome in outcomes if not outcome.accepted)
                if refused >= self.max_refusals:
                    # Whatever sends this much that is refused (a wrong password, noise) is cut off rather
                    # than allowed to fill the refusals table; a station reconnects once it is fixed.
                    self.counters.cut_off += 1
                    break
        except (ConnectionError, OSError):
            pass
        finally:
            self.open_connections -= 1
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def handle(self, frames: list[Frame], peer: str) -> list[Outcome]:
        """One unit of work for the packets that came together; should it fail as a whole (two
        connections of one station writing the same hour at once), each packet is tried on its own."""
        try:
            outcomes = await self._receive(frames, peer)
        except Exception:
            log.warning(
                "hj212: a batch of %d packets from %s failed; retrying one by one",
                len(frames),
                peer,
                exc_info=True,
            )
            outcomes = []
            for one in frames:
                try:
                    outcomes += await self._receive([one], peer)
                except Exception:
                    log.exception("hj212: a packet from %s could not be handled", peer)
                    outcomes.append(Outcome(reason="error"))
        self._count(outcomes)
        return outcomes

    async def _receive(self, frames: list[Frame], peer: str) -> list[Outcome]:
        async with self.database.transaction() as session:
            return await receive(session, frames, peer=peer, region_code=self.region_code)

    def _count(self, outcomes: list[Outcome]) -> None:
        counters = self.counters
        for outcome in outcomes:
            counters.packets += 1
            if outcome.accepted:
                counters.accepted += 1
                counters.readings += outcome.written
            else:
                counters.refused += 1
                reason = outcome.reason or "error"
                counters.by_reason[reason] = counters.by_reason.get(reason, 0) + 1


async def serve(
    database: Database,
    host: str,
    port: int,
    *,
    region_code: str | None,
    max_connections: int,
    idle_timeout: float,
) -> None:
    listener = Listener(
        database, region_code=region_code, max_connections=max_connections, idle_timeout=idle_timeout
    )
    server = await listener.start(host, port)
    log.warning("hj212: listening on %s:%d", host, listener.port)
    async with server:
        await server.serve_forever()
