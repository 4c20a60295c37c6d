"""Writing exports as streamed CSV and as xlsx workbooks, from the Resources' columns.

Where time and memory go:

- On PostgreSQL the database writes the CSV: one ``COPY (SELECT …) TO STDOUT (FORMAT csv)``
  whose columns are the cells' text as ``csv_text`` writes it (labels, local times, formula
  neutralisation, empty cells), built from ``SpreadsheetResource.export_columns`` by the
  ``sql_*`` functions below. Python only passes the records on, each ended by CR LF as
  csv.writer ends it, in blocks of about 64 KB through a ``StreamingHttpResponse``: the
  same bytes as the Python path, at the speed the database reads (a million meetings in
  12-17 s on two busy cores, 1 MB above the process's size, against 75 s through Python;
  ``devtools/bench/exports.py --existing``). Memory stays flat and nothing is written to
  disk by the app (the database sorts on its own disk). A to-many column (a meeting's
  attending organizations, a project's funding) is aggregated in one grouped subquery
  joined to the rows; the rows are read in table order and sorted once.
- Elsewhere (SQLite), and for xlsx, rows are read as plain values (``values_list``, no model
  instances) with ``iterator(chunk_size=CHUNK_SIZE)``, one chunk at a time (a server-side
  cursor on PostgreSQL); CSV lines are written by csv.writer, each column by a formatter
  chosen once for its kind.
- xlsx is a zip of XML files and cannot be sent before it is complete. openpyxl's write-only
  mode writes each sheet's rows to a temporary file as they come (memory flat, strings inline,
  no shared-strings table), then zips the sheets into a second temporary file, which is sent
  from disk in blocks. Memory stays flat (100,000 meetings: 25 MB above the process's size,
  20,000: 17 MB); temporary disk (``TMPDIR``) briefly holds about the sheet XML plus the
  finished workbook, roughly 1 KB per row before compression. Both files are gone when the
  response closes. The time is openpyxl's XML writing (2,700-3,500 rows a second for
  meetings with long minutes, in pure Python). openpyxl uses lxml when it is installed:
  100,000 meetings took 25.6-29.3 s with lxml 6.1.3 against 28.6-36.4 s without, for a
  workbook a fifth larger (17.8 MB, 14.5 MB), so it is not a dependency.
"""

