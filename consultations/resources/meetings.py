"""共谋 in a spreadsheet: the columns of meetings and of proposals, and how the meeting
import reads them back.

``MEETING_COLUMNS`` and ``PROPOSAL_COLUMNS`` are what every export of meetings and proposals
writes (the staff lists, the admin, the meeting workbook's two sheets) and the headers the
import expects. A person is written by name only: phone numbers never leave in a
spreadsheet. ``MeetingResource`` and ``ProposalResource`` read the same columns back: rows
are matched to recorded meetings by (area, start time, title), so importing the same file
twice changes nothing.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Aggregate, CharField, OuterRef, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consultations import services
from consultations.models import (
    ATTENDANCE_FIELDS,
    Meeting,
    MeetingFormat,
    Proposal,
    ProposalCategory,
    ProposalStatus,
    ProposalStatusChange,
)
from core.columns import TEXT, Column, Columns, LocalTime, field, fields, text

from .base import SpreadsheetResource, cell
from .widgets import (
    LIST_SEPARATOR,
    AreaWidget,
    ChoiceWidget,
    CountWidget,
    DateTimeWidget,
    DateWidget,
    MeetingKeyWidget,
    OrganizationsWidget,
    OrganizationWidget,
    PersonWidget,
    TextWidget,
    YesNoWidget,
)

# --- the columns ------------------------------------------------------------------------------


class JoinedNames(Aggregate):
    """Names joined into one string by the database (GROUP_CONCAT, STRING_AGG), in no set
    order: a meeting's attending organizations in the same query as the meeting."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def __init__(self, expression, **extra):
        super().__init__(expression, Value(LIST_SEPARATOR), **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="STRING_AGG", **extra_context)


def with_attending_names(meetings):
    through = Meeting.attending_organizations.through
    names = (
        through.objects.filter(meeting_id=OuterRef("pk"))
        .order_by()
        .values("meeting_id")
        .annotate(names=JoinedNames("organization__name"))
        .values("names")
    )
    return meetings.annotate(attending_names=Subquery(names, output_field=CharField()))


def sorted_names(joined):
    # Sorted, the cell reads the same each time.
    return LIST_SEPARATOR.join(
        sorted(name for name in (joined or "").split(LIST_SEPARATOR) if name)
    )


MEETING_COLUMNS = Columns(
    Meeting,
    [
        text("area", _("division code"), "area__code"),
        text("area_name", _("area"), "area__name"),
        *fields(Meeting, "format", "title", "place", "starts_at"),
        field(Meeting, "host_organization", "host_organization__name"),
        field(Meeting, "moderator", "moderator__name"),
        Column(
            "attending_organizations",
            Meeting._meta.get_field("attending_organizations").verbose_name,
            "attending_names",
            sorted_names,
            TEXT,
        ),
        *fields(Meeting, "attendance_total", *ATTENDANCE_FIELDS.values()),
        *fields(Meeting, "agenda", "minutes", "summary_is_public"),
    ],
    annotate=with_attending_names,
)

PROPOSAL_COLUMNS = Columns(
    Proposal,
    [
        text("meeting_area", _("meeting division code"), "meeting__area__code"),
        text("meeting_area_name", _("meeting area"), "meeting__area__name"),
        LocalTime("meeting_starts_at", _("meeting start time"), "meeting__starts_at"),
        text("meeting", _("meeting title"), "meeting__title"),
        text("title", _("proposal title"), "title"),
        *fields(Proposal, "category", "description"),
        field(Proposal, "raised_by", "raised_by__name"),
        *fields(Proposal, "status", "decided_on"),
        *fields(Proposal, "votes_present", "votes_for", "votes_against", "votes_abstain"),
        field(Proposal, "rejection_reason"),
        field(Proposal, "referred_to", "referred_to__name"),
        *fields(Proposal, "referral_due_on", "reply", "replied_at", "feedback", "feedback_at"),
        # Which project carries it out is recorded when the project starts (共建), not imported.
        text("project", _("carried out by project"), "project__title"),
    ],
)


# --- the import -----------------------------------------------------------------------------


def minute_key(area_id, starts_at, title):
    """The key a meeting is matched by: area, start to the minute (in UTC), title."""
    minute = starts_at.astimezone(dt.UTC).replace(second=0, microsecond=0)
    return (area_id, minute, title)


def _meeting_cell(name, widget, **kwargs):
    return cell(MEETING_COLUMNS, name, widget, **kwargs)


