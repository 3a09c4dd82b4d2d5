"""The webhook worker: queue the feed's new events, POST the due deliveries signed, record each outcome.
Run by `permitwatch worker` beside the mail (docs/integrators.md, "Webhooks")."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from domain.db import Database, database_unavailable
from domain.notifications.worker import worker_name
from domain.settings import Settings
from domain.webhooks import deliveries
from domain.webhooks.dispatch import dispatch
from domain.webhooks.rules import SIGNATURE_HEADER, address_refused, signature_header

log = logging.getLogger("permitwatch.webhooks")

USER_AGENT = "permitwatch-webhooks/1"
# One TLS context for every delivery: making one loads the system's certificates (most of a delivery's
# CPU when each made its own).
_TLS = ssl.create_default_context()


class DeliveryFailed(Exception):
    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


# Sends one delivery; returns the receiver's (2xx) status, raises DeliveryFailed otherwise.
Sender = Callable[[deliveries.Outgoing, Settings], Awaitable[int]]


def headers_of(outgoing: deliveries.Outgoing, timestamp: int) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: signature_header(outgoing.secret, timestamp, outgoing.body),
        "X-Permitwatch-Delivery": str(outgoing.id),
        "X-Permitwatch-Event": outgoing.object_type,
        "X-Permitwatch-Event-Id": str(outgoing.event_id),
        "X-Permitwatch-Attempt": str(outgoing.attempt),
    }
    if outgoing.attempt > 1:
        headers["X-Permitwatch-Retry"] = "1"
    if outgoing.replay:
        headers["X-Permitwatch-Replay"] = "1"
    return headers


async def _address(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to: resolved once here and checked, then used for the connection itself,
    so a name cannot resolve to a public address for the check and a private one for the request."""
    loop = asyncio.get_running_loop()
    try:
        found = await loop.getaddrinfo(host, port, type=1)  # SOCK_STREAM
    except OSError as error:
        raise DeliveryFailed(f"cannot resolve {host}: {error}") from None
    addresses = [str(info[4][0]) for info in found]
    if not addresses:
        raise DeliveryFailed(f"cannot resolve {host}")
    if not allow_private and any(address_refused(a) for a in addresses):
        raise DeliveryFailed(f"{host} resolves to a private address; deliveries go to public addresses only")
    return addresses[0]


async def post(outgoing: deliveries.Outgoing, settings: Settings) -> int:
    """POST the delivery, signed now, within the timeout; no redirects followed; 2xx is delivered."""
    parts = urlsplit(outgoing.url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = await _address(host, port, settings.webhook_allow_private_addresses)
    literal = (
        f"[{address}]"
        if isinstance(ipaddress.ip_address(address.split("%")[0]), ipaddress.IPv6Address)
        else address
    )
    pinned = urlunsplit((parts.scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
    headers = headers_of(outgoing, int(time.time()))
    headers["Host"] = parts.netloc.rsplit("@", 1)[-1]
    timeout = httpx.Timeout(settings.webhook_timeout_seconds)
    try:
        async with (
            httpx.AsyncClient(
                timeout=timeout, follow_redirects=False, trust_env=False, verify=_TLS
            ) as client,
            client.stream(
                "POST", pinned, content=outgoing.body, headers=headers, extensions={"sni_hostname": host}
            ) as response,
        ):
            status = response.status_code
    except httpx.HTTPError as error:
        raise DeliveryFailed(f"{type(error).__name__}: {error}"[:1000] or type(error).__name__) from None
    if not 200 <= status < 300:
        raise DeliveryFailed(f"HTTP {status}", status)
    return status


@dataclass
class RoundResult:
    queued: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def claimed(self) -> int:
        return self.delivered + self.retrying + self.failed


async def run_once(
    db: Database, settings: Settings, *, worker: str | None = None, send: Sender = post
) -> RoundResult:
    """One round: queue new events, claim a batch, send each outside any transaction, record each."""
    worker = worker or worker_name()
    result = RoundResult()
    async with db.transaction() as session:
        result.queued = await dispatch(session)
    async with db.transaction() as session:
        batch = await deliveries.claim(session, worker=worker, limit=settings.worker_batch_size)
    for outgoing in batch:
        try:
            status = await send(outgoing, settings)
        except Exception as error:  # noqa: BLE001 - any network failure or refusal is retried later
            code = error.status_code if isinstance(error, DeliveryFailed) else None
            message = str(error) if isinstance(error, DeliveryFailed) else f"{type(error).__name__}: {error}"
            async with db.transaction() as session:
                state = await deliveries.mark_failed(
                    session, delivery_id=outgoing.id, worker=worker, error=message, status_code=code
                )
            if state == "failed":
                result.failed += 1
                log.error(
                    "giving up on webhook delivery %s after %s attempts: %s",
                    outgoing.id,
                    outgoing.attempt,
                    message,
                )
            else:
                result.retrying += 1
                log.warning(
                    "webhook delivery %s failed (attempt %s), will retry: %s",
                    outgoing.id,
                    outgoing.attempt,
                    message,
                )
        else:
            async with db.transaction() as session:
                await deliveries.mark_delivered(
                    session, delivery_id=outgoing.id, worker=worker, status_code=status
                )
            result.delivered += 1
    return result


async def run(db: Database, settings: Settings, *, stop: asyncio.Event, worker: str | None = None) -> None:
    """Keep delivering until ``stop`` is set; sleeps between rounds when there is nothing to do."""
    worker = worker or worker_name()
    while not stop.is_set():
        try:
            result = await run_once(db, settings, worker=worker)
        except Exception as error:
            if not database_unavailable(error):
                raise
            # As the mail worker: the database is away; nothing is lost (a claimed delivery's lease runs
            # out and it is claimed again), wait a round and go on.
            log.warning("database unavailable, webhook worker %s waits: %s", worker, type(error).__name__)
            result = RoundResult()
        if result.claimed < settings.worker_batch_size:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.worker_poll_seconds)
