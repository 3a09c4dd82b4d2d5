"""Where the CPU of a bulk first filing goes (issue 19): the province generator's filing step
(``demo.scale._file_part`` → ``file_first_reports``) on a small generated province, in-process.

Creates a uniquely named PostgreSQL database (BENCH_POSTGRES_URL / TEST_POSTGRES_URL), generates
PROFILE_UNITS units (150) with a year of hourly readings on PROFILE_OUTLETS outlets (6), files three
years of their reports, prints CPU per filing (process time: PostgreSQL's own work is not counted),
the split by step and the cProfile top; drops the database.

cProfile is on by default and costs the most where functions are small and many (the audit rules, the
ORM): PROFILE_CPROFILE=0 prints the CPU a filing costs without it (the split by step stays).

Run: .venv/bin/python -m tests.benchmarks.profile_first_filings
"""

from __future__ import annotations

import asyncio
import cProfile
import functools
import gc
import importlib
import os
import pstats
import sys
import time
from typing import Any

from tests.benchmarks.bench_filing_peak import create_database, drop_database, load_average

STEPS = (
    ("domain.reports.service.first_filings", "file_first_reports", "file_first_reports"),
    ("domain.reports.facts", "ledger_facts_many", "  ledger facts (facts.ledger_facts_many)"),
    ("domain.ledgers.queries.period", "period_ledgers", "    the period's ledgers"),
    ("domain.audit_rules.ruleset", "run", "  the audit rules (ruleset.run)"),
    ("domain.reports.facts", "rule_context", "  rule contexts (facts.rule_context)"),
    ("domain.reports.rules", "submission_hash", "  hash chain (rules.submission_hash)"),
    ("domain.reports.notices", "sections_notices", "  notices (built)"),
)


async def profile(url: str, units: int, outlets: int) -> None:
    from demo import scale
    from demo.generated import generate
    from domain.access import operator
    from domain.db import Database

    database = Database(url)
    try:
        async with database.transaction() as session:
            await generate(session, operator("demo"), start=64, total=64 + units, progress=None)
        await scale._readings(database, outlets, lambda _line: None)
        filers = await scale._filers(database, lambda _line: None, after=0)
        cpu: dict[str, float] = {}

        def timed(function: Any, label: str) -> Any:
            @functools.wraps(function)
            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                began = time.process_time()
                try:
                    return await function(*args, **kwargs)
                finally:
                    cpu[label] = cpu.get(label, 0.0) + time.process_time() - began

            @functools.wraps(function)
            def plain(*args: Any, **kwargs: Any) -> Any:
                began = time.process_time()
                try:
                    return function(*args, **kwargs)
                finally:
                    cpu[label] = cpu.get(label, 0.0) + time.process_time() - began

            return wrapper if asyncio.iscoroutinefunction(function) else plain

        for module_name, name, label in STEPS:
            module = importlib.import_module(module_name)
            setattr(module, name, timed(getattr(module, name), label))
        # The names the callers imported.
        from domain.reports.service import first_filings

        scale.file_first_reports = first_filings.file_first_reports  # type: ignore[attr-defined]
        profiler = cProfile.Profile() if os.environ.get("PROFILE_CPROFILE", "1") == "1" else None
        collecting: dict[str, float] = {"began": 0.0, "spent": 0.0, "runs": 0}

        def collected(phase: str, _info: dict[str, int]) -> None:
            if phase == "start":
                collecting["began"] = time.process_time()
            else:
                collecting["spent"] += time.process_time() - collecting["began"]
                collecting["runs"] += 1

        gc.callbacks.append(collected)
        began, wall = time.process_time(), time.monotonic()
        if profiler:
            profiler.enable()
        filed = await scale._file_part(database, filers, lambda _line: None, part=0, parts=1)
        if profiler:
            profiler.disable()
        used, elapsed = time.process_time() - began, time.monotonic() - wall
        print(f"\n{filed} first filings of {len(filers)} units, {outlets} outlets with a year of readings")
        print(f"  CPU per filing (whole filing step)            {used / filed * 1000:7.3f} ms")
        print(f"  wall per filing                                {elapsed / filed * 1000:7.3f} ms")
        for _module, _name, label in STEPS:
            print(f"  {label:<46}{cpu.get(label, 0.0) / filed * 1000:7.3f} ms")
        print(
            f"  of which the garbage collector                {collecting['spent'] / filed * 1000:7.3f} ms"
            f" ({collecting['runs']} runs)"
        )
        print(f"  load average: {load_average()}  (cProfile {'on' if profiler else 'off'})")
        if profiler:
            order = os.environ.get("PROFILE_SORT", "tottime")
            lines = int(os.environ.get("PROFILE_LINES", "30"))
            pstats.Stats(profiler, stream=sys.stdout).sort_stats(order).print_stats(lines)
            if os.environ.get("PROFILE_DUMP"):
                profiler.dump_stats(os.environ["PROFILE_DUMP"])
    finally:
        await database.dispose()


def main() -> None:
    from domain import migrate

    url = create_database()
    try:
        migrate.upgrade(url)
        asyncio.run(
            profile(
                url, int(os.environ.get("PROFILE_UNITS", "150")), int(os.environ.get("PROFILE_OUTLETS", "6"))
            )
        )
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
