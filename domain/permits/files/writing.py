"""Writing permit records as a workbook in the import layout (the example file, exports)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from domain.permits.files.layout import FACILITY_KEYS, SECTION, SHEET_BY_KEY, SHEETS
from domain.spreadsheets import append_row

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
