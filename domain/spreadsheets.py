"""Cells of exported spreadsheets (CSV and XLSX) that hold user text as text, never as a formula.

Text typed by a person (a void reason, a cause, a unit's name) can begin with ``=``, ``+``,
``-`` or ``@``. A spreadsheet opening the export would run it as a formula (CSV/formula
injection, OWASP): ``=HYPERLINK(...)`` leaks data, ``=cmd|...`` runs commands in old Excel.

- CSV has no cell types, so text starting with one of those characters (or a tab or carriage
  return, which Excel strips before looking) is written with a leading apostrophe, the
  spreadsheet convention for "this is text". Numbers stay numbers.
- XLSX has cell types: openpyxl turns any ``str`` starting with ``=`` into a formula cell, so
  every string is written as a string cell (``data_type "s"``). The text stays exactly what the
  person typed, and a spreadsheet shows it without running it. Characters XML cannot hold
  (control characters other than tab, newline and carriage return) are dropped instead of
  failing the whole export.

Every export goes through ``csv_row`` or ``xlsx_row``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def csv_cell(value: object) -> object:
    """A CSV cell: text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str):
        return value
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_row(values: Iterable[object]) -> list[object]:
    return [csv_cell(value) for value in values]


def xlsx_row(sheet: Any, values: Iterable[object]) -> list[object]:
    """The cells of one row for ``sheet.append``: every string a string cell, never a formula."""
    from openpyxl.cell.cell import Cell

    row: list[object] = []
    for value in values:
        if isinstance(value, str):
            cell = Cell(sheet, row=1, column=1)  # placed by append; a coordinate keeps its repr valid
            cell.value = _ILLEGAL_XML.sub("", value)
            cell.data_type = "s"  # after the value: openpyxl guesses "f" for a leading "="
            row.append(cell)
        else:
            row.append(value)
    return row


def append_row(sheet: Any, values: Iterable[object]) -> None:
    """Append one row to an XLSX sheet (normal or write-only) through ``xlsx_row``."""
    sheet.append(xlsx_row(sheet, values))
