"""Reading a permit file (JSON or XLSX, layout in ``layout``) into import records, each value remembered
with the sheet and cell it came from. Pure parsing: no session; the import use case is
``domain.permits.service.imports``.
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

from domain.errors import N_, FieldError, ValidationFailed
from domain.permits.files.layout import (
    DATE_TEXT,
    FACILITY_KEYS,
    MAX_FILE_BYTES,
    MAX_PROBLEMS,
    MAX_ROWS_PER_SHEET,
    NO,
    PERMIT_NUMBER,
    POINT,
    POLLUTANT_BY_NAME,
    SECTION,
    SHEET_BY_KEY,
    SHEETS,
    UNIT,
    YES,
    Column,
    FileProblem,
    PermitFileRejected,
    name_parts,
    whole_file,
)
from domain.spreadsheets import check_workbook

Progress = Callable[[int, int], None]


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
        raise whole_file(
            "too_large", N_("The file is larger than {limit} MB."), limit=MAX_FILE_BYTES // (1024 * 1024)
        )
    if not data:
        raise whole_file("empty", N_("The file is empty."))
    if lowered.endswith(".json"):
        permit_file = _read_json(data)
    elif lowered.endswith(".xlsx"):
        permit_file = _read_xlsx(data, progress)
    else:
        raise whole_file("file_type", N_("Upload a .json or .xlsx file."))
    if not permit_file.records:
        raise whole_file("empty", N_("The file contains no permits."))
    return permit_file


def _read_json(data: bytes) -> PermitFile:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise whole_file("encoding", N_("The file is not UTF-8 text.")) from None
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
        raise whole_file("not_a_list", N_("Expected a list of permits ([{…}, …]) at the top of the file."))
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
        raise whole_file(error.code, error.message, **error.params) from None
    try:
        from openpyxl import load_workbook
        from openpyxl.utils import get_column_letter

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - a damaged or foreign file is the user's to fix, not a crash
        raise whole_file("unreadable", N_("The file cannot be read as an Excel workbook (.xlsx).")) from None
    try:
        return _read_workbook(workbook, get_column_letter, progress)
    except PermitFileRejected:
        raise
    except Exception:  # noqa: BLE001 - XML that breaks midway (or that defusedxml refuses) is a damaged file
        raise whole_file("unreadable", N_("The file cannot be read as an Excel workbook (.xlsx).")) from None
    finally:
        workbook.close()


def _find_sheets(workbook: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for worksheet in workbook.worksheets:
        names = name_parts(worksheet.title)
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
            names = name_parts(_text(raw)) if raw not in (None, "") else set()
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


async def open_permit_file_off_loop(name: str, data: bytes) -> PermitFile:
    """``open_permit_file`` in a worker thread: the server goes on answering while a file is read."""
    return await asyncio.to_thread(open_permit_file, name, data)
