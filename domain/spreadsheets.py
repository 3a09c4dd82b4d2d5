"""Spreadsheets in and out: exported cells hold user text as text; uploaded workbooks are bounded.

Reading (``check_workbook``): an XLSX is a zip of XML. Before any XML is parsed, the zip's
directory is read and the workbook refused when its parts would unpack to more than
``MAX_UNPACKED_BYTES`` in all, or one part is compressed more than ``MAX_RATIO`` to 1 (a zip bomb:
a few hundred KB that unpack to gigabytes). The sizes declared there bound what ``zipfile`` will
inflate, so a lying directory cannot unpack more. The XML itself is parsed by openpyxl through
defusedxml (installed as a dependency; openpyxl uses it when present): no entities, no external
references. Readers count rows as they stream them (read-only mode) and stop at their limit, and
the portal parses off the event loop (``asyncio.to_thread``).

Writing:

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

Every export goes through ``csv_row`` or ``xlsx_row``; ``write_xlsx`` and ``write_csv`` write a
whole file of rows that way (what an area exports is its rows, never its own workbook code).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import charset_normalizer

from domain.errors import N_, FieldError, ValidationFailed

MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # 50,000 rows of ten columns unpack to about 25 MB
MAX_RATIO = 200  # sheet XML compresses 10-30 to 1; a bomb thousands to 1
MAX_PARTS = 1000

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


@dataclass(frozen=True)
class Sheet:
    """One sheet of an exported workbook: its title, its header row and its rows (streamed)."""

    title: str
    header: Sequence[object]
    rows: Iterable[Iterable[object]]


def write_xlsx(sheets: Iterable[Sheet]) -> bytes:
    """A workbook of these sheets, written as it streams (openpyxl's write-only mode): every string a
    string cell, never a formula."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.title)
        append_row(worksheet, sheet.header)
        for row in sheet.rows:
            append_row(worksheet, row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(header: Iterable[object], rows: Iterable[Iterable[object]], *, excel: bool = True) -> bytes:
    """A CSV file (UTF-8, CRLF lines) of the header and the rows, formulas defused. ``excel``: begin with
    a byte order mark, so Excel opens Chinese text as UTF-8 (readers of this project skip it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_row(header))
    writer.writerows(csv_row(row) for row in rows)
    return (("\ufeff" if excel else "") + buffer.getvalue()).encode("utf-8")


# The encodings a CSV from a Chinese office comes in: UTF-8 (with or without Excel's byte order mark),
# GB18030 (a superset of GBK and GB2312, what Excel on Chinese Windows saves "CSV" as), Big5, UTF-16.
CSV_ENCODINGS = ["utf_8", "gb18030", "big5", "utf_16"]


def decode_csv(data: bytes, field: str = "file") -> str:
    """The text of an uploaded CSV, whatever encoding Excel saved it in.

    UTF-8 is tried strictly first (a UTF-8 file is never mistaken for another encoding); otherwise
    charset-normalizer chooses among ``CSV_ENCODINGS``. A file that is none of them is refused with a
    message saying how to save it, never read as mojibake.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data, cp_isolation=CSV_ENCODINGS).best()
    if best is None:
        raise ValidationFailed(
            [
                FieldError(
                    field,
                    "encoding",
                    N_(
                        "The file's text encoding is not recognised. "
                        "Save it as CSV (UTF-8) or as an Excel workbook."
                    ),
                )
            ]
        )
    return str(best).removeprefix("\ufeff")


def check_workbook(data: bytes, field: str = "file") -> None:
    """Refuse an XLSX whose zip would unpack too far, before any of it is inflated or parsed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ValidationFailed(
            [FieldError(field, "unreadable", N_("The file cannot be read as an Excel workbook (.xlsx)."))]
        ) from None
    limit = {"limit": MAX_UNPACKED_BYTES // (1024 * 1024)}
    too_big = FieldError(
        field,
        "unpacks_too_large",
        N_("The workbook unpacks to more than {limit} MB. Split it into smaller files."),
        limit,
    )
    if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
        raise ValidationFailed([too_big])
    for part in parts:
        if part.file_size > 1024 * 1024 and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise ValidationFailed([too_big])
