"""Exports of the five stages as CSV and xlsx, from the staff pages.

Each export takes the same query string as its list page and filters with the list's own
form, always starting from ``visible_to(request.user)``: nobody can export what they could
not open. The columns come from consultations.resources, the writing (streamed CSV, xlsx from
a temporary file) from core.spreadsheets.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from consultations.forms.exports import PeriodFilterForm
from consultations.forms.meetings import MeetingFilterForm
from consultations.forms.projects import ProjectFilterForm
from consultations.forms.proposals import ProposalListFilterForm
from consultations.models import Evaluation, Meeting, Outcome, Project, Proposal
from consultations.resources import (
    EVALUATION_COLUMNS,
    MEETING_COLUMNS,
    OUTCOME_COLUMNS,
    PROJECT_COLUMNS,
    PROPOSAL_COLUMNS,
)
from core.spreadsheets import TooManyRows, csv_response, xlsx_response

CSV = "csv"
XLSX = "xlsx"


def _respond(request, fmt, sheets, what, back):
    """CSV of the first sheet, or an xlsx of all; too big for Excel → back with a message.

    ``what`` is the English name of the export (the file's ASCII name); the file is named
    in the request's language with today's date."""
    day = timezone.localdate().isoformat()
    names = {"filename": f"{_(what)}-{day}", "ascii_name": f"{what}-{day}"}
    if fmt == CSV:
        _title, columns, queryset = sheets[0]
        return csv_response(columns, queryset, **names)
    try:
        return xlsx_response(sheets, **names)
    except TooManyRows:
        messages.error(
            request,
            _(
                "Too many rows for one Excel sheet (at most 1,048,575). Narrow the filters "
                "or export CSV instead."
            ),
        )
        query = request.GET.urlencode()
        return redirect(reverse(back) + (f"?{query}" if query else ""))


def meetings_for_export(request):
    filters = MeetingFilterForm(request.GET or None, user=request.user)
    return filters.filter(Meeting.objects.visible_to(request.user))


def proposals_of(meetings, user):
    """The proposals raised at these meetings, meeting by meeting."""
    return (
        Proposal.objects.visible_to(user)
        .filter(meeting__in=meetings.order_by().values("pk"))
        .order_by("meeting__starts_at", "meeting_id", "created_at", "id")
    )


@require_GET
def meeting_export(request, fmt):
    """The meeting list as filtered; the workbook adds their proposals on a second sheet,
    which makes it a file the meeting import reads back as it is."""
    meetings = meetings_for_export(request)
    sheets = [(_("Meetings"), MEETING_COLUMNS, meetings)]
    if fmt == XLSX:
        proposals = proposals_of(meetings, request.user)
        sheets.append((_("Proposals"), PROPOSAL_COLUMNS, proposals))
    return _respond(request, fmt, sheets, gettext_noop("meetings"), "meeting_list")


@require_GET
def proposal_export(request, fmt):
    filters = ProposalListFilterForm(request.GET or None, user=request.user)
    proposals = filters.filter(Proposal.objects.visible_to(request.user))
    sheets = [(_("Proposals"), PROPOSAL_COLUMNS, proposals)]
    return _respond(request, fmt, sheets, gettext_noop("proposals"), "proposal_list")


@require_GET
def project_export(request, fmt):
    filters = ProjectFilterForm(request.GET or None, user=request.user)
    projects = filters.filter(Project.objects.visible_to(request.user))
    sheets = [(_("Projects"), PROJECT_COLUMNS, projects)]
    return _respond(request, fmt, sheets, gettext_noop("projects"), "project_list")


@require_GET
def evaluation_export(request, fmt):
    """Evaluations in the user's scope, optionally of one area and a period (evaluated on)."""
    filters = PeriodFilterForm(request.GET or None, user=request.user)
    evaluations = filters.filter(
        Evaluation.objects.visible_to(request.user), date_field="evaluated_on"
    ).order_by("-evaluated_on", "-id")
    sheets = [(_("Evaluations"), EVALUATION_COLUMNS, evaluations)]
    return _respond(request, fmt, sheets, gettext_noop("evaluations"), "project_list")


@require_GET
def outcome_export(request, fmt):
    """Outcomes in the user's scope, optionally of one area and a period (disclosed on)."""
    filters = PeriodFilterForm(request.GET or None, user=request.user)
    outcomes = filters.filter(
        Outcome.objects.visible_to(request.user), date_field="disclosed_on"
    ).order_by("project__area__code", "-disclosed_on", "-id")
    sheets = [(_("Outcomes"), OUTCOME_COLUMNS, outcomes)]
    return _respond(request, fmt, sheets, gettext_noop("outcomes"), "project_list")
