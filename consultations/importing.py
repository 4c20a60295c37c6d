"""Importing historical meetings and their proposals from an xlsx workbook.

The workbook has the columns of the meeting export: a sheet of meetings and, optionally, a
sheet of proposals naming their meeting by its area, start time and title. ``read_workbook``
refuses what is not a readable workbook of a sensible size, before any row is looked at;
``run_import`` runs django-import-export's Resources over both sheets inside one transaction
and keeps it only when ``commit`` is asked and not one row has a problem: all or nothing.
"""

import hashlib
import io
import zipfile
from dataclasses import dataclass, field

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.results import RowResult
from openpyxl import load_workbook

from consultations.resources import MeetingResource, ProposalResource

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# What the unzipped parts may add up to: a 10 MB workbook of ordinary text unpacks to well
# under this; a "zip bomb" unpacks to gigabytes and is refused before openpyxl reads it.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# Rows per sheet. A meeting or proposal row takes 2–4 ms to check and as long again to save
# (a few round trips each: its savepoint, the row, its history); a full workbook of both
# sheets is previewed, and later confirmed, within the app server's 60-second timeout
# (devtools/bench/exports.py --import-rows). That covers several years of a county's
# meetings; a larger register is split, for example by year.
MAX_ROWS = 5_000
# How many rows the preview lists; every problem is listed regardless.
PREVIEW_ROWS = 200

SHEET_MEETINGS = _("Meetings")
SHEET_PROPOSALS = _("Proposals")


class WorkbookError(Exception):
    """The file cannot be imported at all; the message says why, for the person."""


@dataclass
class Problem:
    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self):
        if self.row is None:
            return self.message
        if self.column:
            return gettext("Row %(row)d, “%(column)s”: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return gettext("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class SheetReport:
    title: str
    counts: dict = field(default_factory=dict)
    rows: list = field(default_factory=list)  # (Excel row number, outcome, badge, record)
    total: int = 0


@dataclass
class ImportReport:
    sheets: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    ignored_sheets: list = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self):
        return not self.problems


@dataclass
class Sheet:
    """One worksheet read into a tablib Dataset, with each row's number in Excel."""

    title: str
    dataset: tablib.Dataset
    row_numbers: list


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _header_text(value):
    return "" if value is None else str(value).strip()


