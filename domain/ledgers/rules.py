"""Pure rules of the ledger: units, plausibility, exceedances, completeness, actual emissions.

Sources: M48 §35 (ledger contents), §36 (actual emission quantity and its order of
methods), JN ch. 2 (2) (ledgers kept as a formality: items missing, frequency not met).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from domain.bounds import day_in_range, out_of_range
from domain.clock import CHINA
from domain.errors import N_, FieldError
from domain.permits.reference import Frequency, Medium

# Canonical units: air concentrations in mg/m³, water in mg/L, quantities in kg.
CONCENTRATION_FACTORS: dict[str, dict[str, float]] = {
    Medium.AIR: {"mg/m3": 1.0, "mg/m³": 1.0, "ug/m3": 0.001, "μg/m3": 0.001, "μg/m³": 0.001, "g/m3": 1000.0},
    Medium.WATER: {"mg/L": 1.0, "mg/l": 1.0, "ug/L": 0.001, "μg/L": 0.001, "g/L": 1000.0},
}
CANONICAL_UNIT = {Medium.AIR: "mg/m3", Medium.WATER: "mg/L"}
QUANTITY_FACTORS = {"kg": 1.0, "t": 1000.0, "g": 0.001}
FUTURE_TOLERANCE = timedelta(minutes=5)


# Physical plausibility (docs/reading-bounds.md): a value beyond these is a typing or unit error, or a
# hostile one, never a measurement. Concentrations in the canonical unit of the medium; a bound of a
# pollutant replaces its medium's. Air: nothing in a gas stream is denser than about 1 kg/m³ of it;
# water: a litre weighs 1,000,000 mg.
CONCENTRATION_BOUNDS: dict[str, tuple[float, float]] = {Medium.AIR: (0.0, 1e6), Medium.WATER: (0.0, 1e6)}
POLLUTANT_BOUNDS: dict[tuple[str, str], tuple[float, float]] = {
    (Medium.AIR, "SO2"): (0.0, 1e5),  # raw flue gas of high-sulphur coal stays below 2e4
    (Medium.AIR, "NOX"): (0.0, 5e4),
    (Medium.AIR, "PM"): (0.0, 1e5),  # dust load before a filter
    (Medium.AIR, "HG"): (0.0, 1e3),  # saturated mercury vapour at stack temperatures
    (Medium.AIR, "CRM"): (0.0, 1e3),
    (Medium.AIR, "DIOX"): (0.0, 1.0),  # limits are 1e-7 mg/m³ (0.1 ng TEQ/m³)
    (Medium.WATER, "PH"): (0.0, 14.0),
    (Medium.WATER, "HG"): (0.0, 1e3),
    (Medium.WATER, "CR6"): (0.0, 1e5),
    (Medium.WATER, "COLOR"): (0.0, 1e6),  # dilution multiple
    (Medium.WATER, "FCOLI"): (0.0, 1e12),  # count per litre
}
# One reading's flow (m³; an hour for automatic monitoring): the largest stacks pass about 5e6 m³/h,
# the largest sewage works about 5e6 m³ a day.
FLOW_BOUNDS: dict[str, float] = {Medium.AIR: 1e8, Medium.WATER: 1e7}
QUANTITY_MAX_KG = 1e7  # one reading's emitted quantity: 10,000 t


def concentration_bounds(pollutant: str, medium: str | None) -> tuple[float, float]:
    """The plausible range of a concentration in the canonical unit (fugitive sources: air)."""
    medium = medium or Medium.AIR
    return POLLUTANT_BOUNDS.get((medium, pollutant), CONCENTRATION_BOUNDS[Medium(medium)])


def _number_text(value: float) -> str:
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def to_canonical_concentration(value: float, unit: str, medium: str) -> tuple[float, str] | None:
    """Convert to the medium's canonical unit; None when the unit does not fit the medium."""
    if Medium(medium) == Medium.WATER and unit.strip() in ("dimensionless", "无量纲"):
        return value, "dimensionless"  # pH, colour: no unit to convert (the permit says so too)
    factors = CONCENTRATION_FACTORS.get(Medium(medium), {})
    factor = factors.get(unit.strip())
    if factor is None:
        return None
    return value * factor, CANONICAL_UNIT[Medium(medium)]