def _count(name, **kwargs):
    return _meeting_cell(name, CountWidget(), default=0, **kwargs)


class MeetingResource(SpreadsheetResource):
    """One row per meeting."""

    columns = MEETING_COLUMNS

    area = _meeting_cell("area", AreaWidget("area_name"))
    area_name = _meeting_cell("area_name", TextWidget(), attribute="area__name", readonly=True)
    format = _meeting_cell("format", ChoiceWidget(MeetingFormat))
    title = _meeting_cell("title", TextWidget())
    place = _meeting_cell("place", TextWidget())
    starts_at = _meeting_cell("starts_at", DateTimeWidget())
    host_organization = _meeting_cell("host_organization", OrganizationWidget())
    moderator = _meeting_cell("moderator", PersonWidget())
    attending_organizations = _meeting_cell("attending_organizations", OrganizationsWidget())
    attendance_total = _count("attendance_total")
    attendance_party_member = _count("attendance_party_member")
    attendance_non_party_intellectual = _count("attendance_non_party_intellectual")
    attendance_new_social_class = _count("attendance_new_social_class")
    attendance_democratic_party = _count("attendance_democratic_party")
    attendance_non_partisan = _count("attendance_non_partisan")
    attendance_village_worthy = _count("attendance_village_worthy")
    attendance_villager = _count("attendance_villager")
    agenda = _meeting_cell("agenda", TextWidget())
    minutes = _meeting_cell("minutes", TextWidget())
    summary_is_public = _meeting_cell("summary_is_public", YesNoWidget(), default=False)

    area_field = "area"
    required_columns = ("area", "area_name", "format", "title", "starts_at", "attendance_total")
    constraint_columns = {"meeting_attendance_categories_within_total": "attendance_total"}

    class Meta:
        model = Meeting
        fields = MEETING_COLUMNS.names
        import_id_fields = ("area", "starts_at", "title")

    def before_import(self, dataset, **kwargs):
        # One query for every recorded meeting the rows may match, instead of one per row.
        rows = self.rows_of(dataset)
        self.prefetch_areas(rows)
        self.index = {}
        for meeting in self.get_queryset().filter(
            area_id__in=self.row_areas(rows), title__in=self.column_values(rows, "title")
        ):
            key = minute_key(meeting.area_id, meeting.starts_at, meeting.title)
            self.index.setdefault(key, []).append(meeting)

    def find_existing(self, params):
        return self.index.get(
            minute_key(params["area"].pk, params["starts_at"], params["title"]), []
        )

    def check_row(self, meeting, errors):
        if any(name in errors for name in ["attendance_total", *ATTENDANCE_FIELDS.values()]):
            return {}
        counts = sum(getattr(meeting, name) or 0 for name in ATTENDANCE_FIELDS.values())
        total = meeting.attendance_total or 0
        if counts > total:
            return {
                "attendance_total": ValidationError(
                    gettext("The categories add up to %(sum)d, more than the total of %(total)d.")
                    % {"sum": counts, "total": total}
                )
            }
        return {}

    def before_save_instance(self, meeting, row, **kwargs):
        super().before_save_instance(meeting, row, **kwargs)
        if meeting._imported_new:
            # A historical meeting was recorded when it was held, not today.
            meeting.created_at = min(meeting.starts_at, timezone.now())

    def save_record(self, meeting):
        services.save_meeting(meeting=meeting, actor=self.user)

    def after_save_instance(self, meeting, row, **kwargs):
        if meeting._imported_new:
            # A second row with the same key updates this meeting rather than repeat it.
            key = minute_key(meeting.area_id, meeting.starts_at, meeting.title)
            self.index.setdefault(key, []).append(meeting)


def _proposal_cell(name, widget, **kwargs):
    return cell(PROPOSAL_COLUMNS, name, widget, **kwargs)


