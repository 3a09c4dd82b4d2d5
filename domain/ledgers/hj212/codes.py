"""What a station's values mean for the ledger, pure (docs/integrators.md, "What is kept").

Pollutant codes of HJ 212-2017 annex B (and the few 2005 codes still in the field) mapped to the
platform's pollutant codes (``domain.permits.reference.POLLUTANTS``); a station's registration may
override the table (``overrides``: code -> pollutant, or "" to ignore a code). Auxiliary parameters
(flow, temperature, pressure, oxygen, humidity, velocity…) are known and not kept as readings; flow's
total (``-Cou`` of a00000 / w00000, m³) becomes the readings' flow. A code that is neither is unknown and
the packet is refused, so nothing is guessed.

Which value: for air the converted concentration (``ZsAvg``/``ZsRtd``, at the standard's reference oxygen,
what emission limits are written for) when the station sends it, else the measured one (``Avg``/``Rtd``);
the emitted quantity (``-Cou``) in kg. A value whose ``-Flag`` is not ``N`` (normal) is not valid
monitoring data (F stopped, M maintenance, S set by hand, D fault, C calibration, T over range,
B communication) and is not kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.ledgers.hj212.protocol import DAILY, HOURLY, MINUTE, REALTIME, Packet
from domain.ledgers.rules import ReadingInput
from domain.permits.reference import Medium

POLLUTANT_CODES: dict[str, str] = {
    # air (HJ 212-2017 table B.2)
    "a21026": "SO2",
    "a21002": "NOX",
    "a34013": "PM",
    "a21001": "NH3",
    "a21028": "H2S",
    "a21024": "HCL",
    "a24088": "NMHC",
    # water (table B.1)
    "w01001": "PH",
    "w01018": "COD",
    "w01017": "BOD5",
    "w01012": "SS",
    "w21003": "NH3N",
    "w21001": "TN",
    "w21011": "TP",
    "w20111": "HG",
    "w20117": "CR6",
    "w20116": "TCR",
    "w20121": "NI",
    "w20122": "CU",
    "w20123": "ZN",
    "w21016": "CN",
    "w22001": "OIL",
    "w23002": "VOLPH",
    "w21019": "S2",
    # HJ/T 212-2005 codes
    "01": "PM",
    "02": "SO2",
    "03": "NOX",
    "011": "COD",
    "060": "NH3N",
    "001": "PH",
}
FLOW_CODES = frozenset({"a00000", "w00000", "B01", "B02"})
AUXILIARY_CODES = frozenset(
    {
        *FLOW_CODES,
        "a01011",  # flue gas velocity
        "a01012",  # flue gas temperature
        "a01013",  # flue gas pressure
        "a01014",  # flue gas humidity
        "a01015",  # duct cross-section
        "a01016",  # flue gas dynamic pressure
        "a01017",
        "a19001",  # oxygen
        "a21003",  # NO (part of NOx)
        "a21004",  # NO2 (part of NOx)
        "a21005",  # CO
        "w01010",  # water temperature
        "S01",  # 2005: oxygen
        "S02",  # velocity
        "S03",  # temperature
        "S05",  # humidity
        "S08",  # pressure
    }
)
# How long a value of each command stands for in the ledger (minute data: the station's interval).
PERIODS = {REALTIME: None, MINUTE: None, HOURLY: timedelta(hours=1), DAILY: timedelta(days=1)}
LEDGER_DATA = {"hourly": HOURLY, "minute": MINUTE}
VALID_FLAG = "N"


@dataclass(frozen=True)
class Mapped:
    """A packet's values as ledger readings, and the codes nobody knows."""

    readings: list[ReadingInput]
    unknown_codes: list[str]
    skipped: int  # values flagged invalid, or with nothing to read


def pollutant_of(code: str, overrides: Mapping[str, str]) -> str | None:
    """The platform's pollutant for a code ("" for an ignored one), or None when unknown."""
    if code in overrides:
        return overrides[code]
    if code in POLLUTANT_CODES:
        return POLLUTANT_CODES[code]
    return "" if code in AUXILIARY_CODES else None


def _number(text: str | None) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        return None


def readings_of(
    packet: Packet,
    *,
    outlet_code: str,
    medium: str | None,
    overrides: Mapping[str, str],
    span: timedelta,
) -> Mapped:
    """The readings a data packet carries for one outlet (start ``DataTime``, length ``span``)."""
    unknown: list[str] = []
    readings: list[ReadingInput] = []
    skipped = 0
    start: datetime | None = packet.data_time
    realtime = packet.cn == REALTIME
    flow = None
    for code in FLOW_CODES:
        if code in packet.values:
            flow = _number(packet.values[code].get("Cou"))
    for code, items in packet.values.items():
        pollutant = pollutant_of(code, overrides)
        if pollutant is None:
            unknown.append(code)
            continue
        if not pollutant:
            continue
        if items.get("Flag", VALID_FLAG) != VALID_FLAG:
            skipped += 1
            continue
        names: tuple[str, ...] = ("ZsRtd", "Rtd") if realtime else ("ZsAvg", "Avg")
        if medium != Medium.AIR:
            names = names[1:]
        value_text = next((items[name] for name in names if name in items), None)
        value = _number(value_text)
        if value_text is None:
            skipped += 1
            continue
        unit = "dimensionless" if pollutant == "PH" else ("mg/L" if medium == Medium.WATER else "mg/m3")
        quantity = None if realtime else _number(items.get("Cou"))
        readings.append(
            ReadingInput(
                outlet_code=outlet_code,
                pollutant=pollutant,
                method="automatic",
                measured_at=start,
                # A text that is no number reaches the ledger's checks as NaN: "Expected a number."
                concentration=value if value is not None else float("nan"),
                unit=unit,
                period_end=start + span if start is not None else None,
                flow_m3=flow,
                quantity=quantity if pollutant != "PH" else None,
                quantity_unit="kg",
            )
        )
    return Mapped(readings, sorted(unknown), skipped)
