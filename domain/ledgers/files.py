"""Monitoring data files (CSV or XLSX) → readings, with errors that name row and column.

Columns (header row, Chinese or English names accepted):
permit_number 许可证编号 | outlet 排放口编号 | pollutant 污染物代码 | method 监测方式 (automatic/manual)
| measured_at 监测时间 (ISO 8601; China time when no offset is given) | period_end 结束时间 (optional)
| concentration 浓度 | unit 单位 | flow_m3 流量 (optional) | quantity_kg 排放量kg (optional)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from domain.bounds import OutOfRange, in_range, out_of_range
from domain.clock import CHINA
from domain.errors import N_, FieldError, ValidationFailed
from domain.ledgers.rules import ReadingInput
from domain.spreadsheets import check_workbook

COLUMNS = {
    "permit_number": ("permit_number", "许可证编号"),
    "outlet": ("outlet", "排放口编号"),
    "pollutant": ("pollutant", "污染物代码"),
    "method": ("method", "监测方式"),
    "measured_at": ("measured_at", "监测时间"),
    "period_end": ("period_end", "结束时间"),
    "concentration": ("concentration", "浓度"),
    "unit": ("unit", "单位"),
    "flow_m3": ("flow_m3", "流量"),
    "quantity_kg": ("quantity_kg", "排放量kg"),
}
REQUIRED = ("permit_number", "outlet", "pollutant", "method", "measured_at", "concentration", "unit")
MAX_ERRORS = 200
# Rows read from one file, blank ones included, counted as they stream in: the reading stops at the
# first row past it (``service/readings.MAX_BATCH`` readings are the most one import may write anyway).
MAX_ROWS = 50_000


@dataclass(frozen=True)
class FileReading:
    row: int
    permit_number: str
    reading: ReadingInput


def parse_time(value: object) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).strip().replace("/", "-"))
    in_range(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)


def _rows(name: str, data: bytes) -> Iterator[tuple[int, list[object]]]:
    if name.lower().endswith(".xlsx"):
        # calamine (Rust) reads a 50,000-row sheet in about 1 s where openpyxl's read-only mode takes
        # about 15 s on this kind of machine (README, security); its XML reader expands no entities.
        # It loads the first sheet whole, which check_workbook has bounded to MAX_UNPACKED_BYTES.
        from python_calamine import CalamineWorkbook

        check_workbook(data)
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        for index, values in enumerate(sheet.iter_rows(), start=1):  # rows count from the sheet's first
            yield index, list(values)
        return
    text = data.decode("utf-8-sig")
    for line, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        yield line, list(cells)


def _bounded(rows: Iterator[tuple[int, list[object]]]) -> Iterator[tuple[int, list[object]]]:
    """The rows, refused at the first past ``MAX_ROWS``; a file that breaks midway is unreadable."""
    while True:
        try:
            item = next(rows, None)
        except ValidationFailed:
            raise
        except Exception:  # noqa: BLE001 - damaged XML, a NUL in a CSV line: the file's problem, not a crash
            raise ValidationFailed(
                [FieldError("file", "unreadable", N_("The file cannot be read."))]
            ) from None
        if item is None:
            return
        if item[0] > MAX_ROWS + 1:  # the header row and MAX_ROWS rows
            raise ValidationFailed(
                [
                    FieldError(
                        "file",
                        "too_many_rows",
                        N_("The file has more than {limit} rows. Split it into smaller files."),
                        {"limit": MAX_ROWS},
                    )
                ]
            )
        yield item


def read_readings(
    name: str, data: bytes, *, progress: Callable[[int], None] | None = None
) -> list[FileReading]:
    """Parse a whole file; any bad cell refuses the file with row and column named (nothing is written)."""
    if not name.lower().endswith((".csv", ".xlsx")):
        raise ValidationFailed([FieldError("file", "file_type", N_("Upload a .csv or .xlsx file."))])
    errors: list[FieldError] = []
    readings: list[FileReading] = []
    positions: dict[str, int] = {}
    rows = _bounded(_rows(name, data))
    first = next(rows, None)
    if first is None:
        raise ValidationFailed([FieldError("file", "empty", N_("The file is empty."))])
    header = [str(cell or "").strip() for cell in first[1]]
    for key, names in COLUMNS.items():
        for position, title in enumerate(header):
            if title in names:
                positions[key] = position
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in positions]
    if missing:
        raise ValidationFailed(
            [
                FieldError(
                    "file", "columns", N_("Missing columns: {columns}."), {"columns": ", ".join(missing)}
                )
            ]
        )
    for row_number, values in rows:
        if not any(value not in (None, "") for value in values):
            continue

        def cell(key: str, values: list[object] = values) -> object:
            position = positions.get(key)
            return values[position] if position is not None and position < len(values) else None

        problems: list[FieldError] = []
        numbers: dict[str, float | None] = {}
        for key in ("concentration", "flow_m3", "quantity_kg"):
            raw = cell(key)
            if raw in (None, ""):
                numbers[key] = None
                if key == "concentration":
                    problems.append(
                        FieldError(f"row {row_number}: {key}", "required", N_("This field is required."))
                    )
                continue
            try:
                numbers[key] = float(str(raw).strip())
            except ValueError:
                problems.append(FieldError(f"row {row_number}: {key}", "type", N_("Expected a number.")))
        times: dict[str, datetime | None] = {}
        for key in ("measured_at", "period_end"):
            raw = cell(key)
            if raw in (None, ""):
                times[key] = None
                if key == "measured_at":
                    problems.append(
                        FieldError(f"row {row_number}: {key}", "required", N_("This field is required."))
                    )
                continue
            try:
                times[key] = parse_time(raw)
            except OutOfRange:
                problems.append(out_of_range(f"row {row_number}: {key}"))
            except ValueError:
                problems.append(
                    FieldError(f"row {row_number}: {key}", "date", N_("Expected a date and time."))
                )
        if problems:
            errors.extend(problems)
            if len(errors) >= MAX_ERRORS:
                break
            continue
        measured_at = times["measured_at"]
        concentration = numbers["concentration"]
        assert measured_at is not None and concentration is not None
        readings.append(
            FileReading(
                row=row_number,
                permit_number=str(cell("permit_number") or "").strip().upper(),
                reading=ReadingInput(
                    outlet_code=str(cell("outlet") or ""),
                    pollutant=str(cell("pollutant") or ""),
                    method=str(cell("method") or "").strip().lower(),
                    measured_at=measured_at,
                    period_end=times["period_end"],
                    concentration=concentration,
                    unit=str(cell("unit") or ""),
                    flow_m3=numbers["flow_m3"],
                    quantity=numbers["quantity_kg"],
                    quantity_unit="kg",
                ),
            )
        )
        if progress is not None and len(readings) % 5000 == 0:
            progress(len(readings))
    if errors:
        raise ValidationFailed(errors)
    return readings


def relabel(errors: list[FieldError], batch: list[FileReading]) -> list[FieldError]:
    """Turn ``readings[i].field`` from the use case into ``row N: field`` of the file."""
    relabelled = []
    for error in errors:
        field = error.field or ""
        if field.startswith("readings["):
            index = int(field[len("readings[") : field.index("]")])
            rest = field[field.index("]") + 2 :]
            field = f"row {batch[index].row}: {rest}"
        relabelled.append(FieldError(field, error.code, error.message, error.params))
    return relabelled