def canonical_unit(medium: str | None) -> str:
    return CANONICAL_UNIT[Medium(medium)] if medium else CANONICAL_UNIT[Medium.AIR]


def to_kg(value: float, unit: str) -> float | None:
    factor = QUANTITY_FACTORS.get(unit.strip())
    return None if factor is None else value * factor


DIMENSIONLESS = "dimensionless"  # 无量纲: pH and the like
DIMENSIONLESS_POLLUTANTS = frozenset({"PH"})  # measured without a unit, never in mg/L
UNITLESS_ALLOWED = frozenset({"PH", "COLOR"})  # colour (色度) is a dilution ratio (倍), also without a unit


def quantity_from_flow(concentration: float, flow_m3: float, medium: str) -> float:
    """kg emitted: mg/m³ × m³ = mg (air); mg/L × m³ = g per … × 1000 L/m³ (water)."""
    if medium == Medium.WATER:
        return concentration * flow_m3 * 1000 / 1_000_000
    return concentration * flow_m3 / 1_000_000


@dataclass(frozen=True)
class ReadingInput:
    """One monitoring result as typed or imported (before checks). ``None`` for a value that was not
    given (or could not be read: the face names that problem itself)."""

    outlet_code: str
    pollutant: str
    method: str
    measured_at: datetime | None
    concentration: float | None
    unit: str
    period_end: datetime | None = None
    flow_m3: float | None = None
    quantity: float | None = None
    quantity_unit: str = "kg"


@dataclass(frozen=True)
class CheckedReading:
    outlet_code: str
    pollutant: str
    method: str
    measured_at: datetime
    period_end: datetime
    concentration: float
    unit: str
    flow_m3: float | None
    quantity_kg: float | None


@dataclass(frozen=True)
class PointInfo:
    """What the permit says about one outlet: its medium and the pollutants it has limits for."""

    medium: str | None
    pollutants: frozenset[str]
    limits: dict[str, float]  # pollutant -> permitted concentration (canonical unit)
    annual_quantities: dict[str, float]  # pollutant -> permitted t/a


