"""``slots_of`` (the slots of many moments, the origin worked out once: a filing judges a year of hourly
readings, issue 19) gives exactly what ``slot_of`` gives each moment, whatever the frequency, the origin
and the offset (or none) the moments are written in."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from domain.ledgers.rules import coverage, shutdown_span, slot_count, slot_floor, slot_of, slots_of
from domain.permits.reference import Frequency

ZONES = (UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30)), None)


@pytest.mark.parametrize("frequency", [f.value for f in Frequency])
def test_slots_of_many_moments_are_slot_of_each(frequency):
    draw = random.Random(frequency)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for _ in range(40):
        origin = slot_floor(base + timedelta(seconds=draw.randrange(0, 3 * 365 * 86400)), frequency)
        if draw.random() < 0.3:
            origin = origin.astimezone(UTC)
        moments = []
        for _ in range(60):
            zone = draw.choice(ZONES)
            # Around the origin (before it too), some on the hour or midnight, to the microsecond.
            moment = origin + timedelta(
                seconds=draw.choice([0, 3600, 86400, draw.randrange(-86400 * 40, 86400 * 400)]),
                microseconds=draw.choice([0, 0, -1, 1, draw.randrange(0, 10**6)]),
            )
            moments.append(
                moment.astimezone(UTC).replace(tzinfo=None) if zone is None else moment.astimezone(zone)
            )
        assert slots_of(moments, frequency, origin) == {slot_of(m, frequency, origin) for m in moments}


@pytest.mark.parametrize("frequency", [f.value for f in Frequency])
def test_coverage_counts_without_gaps_are_the_counts_with_them(frequency):
    """What a filing's completeness ratio is made of (``gaps=False``) is what the gaps' walk counts."""
    draw = random.Random(f"counts-{frequency}")
    for _ in range(30):
        start = slot_floor(
            datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=draw.randrange(0, 20000)), frequency
        )
        end = start + timedelta(hours=draw.randrange(0, 9000))
        recorded = [
            start + timedelta(minutes=draw.randrange(-600, 600000)) for _ in range(draw.randrange(0, 300))
        ]
        stops = []
        for _ in range(draw.randrange(0, 3)):
            first = date(2024, 1, 1) + timedelta(days=draw.randrange(0, 900))
            stops.append(
                shutdown_span(first, draw.choice([None, first + timedelta(days=draw.randrange(0, 60))]))
            )
        whole = coverage("DA001 SO2", "monitoring", frequency, start, end, recorded, stops)
        counted = coverage("DA001 SO2", "monitoring", frequency, start, end, recorded, stops, gaps=False)
        assert (counted.expected, counted.recorded, counted.gaps) == (whole.expected, whole.recorded, [])
        assert slot_count(start, end, frequency) == slot_count.__wrapped__(start, end, frequency)
