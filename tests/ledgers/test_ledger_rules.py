from datetime import UTC, datetime, timedelta

from domain.ledgers.rules import (
    PointInfo,
    ReadingInput,
    check_reading,
    choose_method,
    completeness_ratio,
    coverage,
    exceedance_episodes,
    quantity_from_flow,
    to_canonical_concentration,
)

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
POINTS = {
    "DA001": PointInfo("air", frozenset({"SO2", "NOX"}), {"SO2": 35.0, "NOX": 50.0}, {"SO2": 120.0}),
    "DW001": PointInfo("water", frozenset({"COD"}), {"COD": 500.0}, {}),
}


def reading(**overrides):
    values = dict(
        outlet_code="DA001",
        pollutant="SO2",
        method="automatic",
        measured_at=NOW - timedelta(hours=2),
        concentration=20.0,
        unit="mg/m3",
    )
    values.update(overrides)
    return ReadingInput(**values)


def test_units_are_converted_to_the_mediums_canonical_unit():
    assert to_canonical_concentration(430, "μg/m3", "air") == (0.43, "mg/m3")
    assert to_canonical_concentration(2, "g/L", "water") == (2000.0, "mg/L")
    assert to_canonical_concentration(2, "mg/L", "air") is None


def test_a_plausible_reading_is_accepted_with_an_hour_long_period():
    checked, errors = check_reading(reading(flow_m3=100_000), POINTS, NOW)
    assert errors == []
    assert checked.period_end - checked.measured_at == timedelta(hours=1)
    assert checked.quantity_kg == quantity_from_flow(20.0, 100_000, "air") == 2.0


def test_impossible_values_are_refused_each_with_its_reason():
    cases = {
        "negative": reading(concentration=-1),
        "future": reading(measured_at=NOW + timedelta(hours=1)),
        "end_before_start": reading(period_end=NOW - timedelta(hours=3)),
        "unknown_pollutant_at_point": reading(pollutant="COD"),
        "unknown_point": reading(outlet_code="DA009"),
        "unit": reading(unit="mg/L"),
        "type": reading(concentration=float("nan")),
    }
    for code, bad in cases.items():
        checked, errors = check_reading(bad, POINTS, NOW, prefix="readings[0].")
        assert checked is None and code in {e.code for e in errors}, code
        assert all(e.field.startswith("readings[0].") for e in errors)


def test_consecutive_hours_above_the_limit_form_one_episode_and_the_limit_itself_complies():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    values = [30, 36, 40, 35, 50, 20]
    series = [(start + timedelta(hours=i), start + timedelta(hours=i + 1), v) for i, v in enumerate(values)]
    episodes = exceedance_episodes(series, 35.0)
    assert [(e.count, e.max_value) for e in episodes] == [(2, 40), (1, 50)]
    assert episodes[0].started_at == start + timedelta(hours=1)
    assert episodes[0].ended_at == start + timedelta(hours=3)


def test_completeness_lists_the_missing_hours_and_days_as_ranges():
    from domain.clock import CHINA

    start = datetime(2026, 1, 1, tzinfo=CHINA)
    end = start + timedelta(days=2)
    hours = [start + timedelta(hours=h) for h in range(48) if not 10 <= h < 14]
    hourly = coverage("DA001 SO2", "monitoring", "continuous", start, end, hours)
    assert (hourly.expected, hourly.recorded) == (48, 44)
    assert [(g.first_missing, g.missing) for g in hourly.gaps] == [(start + timedelta(hours=10), 4)]
    daily = coverage("production_facility", "production_facility", "daily", start, end, [start])
    assert daily.expected == 2 and daily.gaps[0].first_missing == start + timedelta(days=1)
    assert completeness_ratio([hourly, daily]) == 45 / 50


def test_monthly_slots_follow_the_calendar():
    from domain.clock import CHINA

    start = datetime(2026, 1, 1, tzinfo=CHINA)
    end = datetime(2027, 1, 1, tzinfo=CHINA)
    monthly = coverage("COD", "monitoring", "quarterly", start, end, [datetime(2026, 5, 20, tzinfo=UTC)])
    assert monthly.expected == 4 and monthly.recorded == 1
    assert [g.first_missing.month for g in monthly.gaps] == [1, 7]


