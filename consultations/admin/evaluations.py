"""共评 evaluate together: who rated what, with the satisfaction rate derived from the tallies."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from consultations.models import Evaluation
from consultations.resources import EVALUATION_COLUMNS
from core.admin import ModelAdmin
from organizations.admin import AreaFilter

from .base import RECORD_FIELDS, RECORD_FIELDSET
from .exports import SpreadsheetExportAdmin
from .history import HistoryAdmin


def satisfaction_rate_display(evaluation):
    """ "96.0%", or None (shown as a dash) when there are no ballots."""
    rate = evaluation.satisfaction_rate
    return None if rate is None else f"{rate}%"


@admin.register(Evaluation)
class EvaluationAdmin(HistoryAdmin, SpreadsheetExportAdmin, ModelAdmin):
    export_columns = EVALUATION_COLUMNS
    list_display = (
        "subject",
        "evaluator",
        "evaluated_on",
        "ballots",
        "satisfaction_rate",
        "score",
    )
    list_select_related = ("project", "meeting", "proposal")
    list_filter = ("evaluator", "evaluated_on", AreaFilter)
    search_fields = ("project__title", "meeting__title", "proposal__title", "comments")
    autocomplete_fields = ("project", "meeting", "proposal")
    readonly_fields = ("satisfaction_rate", *RECORD_FIELDS)
    fieldsets = (
        (
            _("What is evaluated"),
            {
                "fields": ("project", "meeting", "proposal"),
                "description": _("A project, a meeting or a handling unit's reply; at least one."),
            },
        ),
        (
            None,
            {
                "fields": (
                    "evaluator",
                    "evaluated_on",
                    ("satisfied", "basically_satisfied", "dissatisfied"),
                    "satisfaction_rate",
                    "score",
                    "comments",
                )
            },
        ),
        RECORD_FIELDSET,
    )

    def get_queryset(self, request):
        # Evaluation.__str__ names its subject; the annotation only serves sorting by rate.
        return (
            super()
            .get_queryset(request)
            .select_related(*self.list_select_related)
            .with_satisfaction_rate()
        )

    @admin.display(description=_("evaluated"))
    def subject(self, obj):
        return obj.project or obj.meeting or obj.proposal

    @admin.display(description=_("ballots"))
    def ballots(self, obj):
        return obj.ballots

    @admin.display(description=_("satisfaction rate"), ordering="satisfaction_rate_pct")
    def satisfaction_rate(self, obj):
        return satisfaction_rate_display(obj)