def check_reading(
    reading: ReadingInput, points: dict[str, PointInfo], now: datetime, prefix: str = ""
) -> tuple[CheckedReading | None, list[FieldError]]:
    """Refuse impossible values with a reason: negative or non-numeric concentrations, times in the
    future, an end before the start, a pollutant the outlet has no limit for, a unit that does not fit."""
    errors: list[FieldError] = []
    code = reading.outlet_code.strip().upper()
    pollutant = reading.pollutant.strip().upper()
    method = reading.method.strip().lower()  # codes are read as the file import and the form read them
    point = points.get(code)
    for name, given in (("outlet", code), ("pollutant", pollutant), ("method", method)):
        if not given:
            errors.append(FieldError(f"{prefix}{name}", "required", N_("This field is required.")))
    if code and point is None:
        errors.append(
            FieldError(
                f"{prefix}outlet",
                "unknown_point",
                N_("No outlet or fugitive source {code} in this permit."),
                {"code": code},
            )
        )
    elif point is not None and pollutant and pollutant not in point.pollutants:
        errors.append(
            FieldError(
                f"{prefix}pollutant",
                "unknown_pollutant_at_point",
                N_("{code} has no permitted limit for this pollutant."),
                {"code": code},
            )
        )
    if method and method not in ("automatic", "manual"):
        errors.append(
            FieldError(
                f"{prefix}method", "choice", N_("Choose one of: {choices}."), {"choices": "automatic, manual"}
            )
        )
    value = reading.concentration
    if value is None:
        errors.append(FieldError(f"{prefix}concentration", "required", N_("This field is required.")))
    elif not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(float(value)):
        errors.append(FieldError(f"{prefix}concentration", "type", N_("Expected a number.")))
        value = None  # type: ignore[assignment]
    elif value < 0:
        errors.append(
            FieldError(f"{prefix}concentration", "negative", N_("A concentration cannot be negative."))
        )
    default_span = timedelta(hours=1) if method == "automatic" else timedelta(minutes=1)
    if reading.measured_at is None:
        errors.append(FieldError(f"{prefix}measured_at", "required", N_("This field is required.")))
        measured = end = now  # nothing to compare the end with
    else:
        measured = aware(reading.measured_at)
        # Times at the calendar's ends (year 1, year 9999) would overflow the period arithmetic below.
        if not day_in_range(measured):
            errors.append(out_of_range(f"{prefix}measured_at"))
            measured = now
        if reading.period_end and not day_in_range(reading.period_end):
            errors.append(out_of_range(f"{prefix}period_end"))
            end = measured + default_span
        else:
            end = aware(reading.period_end) if reading.period_end else measured + default_span
        if measured > now + FUTURE_TOLERANCE:
            errors.append(FieldError(f"{prefix}measured_at", "future", N_("This time is in the future.")))
        if end <= measured:
            errors.append(
                FieldError(f"{prefix}period_end", "end_before_start", N_("The end is not after the start."))
            )
        elif end > now + FUTURE_TOLERANCE + default_span:
            errors.append(FieldError(f"{prefix}period_end", "future", N_("This time is in the future.")))
    canonical: tuple[float, str] | None = None
    if value is not None and not reading.unit.strip():
        errors.append(FieldError(f"{prefix}unit", "required", N_("This field is required.")))
    elif point is not None and point.medium and value is not None:
        canonical = to_canonical_concentration(float(value), reading.unit, point.medium)
        if canonical is None:
            allowed = ", ".join(sorted(CONCENTRATION_FACTORS[Medium(point.medium)]))
            if point.medium == Medium.WATER:
                allowed += ", dimensionless"
            errors.append(
                FieldError(
                    f"{prefix}unit", "unit", N_("The unit must be one of: {units}."), {"units": allowed}
                )
            )
    elif point is not None and value is not None:  # fugitive sources: ambient air
        canonical = to_canonical_concentration(float(value), reading.unit, Medium.AIR)
        if canonical is None:
            errors.append(
                FieldError(
                    f"{prefix}unit",
                    "unit",
                    N_("The unit must be one of: {units}."),
                    {"units": "mg/m3, μg/m3"},
                )
            )
    if canonical is not None and pollutant in DIMENSIONLESS_POLLUTANTS and canonical[1] != DIMENSIONLESS:
        # pH is a state of the water, not an amount: "7.2 mg/L" is a mistake in the file, not a reading.
        errors.append(
            FieldError(
                f"{prefix}unit", "unit_dimensionless", N_("pH has no unit: write 无量纲 (dimensionless).")
            )
        )
        canonical = None
    elif canonical is not None and pollutant not in UNITLESS_ALLOWED and canonical[1] == DIMENSIONLESS:
        errors.append(
            FieldError(
                f"{prefix}unit",
                "unit",
                N_("This pollutant is measured in {unit}, not without a unit."),
                {"unit": canonical_unit(point.medium if point else None)},
            )
        )
        canonical = None
    if canonical is not None and point is not None and value is not None and value >= 0:
        low, high = concentration_bounds(pollutant, point.medium)
        if not (math.isfinite(canonical[0]) and low <= canonical[0] <= high):
            unit = "" if canonical[1] == "dimensionless" else f" {canonical[1]}"
            errors.append(
                FieldError(
                    f"{prefix}concentration",
                    "implausible",
                    N_("Not a plausible value for this pollutant: accepted from {low} to {high}{unit}."),
                    {"low": _number_text(low), "high": _number_text(high), "unit": unit},
                )
            )
    medium = (point.medium if point is not None else None) or Medium.AIR
    if reading.flow_m3 is not None and (not math.isfinite(reading.flow_m3) or reading.flow_m3 < 0):
        errors.append(FieldError(f"{prefix}flow", "negative", N_("Must not be negative.")))
    elif reading.flow_m3 is not None and reading.flow_m3 > FLOW_BOUNDS[Medium(medium)]:
        errors.append(
            FieldError(
                f"{prefix}flow",
                "implausible",
                N_("Not a plausible flow: one reading holds at most {high} m³."),
                {"high": _number_text(FLOW_BOUNDS[Medium(medium)])},
            )
        )
    quantity_kg = None
    if reading.quantity is not None:
        quantity_kg = to_kg(reading.quantity, reading.quantity_unit)
        if quantity_kg is None:
            errors.append(
                FieldError(
                    f"{prefix}quantity_unit",
                    "unit",
                    N_("The unit must be one of: {units}."),
                    {"units": "kg, t, g"},
                )
            )
        elif not math.isfinite(quantity_kg) or quantity_kg < 0:
            errors.append(FieldError(f"{prefix}quantity", "negative", N_("Must not be negative.")))
        elif quantity_kg > QUANTITY_MAX_KG:
            errors.append(
                FieldError(
                    f"{prefix}quantity",
                    "implausible",
                    N_("Not a plausible quantity: one reading holds at most {high} kg."),
                    {"high": _number_text(QUANTITY_MAX_KG)},
                )
            )
    if errors or canonical is None or point is None:
        return None, errors
    concentration, unit = canonical
    if unit == DIMENSIONLESS:
        # pH and other dimensionless parameters are a state of the water, not an amount: no quantity
        # (HJ 944-2018 reports quantities for pollutants with a mass only).
        if quantity_kg is not None:
            return None, [
                FieldError(
                    f"{prefix}quantity",
                    "dimensionless_quantity",
                    N_("A dimensionless parameter such as pH has no emission quantity."),
                )
            ]
        return CheckedReading(
            code, pollutant, method, measured, end, concentration, unit, reading.flow_m3, None
        ), []
    if quantity_kg is None and reading.flow_m3 is not None:
        quantity_kg = quantity_from_flow(concentration, reading.flow_m3, point.medium or Medium.AIR)
    return CheckedReading(
        code, pollutant, method, measured, end, concentration, unit, reading.flow_m3, quantity_kg
    ), []


