"""共享 forms: the outcome a project delivered, before and after its publication (公示)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.models import Outcome
from core.concurrency import VersionedFormMixin
from core.widgets import DateInput


class OutcomeForm(VersionedFormMixin, forms.ModelForm):
    # A project has one outcome: a form opened to record it carries version 0, so that an
    # outcome someone else recorded meanwhile is a conflict, not silently overwritten.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    class Meta:
        model = Outcome
        fields = [
            "title",
            "summary",
            "beneficiary_households",
            "beneficiary_people",
            "disclosed_on",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 5}),
            "disclosed_on": DateInput(),
        }
        help_texts = {
            "disclosed_on": _("Publishing without a date discloses it today."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["version"].initial = 0
        for name in ("beneficiary_households", "beneficiary_people"):
            self.fields[name].widget.attrs.update({"min": 0, "inputmode": "numeric"})

    def conflict_fields(self):
        # Publishing or withdrawing meanwhile is worth naming too.
        return [*super().conflict_fields(), "is_published"]

    def clean(self):
        cleaned = super().clean()
        if (
            self.instance.is_published
            and "disclosed_on" in cleaned
            and cleaned["disclosed_on"] is None
        ):
            self.add_error(
                "disclosed_on",
                _("A published outcome needs its disclosure date; unpublish it first."),
            )
        people = cleaned.get("beneficiary_people")
        households = cleaned.get("beneficiary_households")
        # 0 people means "not counted"; a count smaller than the households is a slip.
        if people and households and people < households:
            self.add_error(
                "beneficiary_people",
                _("Fewer people than households: each household has at least one person."),
            )
        return cleaned
