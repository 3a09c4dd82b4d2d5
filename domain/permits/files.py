"""Files of permits issued on the national platform (JSON or XLSX) → import records.

The format is documented field by field in ``web_templates/static/examples/README.md``;
the example files beside it import as they are.

- JSON: a list of permit objects, each in the shape ``service.import_permits`` takes.
- XLSX: one sheet per table, joined by the permit number. The first row of each sheet
  names its columns in Chinese, in English, or both (``许可证编号 number``); sheet names
  may likewise be English or Chinese. Choices may be written as codes (``key``, ``air``)
  or as their Chinese labels (``重点管理``, ``废气``).

Every problem names where to fix it: ``limits!E12 (unit)`` for a workbook (sheet,
cell, column), ``rows[3].content.outlets[0].code`` for JSON (the 3rd permit of the list).
Errors found by the import use case (a wrong unit, an unknown enterprise) are mapped
back to the sheet cell the value came from.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, require
from domain.errors import N_, FieldError, ValidationFailed
from domain.permits.models import Permit
from domain.permits.reference import LABELS_ZH, POLLUTANTS, Frequency, LedgerRecordKind
from domain.permits.service import ImportFailed, import_permits
from domain.spreadsheets import append_row, check_workbook

Progress = Callable[[int, int], None]

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS_PER_SHEET = 100_000
MAX_PROBLEMS = 500
IMPORT_BATCH = 200


# ---------------------------------------------------------------------------
# Problems and the error that carries them
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileProblem:
    """One thing to fix in the file, with where it is: sheet and cell, or position in the JSON list."""

    sheet: str  # "" for JSON and for the file as a whole
    row: int | None  # the sheet row (XLSX) or the permit's position in the list (JSON), 1-based
    cell: str  # "E12" (XLSX) or ""
    field: str  # the column ("unit 单位") or the JSON path ("content.outlets[0].code")
    code: str
    message: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)

    @property
    def location(self) -> str:
        if self.sheet:
            return f"{self.sheet}!{self.cell}" if self.cell else f"{self.sheet}!{self.row}"
        if self.row is not None:
            return f"rows[{self.row}].{self.field}" if self.field else f"rows[{self.row}]"
        return self.field or "file"


class PermitFileRejected(ValidationFailed):
    """The file cannot be imported as it is; nothing was written. ``problems`` say where and why."""

    code = "file_rejected"

    def __init__(self, problems: list[FileProblem], *, total: int | None = None) -> None:
        super().__init__(
            [
                FieldError(
                    f"{p.location} ({p.field})" if p.sheet and p.field else p.location,
                    p.code,
                    p.message,
                    p.params,
                )
                for p in problems
            ]
        )
        self.problems = problems
        self.total = total if total is not None else len(problems)


def _whole_file(code: str, message: str, **params: Any) -> PermitFileRejected:
    return PermitFileRejected([FileProblem("", None, "", "file", code, message, params)])


# ---------------------------------------------------------------------------
# The workbook layout
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    kind: str = "text"  # text | date | number | bool | choice | list
    required: bool = False
    choices: dict[str, str] | None = None  # Chinese label (or alias) → code

    @property
    def header(self) -> str:
        return f"{self.zh} {self.key}"


@dataclass(frozen=True)
class Sheet:
    key: str
    zh: str
    columns: tuple[Column, ...]
    required: bool = False

    def column(self, key: str) -> Column | None:
        for column in self.columns:
            if column.key == key:
                return column
        return None


def _labels(values: list[str], **extra: str) -> dict[str, str]:
    """Chinese label → code for some values of ``reference.LABELS_ZH``, plus aliases."""
    mapping = {LABELS_ZH[value]: value for value in values if value in LABELS_ZH}
    mapping.update(extra)
    return mapping


CATEGORY = {"重点管理": "key", "简化管理": "simplified", "重点": "key", "简化": "simplified"}
MEDIUM = {"废气": "air", "废水": "water", "大气": "air", "水": "water"}
OUTLET_KIND = {
    "主要排放口": "main",
    "一般排放口": "general",
    "特殊排放口": "special",
    "主要": "main",
    "一般": "general",
    "特殊": "special",
}
FREQUENCY = _labels(
    [f.value for f in Frequency], 连续="continuous", 自动="continuous", 每天="daily", 每季="quarterly"
)
METHOD = {"自动监测": "automatic", "手工监测": "manual", "自动": "automatic", "手工": "manual"}
LEDGER_KIND = _labels([k.value for k in LedgerRecordKind])
REPORT_KIND = {
    "月报": "monthly",
    "季报": "quarterly",
    "半年报": "semiannual",
    "年报": "annual",
    "月度执行报告": "monthly",
    "季度执行报告": "quarterly",
    "半年执行报告": "semiannual",
    "年度执行报告": "annual",
}
SECTION = {"生产设施": "production_facilities", "产品": "products", "污染防治设施": "control_facilities"}
UNIT = {"mg/m³": "mg/m3", "mg/m^3": "mg/m3", "mg/nm3": "mg/m3", "mg/l": "mg/L", "无量纲": "dimensionless"}
POLLUTANT_BY_NAME = {p.name_zh: p.code for p in POLLUTANTS.values()}

PERMIT_NUMBER = Column("permit_number", "许可证编号", required=True)
POINT = Column("point", "排放口编号", required=True)
POLLUTANT = Column("pollutant", "污染物", required=True)
CONCENTRATION = Column("concentration_limit", "许可排放浓度", "number", required=True)
UNIT_COLUMN = Column("unit", "单位", required=True)

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "permits",
        "许可证",
        (
            Column("number", "许可证编号", required=True),
            Column("enterprise_credit_code", "统一社会信用代码", required=True),
            Column("category", "管理类别", "choice", required=True, choices=CATEGORY),
            Column("issuing_authority", "发证机关", required=True),
            Column("decision_date", "许可决定日期", "date", required=True),
            Column("valid_until", "有效期缩短至", "date"),
            Column("validity_cut_reason", "缩短理由"),
            Column("renewed", "是否延续", "bool"),
            Column("report_kinds", "执行报告", "list", required=True, choices=REPORT_KIND),
            Column("commitments", "承诺"),
            Column("secret_sections", "商业秘密部分", "list", choices=SECTION),
        ),
        required=True,
    ),
    Sheet(
        "outlets",
        "排放口",
        (
            PERMIT_NUMBER,
            Column("code", "排放口编号", required=True),
            Column("name", "排放口名称", required=True),
            Column("medium", "类别", "choice", required=True, choices=MEDIUM),
            Column("kind", "排放口类型", "choice", required=True, choices=OUTLET_KIND),
            Column("location", "位置"),
            Column("longitude", "经度", "number"),
            Column("latitude", "纬度", "number"),
            Column("direction", "排放去向"),
            Column("height_m", "排气筒高度m", "number"),
            Column("online_monitoring", "自动监测", "bool"),
        ),
        required=True,
    ),
    Sheet(
        "limits",
        "许可限值",
        (
            PERMIT_NUMBER,
            POINT,
            POLLUTANT,
            CONCENTRATION,
            UNIT_COLUMN,
            Column("annual_quantity_limit", "许可年排放量t/a", "number"),
            Column("standard", "执行标准"),
        ),
        required=True,
    ),
    Sheet(
        "fugitive_sources",
        "无组织排放源",
        (
            PERMIT_NUMBER,
            Column("code", "编号", required=True),
            Column("name", "名称", required=True),
            Column("location", "位置"),
        ),
    ),
    Sheet(
        "monitoring",
        "自行监测",
        (
            PERMIT_NUMBER,
            Column("point", "监测点位", required=True),
            POLLUTANT,
            Column("frequency", "监测频次", "choice", required=True, choices=FREQUENCY),
            Column("method", "监测方式", "choice", required=True, choices=METHOD),
        ),
    ),
    Sheet(
        "ledger_records",
        "台账记录",
        (
            PERMIT_NUMBER,
            Column("kind", "记录内容", "choice", required=True, choices=LEDGER_KIND),
            Column("frequency", "记录频次", "choice", required=True, choices=FREQUENCY),
        ),
    ),
    Sheet(
        "special_period_limits",
        "特殊时段限值",
        (
            PERMIT_NUMBER,
            Column("period", "时段", required=True),
            POINT,
            POLLUTANT,
            CONCENTRATION,
            UNIT_COLUMN,
        ),
    ),
    Sheet(
        "facilities",
        "设施与产品",
        (
            PERMIT_NUMBER,
            Column("section", "类型", "choice", required=True, choices=SECTION),
            Column("name", "名称", required=True),
            Column("capacity", "规模"),
            Column("process", "工艺"),
            Column("remark", "备注"),
        ),
    ),
)
SHEET_BY_KEY = {sheet.key: sheet for sheet in SHEETS}
FACILITY_KEYS = ("name", "capacity", "process", "remark")
YES = {"true", "yes", "y", "1", "是", "有", "√", "x"}
NO = {"false", "no", "n", "0", "否", "无", ""}
DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def _parts(text: str) -> set[str]:
    """The names a header or sheet title gives: '许可证编号 number' → {'许可证编号', 'number', …}."""
    text = text.strip()
    parts = {p for p in re.split(r"[\s/|()（）:：,，]+", text) if p}
    return {text.lower(), *(p.lower() for p in parts)}


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


@dataclass
class RecordSource:
    """Where a record's parts came from: item path ("", "content.outlets[0]") → (sheet title, row)."""

    items: dict[str, tuple[str, int]] = dataclass_field(default_factory=dict)