def aware(value: datetime) -> datetime:
    """A datetime read back without its zone (SQLite) is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


REASON_MAX = 500  # a void reason, a revision's note, a shutdown's reason: what the columns hold


def text_errors(name: str, value: str | None, *, limit: int, required: bool = True) -> list[FieldError]:
    """A text a person gives (a reason, a cause): required unless said otherwise, and never longer
    than ``limit`` once trimmed. Too long is refused, never cut."""
    text = (value or "").strip()
    if not text:
        return [FieldError(name, "required", N_("This field is required."))] if required else []
    if len(text) > limit:
        return [
            FieldError(
                name,
                "too_long",
                N_("At most {limit} characters (got {length})."),
                {"limit": limit, "length": len(text)},
            )
        ]
    return []


def merged(first: Sequence[FieldError], then: Sequence[FieldError]) -> list[FieldError]:
    """Every problem at once: ``first`` (what the caller found reading the input, e.g. a typed number
    that is not one), then those of ``then`` about fields ``first`` does not name."""
    taken = {error.field for error in first}
    return [*first, *(error for error in then if error.field not in taken)]


# ---------------------------------------------------------------------------
# Exceedances
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Episode:
    started_at: datetime
    ended_at: datetime
    count: int
    max_value: float


def exceedance_episodes(
    series: Iterable[tuple[datetime, datetime, float]], limit: float, *, max_gap: timedelta = timedelta(0)
) -> list[Episode]:
    """Runs of readings above the limit; readings closer than ``max_gap`` join one episode.

    ``series`` is (start, end, concentration), sorted by start. Equal to the limit is compliant.
    """
    episodes: list[Episode] = []
    current: Episode | None = None
    for start, end, value in series:
        if value <= limit:
            if current is not None:
                episodes.append(current)
                current = None
            continue
        if current is not None and start - current.ended_at <= max_gap:
            current = Episode(
                current.started_at,
                max(end, current.ended_at),
                current.count + 1,
                max(current.max_value, value),
            )
        else:
            if current is not None:
                episodes.append(current)
            current = Episode(start, end, 1, value)
    if current is not None:
        episodes.append(current)
    return episodes


# ---------------------------------------------------------------------------
# Completeness
# ---------------------------------------------------------------------------


def slot_of(moment: datetime, frequency: str, origin: datetime) -> int:
    """The index of the slot (hour, day, week, month, quarter, half-year, year) a moment falls into.

    Days, months and years are China calendar ones, whatever offset the times were given in.
    """
    moment = aware(moment).astimezone(CHINA)
    origin = aware(origin).astimezone(CHINA)
    if frequency in (Frequency.CONTINUOUS, Frequency.HOURLY):
        return int((moment - origin).total_seconds() // 3600)
    if frequency == Frequency.DAILY:
        return (moment.date() - origin.date()).days
    if frequency == Frequency.WEEKLY:
        return (moment.date() - origin.date()).days // 7
    months = (moment.year - origin.year) * 12 + moment.month - origin.month
    if frequency == Frequency.MONTHLY:
        return months
    if frequency == Frequency.QUARTERLY:
        return months // 3
    if frequency == Frequency.SEMIANNUAL:
        return months // 6
    return moment.year - origin.year


def slots_of(moments: Iterable[datetime], frequency: str, origin: datetime) -> set[int]:
    """The slots these moments fall into (``slot_of`` of each), the origin worked out once: a year of
    hourly readings is 8,760 moments, and a filing judges its period's coverage (issue 19)."""
    origin = aware(origin).astimezone(CHINA)
    if frequency in (Frequency.CONTINUOUS, Frequency.HOURLY):
        # The time between two instants does not depend on the offset either is written in.
        return {int((aware(moment) - origin).total_seconds() // 3600) for moment in moments}
    return {slot_of(moment, frequency, origin) for moment in moments}


@lru_cache(maxsize=4096)
def slot_count(start: datetime, end: datetime, frequency: str) -> int:
    """How many slots of this frequency the period [start, end) holds (a started slot counts). Remembered:
    the permits filing one period share their origins and ends (it depends on the instants alone)."""
    if end <= start:
        return 0
    return slot_of(end - timedelta(microseconds=1), frequency, start) + 1


@dataclass(frozen=True)
class Gap:
    requirement: str  # e.g. "monitoring DA001 SO2 continuous" or "production_facility daily"
    first_missing: datetime
    last_missing: datetime
    missing: int


@dataclass(frozen=True)
class RequirementCoverage:
    label: str
    kind: str
    frequency: str
    expected: int
    recorded: int
    gaps: list[Gap]


def slot_start(index: int, frequency: str, origin: datetime) -> datetime:
    origin = aware(origin).astimezone(CHINA)
    if frequency in (Frequency.CONTINUOUS, Frequency.HOURLY):
        return origin + timedelta(hours=index)
    if frequency == Frequency.DAILY:
        return origin + timedelta(days=index)
    if frequency == Frequency.WEEKLY:
        return origin + timedelta(days=7 * index)
    step = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.SEMIANNUAL: 6}.get(
        Frequency(frequency), 12
    )
    months = origin.month - 1 + index * step
    return origin.replace(year=origin.year + months // 12, month=months % 12 + 1, day=1)


def slot_floor(moment: datetime, frequency: str) -> datetime:
    """The start of the China-calendar slot a moment falls into (a quarterly sample taken in May counts
    for a view of June, since both lie in the same quarter)."""
    local = aware(moment).astimezone(CHINA)
    if frequency in (Frequency.CONTINUOUS, Frequency.HOURLY):
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if frequency == Frequency.DAILY:
        return day
    if frequency == Frequency.WEEKLY:
        return day - timedelta(days=day.weekday())
    span = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.SEMIANNUAL: 6}
    months = span.get(Frequency(frequency), 12)
    first_month = (day.month - 1) // months * months + 1
    return day.replace(month=first_month, day=1)


def excused_slots(
    frequency: str, origin: datetime, expected: int, shutdowns: Iterable[tuple[datetime, datetime]]
) -> set[int]:
    """The slots that lie wholly inside a shutdown (停产): no production, so no record is owed for them."""
    excused: set[int] = set()
    for first, after in shutdowns:
        low = slot_of(first, frequency, origin)
        if slot_start(low, frequency, origin) < aware(first).astimezone(CHINA) and low >= 0:
            low += 1  # the slot the shutdown begins in had production before it
        high = min(expected, slot_of(after, frequency, origin) if after < FAR_FUTURE else expected)
        excused.update(range(max(low, 0), high))
    return excused


FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


def china_day(moment: datetime) -> date:
    return aware(moment).astimezone(CHINA).date()


def shutdown_span(starts_on: date, ends_on: date | None) -> tuple[datetime, datetime]:
    """The instants a shutdown of China calendar days covers: from the midnight its first day begins to
    the midnight after its last (an open shutdown: until further notice)."""
    start = datetime.combine(starts_on, time(0), tzinfo=CHINA)
    if ends_on is None:
        return start, FAR_FUTURE
    return start, datetime.combine(ends_on + timedelta(days=1), time(0), tzinfo=CHINA)


def coverage(
    label: str,
    kind: str,
    frequency: str,
    start: datetime,
    end: datetime,
    recorded: Iterable[datetime],
    shutdowns: Iterable[tuple[datetime, datetime]] = (),
    *,
    gaps: bool = True,
) -> RequirementCoverage:
    """Compare the slots a requirement expects in [start, end) with the moments recorded; slots wholly
    inside a shutdown are neither expected nor gaps. ``gaps=False``: the counts alone (the ratio a
    filing is judged by), without walking the gaps."""
    slots = slot_count(start, end, frequency)
    excused = excused_slots(frequency, start, slots, shutdowns)
    filled = slots_of(recorded, frequency, start)
    filled = {slot for slot in filled if 0 <= slot < slots and slot not in excused}
    if not gaps:
        return RequirementCoverage(label, kind, frequency, slots - len(excused), len(filled), [])
    found: list[Gap] = []
    previous = -1
    # Walk the filled (and excused) slots only (a year of hourly slots is 8,760; the gaps lie between).
    for slot in [*sorted(filled | excused), slots]:
        if slot > previous + 1:
            found.append(
                Gap(
                    label,
                    slot_start(previous + 1, frequency, start),
                    slot_start(slot - 1, frequency, start),
                    slot - previous - 1,
                )
            )
        previous = slot
    return RequirementCoverage(label, kind, frequency, slots - len(excused), len(filled), found)


def completeness_ratio(items: Sequence[RequirementCoverage]) -> float:
    expected = sum(item.expected for item in items)
    return 1.0 if expected == 0 else sum(item.recorded for item in items) / expected


# ---------------------------------------------------------------------------
# Actual emission quantity (M48 §36)
# ---------------------------------------------------------------------------

AUTOMATIC_COVERAGE_REQUIRED = 0.75  # share of hours with valid automatic data for it to count


def choose_method(
    *, automatic_required: bool, automatic_coverage: float, has_manual: bool, has_factor: bool
) -> str:
    """Which figure counts: automatic monitoring where required and compliant; manual monitoring where
    automatic is not required; emission factors / material balance otherwise — including where automatic
    monitoring was required but missing or non-compliant (M48 §36)."""
    if automatic_required:
        if automatic_coverage >= AUTOMATIC_COVERAGE_REQUIRED:
            return "automatic"
        return "factor" if has_factor else "missing"
    if has_manual:
        return "manual"
    return "factor" if has_factor else "missing"