def test_the_method_of_actual_emissions_follows_m48_article_36():
    assert (
        choose_method(automatic_required=True, automatic_coverage=0.9, has_manual=True, has_factor=True)
        == "automatic"
    )
    # automatic required but missing or non-compliant: emission factors, not the manual samples
    assert (
        choose_method(automatic_required=True, automatic_coverage=0.2, has_manual=True, has_factor=True)
        == "factor"
    )
    assert (
        choose_method(automatic_required=False, automatic_coverage=0, has_manual=True, has_factor=True)
        == "manual"
    )
    assert (
        choose_method(automatic_required=False, automatic_coverage=0, has_manual=False, has_factor=False)
        == "missing"
    )


def test_days_are_china_days_whatever_offset_the_times_carry():
    from domain.clock import CHINA

    origin = datetime(2026, 11, 1, tzinfo=CHINA)
    end = datetime(2026, 11, 4, tzinfo=CHINA)
    # 02:00 China time on each day is still the previous day in UTC.
    records = [datetime(2026, 11, d, 2, tzinfo=CHINA).astimezone(UTC) for d in (1, 2, 3)]
    daily = coverage("production_facility", "production_facility", "daily", origin, end, records)
    assert (daily.expected, daily.recorded, daily.gaps) == (3, 3, [])


def test_a_quarterly_sample_counts_for_every_month_of_its_quarter():
    from domain.clock import CHINA
    from domain.ledgers.rules import slot_floor

    june = datetime(2026, 6, 1, tzinfo=CHINA)
    origin = slot_floor(june, "quarterly")
    assert origin == datetime(2026, 4, 1, tzinfo=CHINA)
    sample_in_may = datetime(2026, 5, 12, 9, tzinfo=CHINA)
    quarterly = coverage(
        "DW001 COD",
        "monitoring",
        "quarterly",
        origin,
        datetime(2026, 6, 20, tzinfo=CHINA),
        [sample_in_may],
    )
    assert (quarterly.expected, quarterly.recorded) == (1, 1)


def test_ph_and_colour_are_dimensionless_in_water_only():
    assert to_canonical_concentration(7.4, "dimensionless", "water") == (7.4, "dimensionless")
    assert to_canonical_concentration(7.4, "dimensionless", "air") is None


def test_physically_implausible_values_are_refused_with_bounds_per_pollutant_and_medium():
    water = {"DW001": PointInfo("water", frozenset({"COD", "PH"}), {"COD": 500.0}, {})}

    def codes(points, **overrides):  # type: ignore[no-untyped-def]
        checked, errors = check_reading(reading(**overrides), points, NOW)
        return [(e.field, e.code) for e in errors]

    assert codes(POINTS, concentration=1e308) == [("concentration", "implausible")]
    assert codes(POINTS, concentration=1e306, unit="g/m3") == [("concentration", "implausible")]  # inf
    assert codes(POINTS, concentration=100_001) == [("concentration", "implausible")]  # SO2 ≤ 1e5
    assert codes(POINTS, pollutant="NOX", concentration=60_000) == [("concentration", "implausible")]
    assert codes(POINTS, concentration=99_000) == []
    assert codes(POINTS, flow_m3=1e300) == [("flow", "implausible")]
    assert codes(POINTS, flow_m3=float("inf")) == [("flow", "negative")]
    assert codes(POINTS, quantity=1e12) == [("quantity", "implausible")]
    assert codes(POINTS, quantity=2, quantity_unit="t") == []
    ph = dict(outlet_code="DW001", pollutant="PH", unit="dimensionless")
    assert codes(water, concentration=14.5, **ph) == [("concentration", "implausible")]
    assert codes(water, concentration=7.2, **ph) == []
    assert codes(water, outlet_code="DW001", pollutant="COD", unit="mg/L", concentration=2e6) == [
        ("concentration", "implausible")
    ]
    assert codes(water, outlet_code="DW001", pollutant="COD", unit="mg/L", concentration=80_000) == []
    assert codes(water, outlet_code="DW001", pollutant="COD", unit="mg/L", flow_m3=2e7) == [
        ("flow", "implausible")
    ]