@dataclass
class PermitFile:
    """The records of a file and, for a workbook, where each value came from."""

    kind: str  # "json" or "xlsx"
    records: list[dict[str, Any]]
    sources: list[RecordSource] = dataclass_field(default_factory=list)
    # sheet title → column key → column letter
    columns: dict[str, dict[str, str]] = dataclass_field(default_factory=dict)
    sheet_keys: dict[str, str] = dataclass_field(default_factory=dict)  # sheet title → layout key

    def locate(self, index: int, path: str, error: FieldError) -> FileProblem:
        """A problem the import found in record ``index`` (0-based) at ``path``, placed in the file."""
        if self.kind == "json" or index >= len(self.sources):
            return FileProblem("", index + 1, "", path, error.code, error.message, error.params)
        items = self.sources[index].items
        path = "" if path == "row" else path
        if path.endswith("]"):
            head, key = path, ""
        else:
            head, _, key = path.rpartition(".")
        # Walk up "a.b[0].c" → "a.b[0]" → "a.b" → "a" → "" until a row the value came from.
        while head not in items:
            key = ""
            head = head[: head.rindex("[")] if head.endswith("]") else head.rpartition(".")[0]
        title, row = items[head]
        letters = self.columns.get(title, {})
        sheet = SHEET_BY_KEY[self.sheet_keys[title]]
        column = sheet.column(key) if key in letters else None
        column = column or sheet.columns[0]
        return FileProblem(
            title,
            row,
            f"{letters.get(column.key, 'A')}{row}",
            column.header,
            error.code,
            error.message,
            error.params,
        )