import csv
import datetime as dt
import io
import tempfile
import time
from decimal import Decimal
from urllib.parse import quote

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import (
    Case,
    DecimalField,
    Expression,
    F,
    Func,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat, Left, NullIf
from django.db.models.lookups import Exact, In
from django.db.models.sql.constants import LOUTER
from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CHUNK_SIZE = 5000
BLOCK_BYTES = 64 * 1024
# One sheet holds 1,048,576 rows in Excel, the header included.
XLSX_MAX_ROWS = 1_048_575
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Cells a spreadsheet would run as a formula (CSV injection): kept as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class TooManyRows(Exception):
    """The export does not fit in one Excel sheet."""


# --- CSV cells written by PostgreSQL ----------------------------------------------------------
#
# On PostgreSQL the CSV is written by the database: ``COPY (SELECT <one text expression per
# column>) TO STDOUT (FORMAT csv)``, with each expression giving exactly what ``csv_text``
# gives in Python (NULL for an empty cell, which COPY writes as an empty field as csv.writer
# does). The export columns (``resources.ExportColumn.sql``) are built from these.


class _Sql(Func):
    output_field = TextField()


def sql_text(expression):
    """Text as csv_text writes it: a formula-like start gets an apostrophe; empty is NULL."""
    formula_like = In(Left(expression, 1), list(FORMULA_STARTS))
    neutral = Case(
        When(formula_like, then=Concat(Value("'"), expression)),
        default=expression,
        output_field=TextField(),
    )
    return NullIf(neutral, Value(""), output_field=TextField())


def sql_labels(expression, labels, default=None):
    """A stored value written as its label (``labels``: value → label); other values as
    ``default`` (an expression; the value itself when None). NULL stays NULL. The labels
    are constants, made CSV text here rather than by the database on every row."""
    whens = [
        When(Exact(expression, Value(value)), then=Value(_neutral(label) or None))
        for value, label in labels.items()
    ]
    fallback = expression if default is None else default
    return Case(*whens, default=sql_text(fallback), output_field=TextField())


def sql_number(expression):
    """Integers and numbers as PostgreSQL writes them (as str() of int and Decimal)."""
    return expression


def sql_money(expression):
    """Yuan to the fen (MoneyWidget), as str() of a Decimal quantized to 0.01."""
    return Func(expression, Value(2), function="ROUND", output_field=DecimalField())


def sql_date(expression):
    return _Sql(expression, Value("YYYY-MM-DD"), function="to_char")


def sql_datetime(expression, zone):
    """Local wall time to the minute, with seconds only when there are any (csv_text)."""

    def local():
        return _Sql(
            expression, Value(zone), arg_joiner=" AT TIME ZONE ", template="(%(expressions)s)"
        )

    # The format is chosen per row (a regular expression taking ":00" off cost a second
    # per million rows).
    whole_minute = Exact(
        _Sql(Value("minute"), local(), function="date_trunc"),
        _Sql(Value("second"), local(), function="date_trunc"),
    )
    pattern = Case(
        When(whole_minute, then=Value("YYYY-MM-DD HH24:MI")),
        default=Value("YYYY-MM-DD HH24:MI:SS"),
        output_field=TextField(),
    )
    return _Sql(local(), pattern, function="to_char")


def _neutral(text):
    return "'" + text if text.startswith(FORMULA_STARTS) else text


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
    return _neutral(str(value))


def _number(value):
    return "" if value is None else str(value)


def _date(value):
    return "" if value is None else value.isoformat()


def _datetime(value):
    return "" if value is None else csv_text(value)


# What csv_text does, for values whose type is known in advance (ExportColumn.kind).
TEXT_OF_KIND = {"text": _neutral, "number": _number, "date": _date, "datetime": _datetime}


def _cell(native, places, text=None):
    """A function from a row of plain values to one cell: ``native`` of the values at
    ``places``, then ``text`` of that when given. Built once per column, called per cell."""
    if len(places) == 1:
        (at,) = places
        if text is None:
            return lambda values: native(values[at])
        return lambda values: text(native(values[at]))
    if text is None:
        return lambda values: native(*[values[at] for at in places])
    return lambda values: text(native(*[values[at] for at in places]))


def _rows(resource, queryset, selected, text):
    columns = resource.export_columns(selected)
    values, places = resource.export_values(queryset, columns)
    cells = [
        _cell(column.native, at, TEXT_OF_KIND.get(column.kind, csv_text) if text else None)
        for column, at in zip(columns, places, strict=True)
    ]
    # The columns are built now (labels in the active language); rows are read as iterated.
    return ([cell(row) for cell in cells] for row in values.iterator(chunk_size=CHUNK_SIZE))


def rows_of(resource, queryset, selected=None):
    """The export's rows (native values, as the Resource renders them), read in chunks of
    plain values without a query per row."""
    return _rows(resource, queryset, selected, text=False)


def csv_rows_of(resource, queryset, selected=None):
    """The export's rows as CSV text (``csv_text`` of each native value)."""
    return _rows(resource, queryset, selected, text=True)


PER_ROW = "csv_per_row"


class _PerRowColumn(Expression):
    """A cell of the grouped subquery joined as ``PER_ROW`` (``_PerRowJoin``)."""

    def __init__(self, name, output_field):
        super().__init__(output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        return f"{PER_ROW}.{connection.ops.quote_name(self.name)}", []


class _PerRowJoin:
    """``LEFT OUTER JOIN (<grouped query>) csv_per_row ON csv_per_row.csv_row = <row's pk>``,
    in the FROM clause of a query (Django joins tables and relations, not subqueries)."""

    join_type = LOUTER
    nullable = True
    parent_alias = None
    filtered_relation = None
    table_name = table_alias = PER_ROW

    def __init__(self, grouped, pk):
        self.grouped, self.pk = grouped, pk

    def as_sql(self, compiler, connection):
        sql, params = self.grouped.get_compiler(connection=connection).as_sql()
        pk, _ = compiler.compile(self.pk)
        return f"LEFT OUTER JOIN ({sql}) {PER_ROW} ON ({PER_ROW}.csv_row = {pk})", params

    def relabeled_clone(self, change_map):
        return self


def copy_statement(resource, queryset, selected=None):
    """``COPY … TO STDOUT`` of the export as CSV written by PostgreSQL, its parameters and
    the settings to run it with (``copy_lines``); None when a column has no SQL form or no
    row can match (then Python writes it)."""
    columns = resource.export_columns(selected)
    if any(column.sql is None for column in columns):
        return None
    cells = {
        f"csv_cell_{index}": column.sql(*[F(lookup) for lookup in column.lookups])
        for index, column in enumerate(columns)
    }
    rows = resource.prepare_export(queryset)
    resolved = rows.annotate(**cells).query.annotations
    grouped = [name for name in cells if resolved[name].contains_aggregate]
    if grouped:
        # Some cells aggregate a to-many relation (a meeting's attending organizations, a
        # project's funding). Those cells are written by one subquery grouped by the row's
        # primary key and joined to the rows, which are neither grouped nor joined to the
        # relation: grouping the rows themselves aggregated every other cell as well and
        # sorted the joined rows by key before sorting them again in the export's order.
        source = queryset
        if queryset.query.is_sliced:  # the first thousand rows, say: only theirs
            source = queryset.model._base_manager.filter(pk__in=queryset.values("pk"))
        per_row = resource.prepare_export(source).order_by().values(csv_row=F("pk"))
        per_row = per_row.annotate(**{name: cells[name] for name in grouped})
        rows = resource.prepare_export(queryset, aggregates=False)
        cells.update({name: _PerRowColumn(name, resolved[name].output_field) for name in grouped})
    values = rows.annotate(**cells).values_list(*cells)
    if grouped:
        query = values.query
        pk = query.resolve_ref("pk")
        query.alias_map[PER_ROW] = _PerRowJoin(per_row.query, pk)
        query.alias_refcount[PER_ROW] = 1
    try:
        sql, params = values.query.get_compiler(using=values.db).as_sql()
    except EmptyResultSet:  # none(): a user who may see nothing; Python writes the header
        return None
    settings = PER_ROW_SETTINGS if grouped else EXPORT_SETTINGS
    return f"COPY ({sql}) TO STDOUT (FORMAT csv)", params, settings


# Settings of the export's transaction (copy_lines says why), SET LOCAL in one round trip.
EXPORT_SETTINGS = {"jit": "off", "join_collapse_limit": "12"}
# With a per-row join: no parallel workers.
PER_ROW_SETTINGS = {**EXPORT_SETTINGS, "max_parallel_workers_per_gather": "0"}


def settings_statement(settings):
    return "SELECT " + ", ".join(
        f"set_config('{name}', '{value}', true)" for name, value in settings.items()
    )


def copy_lines(queryset, statement, params, settings=EXPORT_SETTINGS):
    """The CSV records PostgreSQL writes, in blocks of about BLOCK_BYTES, each record ended
    by CR LF as csv.writer ends it (COPY ends records with LF; a newline inside a quoted cell
    is kept as it is, as csv.writer keeps it).

    Without JIT: the statement's estimated cost is high enough for PostgreSQL to compile it
    to machine code first, which took 6.5 s of the 14 s a province's projects took. Without
    parallel workers when a to-many column is joined (PER_ROW_SETTINGS): each worker would
    build its own copy of the per-row aggregates' hash table, and a million meetings took
    13.6 s with two, 11.7 s without (two million proposals, no such join, gain from them). With
    joins reordered among up to 12 tables rather than 8: an evaluation's export joins its
    three kinds of subject and their areas, and a county's evaluations (``within``, a
    subquery) were otherwise matched only after joining all of the province's (3.5 s
    instead of 0.4 s). SET LOCAL, in a transaction of its own, so that the settings end
    with the export."""
    connection = connections[queryset.db]
    with transaction.atomic(using=queryset.db), connection.cursor() as cursor:
        cursor.execute(settings_statement(settings))
        started = time.monotonic()
        with cursor.cursor.copy(statement, params) as copy:
            records, size = [], 0
            for record in copy:
                records.append(record[:-1])
                size += len(record)
                if size >= BLOCK_BYTES:
                    yield b"\r\n".join(records) + b"\r\n"
                    records, size = [], 0
            if records:
                yield b"\r\n".join(records) + b"\r\n"
        if connection.queries_logged:  # as Django logs the queries it runs (tests, DEBUG)
            duration = time.monotonic() - started
            connection.queries_log.append({"sql": statement, "time": f"{duration:.3f}"})


def csv_response(resource, queryset, filename, selected=None, *, ascii_name="export"):
    """A streamed CSV (UTF-8 with BOM, so that Excel reads the Chinese) of ``queryset``:
    written by PostgreSQL (COPY) there, by csv.writer elsewhere, the same bytes either way."""
    language = translation.get_language()
    headers = resource.headers(selected)
    # Labels, yes/no and the time zone are read now, in the request's language.
    copy = None
    if connections[queryset.db].vendor == "postgresql":
        copy = copy_statement(resource, queryset, selected)
    rows = None if copy else csv_rows_of(resource, queryset, selected)

    def lines():
        # The body is produced after the view has returned: keep the request's language.
        with translation.override(language):
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            buffer.write("\ufeff")
            writer.writerow(headers)
            if copy:
                yield buffer.getvalue().encode("utf-8")
                yield from copy_lines(queryset, *copy)
                return
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
