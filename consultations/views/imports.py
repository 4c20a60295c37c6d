"""Importing last year's meetings from Excel: upload → preview → confirm.

The upload is read and checked in full (a dry run inside a transaction that is rolled back)
and the preview lists every row and every problem. Only a file without problems is kept, in
MEDIA_ROOT's import folder (django-import-export's MediaStorage: shared by every app server)
under a random name; the confirm button carries a signed token naming that file, its
checksum and the user. Confirming reads the same file, checks it again against the database
as it is now, and imports it all in one transaction, or nothing.
"""

import datetime as dt

from django.contrib import messages
from django.core import signing
from django.core.files.storage import default_storage
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from import_export.tmp_storages import MediaStorage
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from consultations.forms.imports import ConfirmImportForm, WorkbookUploadForm
from consultations.importing import (
    MAX_ROWS,
    SHEET_MEETINGS,
    SHEET_PROPOSALS,
    WorkbookError,
    checksum,
    read_workbook,
    run_import,
)
from consultations.models import MeetingFormat, ProposalCategory, ProposalStatus
from consultations.resources import MeetingResource, ProposalResource
from consultations.resources.widgets import (
    AreaWidget,
    ChoiceWidget,
    CountWidget,
    DateTimeWidget,
    DateWidget,
    MeetingKeyWidget,
    OrganizationsWidget,
    OrganizationWidget,
    PersonWidget,
    YesNoWidget,
)
from core.spreadsheets import workbook_response
from organizations.models import Area, AreaLevel

IMPORT_SALT = "wuhgong.meeting-import"
TOKEN_MAX_AGE = 2 * 60 * 60
STORAGE_FOLDER = "django-import-export"
# Files of previews never confirmed are removed once this old.
STALE_AFTER = dt.timedelta(days=1)


def _store(content):
    storage = MediaStorage()
    storage.save(content)
    _remove_stale()
    return storage.name


def _remove_stale():
    try:
        _dirs, files = default_storage.listdir(STORAGE_FOLDER)
    except FileNotFoundError:
        return
    limit = timezone.now() - STALE_AFTER
    for name in files:
        path = f"{STORAGE_FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(path) < limit:
                default_storage.delete(path)
        except FileNotFoundError:
            continue


def _preview(request, report, token=None, status=200):
    return render(
        request,
        "consultations/import_preview.html",
        {"report": report, "token": token, "upload_form": WorkbookUploadForm()},
        status=status,
    )


def meeting_import(request):
    """The upload form; a posted workbook is checked in full and previewed."""
    form = WorkbookUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        report = run_import(form.book, request.user, commit=False)
        token = None
        if report.ok:
            name = _store(form.content)
            token = signing.dumps(
                {"file": name, "sha256": checksum(form.content), "user": request.user.pk},
                salt=IMPORT_SALT,
            )
        return _preview(request, report, token)
    return render(
        request,
        "consultations/import_upload.html",
        {"form": form, "max_rows": f"{MAX_ROWS:,}"},
        status=400 if form.is_bound else 200,
    )


def _expired(request):
    messages.error(request, _("This preview has expired; upload the workbook again."))
    return redirect("meeting_import")


