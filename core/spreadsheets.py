"""Writing a model's rows (``core.columns``) as a streamed CSV or an xlsx workbook.

One path for both formats: rows are read as plain values in chunks (``Columns.rows``), each
cell made by its column's function, then written.

- CSV: csv.writer into a small buffer, sent in blocks of about BLOCK_BYTES through a
  ``StreamingHttpResponse`` as the rows are read: memory stays flat however many rows, and
  nothing is written to disk. UTF-8 with a BOM, so that Excel reads the Chinese.
- xlsx is a zip of XML files and cannot be sent before it is complete. openpyxl's write-only
  mode writes each sheet's rows to a temporary file as they come (strings inline, no
  shared-strings table), then zips the sheets into a second temporary file, which is sent
  from disk in blocks. Memory stays flat; temporary disk (``TMPDIR``) briefly holds about the
  sheet XML plus the finished workbook, roughly 1 KB per row before compression. Both files
  are gone when the response closes. openpyxl uses lxml when it is installed; it is not a
  dependency (docs/benchmarks.md says why).

Text a spreadsheet would run as a formula (CSV injection) stays text: in CSV it is prefixed
with an apostrophe, in xlsx it is stored as a string cell.
"""

import csv
import datetime as dt
import io
import tempfile
from decimal import Decimal
from urllib.parse import quote

from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.columns import DATE, DATETIME, NUMBER, TEXT

BLOCK_BYTES = 64 * 1024
# One sheet holds 1,048,576 rows in Excel, the header included.
XLSX_MAX_ROWS = 1_048_575
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Cells a spreadsheet would run as a formula (CSV injection): kept as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class TooManyRows(Exception):
    """The export does not fit in one Excel sheet."""


def attachment(filename, ascii_name, extension):
    """Content-Disposition for a download named in Chinese (RFC 5987), with an ASCII name
    for the few clients that cannot read it."""
    return (
        f'attachment; filename="{ascii_name}.{extension}"; '
        f"filename*=UTF-8''{quote(filename)}.{extension}"
    )


# --- CSV ------------------------------------------------------------------------------------


def neutral(text):
    """Text as a CSV cell: prefixed with an apostrophe when a spreadsheet would take it for
    a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(value):
    """A value as CSV text: dates as 2024-10-31 19:30 (seconds only when there are any),
    numbers plainly, yes/no in words, and text through ``neutral``."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M" if not value.second else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, int | Decimal | float):
        return str(value)
    return neutral(str(value))


def _number(value):
    return "" if value is None else str(value)


def _date(value):
    return "" if value is None else value.isoformat()


def _datetime(value):
    return "" if value is None else csv_text(value)


# What csv_text does, for the columns whose kind of value is known (``core.columns``).
CSV_TEXT = {TEXT: neutral, NUMBER: _number, DATE: _date, DATETIME: _datetime, None: csv_text}


def csv_response(columns, queryset, filename, *, ascii_name="export"):
    """A streamed CSV of ``queryset`` through ``columns``; the headers, labels and time zone
    are those of the request."""
    language = translation.get_language()
    headers = columns.headers()
    rows = columns.rows(queryset, formats=CSV_TEXT)

    def lines():
        # The body is produced after the view has returned: keep the request's language.
        with translation.override(language):
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            buffer.write("\ufeff")
            writer.writerow(headers)
            for row in rows:
                writer.writerow(row)
                if buffer.tell() >= BLOCK_BYTES:
                    yield buffer.getvalue().encode("utf-8")
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue().encode("utf-8")

    response = StreamingHttpResponse(lines(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(filename, ascii_name, "csv")
    return response


# --- xlsx -----------------------------------------------------------------------------------


def text_cell(sheet, text):
    """A cell holding ``text`` as a string, even when it starts like a formula (=…) or an
    error (#N/A), which openpyxl would otherwise store as such."""
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def xlsx_cell(sheet, value):
    """What a write-only sheet's row holds for ``value``: empty text as an empty cell, the
    characters XML cannot carry (control characters pasted from elsewhere) left out."""
    if not isinstance(value, str):
        return value
    if not value:
        return None
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(("=", "#")):
        return text_cell(sheet, value)
    return value


def column_width(header):
    """A column wide enough for its header (CJK characters take two widths), within reason."""
    return min(max(len(header) * 2 + 2, 10), 40)


def add_sheet(workbook, title, headers, rows):
    """A write-only sheet: bold header row frozen at the top, then ``rows``. Raises
    TooManyRows beyond what one Excel sheet holds."""
    sheet = workbook.create_sheet(title=title[:31])
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column_width(header)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = text_cell(sheet, header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for count, row in enumerate(rows, start=1):
        if count > XLSX_MAX_ROWS:
            raise TooManyRows
        sheet.append([xlsx_cell(sheet, value) for value in row])
    return sheet


def xlsx_response(sheets, filename, *, ascii_name="export"):
    """A workbook of ``sheets`` — (title, columns, queryset) — sent from a temporary file.

    Raises TooManyRows before anything is sent when a sheet would exceed Excel's limit.
    """
    workbook = Workbook(write_only=True)
    for title, columns, queryset in sheets:
        if queryset.count() > XLSX_MAX_ROWS:
            raise TooManyRows
        add_sheet(workbook, str(title), columns.headers(), columns.rows(queryset))
    return workbook_response(workbook, filename, ascii_name=ascii_name)


def workbook_response(workbook, filename, *, ascii_name="export"):
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 closed by the response
    workbook.save(target)
    target.seek(0)
    response = FileResponse(target, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(filename, ascii_name, "xlsx")
    return response