def read_permit_file(name: str, data: bytes, *, progress: Progress | None = None) -> list[dict[str, Any]]:
    """The permit records of a .json or .xlsx file, in the shape ``import_permits`` takes.

    Raises ``PermitFileRejected`` (a ``ValidationFailed``) naming sheet, row and column, or the
    position in the JSON list, of every problem it finds.
    """
    return open_permit_file(name, data, progress=progress).records


def open_permit_file(name: str, data: bytes, *, progress: Progress | None = None) -> PermitFile:
    """Like ``read_permit_file``, keeping where each value came from (to place the import's errors)."""
    lowered = (name or "").lower()
    if len(data) > MAX_FILE_BYTES:
        raise _whole_file(
            "too_large", N_("The file is larger than {limit} MB."), limit=MAX_FILE_BYTES // (1024 * 1024)
        )
    if not data:
        raise _whole_file("empty", N_("The file is empty."))
    if lowered.endswith(".json"):
        permit_file = _read_json(data)
    elif lowered.endswith(".xlsx"):
        permit_file = _read_xlsx(data, progress)
    else:
        raise _whole_file("file_type", N_("Upload a .json or .xlsx file."))
    if not permit_file.records:
        raise _whole_file("empty", N_("The file contains no permits."))
    return permit_file


def _read_json(data: bytes) -> PermitFile:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _whole_file("encoding", N_("The file is not UTF-8 text.")) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise PermitFileRejected(
            [
                FileProblem(
                    "",
                    None,
                    "",
                    "file",
                    "json",
                    N_("The file is not valid JSON: {problem} (line {line}, column {column})."),
                    {"problem": error.msg, "line": error.lineno, "column": error.colno},
                )
            ]
        ) from None
    if not isinstance(value, list):
        raise _whole_file("not_a_list", N_("Expected a list of permits ([{…}, …]) at the top of the file."))
    problems: list[FileProblem] = []
    first_seen: dict[str, int] = {}
    for index, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            problems.append(
                FileProblem("", index, "", "", "type", N_("Expected the permit content as an object."))
            )
            continue
        number = str(item.get("number") or "").strip().upper()
        if number and number in first_seen:
            problems.append(
                FileProblem(
                    "",
                    index,
                    "",
                    "number",
                    "duplicate_in_file",
                    N_("This permit number appears twice in the file (first at {where})."),
                    {"where": f"rows[{first_seen[number]}]"},
                )
            )
        first_seen.setdefault(number, index)
    if problems:
        raise PermitFileRejected(problems[:MAX_PROBLEMS], total=len(problems))
    return PermitFile("json", value)


