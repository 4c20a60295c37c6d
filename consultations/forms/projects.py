"""共建 forms: starting a project from adopted proposals, its funding lines, its progress and
completion, and the project list filters."""

import hashlib

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consultations.models import (
    FundingLine,
    FundingSource,
    Project,
    ProjectStatus,
    Proposal,
)
from core.concurrency import VersionedFormMixin
from core.history import display
from core.search import containing
from core.uploads import PHOTO_ACCEPT, PHOTO_HELP_TEXT, validate_photo
from core.widgets import DateInput
from organizations.choices import (
    AreaChoiceField,
    MultiplePicker,
    NamedChoiceField,
    SafeModelMultipleChoiceField,
    scope_area_filter,
    scope_choices,
    search_within,
)
from organizations.models import AreaLevel

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")


def not_negative(form, names, message):
    """A friendly field-level message for amounts the database would refuse as negative."""
    for name in names:
        field = form.fields[name]
        field.validators.append(MinValueValidator(0, message=message))
        field.widget.attrs.update({"min": 0, "step": "0.01", "inputmode": "decimal"})


def proposal_label(proposal):
    return f"{proposal.title} · {proposal.meeting.area.name}"


class ProposalChoiceField(SafeModelMultipleChoiceField):
    """Adopted proposals, picked by searching their titles (``views.projects.proposal_choices``):
    a county may hold thousands adopted and waiting, far too many to list on one page."""

    widget = MultiplePicker
    label_from_instance = staticmethod(proposal_label)


def funding_state(lines):
    """A fingerprint of a project's funding lines as stored: any change to them alters it."""
    rows = sorted(
        (line.pk, line.source, f"{line.planned:.2f}", f"{line.received:.2f}", line.note)
        for line in lines
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:32]


def describe_funding(lines):
    """The funding lines as stored, one per line of text, for the conflict message."""
    planned = FundingLine._meta.get_field("planned")
    return "\n".join(
        gettext("%(source)s: planned %(planned)s, received %(received)s")
        % {
            "source": line.get_source_display(),
            "planned": display(planned, line.planned),
            "received": display(planned, line.received),
        }
        for line in lines
    )


