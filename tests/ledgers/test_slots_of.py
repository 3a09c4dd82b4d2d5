"""``slots_of`` (the slots of many moments, the origin worked out once: a filing judges a year of hourly
readings, issue 19) gives exactly what ``slot_of`` gives each moment, whatever the frequency, the origin
and the offset (or none) the moments are written in."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.ledgers.rules import slot_floor, slot_of, slots_of
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
