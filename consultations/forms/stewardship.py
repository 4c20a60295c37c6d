"""共管 forms: who looks after what was built, under which rules, and the duty log."""

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.models import Stewardship, StewardshipLog
from core.concurrency import VersionedFormMixin
from core.widgets import DateInput
from organizations.choices import NamedChoiceField, scope_choices


class StewardshipForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Stewardship
        fields = [
            "organization",
            "person",
            "duties",
            "rules_kind",
            "rules",
            "started_on",
            "ended_on",
        ]
        widgets = {
            "duties": forms.Textarea(attrs={"rows": 4}),
            "rules": forms.Textarea(attrs={"rows": 6}),
            "started_on": DateInput(),
            "ended_on": DateInput(),
        }
        field_classes = {"organization": NamedChoiceField, "person": NamedChoiceField}
        help_texts = {
            "organization": _("A party branch, villager council or volunteer team…"),
            "person": _("…and/or a named person. At least one of the two."),
        }

    def __init__(self, *args, user, within=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope_choices(self, user, within=within, organizations=["organization"], people=["person"])

    def clean(self):
        cleaned = super().clean()
        # Both fields must be free of their own errors before "neither" means anything.
        if (
            "organization" in cleaned
            and "person" in cleaned
            and not cleaned["organization"]
            and not cleaned["person"]
        ):
            self.add_error("organization", _("Name an organization or a person in charge."))
        start, end = cleaned.get("started_on"), cleaned.get("ended_on")
        if start and end and end < start:
            self.add_error("ended_on", _("The end date cannot be before the start date."))
        return cleaned


class StewardshipLogForm(forms.ModelForm):
    class Meta:
        model = StewardshipLog
        fields = ["kind", "logged_on", "note", "issue_found", "action_taken"]
        widgets = {
            "logged_on": DateInput(),
            "note": forms.Textarea(attrs={"rows": 3}),
            "action_taken": forms.Textarea(attrs={"rows": 3}),
        }
