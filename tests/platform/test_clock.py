"""The server clock and the demo's history: a block may read another moment; everything else reads now."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.clock import history_at, utcnow


def test_within_history_the_clock_reads_that_moment_and_runs_on_and_afterwards_now_again():
    then = datetime(2025, 7, 14, 2, 0, tzinfo=UTC)
    with history_at(then):
        inside = utcnow()
    after = utcnow()
    assert then <= inside < then + timedelta(seconds=5)
    assert abs(after - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_moment_without_a_time_zone_is_refused():
    with pytest.raises(ValueError), history_at(datetime(2025, 7, 14, 2, 0)):
        pass


async def test_history_does_not_leak_into_other_tasks():
    import asyncio

    seen: list[datetime] = []
    release = asyncio.Event()

    async def elsewhere() -> None:
        await release.wait()
        seen.append(utcnow())

    other = asyncio.create_task(elsewhere())  # started before the block: its own context
    with history_at(datetime(2020, 1, 1, tzinfo=UTC)):
        release.set()
        await other
    assert seen[0].year == datetime.now(UTC).year