class _Cells:
    """Converts the cells of one workbook, collecting problems with their cell references."""

    def __init__(self) -> None:
        self.problems: list[FileProblem] = []

    def problem(
        self,
        title: str,
        row: int,
        letter: str,
        column: Column | None,
        error_code: str,
        message: str,
        /,
        **params: Any,
    ) -> None:
        self.problems.append(
            FileProblem(
                title, row, f"{letter}{row}", column.header if column else "", error_code, message, params
            )
        )

    def convert(self, value: Any, column: Column, title: str, row: int, letter: str) -> Any:
        """The record value of a cell; None when the cell is empty."""
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                return None
        if value is None:
            return None
        if column.kind == "date":
            if isinstance(value, datetime):
                return value.date().isoformat()
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, int | float) and not isinstance(value, bool):
                from openpyxl.utils.datetime import from_excel

                try:
                    return from_excel(value).date().isoformat()
                except (ValueError, OverflowError, AttributeError):
                    self.problem(title, row, letter, column, "date", N_("Expected a date as YYYY-MM-DD."))
                    return None
            text = str(value)
            match = DATE_TEXT.match(text)
            return f"{match[1]}-{int(match[2]):02d}-{int(match[3]):02d}" if match else text
        if column.kind == "number":
            if isinstance(value, bool):
                return str(value)
            if isinstance(value, int | float):
                return value
            return str(value).replace(",", "")
        if column.kind == "bool":
            if isinstance(value, bool):
                return value
            text = ("1" if value else "0") if isinstance(value, int | float) else str(value).strip().lower()
            if text in YES:
                return True
            if text in NO:
                return False
            self.problem(title, row, letter, column, "bool", N_("Expected yes or no (是/否)."))
            return None
        text = _text(value)
        if column.kind == "choice":
            return _choose(text, column.choices or {})
        if column.kind == "list":
            return [_choose(item, column.choices or {}) for item in re.split(r"[,，、;；\s]+", text) if item]
        if column.key == "pollutant":
            return POLLUTANT_BY_NAME.get(text, text.upper())
        if column.key == "unit":
            return UNIT.get(text.lower(), UNIT.get(text, text))
        if column.key in ("number", "permit_number", "enterprise_credit_code", "code", "point"):
            return text.replace(" ", "").upper()
        return text


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _choose(text: str, choices: dict[str, str]) -> str:
    if text in choices:
        return choices[text]
    return text.lower() if text.isascii() else text


