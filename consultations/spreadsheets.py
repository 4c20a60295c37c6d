"""Writing exports as streamed CSV and as xlsx workbooks, from the Resources' columns.

Where memory goes:

- CSV is written while the database is read: ``QuerySet.iterator(chunk_size=2000)`` holds one
  chunk of rows at a time (a server-side cursor on PostgreSQL), each row becomes a line, and
  lines leave in blocks of about 64 KB through a ``StreamingHttpResponse``. Memory stays flat
  however many rows there are, and nothing is written to disk.
- xlsx is a zip of XML files and cannot be sent before it is complete. openpyxl's write-only
  mode writes each sheet's rows to a temporary file as they come (memory flat, strings inline,
  no shared-strings table), then zips the sheets into a second temporary file, which is sent
  from disk in blocks. Memory stays flat; temporary disk (``TMPDIR``) briefly holds about the
  sheet XML plus the finished workbook, roughly 1 KB per row before compression. Both files
  are gone when the response closes.
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
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CHUNK_SIZE = 2000
BLOCK_BYTES = 64 * 1024
# One sheet holds 1,048,576 rows in Excel, the header included.
XLSX_MAX_ROWS = 1_048_575
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Cells a spreadsheet would run as a formula (CSV injection): kept as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class TooManyRows(Exception):
    """The export does not fit in one Excel sheet."""


def csv_text(value):
    """A value as CSV text: dates as 2024-10-31 19:30, numbers plainly, and text that a
    spreadsheet would take for a formula prefixed with an apostrophe."""
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
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def rows_of(resource, queryset, selected=None):
    """The export's rows (native values), read in chunks without a query per row."""
    render = resource.row_renderer(selected)
    for obj in resource.prepare_export(queryset).iterator(chunk_size=CHUNK_SIZE):
        yield render(obj)


def csv_response(resource, queryset, filename, selected=None, *, ascii_name="export"):
    """A streamed CSV (UTF-8 with BOM, so that Excel reads the Chinese) of ``queryset``."""
    language = translation.get_language()
    headers = resource.headers(selected)

    def lines():
        # The body is produced after the view has returned: keep the request's language.
        with translation.override(language):
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            buffer.write("\ufeff")
            writer.writerow(headers)
            for row in rows_of(resource, queryset, selected):
                writer.writerow([csv_text(value) for value in row])
                if buffer.tell() >= BLOCK_BYTES:
                    yield buffer.getvalue().encode("utf-8")
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue().encode("utf-8")

    response = StreamingHttpResponse(lines(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(filename, ascii_name, "csv")
    return response


def attachment(filename, ascii_name, extension):
    """Content-Disposition for a download named in Chinese (RFC 5987), with an ASCII name
    for the few clients that cannot read it."""
    return (
        f'attachment; filename="{ascii_name}.{extension}"; '
        f"filename*=UTF-8''{quote(filename)}.{extension}"
    )


def _text_cell(sheet, value):
    cell = WriteOnlyCell(sheet, value=None)
    # Set as text explicitly: openpyxl would take "=…" for a formula.
    cell._value = value
    cell.data_type = "s"
    return cell


def xlsx_cell(sheet, value):
    if isinstance(value, str):
        return _text_cell(sheet, value) if value else None
    return value


def add_sheet(workbook, title, headers, rows, widths=None):
    """A write-only sheet: bold header row frozen at the top, then ``rows``."""
    sheet = workbook.create_sheet(title=title[:31])
    for index, header in enumerate(headers, start=1):
        width = (widths or {}).get(index, min(max(len(header) * 2 + 2, 10), 40))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = _text_cell(sheet, header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for count, row in enumerate(rows, start=1):
        if count > XLSX_MAX_ROWS:
            raise TooManyRows
        sheet.append([xlsx_cell(sheet, value) for value in row])
    return sheet


def xlsx_response(sheets, filename, *, ascii_name="export", selected=None):
    """A workbook of ``sheets`` — (title, resource, queryset) — sent from a temporary file;
    ``selected`` limits the columns to those field names (the admin's column choice).

    Raises TooManyRows before anything is sent when a sheet would exceed Excel's limit.
    """
    workbook = Workbook(write_only=True)
    for title, resource, queryset in sheets:
        if queryset.count() > XLSX_MAX_ROWS:
            raise TooManyRows
        headers = resource.headers(selected)
        add_sheet(workbook, title, headers, rows_of(resource, queryset, selected))
    return workbook_response(workbook, filename, ascii_name=ascii_name)


def workbook_response(workbook, filename, *, ascii_name="export"):
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 closed by the response
    workbook.save(target)
    target.seek(0)
    response = FileResponse(target, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(filename, ascii_name, "xlsx")
    return response
