"""Writing rows as CSV and Excel in constant memory.

- **CSV**: UTF-8 with a byte-order mark, so Excel opens Chinese text as Chinese; produced as
  chunks of bytes (a streamed response or a file), never the whole text at once.
- **Excel**: openpyxl's write-only workbook, which streams rows to a temporary file and
  writes every string inline (no shared-string table growing with the rows).
- **Formula injection**: a spreadsheet runs a cell that starts with ``=`` (and, in CSV, ``+``,
  ``-``, ``@``, a tab or a carriage return) as a formula. A CSV cell starting so gets a
  leading apostrophe, the usual guard (OWASP "CSV injection"); an Excel cell holding text
  is written as a typed string, which Excel shows as it is and never evaluates.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, Final

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

BOM: Final = "\ufeff"
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
FLUSH_ROWS = 500  # rows per chunk of CSV bytes, and between two progress reports
SHEET_TITLE_MAX: Final = 31  # Excel's limit

Cell = str | int | float | Decimal | date | datetime | bool | None
Progress = Callable[[int], None]


def csv_safe(value: str) -> str:
    """``=1+2`` → ``'=1+2``: a cell a spreadsheet would run as a formula stays text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, str):
        return csv_safe(value)
    return str(value)  # numbers: never a formula, kept as they are (a negative stays -1)


def csv_chunks(
    headers: Sequence[str], rows: Iterable[Sequence[Cell]], *, progress: Progress | None = None
) -> Iterator[bytes]:
    """The CSV as chunks of UTF-8 bytes, the first starting with the byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([csv_safe(h) for h in headers])
    count = 0
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
        count += 1
        if count % FLUSH_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            if progress is not None:
                progress(count)
    tail = buffer.getvalue()
    if tail:
        yield tail.encode("utf-8")
    if progress is not None:
        progress(count)


def write_csv(
    target: IO[bytes],
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    progress: Progress | None = None,
) -> None:
    for chunk in csv_chunks(headers, rows, progress=progress):
        target.write(chunk)


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Cell) -> Any:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # callers give local times; Excel has no zones
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not text.startswith("="):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # text, shown as typed: never a formula
    return cell


def write_xlsx(
    target: str | IO[bytes],
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    title: str = "导出",
    progress: Progress | None = None,
) -> None:
    """One sheet: a bold-free header row, then the rows (write-only: constant memory)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=ILLEGAL_CHARACTERS_RE.sub("", title)[:SHEET_TITLE_MAX] or "导出")
    sheet.append([_xlsx_cell(sheet, h) for h in headers])
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
        count += 1
        if progress is not None and count % FLUSH_ROWS == 0:
            progress(count)
    book.save(target)
    if progress is not None:
        progress(count)
