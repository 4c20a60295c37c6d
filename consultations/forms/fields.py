"""Form pieces shared by every stage: scoped choices, Chinese-friendly widgets, uploads."""

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from organizations.models import Area, Organization, Person

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ALLOWED_UPLOAD_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".pdf")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class AreaChoiceField(forms.ModelChoiceField):
    """Areas indented by level so the tree reads in a plain select."""

    def label_from_instance(self, obj):
        return "\u3000" * (obj.level - 1) + obj.name


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids no table can hold before they reach the database: SQLite raises
    OverflowError (a 500) on an integer beyond 64 bits in an IN (...) list."""

    def _check_values(self, value):
        for pk in value:
            if str(pk).isdigit() and len(str(pk)) > 18:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


def scope_choices(form, user, *, areas=(), organizations=(), people=()):
    """Limit the named fields' choices to what the user may see."""
    for name in areas:
        form.fields[name].queryset = Area.objects.visible_to(user).order_by("code")
    for name in organizations:
        form.fields[name].queryset = (
            Organization.objects.visible_to(user)
            .select_related("area")
            .order_by("area__code", "name")
        )
    for name in people:
        form.fields[name].queryset = Person.objects.visible_to(user).order_by("area__code", "name")


def validate_upload(upload):
    """Refuse what is not an image or PDF by name, and what is too big."""
    name = upload.name.lower()
    if not name.endswith(ALLOWED_UPLOAD_SUFFIXES):
        raise ValidationError(
            _("Only images (JPG, PNG, GIF, WebP) and PDF files can be attached."), code="file_type"
        )
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_UPLOAD_BYTES)},
            code="file_size",
        )
    return upload
