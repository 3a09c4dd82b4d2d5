"""Monitoring data files (CSV or XLSX) → readings, with errors that name row and column.

Files come as Chinese offices save them: a CSV in UTF-8 or in GBK/GB18030 (Excel on Chinese Windows;
``domain.spreadsheets.decode_csv`` tells them apart), or an XLSX. Columns (header row, Chinese or English
names accepted, see ``COLUMNS``):
permit_number 许可证编号 | outlet 排放口编号 | pollutant 污染物 (its name, 化学需氧量, or its code, COD) |
method 监测方式 (自动监测/手工监测 or automatic/manual) | measured_at 监测时间 (ISO 8601 or 2026/11/02 08:00;
China time when no offset is given) | period_end 结束时间 (optional) | concentration 浓度 | unit 单位
(mg/m3, mg/L, 无量纲 …) | flow_m3 流量 (optional) | quantity_kg 排放量kg (optional)

Every problem of the file is listed at once (up to ``MAX_ERRORS``), by row and column: the cells that cannot
be read here, then what the use case finds in the rows that could (``import_readings``).
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
from domain.ledgers.rules import CONCENTRATION_FACTORS, ReadingInput
from domain.permits.reference import POLLUTANTS
from domain.spreadsheets import check_workbook, decode_csv

# Each column: its English name, the Chinese heading the template writes, then other headings people use.
COLUMNS = {
    "permit_number": ("permit_number", "许可证编号", "排污许可证编号", "许可证号"),
    "outlet": ("outlet", "排放口编号", "排放口", "排口编号", "监测点位"),
    "pollutant": ("pollutant", "污染物", "污染物代码", "污染物名称", "监测项目", "监测因子"),
    "method": ("method", "监测方式", "监测方法类型"),
    "measured_at": ("measured_at", "监测时间", "采样时间", "开始时间", "监测日期"),
    "period_end": ("period_end", "结束时间"),
    "concentration": ("concentration", "浓度", "实测浓度", "监测浓度", "浓度值"),
    "unit": ("unit", "单位", "浓度单位", "计量单位"),
    "flow_m3": ("flow_m3", "流量", "流量(m3)", "流量（m3）", "废气流量", "废水流量"),
    "quantity_kg": ("quantity_kg", "排放量kg", "排放量(kg)", "排放量（kg）", "排放量"),
}
# Values as Chinese offices write them, read as the codes the ledger keeps (case and spaces ignored).
METHOD_WORDS = {
    "automatic": "automatic",
    "auto": "automatic",
    "自动监测": "automatic",
    "自动": "automatic",
    "在线监测": "automatic",
    "在线": "automatic",
    "manual": "manual",
    "手工监测": "manual",
    "手工": "manual",
    "人工监测": "manual",
}
POLLUTANT_WORDS = {
    word.strip().casefold(): code
    for code, pollutant in POLLUTANTS.items()
    for word in (code, pollutant.name_zh, pollutant.name_en)
}
UNIT_WORDS = {
    **{unit.casefold(): unit for factors in CONCENTRATION_FACTORS.values() for unit in factors},
    "无量纲": "dimensionless",
    "dimensionless": "dimensionless",
    "mg/nm3": "mg/m3",
    "mg/l": "mg/L",
}


def known_word(words: dict[str, str], value: object) -> str:
    """The code a cell's word stands for; the cell itself (trimmed) when it is not a known word, so the
    use case names what it does not know."""
    text = str(value or "").strip()
    return words.get(text.casefold().replace(" ", ""), words.get(text.casefold(), text))


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


@dataclass(frozen=True)
class ParsedFile:
    """The rows of a file that could be read, and the problems of those that could not (``row N: column``)."""

    readings: list[FileReading]
    errors: list[FieldError]


# How Excel on Chinese Windows writes a time when it saves a CSV, besides ISO 8601.
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H时",
    "%Y年%m月%d日 %H时",
    "%Y年%m月%d日",
)


def parse_time(value: object) -> datetime:
    """A cell's time: a spreadsheet's own time, ISO 8601, or 2026/11/2 8:00 and 2026年11月2日 8:00 as
    Chinese Excel writes them; China time when it names no offset."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = " ".join(str(value).split()).replace("/", "-")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            for form in TIME_FORMATS:
                try:
                    moment = datetime.strptime(text, form)
                    break
                except ValueError:
                    continue
            else:
                raise
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
    text = decode_csv(data)
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


def read_readings(name: str, data: bytes, *, progress: Callable[[int], None] | None = None) -> ParsedFile:
    """Parse a whole file: the readable rows and every unreadable cell's problem, by row and column. A file
    that cannot be read at all (type, encoding, damage, no header, missing columns) is refused here."""
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
            if title.replace(" ", "").casefold() in {name.casefold() for name in names}:
                positions.setdefault(key, position)
    missing = [f"{COLUMNS[key][1]} ({COLUMNS[key][0]})" for key in REQUIRED if key not in positions]
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
            continue  # the row's other cells are checked by the use case only once it can be read
        measured_at = times["measured_at"]
        concentration = numbers["concentration"]
        assert measured_at is not None and concentration is not None
        readings.append(
            FileReading(
                row=row_number,
                permit_number=str(cell("permit_number") or "").strip().upper(),
                reading=ReadingInput(
                    outlet_code=str(cell("outlet") or "").strip(),
                    pollutant=known_word(POLLUTANT_WORDS, cell("pollutant")),
                    method=known_word(METHOD_WORDS, cell("method")),
                    measured_at=measured_at,
                    period_end=times["period_end"],
                    concentration=concentration,
                    unit=known_word(UNIT_WORDS, cell("unit")),
                    flow_m3=numbers["flow_m3"],
                    quantity=numbers["quantity_kg"],
                    quantity_unit="kg",
                ),
            )
        )
        if progress is not None and len(readings) % 5000 == 0:
            progress(len(readings))
    return ParsedFile(readings, errors[:MAX_ERRORS])


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