def read_workbook(data: bytes) -> dict:
    """The workbook's sheets as {title: Sheet}, or WorkbookError with a message for people.

    Refuses an empty file, one over MAX_UPLOAD_BYTES, anything that is not an xlsx workbook
    (an old .xls, a PDF or text renamed .xlsx, a damaged file), one that would unpack to
    more than MAX_UNPACKED_BYTES, and a sheet of more than MAX_ROWS rows — counted while
    reading, so a huge sheet is refused without reading it all.
    """
    if not data:
        raise WorkbookError(gettext("The file is empty."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise WorkbookError(
            gettext("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(len(data)), "limit": filesizeformat(MAX_UPLOAD_BYTES)}
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise WorkbookError(
            gettext(
                "This is an old Excel file (.xls). Open it in Excel or WPS and save it as an "
                "Excel workbook (.xlsx), then upload that."
            )
        )
    not_xlsx = gettext(
        "This file is not an Excel workbook (.xlsx), whatever its name says. Save the "
        "spreadsheet as .xlsx and upload that."
    )
    if not data.startswith(b"PK\x03\x04"):
        raise WorkbookError(not_xlsx)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise WorkbookError(not_xlsx) from exc
    if "xl/workbook.xml" not in names:
        raise WorkbookError(not_xlsx)
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookError(gettext("The workbook unpacks to too much data to be read."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise WorkbookError(
            gettext("The workbook is damaged and cannot be read; open and save it again.")
        ) from exc
    try:
        return {sheet.title: _read_sheet(sheet) for sheet in workbook.worksheets}
    except WorkbookError:
        raise
    except Exception as exc:
        raise WorkbookError(
            gettext("The workbook is damaged and cannot be read; open and save it again.")
        ) from exc
    finally:
        workbook.close()


def _read_sheet(sheet):
    rows = sheet.iter_rows(values_only=True)
    headers = []
    dataset = tablib.Dataset()
    numbers = []
    for number, values in enumerate(rows, start=1):
        if number == 1:
            headers = [_header_text(v) for v in values]
            while headers and not headers[-1]:
                headers.pop()
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if len(numbers) >= MAX_ROWS:
            raise WorkbookError(
                gettext(
                    "The sheet “%(sheet)s” has more than %(limit)s rows; import at most "
                    "%(limit)s rows at a time (split the file, for example by year)."
                )
                % {"sheet": sheet.title, "limit": f"{MAX_ROWS:,}"}
            )
        values = list(values)[: len(headers)] + [None] * (len(headers) - len(values))
        dataset.append(values)
        numbers.append(number)
    # tablib wants the headers after the rows, or no rows at all, to agree in width.
    dataset.headers = headers
    return Sheet(title=sheet.title, dataset=dataset, row_numbers=numbers)


def _titles(name):
    """The sheet title in every language, lowercased."""
    from django.conf import settings

    titles = set()
    for language, _label in settings.LANGUAGES:
        with translation.override(language):
            titles.add(str(name).strip().lower())
    return titles


def pick_sheets(book: dict):
    """(meetings sheet or None, proposals sheet or None, ignored titles).

    The meetings are on the sheet named “会议” (or “Meetings”), the proposals on the sheet
    named “建议” (or “Proposals”); a workbook with neither has its meetings on the first
    sheet. Other sheets (the template's notes) are ignored.
    """
    by_title = {title.strip().lower(): sheet for title, sheet in book.items()}
    meetings = next((by_title[t] for t in _titles(SHEET_MEETINGS) if t in by_title), None)
    proposals = next((by_title[t] for t in _titles(SHEET_PROPOSALS) if t in by_title), None)
    if meetings is None and proposals is None:
        meetings = next(iter(book.values()), None)
    used = {id(meetings), id(proposals)}
    ignored = [sheet.title for sheet in book.values() if id(sheet) not in used]
    return meetings, proposals, ignored


def check_headers(resource, sheet):
    """Problems with the header row; the headers renamed to the resource's own otherwise."""
    aliases = resource.header_aliases()
    problems = []
    renamed = []
    seen = set()
    for index, header in enumerate(sheet.dataset.headers or [], start=1):
        if not header:
            problems.append(
                Problem(
                    sheet.title,
                    None,
                    None,
                    gettext("Column %(index)d has no header.") % {"index": index},
                )
            )
            renamed.append(f"__blank_{index}")
            continue
        name = aliases.get(header.lower())
        if name is None:
            problems.append(
                Problem(
                    sheet.title,
                    None,
                    None,
                    gettext(
                        "Unknown column “%(header)s”: rename it to one of the template's "
                        "columns or delete it."
                    )
                    % {"header": header},
                )
            )
            renamed.append(header)
            continue
        if name in seen:
            problems.append(
                Problem(
                    sheet.title,
                    None,
                    None,
                    gettext("The column “%(header)s” appears twice.") % {"header": name},
                )
            )
        seen.add(name)
        renamed.append(name)
    missing = [h for h in resource.required_headers() if h not in seen]
    if missing:
        problems.append(
            Problem(
                sheet.title,
                None,
                None,
                gettext("Missing columns: %(columns)s.") % {"columns": "、".join(missing)},
            )
        )
    if not problems:
        sheet.dataset.headers = renamed
    return problems


# What became of a row: its label, and the badge it wears on the preview.
OUTCOMES = {
    RowResult.IMPORT_TYPE_NEW: (_("new"), "done"),
    RowResult.IMPORT_TYPE_UPDATE: (_("updated"), "in-progress"),
    RowResult.IMPORT_TYPE_SKIP: (_("unchanged"), "planned"),
    RowResult.IMPORT_TYPE_INVALID: (_("problem"), "rejected"),
    RowResult.IMPORT_TYPE_ERROR: (_("problem"), "rejected"),
}


def _messages(error):
    if isinstance(error, ValidationError):
        return error.messages
    return [str(error)]


def _import_sheet(resource, sheet, report):
    """Run the resource over the sheet; record counts, preview rows and problems."""
    result = resource.import_data(
        sheet.dataset, dry_run=False, use_transactions=True, raise_errors=False
    )
    summary = SheetReport(title=sheet.title, total=len(sheet.dataset))
    for import_type in (
        RowResult.IMPORT_TYPE_NEW,
        RowResult.IMPORT_TYPE_UPDATE,
        RowResult.IMPORT_TYPE_SKIP,
    ):
        summary.counts[import_type] = result.totals.get(import_type, 0)
    summary.counts["problem"] = len(result.invalid_rows) + len(result.error_rows)
    titles = sheet.dataset.get_col(
        sheet.dataset.headers.index(resource.fields["title"].column_name)
    )
    for index, row_result in enumerate(result.rows[:PREVIEW_ROWS]):
        label, badge = OUTCOMES[row_result.import_type]
        summary.rows.append(
            (
                sheet.row_numbers[index],
                str(label),
                badge,
                # A refused row has no record yet: name it by the title the file gives.
                row_result.object_repr or str(titles[index] or ""),
            )
        )
    for invalid in result.invalid_rows:
        row = sheet.row_numbers[invalid.number - 1]
        for attribute, texts in invalid.error_dict.items():
            for text in texts:
                if attribute == NON_FIELD_ERRORS:
                    column = resource.column_of_constraint(text)
                else:
                    column = resource.column_of(attribute)
                report.problems.append(Problem(sheet.title, row, column, text))
    for error_row in result.error_rows:
        row = sheet.row_numbers[error_row.number - 1]
        for error in error_row.errors:
            for message in _messages(error.error):
                report.problems.append(
                    Problem(
                        sheet.title,
                        row,
                        None,
                        gettext("This row could not be saved: %(error)s") % {"error": message},
                    )
                )
    for error in result.base_errors:
        for message in _messages(error.error):
            report.problems.append(Problem(sheet.title, None, None, message))
    report.sheets.append(summary)


def run_import(book: dict, user, *, commit: bool) -> ImportReport:
    """Import the workbook's meetings, then its proposals, in one transaction.

    Every row is validated (its own cells, the lookups in the user's scope, the database's
    rules) and the report lists every problem. The transaction is kept only when ``commit``
    and there is no problem at all; otherwise nothing of it remains (the preview).
    """
    report = ImportReport()
    meetings_sheet, proposals_sheet, report.ignored_sheets = pick_sheets(book)
    # A workbook of proposals alone adds them to meetings already recorded.
    work = [
        (resource_class(user=user), sheet)
        for resource_class, sheet in [
            (MeetingResource, meetings_sheet),
            (ProposalResource, proposals_sheet),
        ]
        if sheet is not None
    ]
    for resource, sheet in work:
        report.problems += check_headers(resource, sheet)
    if report.problems:
        return report
    if not any(len(sheet.dataset) for _resource, sheet in work):
        report.problems.append(
            Problem("", None, None, gettext("The workbook has headers but no rows to import."))
        )
        return report
    with transaction.atomic():
        # Meetings first: the proposals find the ones just saved, inside this transaction.
        for resource, sheet in work:
            _import_sheet(resource, sheet, report)
        if commit and report.ok:
            report.committed = True
        else:
            transaction.set_rollback(True)
    return report
