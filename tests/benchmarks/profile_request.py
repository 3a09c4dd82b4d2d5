"""Where one API request's CPU goes, the whole stack in-process: middleware, GraphQL, the filing.

The filing peak (``bench_filing_peak``) measures over HTTP with two server processes; this drives the
same ASGI application (``server.app.create_app``, production settings) by calling it directly, so
process time is the app's own CPU and cProfile sees every layer. Prints, for the mutation refused by
GraphQL (a report kind that does not exist) and for a real filing: CPU per request (PostgreSQL waits
not counted) and the top functions by cumulative and own time.

Run: TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
     .venv/bin/python -m tests.benchmarks.profile_request  [refused|filing|both|batches] [count]
``filing`` sends the requests BENCH_CLIENTS (50) at a time, so the filing desk batches them as under
the peak; ``batches`` calls the desk's ``submit_reports`` directly with batches of 1 to 64 filings and
prints each size's CPU and statements (the batch's fixed cost shows; BENCH_SHOW_STATEMENTS=8 lists the
statements of a batch of 8; with BENCH_PROFILE_LINES set, batches of one are profiled).
Tune: BENCH_PROFILE_LINES (25; 0 prints only the per-package table), BENCH_PROFILE_SORT (tottime or
cumulative; both by default), BENCH_PROFILE_ONLY (a regular expression of the files to list, e.g.
"/(domain|graphql_schema|web)/"). cProfile's cumulative time of a coroutine is not its CPU (it counts
across its awaits); the per-package table of own time is.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import json
import os
import pstats
import sys
import time
from typing import Any

from server.serve import GC_THRESHOLDS
from tests.benchmarks.bench_filing_peak import (
    CLIENTS,
    SUBMIT,
    UNITS,
    create_database,
    drop_database,
    load_units,
    report_content,
)


def _variables(unit: dict[str, Any], index: int, *, refused: bool) -> dict[str, Any]:
    if refused:
        kind, period = "FORTNIGHTLY", "2026Q1"
        content = report_content("quarterly", index)
    else:
        kind, period = unit["targets"][(index // UNITS) % len(unit["targets"])]
        content = report_content(kind, index)
        kind = kind.upper()
    return {
        "input": {
            "permitNumber": unit["permit_number"],
            "kind": kind,
            "period": period,
            "content": content,
            "idempotencyKey": f"profile-{'r' if refused else 'f'}-{index}",
        }
    }


async def _call(app: Any, unit: dict[str, Any], body: bytes) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Bearer {unit['token']}".encode()),
            (b"accept-language", b"en"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


class _GcTimer:
    """CPU the cyclic garbage collector takes while it is entered (its collections, by generation)."""

    def __init__(self) -> None:
        self.used = [0.0, 0.0, 0.0]
        self.runs = [0, 0, 0]
        self._began = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.process_time()
        else:
            self.used[info["generation"]] += time.process_time() - self._began
            self.runs[info["generation"]] += 1

    def __enter__(self) -> _GcTimer:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def summary(self, count: int) -> str:
        each = ", ".join(
            f"gen{g} {self.runs[g]} runs {self.used[g] * 1000:.0f} ms" for g in range(3) if self.runs[g]
        )
        return f"{sum(self.used) / count * 1000:.3f} ms per request ({each or 'none'})"


def _package(path: str) -> str:
    """'sqlalchemy', 'strawberry', 'domain/reports', 'asyncio'... of a profiled function's file."""
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if path.startswith("/work/") or "/tests/" in path:
        parts = path.split("/")
        for top in ("domain", "graphql_schema", "web", "portal", "server", "tests"):
            if top in parts:
                rest = parts[parts.index(top) :]
                return "/".join(rest[:2]).removesuffix(".py") if top == "domain" else top
    if path.startswith("<") or path == "~":
        return "builtins"
    return "stdlib/" + path.rsplit("/", 2)[-2 if path.endswith("__init__.py") else -1].removesuffix(".py")