@require_POST
def meeting_import_confirm(request):
    """Import the previewed workbook, checked once more, in one transaction."""
    form = ConfirmImportForm(request.POST)
    if not form.is_valid():
        return _expired(request)
    try:
        payload = signing.loads(form.cleaned_data["token"], salt=IMPORT_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return _expired(request)
    if not isinstance(payload, dict) or payload.get("user") != request.user.pk:
        return _expired(request)
    storage = MediaStorage(name=payload["file"])
    try:
        content = storage.read()
    except (FileNotFoundError, OSError):
        return _expired(request)
    if checksum(content) != payload.get("sha256"):
        return _expired(request)
    try:
        book = read_workbook(content)
    except WorkbookError:
        return _expired(request)
    report = run_import(book, request.user, commit=True)
    if not report.committed:
        # Something changed since the preview (another import, an edit): nothing was saved.
        messages.error(request, _("The workbook no longer imports cleanly; nothing was saved."))
        return _preview(request, report, status=409)
    storage.remove()
    meetings, *rest = report.sheets
    done = _("Imported: %(new)d new meetings, %(updated)d updated, %(unchanged)d unchanged.") % {
        "new": meetings.counts["new"],
        "updated": meetings.counts["update"],
        "unchanged": meetings.counts["skip"],
    }
    if rest:
        done += " " + _("Proposals: %(new)d new, %(updated)d updated, %(unchanged)d unchanged.") % {
            "new": rest[0].counts["new"],
            "updated": rest[0].counts["update"],
            "unchanged": rest[0].counts["skip"],
        }
    messages.success(request, done)
    return redirect("meeting_list")


# --- the template workbook -------------------------------------------------------------------


def _example_area(user):
    areas = Area.objects.visible_to(user).order_by("level", "code")
    return areas.filter(level=AreaLevel.VILLAGE).first() or areas.first()


def _meeting_example(area, when):
    return {
        "area": area.code if area else "421221101201",
        "area_name": area.name if area else _("Lushui Village"),
        "format": MeetingFormat.COURTYARD.label,
        "title": _("Paving the road to the hamlet"),
        "place": _("The square of the hamlet"),
        "starts_at": when,
        "attendance_total": 36,
        "attendance_party_member": 5,
        "attendance_non_party_intellectual": 2,
        "attendance_new_social_class": 1,
        "attendance_village_worthy": 3,
        "attendance_villager": 25,
        "agenda": _("How to pave the 800 metres of road to the hamlet, and who gives what."),
        "summary_is_public": _("no"),
    }


def _proposal_example(meeting):
    return {
        "meeting_area": meeting["area"],
        "meeting_area_name": meeting["area_name"],
        "meeting_starts_at": meeting["starts_at"],
        "meeting": meeting["title"],
        "title": _("Pave 800 metres of the hamlet road"),
        "category": ProposalCategory.ROADS.label,
        "status": ProposalStatus.ADOPTED.label,
        "decided_on": meeting["starts_at"].date(),
        "votes_present": 36,
        "votes_for": 30,
        "votes_against": 2,
        "votes_abstain": 4,
    }


def _how_to_fill(resource, name, field):
    """What to write in a column, for the notes sheet."""
    widget = field.widget
    if field.readonly and not isinstance(widget, AreaWidget) and name != "meeting_starts_at":
        if name.endswith("area_name"):
            return _("The area's name; enough on its own when the division code is empty.")
        return _("Written by the export; ignored by the import.")
    if isinstance(widget, AreaWidget):
        return _("The 12-digit division code of the village (or town, hamlet).")
    if isinstance(widget, ChoiceWidget):
        return _("One of: %(choices)s") % {
            "choices": "、".join(str(choice.label) for choice in widget.choices)
        }
    if isinstance(widget, DateTimeWidget):
        return _("Date and time, such as 2024-10-31 19:30.")
    if isinstance(widget, DateWidget):
        return _("A date, such as 2024-11-02.")
    if isinstance(widget, CountWidget):
        return _("A whole number, 0 or more.")
    if isinstance(widget, YesNoWidget):
        return _("yes or no")
    if isinstance(widget, OrganizationsWidget):
        return _("Names of organizations in your area, separated by ；")
    if isinstance(widget, OrganizationWidget):
        return _("The name of an organization in your area, or empty.")
    if isinstance(widget, PersonWidget):
        return _("The name of a person in your area, or empty. No phone numbers.")
    if isinstance(widget, MeetingKeyWidget):
        return _("The meeting's title, as on the meetings sheet.")
    return _("Text.")


@require_GET
def meeting_import_template(request):
    """The workbook to fill in: both sheets' headers, one example row, and notes."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    when = dt.datetime(timezone.localdate().year - 1, 10, 31, 19, 30)
    meeting = _meeting_example(_example_area(request.user), when)
    notes = []
    for title, resource, example in [
        (SHEET_MEETINGS, MeetingResource(user=request.user), meeting),
        (SHEET_PROPOSALS, ProposalResource(user=request.user), _proposal_example(meeting)),
    ]:
        sheet = workbook.create_sheet(str(title))
        names = list(resource.Meta.fields)
        sheet.append(resource.headers())
        sheet.append([_cell(example.get(name, "")) for name in names])
        for cell in sheet[1]:
            cell.font = bold
        for index, header in enumerate(resource.headers(), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(len(header) * 2 + 2, 12)
        sheet.freeze_panes = "A2"
        required = set(resource.required_columns)
        for name in names:
            field = resource.fields[name]
            notes.append(
                [
                    str(title),
                    field.column_name,
                    _("yes") if name in required else _("no"),
                    str(_how_to_fill(resource, name, field)),
                ]
            )
    sheet = workbook.create_sheet(_("How to fill in"))
    sheet.append([_("Sheet"), _("Column"), _("Required"), _("What to write")])
    for cell in sheet[1]:
        cell.font = bold
    for row in notes:
        sheet.append(row)
    for letter, width in zip("ABCD", (10, 22, 8, 70), strict=True):
        sheet.column_dimensions[letter].width = width
    return workbook_response(
        workbook, _("meeting import template"), ascii_name="meeting-import-template"
    )


def _cell(value):
    return str(value) if isinstance(value, Promise) else value
