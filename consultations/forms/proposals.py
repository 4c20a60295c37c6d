"""共谋 forms: raising a proposal at a meeting, each decision step, and the list filters.

The lifecycle rules themselves live in consultations/services.py; these forms repeat the ones
that concern what was typed (votes that add up, dates that make sense) so that the message
appears next to the field, and leave the rest to the services.
"""

from datetime import timedelta

from django import forms
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.models import Proposal, ProposalCategory, ProposalStatus
from core.search import containing
from core.widgets import DateInput, DateTimeInput
from organizations.choices import (
    AreaChoiceField,
    NamedChoiceField,
    scope_area_filter,
    scope_choices,
    search_within,
)
from organizations.models import AreaLevel, Organization, Person

from .meetings import start_of_day

# No village vote has more voters than this; a bigger number is a typing slip, and it also
# keeps the value far inside the database's integer range.
MAX_VOTERS = 100_000
# Long enough for any note or reply written at a meeting; a bound keeps pasted junk out.
MAX_TEXT = 10_000


def _text(label, *, required, rows=4, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _count(label, *, min_value=0, help_text=""):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=min_value,
        max_value=MAX_VOTERS,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class ProposalForm(forms.ModelForm):
    """An issue raised at a meeting; the meeting comes from the address, not the form."""

    description = _text(_("description"), required=False, rows=5)
    raised_by = NamedChoiceField(
        queryset=Person.objects.none(), label=_("raised by"), required=False
    )

    class Meta:
        model = Proposal
        fields = ["title", "category", "description", "raised_by"]

    def __init__(self, *args, user, within=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope_choices(self, user, within=within, people=["raised_by"])
        self.fields["raised_by"].help_text = _("Leave empty when raised by the meeting as a whole.")


class StepForm(forms.Form):
    """A decision step on one proposal; ``proposal`` gives the dates and counts to check."""

    def __init__(self, *args, proposal, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        self.user = user

    @property
    def meeting_day(self):
        return timezone.localdate(self.proposal.meeting.starts_at)

    def _not_before_meeting(self, name):
        day = self.cleaned_data.get(name)
        if day is not None and day < self.meeting_day:
            raise forms.ValidationError(
                _("The date cannot be before the meeting of %(date)s.")
                % {"date": self.meeting_day.isoformat()},
                code="before_meeting",
            )
        return day

    def _not_in_future(self, name):
        day = self.cleaned_data.get(name)
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."), code="in_future")
        return day


class DeliberateForm(StepForm):
    note = _text(
        _("note"),
        required=False,
        help_text=_("For example, which body deliberates it and when."),
    )


class DecisionForm(StepForm):
    """The date of a decision and, when there was a vote, its count."""

    decided_on = forms.DateField(label=_("decided on"), widget=DateInput())
    votes_present = _count(
        _("voters present"),
        min_value=1,
        help_text=_("Leave empty to use the meeting's attendance."),
    )
    votes_for = _count(_("votes for"))
    votes_against = _count(_("votes against"))
    votes_abstain = _count(_("abstentions"))

    vote_fields = ["votes_present", "votes_for", "votes_against", "votes_abstain"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_on"].initial = timezone.localdate()

    def clean_decided_on(self):
        self._not_before_meeting("decided_on")
        return self._not_in_future("decided_on")

    def clean(self):
        cleaned = super().clean()
        if any(self.has_error(name) for name in self.vote_fields):
            return cleaned
        counts = [cleaned.get(name) for name in ("votes_for", "votes_against", "votes_abstain")]
        cast = sum(n or 0 for n in counts)
        present = cleaned.get("votes_present")
        if present is None and any(n is not None for n in counts):
            present = self.proposal.meeting.attendance_total or None
            where = None
        else:
            where = "votes_present"
        if present is not None and cast > present:
            self.add_error(
                where,
                _("%(cast)d votes were cast but only %(present)d people were present.")
                % {"cast": cast, "present": present},
            )
        return cleaned

    @property
    def vote_bound_fields(self):
        return [self[name] for name in self.vote_fields]

    @property
    def general_fields(self):
        """The fields before the vote: the date, and the reason when there is one."""
        skip = {*self.vote_fields, "note"}
        return [field for field in self.visible_fields() if field.name not in skip]

    @property
    def closing_fields(self):
        return [self[name] for name in ["note"] if name in self.fields]


class AdoptForm(DecisionForm):
    note = _text(_("note"), required=False, rows=3)

    def clean(self):
        cleaned = super().clean()
        if any(self.has_error(name) for name in self.vote_fields):
            return cleaned
        votes_for = cleaned.get("votes_for")
        votes_against = cleaned.get("votes_against")
        others = [cleaned.get(name) for name in ("votes_present", "votes_against", "votes_abstain")]
        if votes_for is None and any(n is not None for n in others):
            self.add_error("votes_for", _("Enter the votes for, or leave all the counts empty."))
        elif votes_for is not None and votes_for <= (votes_against or 0):
            self.add_error(
                "votes_for",
                _("The vote does not carry: %(for)d for, %(against)d against.")
                % {"for": votes_for, "against": votes_against or 0},
            )
        return cleaned


class RejectForm(DecisionForm):
    reason = _text(
        _("reason for not adopting"),
        required=True,
        help_text=_("Shown to the villagers; say why and what could change it."),
    )
    field_order = ["decided_on", "reason"]

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for not adopting."), code="required")
        return reason


class ReferForm(StepForm):
    handling_unit = NamedChoiceField(queryset=Organization.objects.none(), label=_("handling unit"))
    due_on = forms.DateField(label=_("reply due on"), widget=DateInput())
    note = _text(_("note"), required=False, rows=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        area, units = self.proposal.meeting.area, self.fields["handling_unit"]
        units.queryset = Organization.objects.handling_units_for(self.user, area)
        units.queryset = units.queryset.select_related("area")
        search_within(units, reverse("org_choices"), units_for=area.code)
        self.fields["due_on"].initial = timezone.localdate() + timedelta(days=30)

    def clean_due_on(self):
        return self._not_before_meeting("due_on")


class ReplyForm(StepForm):
    reply = _text(_("reply"), required=True, rows=6)
    replied_at = forms.DateTimeField(
        label=_("replied at"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Leave empty for now."),
    )

    def clean_reply(self):
        reply = self.cleaned_data["reply"].strip()
        if not reply:
            raise forms.ValidationError(_("The reply is empty."), code="required")
        return reply

    def clean_replied_at(self):
        moment = self.cleaned_data.get("replied_at")
        if moment is None:
            return None
        if moment > timezone.now():
            raise forms.ValidationError(_("The date cannot be in the future."), code="in_future")
        if moment < self.proposal.meeting.starts_at:
            raise forms.ValidationError(
                _("The date cannot be before the meeting of %(date)s.")
                % {"date": self.meeting_day.isoformat()},
                code="before_meeting",
            )
        return moment


class FeedbackForm(StepForm):
    feedback = _text(
        _("proposer's feedback"),
        required=True,
        rows=5,
        help_text=_("Is the proposer satisfied with the reply? What remains to be done?"),
    )

    def clean_feedback(self):
        feedback = self.cleaned_data["feedback"].strip()
        if not feedback:
            raise forms.ValidationError(_("The feedback is empty."), code="required")
        return feedback


SORTS = {
    "-created_at": _("Newest first"),
    "created_at": _("Oldest first"),
    "-meeting__starts_at": _("Latest meeting first"),
    "title": _("Title"),
    "-decided_on": _("Latest decision first"),
    "referral_due_on": _("Reply due soonest"),
}


NULLABLE_SORTS = {"decided_on", "referral_due_on"}


class ProposalFilterForm(forms.Form):
    """Filters shared by the list and the board. Invalid values are dropped one by one."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    area = AreaChoiceField(
        queryset=None, label=_("area"), required=False, empty_label=_("All areas")
    )
    category = forms.ChoiceField(
        label=_("category"),
        required=False,
        choices=[("", _("All categories")), *ProposalCategory.choices],
    )
    start = forms.DateField(label=_("Meeting from"), required=False, widget=DateInput())
    end = forms.DateField(label=_("Meeting to"), required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Filtering a village includes its hamlets, so the choices stop at villages.
        scope_area_filter(self, user, deepest=AreaLevel.VILLAGE)

    @property
    def valid_data(self):
        """What validated; a forged or mistyped value drops only its own filter."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def filter(self, queryset):
        data = self.valid_data
        if data.get("area"):
            queryset = queryset.within(data["area"])
        if data.get("category"):
            queryset = queryset.filter(category=data["category"])
        if data.get("start"):
            queryset = queryset.filter(meeting__starts_at__gte=start_of_day(data["start"]))
        if data.get("end"):
            queryset = queryset.filter(
                meeting__starts_at__lt=start_of_day(data["end"] + timedelta(days=1))
            )
        if data.get("q"):
            q = data["q"]
            queryset = queryset.filter(containing(q, "title", "description"))
        return queryset


class ProposalListFilterForm(ProposalFilterForm):
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("All statuses")), *ProposalStatus.choices],
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=list(SORTS.items()))

    field_order = ["q", "status", "category", "area", "start", "end", "sort"]

    def filter(self, queryset):
        queryset = super().filter(queryset)
        data = self.valid_data
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        sort = data.get("sort") or "-created_at"
        column, descending = sort.lstrip("-"), sort.startswith("-")
        if column in NULLABLE_SORTS:
            # Nulls (no decision, no due date) go last whichever way the column sorts.
            order = (
                F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
            )
        else:
            # Plain order on columns that are never empty, so that their indexes serve it.
            order = F(column).desc() if descending else F(column).asc()
        return queryset.order_by(order, "-id")
