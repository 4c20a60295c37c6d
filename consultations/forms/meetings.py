"""共谋 forms: meetings with their attendance and attachments, and the meeting list filters."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.models import (
    ATTENDANCE_FIELDS,
    Attachment,
    AttachmentKind,
    Meeting,
    MeetingFormat,
)
from core.concurrency import VersionedFormMixin
from core.search import containing
from core.uploads import UPLOAD_ACCEPT, UPLOAD_HELP_TEXT, validate_upload
from core.widgets import DateInput, DateTimeInput
from organizations.choices import (
    AreaChoiceField,
    NamedChoiceField,
    NamedMultipleChoiceField,
    scope_area_filter,
    scope_choices,
)
from organizations.models import AreaLevel


class MeetingForm(VersionedFormMixin, forms.ModelForm):
    area = AreaChoiceField(queryset=None, label=_("area"))
    attending_organizations = NamedMultipleChoiceField(
        queryset=None, required=False, label=_("attending organizations")
    )

    class Meta:
        model = Meeting
        fields = [
            "format",
            "title",
            "area",
            "place",
            "starts_at",
            "host_organization",
            "moderator",
            "attendance_total",
            *ATTENDANCE_FIELDS.values(),
            "attending_organizations",
            "agenda",
            "minutes",
            "summary_is_public",
        ]
        widgets = {
            "starts_at": DateTimeInput(),
            "agenda": forms.Textarea(attrs={"rows": 4}),
            "minutes": forms.Textarea(attrs={"rows": 10}),
        }
        field_classes = {"host_organization": NamedChoiceField, "moderator": NamedChoiceField}

    def __init__(self, *args, user, within=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope_choices(
            self,
            user,
            within=within,
            areas=["area"],
            organizations=["host_organization", "attending_organizations"],
            people=["moderator"],
        )
        for name in ["attendance_total", *ATTENDANCE_FIELDS.values()]:
            self.fields[name].widget.attrs.update({"min": 0, "inputmode": "numeric"})

    @property
    def attendance_fields(self):
        return [self[name] for name in ATTENDANCE_FIELDS.values()]

    @property
    def general_fields(self):
        skip = {"attendance_total", *ATTENDANCE_FIELDS.values()}
        return [field for field in self.visible_fields() if field.name not in skip]

    def clean(self):
        cleaned = super().clean()
        total = cleaned.get("attendance_total")
        counts = [cleaned.get(name) for name in ATTENDANCE_FIELDS.values()]
        if total is not None and None not in counts and sum(counts) > total:
            self.add_error(
                "attendance_total",
                _("The categories add up to %(sum)d, more than the total of %(total)d.")
                % {"sum": sum(counts), "total": total},
            )
        return cleaned


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = Attachment
        fields = ["kind", "file", "caption", "is_public"]
        help_texts = {"file": UPLOAD_HELP_TEXT}
        widgets = {"file": forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT})}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        # Only a new upload needs checking; an existing file was checked when it came in.
        if upload and hasattr(upload, "content_type"):
            validate_upload(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        # The database refuses it too; this says so next to the box.
        if cleaned.get("is_public") and cleaned.get("kind") not in (None, AttachmentKind.PHOTO):
            self.add_error("is_public", _("Only photos can be shown on the public board."))
        return cleaned


AttachmentFormSet = forms.inlineformset_factory(
    Meeting,
    Attachment,
    form=AttachmentForm,
    extra=2,
    can_delete=True,
    max_num=20,
    # A forged TOTAL_FORMS must not make Django build thousands of forms.
    absolute_max=20,
)


def start_of_day(day):
    return timezone.make_aware(datetime.combine(day, time.min))


SORTS = {
    "-starts_at": _("Newest first"),
    "starts_at": _("Oldest first"),
    "title": _("Title"),
    "-attendance_total": _("Most attended"),
}


class MeetingFilterForm(forms.Form):
    """The meeting list's filters. Invalid values are dropped rather than failing the page."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    area = AreaChoiceField(queryset=None, label=_("area"), required=False)
    format = forms.ChoiceField(
        label=_("format"), required=False, choices=[("", _("All formats")), *MeetingFormat.choices]
    )
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=list(SORTS.items()))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Filtering a village includes its hamlets, so the choices stop at villages.
        scope_area_filter(self, user, deepest=AreaLevel.VILLAGE)

    def filter(self, queryset):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("area"):
            queryset = queryset.within(data["area"])
        if data.get("format"):
            queryset = queryset.filter(format=data["format"])
        # Whole local days as a half-open range of instants, so the starts_at index serves it.
        if data.get("start"):
            queryset = queryset.filter(starts_at__gte=start_of_day(data["start"]))
        if data.get("end"):
            queryset = queryset.filter(starts_at__lt=start_of_day(data["end"] + timedelta(days=1)))
        if data.get("q"):
            q = data["q"]
            queryset = queryset.filter(containing(q, "title", "agenda", "minutes"))
        return queryset.order_by(data.get("sort") or "-starts_at", "-id")