def _read_xlsx(data: bytes, progress: Progress | None) -> PermitFile:
    try:
        check_workbook(data)
    except ValidationFailed as refused:
        error = refused.errors[0]
        raise _whole_file(error.code, error.message, **error.params) from None
    try:
        from openpyxl import load_workbook
        from openpyxl.utils import get_column_letter

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - a damaged or foreign file is the user's to fix, not a crash
        raise _whole_file("unreadable", N_("The file cannot be read as an Excel workbook (.xlsx).")) from None
    try:
        return _read_workbook(workbook, get_column_letter, progress)
    except PermitFileRejected:
        raise
    except Exception:  # noqa: BLE001 - XML that breaks midway (or that defusedxml refuses) is a damaged file
        raise _whole_file("unreadable", N_("The file cannot be read as an Excel workbook (.xlsx).")) from None
    finally:
        workbook.close()


def _find_sheets(workbook: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for worksheet in workbook.worksheets:
        names = _parts(worksheet.title)
        for sheet in SHEETS:
            if sheet.key not in found and (sheet.key in names or sheet.zh.lower() in names):
                found[sheet.key] = worksheet
                break
    return found


def _read_workbook(workbook: Any, letter_of: Callable[[int], str], progress: Progress | None) -> PermitFile:
    found = _find_sheets(workbook)
    missing_sheets = [f"{s.key} ({s.zh})" for s in SHEETS if s.required and s.key not in found]
    if missing_sheets:
        raise PermitFileRejected(
            [
                FileProblem(
                    "",
                    None,
                    "",
                    "file",
                    "missing_sheet",
                    N_("The workbook has no sheet named {sheet}."),
                    {"sheet": sheet},
                )
                for sheet in missing_sheets
            ]
        )
    cells = _Cells()
    result = PermitFile("xlsx", [])
    total = sum(int(getattr(found[key], "max_row", 0) or 0) for key in found)
    done = 0
    tables: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for sheet in SHEETS:
        worksheet = found.get(sheet.key)
        if worksheet is None:
            continue
        title = worksheet.title
        result.sheet_keys[title] = sheet.key
        rows = worksheet.iter_rows(values_only=True)
        header = next(rows, None)
        positions: dict[str, int] = {}
        for position, raw in enumerate(header or ()):
            names = _parts(_text(raw)) if raw not in (None, "") else set()
            for column in sheet.columns:
                if column.key not in positions and (column.key in names or column.zh.lower() in names):
                    positions[column.key] = position
                    break
        missing = [f"{c.zh} {c.key}" for c in sheet.columns if c.required and c.key not in positions]
        if missing:
            cells.problem(
                title, 1, "A", None, "columns", N_("Missing columns: {columns}."), columns=", ".join(missing)
            )
            continue
        result.columns[title] = {key: letter_of(position + 1) for key, position in positions.items()}
        items: list[tuple[int, dict[str, Any]]] = []
        for row_number, values in enumerate(rows, start=2):
            done += 1
            if progress is not None and done % 500 == 0:
                progress(done, max(total, done))
            # Counted before blank rows are skipped: a million empty rows are read no further than full ones.
            if row_number > MAX_ROWS_PER_SHEET:
                cells.problem(
                    title,
                    row_number,
                    "A",
                    None,
                    "too_many_rows",
                    N_("Too many rows in sheet {sheet}: at most {limit}."),
                    sheet=title,
                    limit=MAX_ROWS_PER_SHEET,
                )
                break
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            item: dict[str, Any] = {}
            for column in sheet.columns:
                found_at = positions.get(column.key)
                if found_at is None or found_at >= len(values):
                    continue
                converted = cells.convert(
                    values[found_at], column, title, row_number, letter_of(found_at + 1)
                )
                if converted is not None:
                    item[column.key] = converted
            items.append((row_number, item))
            if len(cells.problems) >= MAX_PROBLEMS:
                break
        tables[sheet.key] = items
    if any(problem.code == "columns" for problem in cells.problems):
        raise PermitFileRejected(cells.problems[:MAX_PROBLEMS], total=len(cells.problems))
    _assemble(result, tables, found, cells)
    if cells.problems:
        raise PermitFileRejected(cells.problems[:MAX_PROBLEMS], total=len(cells.problems))
    if progress is not None:
        progress(max(total, done), max(total, done))
    return result


def _assemble(
    result: PermitFile,
    tables: dict[str, list[tuple[int, dict[str, Any]]]],
    found: dict[str, Any],
    cells: _Cells,
) -> None:
    """Join the sheets into one record per row of the permits sheet."""
    titles = {key: worksheet.title for key, worksheet in found.items()}
    permits_title = titles["permits"]
    by_number: dict[str, int] = {}
    for row, item in tables.get("permits", []):
        number = str(item.get("number", ""))
        record: dict[str, Any] = {
            key: item[key]
            for key in (
                "number",
                "enterprise_credit_code",
                "category",
                "issuing_authority",
                "decision_date",
                "valid_until",
                "validity_cut_reason",
                "renewed",
            )
            if key in item
        }
        content: dict[str, Any] = {
            "production_facilities": [],
            "products": [],
            "control_facilities": [],
            "outlets": [],
            "fugitive_sources": [],
            "monitoring": [],
            "ledger_records": [],
            "report_kinds": item.get("report_kinds", []),
            "special_period_limits": [],
            "commitments": item.get("commitments", ""),
            "secret_sections": item.get("secret_sections", []),
        }
        record["content"] = content
        source = RecordSource({"": (permits_title, row), "content": (permits_title, row)})
        if number and number in by_number:
            first_row = result.sources[by_number[number]].items[""][1]
            cells.problem(
                permits_title,
                row,
                result.columns[permits_title].get("number", "A"),
                SHEET_BY_KEY["permits"].columns[0],
                "duplicate_in_file",
                N_("This permit number appears twice in the file (first at {where})."),
                where=f"{permits_title}!{result.columns[permits_title].get('number', 'A')}{first_row}",
            )
            continue
        if number:
            by_number[number] = len(result.records)
        result.records.append(record)
        result.sources.append(source)

    def owner(key: str, row: int, item: dict[str, Any]) -> int | None:
        title = titles[key]
        number = str(item.get("permit_number", ""))
        index = by_number.get(number)
        if index is None:
            cells.problem(
                title,
                row,
                result.columns[title].get("permit_number", "A"),
                PERMIT_NUMBER,
                "unknown_permit",
                N_("No permit {number} in the permits sheet."),
                number=number or "—",
            )
        return index

    # Per record: outlet or fugitive source code → (section, position), to hang limits on.
    points: list[dict[str, tuple[str, int]]] = [{} for _ in result.records]
    for key, section in (("outlets", "outlets"), ("fugitive_sources", "fugitive_sources")):
        for row, item in tables.get(key, []):
            index = owner(key, row, item)
            if index is None:
                continue
            entries = result.records[index]["content"][section]
            path = f"content.{section}[{len(entries)}]"
            entry = {k: v for k, v in item.items() if k != "permit_number"}
            entry["limits"] = []
            entries.append(entry)
            result.sources[index].items[path] = (titles[key], row)
            code = str(item.get("code", ""))
            if code and code not in points[index]:
                points[index][code] = (section, len(entries) - 1)
    for row, item in tables.get("limits", []):
        index = owner("limits", row, item)
        if index is None:
            continue
        point = str(item.get("point", ""))
        target = points[index].get(point)
        if target is None:
            title = titles["limits"]
            cells.problem(
                title,
                row,
                result.columns[title].get("point", "B"),
                POINT,
                "unknown_point",
                N_("No outlet or fugitive source {code} in this permit."),
                code=point or "—",
            )
            continue
        section, position = target
        limits = result.records[index]["content"][section][position]["limits"]
        path = f"content.{section}[{position}].limits[{len(limits)}]"
        result.sources[index].items[path] = (titles["limits"], row)
        limits.append({k: v for k, v in item.items() if k not in ("permit_number", "point")})
    for key in ("monitoring", "ledger_records", "special_period_limits"):
        for row, item in tables.get(key, []):
            index = owner(key, row, item)
            if index is None:
                continue
            entries = result.records[index]["content"][key]
            result.sources[index].items[f"content.{key}[{len(entries)}]"] = (titles[key], row)
            entries.append({k: v for k, v in item.items() if k != "permit_number"})
    for row, item in tables.get("facilities", []):
        index = owner("facilities", row, item)
        if index is None:
            continue
        section = str(item.get("section", ""))
        if section not in SECTION.values():
            title = titles["facilities"]
            cells.problem(
                title,
                row,
                result.columns[title].get("section", "B"),
                SHEET_BY_KEY["facilities"].column("section"),
                "choice",
                N_("Choose one of: {choices}."),
                choices=", ".join(f"{zh} ({code})" for zh, code in SECTION.items()),
            )
            continue
        entries = result.records[index]["content"][section]
        result.sources[index].items[f"content.{section}[{len(entries)}]"] = (titles["facilities"], row)
        entries.append({k: item[k] for k in FACILITY_KEYS if k in item})


# ---------------------------------------------------------------------------
# Writing a workbook (the example file, exports)
# ---------------------------------------------------------------------------

_CHOICE_LABELS = {
    "category": {"key": "重点管理", "simplified": "简化管理"},
    "medium": {"air": "废气", "water": "废水"},
    "kind": {"main": "主要排放口", "general": "一般排放口", "special": "特殊排放口"},
    "method": {"automatic": "自动监测", "manual": "手工监测"},
}


def records_to_xlsx(records: list[dict[str, Any]], *, notes: list[str] | None = None) -> bytes:
    """A workbook in the import layout holding these records (codes written as Chinese labels)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    first = workbook.active
    assert first is not None
    if notes:
        first.title = "说明 README"
        for line in notes:
            append_row(first, [line])
        first.column_dimensions["A"].width = 120
    else:
        workbook.remove(first)
    sheets = {sheet.key: workbook.create_sheet(sheet.key) for sheet in SHEETS}
    for sheet in SHEETS:
        worksheet = sheets[sheet.key]
        append_row(worksheet, [column.header for column in sheet.columns])
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        for position, column in enumerate(sheet.columns, start=1):
            worksheet.column_dimensions[get_column_letter(position)].width = max(14, len(column.header) + 6)
        worksheet.freeze_panes = "A2"

    def label(key: str, value: Any) -> Any:
        return _CHOICE_LABELS.get(key, {}).get(value, value)

    def reverse(choices: dict[str, str], value: str) -> str:
        for zh, code in choices.items():
            if code == value:
                return zh
        return value

    for record in records:
        number = record.get("number", "")
        content = record.get("content") or {}
        row: list[Any] = []
        for column in SHEET_BY_KEY["permits"].columns:
            if column.key in ("report_kinds", "secret_sections"):
                values = content.get(column.key) or []
                row.append("、".join(reverse(column.choices or {}, v) for v in values))
            elif column.key == "commitments":
                row.append(content.get("commitments", ""))
            elif column.key == "renewed":
                row.append("是" if record.get("renewed") else "否")
            elif column.kind == "date" and record.get(column.key):
                row.append(date.fromisoformat(str(record[column.key])))
            else:
                row.append(label(column.key, record.get(column.key)))
        append_row(sheets["permits"], row)
        for section in ("outlets", "fugitive_sources"):
            for entry in content.get(section) or []:
                values = []
                for column in SHEET_BY_KEY[section].columns[1:]:
                    value = entry.get(column.key)
                    if column.key == "online_monitoring":
                        value = "是" if value else "否"
                    values.append(label(column.key, value))
                append_row(sheets[section], [number, *values])
                for limit in entry.get("limits") or []:
                    append_row(
                        sheets["limits"],
                        [number, entry.get("code")]
                        + [limit.get(c.key) for c in SHEET_BY_KEY["limits"].columns[2:]],
                    )
        for key in ("monitoring", "ledger_records", "special_period_limits"):
            for entry in content.get(key) or []:
                values = []
                for column in SHEET_BY_KEY[key].columns[1:]:
                    value = entry.get(column.key)
                    if column.kind == "choice" and column.key != "method":
                        value = reverse(column.choices or {}, value)
                    values.append(label(column.key, value))
                append_row(sheets[key], [number, *values])
        for section_key, section_label in ((v, k) for k, v in SECTION.items()):
            for entry in content.get(section_key) or []:
                append_row(
                    sheets["facilities"], [number, section_label, *(entry.get(key) for key in FACILITY_KEYS)]
                )
    for worksheet in sheets.values():
        for row_cells in worksheet.iter_rows(min_row=2):
            for cell in row_cells:
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# The use case
# ---------------------------------------------------------------------------


def may_import(actor: Actor) -> bool:
    """Who may load permits from the national platform: the permitting section, the administrator."""
    return can(actor, Operation.PERMIT_DECIDE, Target(region_code=actor.region_code))


def require_may_import(actor: Actor) -> None:
    # Asked before anything about the file is looked at, so others learn nothing from it.
    require(actor, Operation.PERMIT_DECIDE, Target(region_code=actor.region_code))


async def open_permit_file_off_loop(name: str, data: bytes) -> PermitFile:
    """``open_permit_file`` in a worker thread: the server goes on answering while a file is read."""
    return await asyncio.to_thread(open_permit_file, name, data)


async def import_permit_file(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    data: bytes,
    progress: Progress | None = None,
) -> list[Permit]:
    """Read a JSON or XLSX file and import its permits: all of them or, on any problem, none."""
    require_may_import(actor)
    permit_file = open_permit_file(name, data)
    return await import_permit_records(session, actor, permit_file=permit_file, progress=progress)


async def import_permit_records(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_file: PermitFile,
    progress: Progress | None = None,
    batch_size: int = IMPORT_BATCH,
) -> list[Permit]:
    """Import what ``open_permit_file`` read, in batches (for progress), all or nothing.

    Every batch is checked even after one failed, so the file's problems are all reported at
    once; then everything is rolled back to where it started and ``PermitFileRejected`` says
    where each problem is in the file.
    """
    require_may_import(actor)
    records = permit_file.records
    total = len(records)
    problems: list[FileProblem] = []
    imported: list[Permit] = []
    savepoint = await session.begin_nested()
    try:
        for start in range(0, total, batch_size):
            batch = records[start : start + batch_size]
            try:
                imported.extend(await import_permits(session, actor, records=batch))
            except ImportFailed as failure:
                for row_error in failure.rows:
                    index = start + row_error.row - 1
                    error = FieldError(row_error.field, row_error.code, row_error.message, row_error.params)
                    problems.append(permit_file.locate(index, row_error.field, error))
            if progress is not None:
                progress(min(start + batch_size, total), total)
            if len(problems) >= MAX_PROBLEMS:
                break
        if problems:
            raise PermitFileRejected(problems[:MAX_PROBLEMS], total=len(problems))
    except BaseException:
        await savepoint.rollback()
        raise
    await savepoint.commit()
    return imported
