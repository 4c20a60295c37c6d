"""共评 forms: an evaluation entered from the paper ballot tallies."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from consultations.models import Evaluation
from core.concurrency import VersionedFormMixin
from core.widgets import DateInput

TALLIES = ("satisfied", "basically_satisfied", "dissatisfied")


class EvaluationForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = ["evaluator", "evaluated_on", *TALLIES, "score", "comments"]
        widgets = {
            "evaluated_on": DateInput(),
            "comments": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in TALLIES:
            self.fields[name].widget.attrs.update({"min": 0, "inputmode": "numeric"})
        score = self.fields["score"]
        score.validators += [
            MinValueValidator(0, message=_("The score is between 0 and 100.")),
            MaxValueValidator(100, message=_("The score is between 0 and 100.")),
        ]
        score.widget.attrs.update({"min": 0, "max": 100, "step": "0.01", "inputmode": "decimal"})

    @property
    def tally_fields(self):
        return [self[name] for name in TALLIES]

    @property
    def other_fields(self):
        return [self[name] for name in ("evaluator", "evaluated_on", "score", "comments")]

    def clean(self):
        cleaned = super().clean()
        tallies = [cleaned.get(name) for name in TALLIES]
        # Only when every figure was read without error: "all zero" must not mask a typo.
        if (
            None not in tallies
            and "score" not in self.errors
            and not any(tallies)
            and cleaned.get("score") is None
        ):
            self.add_error(
                "satisfied",
                _(
                    "No ballots were counted and no score was given: enter the ballot "
                    "tallies or a score."
                ),
            )
        return cleaned