def _by_package(stats: pstats.Stats, count: int) -> None:
    """Own CPU time per package (where the cost is, layer by layer), per request."""
    own: dict[str, float] = {}
    for (path, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        key = _package(path)
        own[key] = own.get(key, 0.0) + tottime
    total = sum(own.values())
    print(f"own CPU per request by package (profiled, {total / count * 1000:.2f} ms in all):")
    for key, used in sorted(own.items(), key=lambda item: -item[1])[:30]:
        print(f"  {key:<40}{used / count * 1000:7.3f} ms  {used / total:6.1%}")


async def _concurrently(app: Any, requests: list[tuple[dict[str, Any], bytes]]) -> None:
    """The requests sent by BENCH_CLIENTS clients, each sending its next once answered (as the filing
    peak's clients do; the desk batches what arrives while it writes)."""
    pending = iter(requests)

    async def client() -> None:
        for unit, data in pending:
            await _call(app, unit, data)

    await asyncio.gather(*(client() for _ in range(CLIENTS)))


async def run(url: str, which: str, count: int) -> None:
    from server.app import create_app

    units = await load_units(url, UNITS)
    os.environ["DATABASE_URL"] = url
    os.environ["ENVIRONMENT"] = "production"
    os.environ["SECRET_KEY"] = "profile-secret-" + "y" * 40
    os.environ["BASE_URL"] = "http://127.0.0.1:8000"
    from domain.settings import get_settings

    get_settings.cache_clear()
    app = create_app()
    counter = iter(range(10**9))
    try:
        for label in ("refused", "filing") if which == "both" else (which,):
            refused = label == "refused"

            def body(refused: bool = refused) -> tuple[dict[str, Any], bytes]:
                index = next(counter)
                unit = units[index % len(units)]
                payload = {"query": SUBMIT, "variables": _variables(unit, index, refused=refused)}
                return unit, json.dumps(payload).encode()

            for _ in range(CLIENTS):  # warm: caches, statements, the token cache
                unit, data = body()
                status, answer = await _call(app, unit, data)
            gc.collect()
            gc.freeze()  # as server.app does after building the application
            gc.set_threshold(*GC_THRESHOLDS)  # as server.serve's workers do
            print(f"\n{label}: status {status}, a warm answer: {answer[:160]!r}")
            collected = _GcTimer()
            began = time.process_time()
            with collected:
                await _concurrently(app, [body() for _ in range(count)])
            used = time.process_time() - began
            print(f"{label}: {used / count * 1000:.2f} ms of app CPU per request over {count} (no profiler)")
            print(f"{label}: of which the garbage collector {collected.summary(count)}")
            profiler = cProfile.Profile(time.process_time)  # CPU, not the waits
            requests = [body() for _ in range(count)]
            profiler.enable()
            await _concurrently(app, requests)
            profiler.disable()
            _by_package(pstats.Stats(profiler), count)
            from domain.reports.filing import desk_for

            desk = desk_for(app.state.db)
            print(f"the filing desk: {desk.filed} filings in {desk.batches} batches so far")
            lines = int(os.environ.get("BENCH_PROFILE_LINES", "25"))
            chosen = os.environ.get("BENCH_PROFILE_SORT")
            orders = [chosen] if chosen else ["cumulative", "tottime"]
            only = os.environ.get("BENCH_PROFILE_ONLY")  # e.g. "/work/main/(domain|graphql_schema|web)/"
            for order in orders:
                print(f"\ncProfile of {label}, {count} requests, top {lines} by {order}:")
                stats = pstats.Stats(profiler, stream=sys.stdout).sort_stats(order)
                stats.print_stats(*([only] if only else []), lines)
    finally:
        await app.state.db.dispose()


async def batches(
    url: str, sizes: list[int], rounds: int = int(os.environ.get("BENCH_ROUNDS", "10"))
) -> None:
    """The filing desk's work alone (``submit_reports``), batch by batch: CPU and statements of a batch
    of n filings, so the share that does not grow with n (a batch's fixed cost) shows."""
    from sqlalchemy import event

    from domain.actors import actor_for_token
    from domain.db import Database
    from domain.reports.service.submission import Filing, submit_reports
    from graphql_schema.reports.types import snake_content

    units = await load_units(url, UNITS)
    database = Database(url)
    statements = 0

    shown: list[str] = []

    def counted(_conn: Any, _cursor: Any, text: str, *_args: Any) -> None:
        nonlocal statements
        statements += 1
        shown.append(" ".join(text.split())[:150])

    for engine in database.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", counted)
    actors = []
    for unit in units:
        async with database.read() as session:
            lookup = await actor_for_token(session, token=unit["token"])
        assert lookup is not None
        actors.append(lookup.actor)
    counter = iter(range(10**9))

    def filing() -> Filing:
        index = next(counter)
        unit = units[index % len(units)]
        data = _variables(unit, index, refused=False)["input"]
        return Filing(
            actors[index % len(units)],
            data["permitNumber"],
            data["kind"].lower(),
            data["period"],
            snake_content(data["content"]),
            data["idempotencyKey"],
        )

    try:
        # Warm: every report filed once (the permits' terms in memory, every statement built and
        # prepared); what is measured below are new versions of filed reports, as most of the peak's are.
        for size in [1, 3, 7, 20, 50, 1, 1, 5]:
            async with database.transaction() as session:
                await submit_reports(session, [filing() for _ in range(size)])
        while next(counter) % (UNITS * 5) < UNITS * 5 - 50:
            async with database.transaction() as session:
                await submit_reports(session, [filing() for _ in range(49)])
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)  # as in a server worker
        for size in sizes:
            used = 0.0
            statements = 0
            for _ in range(rounds):
                batch = [filing() for _ in range(size)]
                began = time.process_time()
                async with database.transaction() as session:
                    outcomes = await submit_reports(session, batch)
                used += time.process_time() - began
                assert not any(isinstance(o, Exception) for o in outcomes), outcomes
            if (
                size == int(os.environ.get("BENCH_PROFILE_SIZE", "1"))
                and os.environ.get("BENCH_PROFILE_LINES", "0") != "0"
            ):
                profiler = cProfile.Profile(time.process_time)
                for _ in range(rounds):
                    batch = [filing() for _ in range(size)]
                    profiler.enable()
                    async with database.transaction() as session:
                        await submit_reports(session, batch)
                    profiler.disable()
                _by_package(pstats.Stats(profiler), rounds * size)
                lines = int(os.environ["BENCH_PROFILE_LINES"])
                only = os.environ.get("BENCH_PROFILE_ONLY")
                for order in ("cumulative", "tottime"):
                    stats = pstats.Stats(profiler, stream=sys.stdout).sort_stats(order)
                    stats.print_stats(*([only] if only else []), lines)
            if os.environ.get("BENCH_SHOW_STATEMENTS") == str(size):
                print(f"the statements of the last batch of {size}:")
                async with database.transaction() as session:
                    shown.clear()
                    await submit_reports(session, [filing() for _ in range(size)])
                    print("\n".join(f"  {n + 1:>2}. {line}" for n, line in enumerate(shown)))
            per_batch = used / rounds * 1000
            print(
                f"batch of {size:>3}: {per_batch:7.2f} ms CPU a batch, {per_batch / size:5.2f} ms a filing, "
                f"{statements / rounds:5.1f} statements a batch"
            )
    finally:
        await database.dispose()


def main() -> None:
    from domain import migrate

    which = sys.argv[1] if len(sys.argv) > 1 else "both"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    url = create_database()
    try:
        migrate.upgrade(url)
        if which == "batches":
            sizes = os.environ.get("BENCH_BATCH_SIZES", "1,2,4,8,16,32,64")
            asyncio.run(batches(url, [int(size) for size in sizes.split(",")]))
        else:
            asyncio.run(run(url, which, count))
    finally:
        if os.environ.get("BENCH_KEEP_DATABASE"):
            print(f"kept: {url}")
        else:
            drop_database(url)


if __name__ == "__main__":
    main()