class ProposalResource(SpreadsheetResource):
    """One row per proposal, naming its meeting by the meeting's area, start and title (the
    meetings sheet's key). Status and decision are taken as written, within the rules the
    database keeps (a proposal not adopted needs its reason, a decision its date, …)."""

    columns = PROPOSAL_COLUMNS

    meeting_area = _proposal_cell(
        "meeting_area",
        AreaWidget("meeting_area_name"),
        attribute="meeting__area",
        readonly=True,
    )
    meeting_area_name = _proposal_cell(
        "meeting_area_name", TextWidget(), attribute="meeting__area__name", readonly=True
    )
    meeting_starts_at = _proposal_cell(
        "meeting_starts_at", DateTimeWidget(), attribute="meeting__starts_at", readonly=True
    )
    meeting = _proposal_cell("meeting", MeetingKeyWidget())
    title = _proposal_cell("title", TextWidget())
    category = _proposal_cell("category", ChoiceWidget(ProposalCategory))
    description = _proposal_cell("description", TextWidget())
    raised_by = _proposal_cell("raised_by", PersonWidget())
    status = _proposal_cell("status", ChoiceWidget(ProposalStatus), default=ProposalStatus.RAISED)
    decided_on = _proposal_cell("decided_on", DateWidget())
    votes_present = _proposal_cell("votes_present", CountWidget())
    votes_for = _proposal_cell("votes_for", CountWidget())
    votes_against = _proposal_cell("votes_against", CountWidget())
    votes_abstain = _proposal_cell("votes_abstain", CountWidget())
    rejection_reason = _proposal_cell("rejection_reason", TextWidget())
    referred_to = _proposal_cell("referred_to", OrganizationWidget())
    referral_due_on = _proposal_cell("referral_due_on", DateWidget())
    reply = _proposal_cell("reply", TextWidget())
    replied_at = _proposal_cell("replied_at", DateTimeWidget())
    feedback = _proposal_cell("feedback", TextWidget())
    feedback_at = _proposal_cell("feedback_at", DateTimeWidget())
    project = _proposal_cell("project", TextWidget(), attribute="project__title", readonly=True)

    area_field = "meeting_area"
    required_columns = (
        "meeting_area",
        "meeting_area_name",
        "meeting_starts_at",
        "meeting",
        "title",
        "category",
        "status",
    )
    constraint_columns = {
        "proposal_votes_within_present": "votes_present",
        "proposal_rejection_has_reason": "rejection_reason",
        "proposal_decision_has_date": "decided_on",
        "proposal_referral_has_unit_and_due_date": "referred_to",
        "proposal_project_only_when_adopted": "status",
    }

    class Meta:
        model = Proposal
        fields = PROPOSAL_COLUMNS.names
        import_id_fields = ("meeting", "title")

    def before_import(self, dataset, **kwargs):
        # Two queries for every meeting and proposal the rows may name (the meetings sheet's
        # are saved by now, in the same transaction), instead of two per row.
        rows = self.rows_of(dataset)
        self.prefetch_areas(rows)
        self.meetings = {}
        for meeting in Meeting.objects.visible_to(self.user).filter(
            area_id__in=self.row_areas(rows), title__in=self.column_values(rows, "meeting")
        ):
            key = minute_key(meeting.area_id, meeting.starts_at, meeting.title)
            self.meetings.setdefault(key, []).append(meeting)
        self.index = {}
        meeting_ids = [m.pk for found in self.meetings.values() for m in found]
        for proposal in self.get_queryset().filter(
            meeting_id__in=meeting_ids, title__in=self.column_values(rows, "title")
        ):
            self.index.setdefault((proposal.meeting_id, proposal.title), []).append(proposal)

    def meetings_by_key(self, area, starts_at, title):
        return self.meetings.get(minute_key(area.pk, starts_at, title), [])

    def find_existing(self, params):
        return self.index.get((params["meeting"].pk, params["title"]), [])

    def before_save_instance(self, proposal, row, **kwargs):
        super().before_save_instance(proposal, row, **kwargs)
        if proposal._imported_new:
            proposal.created_at = min(proposal.meeting.starts_at, timezone.now())

    def save_record(self, proposal):
        services.save_proposal(proposal=proposal, actor=self.user)

    def after_save_instance(self, proposal, row, **kwargs):
        if not proposal._imported_new:
            return
        self.index.setdefault((proposal.meeting_id, proposal.title), []).append(proposal)
        # The lifecycle's history starts with the import, dated as the file says.
        when = proposal.meeting.starts_at
        if proposal.decided_on:
            noon = dt.datetime.combine(proposal.decided_on, dt.time(12))
            when = max(when, timezone.make_aware(noon))
        ProposalStatusChange.objects.create(
            proposal=proposal,
            from_status="",
            to_status=proposal.status,
            changed_at=min(when, timezone.now()),
            changed_by=self.user,
            note=gettext("Imported from a workbook."),
        )
