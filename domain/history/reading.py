"""Reading a history file from the national platform (docs/integrators.md, "History from the national
platform"): JSON Lines, one record an object a line, each problem named by its line and field.

Pure functions of the file's bytes: no I/O. What a record's values mean (units, permits, dates against the
calendar) is the use case's (``domain.history.service``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from domain.bounds import EARLIEST_DAY, LATEST_DAY
from domain.errors import N_, FieldError
from domain.permits.service.imports import RowError

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_RECORDS = 50_000
MAX_PROBLEMS = 500  # listed; past this the file is refused with the count only
KINDS = ("permit_version", "application", "submission")


@dataclass(frozen=True)
class Record:
    row: int  # the line of the file (from 1)
    kind: str
    values: dict[str, Any]


def problem(row: int, error: FieldError) -> RowError:
    return RowError(row, error.field or "row", error.code, error.message, dict(error.params))


def _constant(name: str) -> float:
    raise ValueError(name)  # NaN and Infinity are not JSON numbers a platform exports


def _loose_text(value: Any, path: str, row: int, problems: list[RowError]) -> None:
    """Every text anywhere in a record: no NUL character (no database stores it in text, no platform
    exports it), and none that begins with '=' (a spreadsheet formula, a sign the export was tampered with
    or mangled on its way)."""
    if isinstance(value, str):
        if "\x00" in value:
            problems.append(
                RowError(
                    row, path, "nul", N_("This text contains a NUL character, which no text may hold."), {}
                )
            )
        elif value.lstrip().startswith("="):
            problems.append(
                RowError(
                    row,
                    path,
                    "formula",
                    N_("This text begins with '=' like a spreadsheet formula; write it without."),
                    {},
                )
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _loose_text(item, f"{path}.{key}" if path else str(key), row, problems)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _loose_text(item, f"{path}[{index}]", row, problems)


def read_records(data: bytes) -> tuple[list[Record], list[RowError]]:
    """The file's records and every problem of its form (row 0: the file as a whole)."""
    problems: list[RowError] = []
    if len(data) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        return [], [
            RowError(0, "file", "too_large", N_("The file is larger than {limit} MB."), {"limit": limit})
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(0, "file", "encoding", N_("The file is not UTF-8 text."), {})]
    records: list[Record] = []
    for row, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(records) >= MAX_RECORDS:
            problems.append(
                RowError(
                    row, "row", "too_many", N_("At most {limit} records a file."), {"limit": MAX_RECORDS}
                )
            )
            break
        if "\x00" in line:
            problems.append(
                RowError(
                    row, "row", "nul", N_("This text contains a NUL character, which no text may hold."), {}
                )
            )
            continue
        try:
            value = json.loads(line, parse_constant=_constant)
        except (ValueError, RecursionError):
            problems.append(RowError(row, "row", "json", N_("This line is not a JSON object."), {}))
            continue
        if not isinstance(value, dict):
            problems.append(RowError(row, "row", "json", N_("This line is not a JSON object."), {}))
            continue
        kind = value.get("type")
        if kind not in KINDS:
            problems.append(
                RowError(
                    row,
                    "type",
                    "choice",
                    N_("The type must be one of: {choices}."),
                    {"choices": ", ".join(KINDS)},
                )
            )
            continue
        found: list[RowError] = []
        _loose_text(value, "", row, found)
        problems.extend(found)
        if not found:
            records.append(Record(row, kind, value))
    if not records and not problems:
        problems.append(RowError(0, "file", "required", N_("The file contains no records."), {}))
    return records, problems


def text(
    values: dict[str, Any], name: str, errors: list[FieldError], *, limit: int, required: bool = True
) -> str:
    raw = values.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            errors.append(FieldError(name, "required", N_("This field is required.")))
        return ""
    if not isinstance(raw, str):
        errors.append(FieldError(name, "type", N_("Expected a text.")))
        return ""
    value = raw.strip()
    if len(value) > limit:
        errors.append(
            FieldError(
                name,
                "too_long",
                N_("At most {limit} characters (got {length})."),
                {"limit": limit, "length": len(value)},
            )
        )
        return ""
    return value


def day(
    values: dict[str, Any], name: str, errors: list[FieldError], *, latest: date, required: bool = True
) -> date | None:
    """A date as YYYY-MM-DD, between 1900-01-01 and ``latest``."""
    raw = values.get(name)
    if raw is None or raw == "":
        if required:
            errors.append(FieldError(name, "required", N_("This field is required.")))
        return None
    try:
        if not isinstance(raw, str) or len(raw.strip()) != 10:
            raise ValueError(raw)
        value = date.fromisoformat(raw.strip())
    except ValueError:
        errors.append(FieldError(name, "date", N_("Expected a date as YYYY-MM-DD.")))
        return None
    if not EARLIEST_DAY <= value <= min(latest, LATEST_DAY):
        errors.append(
            FieldError(
                name,
                "date_range",
                N_("Enter a date between {earliest} and {latest}."),
                {"earliest": EARLIEST_DAY.isoformat(), "latest": min(latest, LATEST_DAY).isoformat()},
            )
        )
        return None
    return value


def moment(
    values: dict[str, Any], name: str, errors: list[FieldError], *, latest: datetime, required: bool = True
) -> datetime | None:
    """A time as ISO 8601 with its offset (2024-10-15T09:30:00+08:00), between 1900 and ``latest``; kept
    to the second, in UTC."""
    raw = values.get(name)
    if raw is None or raw == "":
        if required:
            errors.append(FieldError(name, "required", N_("This field is required.")))
        return None
    try:
        if not isinstance(raw, str) or len(raw) > 40:
            raise ValueError(raw)
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        errors.append(
            FieldError(
                name, "datetime", N_("Expected a time as 2024-10-15T09:30:00+08:00 (with its offset).")
            )
        )
        return None
    if value.tzinfo is None:
        errors.append(
            FieldError(
                name, "datetime", N_("Expected a time as 2024-10-15T09:30:00+08:00 (with its offset).")
            )
        )
        return None
    if not EARLIEST_DAY <= value.date() <= LATEST_DAY or value > latest:
        errors.append(
            FieldError(
                name,
                "date_range",
                N_("Enter a date between {earliest} and {latest}."),
                {"earliest": EARLIEST_DAY.isoformat(), "latest": latest.date().isoformat()},
            )
        )
        return None
    return value.astimezone(UTC).replace(microsecond=0)


def whole(values: dict[str, Any], name: str, errors: list[FieldError], *, largest: int) -> int | None:
    raw = values.get(name)
    if (
        isinstance(raw, bool)
        or not isinstance(raw, int | float)
        or isinstance(raw, float)
        and (not math.isfinite(raw) or not raw.is_integer())
    ):
        errors.append(FieldError(name, "type", N_("Expected a whole number.")))
        return None
    if not 1 <= raw <= largest:
        errors.append(
            FieldError(name, "range", N_("Expected a number from 1 to {largest}."), {"largest": largest})
        )
        return None
    return int(raw)


def choice(values: dict[str, Any], name: str, errors: list[FieldError], choices: tuple[str, ...]) -> str:
    raw = values.get(name)
    if raw not in choices:
        errors.append(
            FieldError(
                name, "choice", N_("The value must be one of: {choices}."), {"choices": ", ".join(choices)}
            )
        )
        return ""
    return str(raw)