class ProjectForm(VersionedFormMixin, forms.ModelForm):
    """The project's own facts; status, progress and actual dates move only through services.

    Its funding lines are edited on the same page: the form also remembers what they were
    when it was opened (``funding_state``), so a change to them is a conflict as well.
    """

    area = AreaChoiceField(queryset=None, label=_("area"))
    funding_state = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    funding_now = None

    class Meta:
        model = Project
        fields = [
            "title",
            "area",
            "description",
            "lead_organization",
            "budget",
            "planned_start",
            "planned_end",
            "is_public",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "planned_start": DateInput(),
            "planned_end": DateInput(),
        }
        field_classes = {"lead_organization": NamedChoiceField}

    def __init__(self, *args, user, within=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.within = within
        scope_choices(
            self, user, within=within, areas=["area"], organizations=["lead_organization"]
        )
        not_negative(self, ["budget"], _("The budget cannot be negative."))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("planned_start"), cleaned.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", _("The planned end cannot be before the planned start."))
        return cleaned

    def remember_funding(self, lines):
        """Note the funding lines the page shows (unbound form only)."""
        self.fields["funding_state"].initial = funding_state(lines)

    def related_changes(self):
        # Read with the project locked: funding lines saved from this page lock it first.
        self.funding_now = list(self.instance.funding_lines.order_by("pk"))
        submitted = self.cleaned_data.get("funding_state")
        if not submitted or submitted == funding_state(self.funding_now):
            return []
        return [(gettext("Funding by source"), describe_funding(self.funding_now))]

    def version_is_current(self):
        if super().version_is_current():
            return True
        # Saving again after review overwrites the funding lines deliberately, too.
        self.data[self.add_prefix("funding_state")] = funding_state(self.funding_now)
        return False


class ProjectStartForm(ProjectForm):
    """A new project: which adopted proposals it carries out, and its facts."""

    proposals = ProposalChoiceField(
        queryset=None,
        label=_("Adopted proposals it carries out"),
        error_messages={"required": _("Choose at least one adopted proposal.")},
    )

    field_order = ["proposals"]

    def __init__(self, *args, user, within=None, **kwargs):
        super().__init__(*args, user=user, within=within, **kwargs)
        candidates = Proposal.objects.visible_to(user).adopted_without_project()
        candidates = candidates.within(within) if within else candidates
        self.fields["proposals"].queryset = candidates.select_related("meeting__area")
        search_within(self.fields["proposals"], reverse("proposal_choices"), within)
        self.fields["area"].required = False
        self.fields["area"].help_text = _(
            "Leave empty when all the proposals come from one area: the project takes that area."
        )

    def clean(self):
        cleaned = super().clean()
        proposals = cleaned.get("proposals")
        areas = {proposal.meeting.area_id for proposal in proposals or []}
        if len(areas) > 1 and not cleaned.get("area"):
            self.add_error(
                "area", _("The proposals come from different areas; choose the project's area.")
            )
        return cleaned


class FundingLineForm(forms.ModelForm):
    class Meta:
        model = FundingLine
        fields = ["source", "planned", "received", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        not_negative(self, ["planned", "received"], _("Amounts cannot be negative."))


class BaseFundingLineFormSet(forms.BaseInlineFormSet):
    """One line per source: a repeated source is named next to the line that repeats it."""

    def clean(self):
        seen = set()
        repeated = False
        for form in self.forms:
            if self._should_delete_form(form) or not hasattr(form, "cleaned_data"):
                continue
            source = form.cleaned_data.get("source")
            if not source:
                continue
            if source in seen:
                repeated = True
                form.add_error(
                    "source",
                    _("“%(source)s” is already on another line; each source appears once.")
                    % {"source": FundingSource(source).label},
                )
            seen.add(source)
        if repeated:
            raise ValidationError(
                _("Each source of funding may appear only once; add its amounts together."),
                code="duplicate_source",
            )
        # Django's own unique check would repeat the message above in its own words.
        super().clean()


FundingLineFormSet = forms.inlineformset_factory(
    Project,
    FundingLine,
    form=FundingLineForm,
    formset=BaseFundingLineFormSet,
    extra=3,
    can_delete=True,
    max_num=len(FundingSource),
    validate_max=True,
    # A forged TOTAL_FORMS builds at most this many forms (Django's default is 1,000 more).
    absolute_max=2 * len(FundingSource),
)


class ProgressForm(forms.Form):
    reported_on = forms.DateField(label=_("reported on"), widget=DateInput())
    progress = forms.IntegerField(
        label=_("progress (%)"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    description = forms.CharField(
        label=_("description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was done since the last report."),
    )
    photo = forms.FileField(
        label=_("photo"),
        required=False,
        help_text=PHOTO_HELP_TEXT,
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
    )
    photo_is_public = forms.BooleanField(
        label=_("Show this photo on the public board"),
        required=False,
        help_text=_("Shown only while the project itself is public on the village board."),
    )
    complete = forms.BooleanField(
        label=_("The work is finished: mark the project completed on this date"),
        required=False,
    )

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo:
            if not photo.name.lower().endswith(PHOTO_SUFFIXES):
                raise ValidationError(
                    _("A progress photo must be an image (JPG, PNG, GIF or WebP)."),
                    code="file_type",
                )
            validate_photo(photo)
        return photo

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("complete") and cleaned.get("progress") not in (None, 100):
            self.add_error("complete", _("A project is completed only at 100% progress."))
        if cleaned.get("photo_is_public") and not cleaned.get("photo") and "photo" in cleaned:
            self.add_error("photo_is_public", _("Choose a photo to show on the public board."))
        return cleaned


class CompleteForm(forms.Form):
    actual_end = forms.DateField(label=_("actual end"), widget=DateInput())


SORTS = {
    "-created": (_("Newest first"), ["-created_at", "-id"]),
    "planned_end": (
        _("Planned end, soonest first"),
        [F("planned_end").asc(nulls_last=True), "-id"],
    ),
    "title": (_("Title"), ["title", "-id"]),
    "progress": (_("Least progress first"), ["progress", "-id"]),
    "-progress": (_("Most progress first"), ["-progress", "-id"]),
    "-budget": (_("Largest budget first"), ["-budget", "-id"]),
}


class ProjectFilterForm(forms.Form):
    """The project list's filters. Invalid values are dropped rather than failing the page."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    area = AreaChoiceField(queryset=None, label=_("area"), required=False)
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("All statuses")), *ProjectStatus.choices],
    )
    overdue = forms.BooleanField(label=_("Past planned end only"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[(key, label) for key, (label, _o) in SORTS.items()],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Filtering a village includes its hamlets, so the choices stop at villages.
        scope_area_filter(self, user, deepest=AreaLevel.VILLAGE)

    def filter(self, queryset, *, today=None):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("area"):
            queryset = queryset.within(data["area"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("overdue"):
            queryset = queryset.overdue(today or timezone.localdate())
        if data.get("q"):
            queryset = queryset.filter(containing(data["q"], "title"))
        _label, order = SORTS[data.get("sort") or "-created"]
        return queryset.order_by(*order)
