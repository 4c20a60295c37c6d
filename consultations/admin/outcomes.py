"""共享 share the outcome: what a matter delivered and its publication (公示)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consultations import services
from consultations.models import Outcome
from consultations.resources import OUTCOME_COLUMNS
from core.admin import ModelAdmin
from organizations.admin import AreaFilter

from .base import RECORD_FIELDS, RECORD_FIELDSET, run_service_on_each
from .exports import SpreadsheetExportAdmin
from .history import HistoryAdmin


@admin.register(Outcome)
class OutcomeAdmin(HistoryAdmin, SpreadsheetExportAdmin, ModelAdmin):
    export_columns = OUTCOME_COLUMNS
    list_display = (
        "title",
        "project",
        "project_area",
        "beneficiary_households",
        "beneficiary_people",
        "is_published",
        "disclosed_on",
    )
    list_select_related = ("project", "project__area")
    list_filter = ("is_published", "disclosed_on", AreaFilter)
    search_fields = ("title", "summary", "project__title")
    autocomplete_fields = ("project",)
    readonly_fields = RECORD_FIELDS
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "project",
                    "title",
                    "summary",
                    ("beneficiary_households", "beneficiary_people"),
                    ("is_published", "disclosed_on"),
                )
            },
        ),
        RECORD_FIELDSET,
    )
    actions = ["publish", "unpublish", *SpreadsheetExportAdmin.actions]

    @admin.display(description=_("area"), ordering="project__area__code")
    def project_area(self, obj):
        return obj.project.area

    @admin.action(description=_("Publish the selected outcomes"), permissions=["change"])
    def publish(self, request, queryset):
        run_service_on_each(
            self,
            request,
            queryset,
            lambda outcome: services.publish_outcome(outcome=outcome, actor=request.user),
            lambda n: (
                ngettext("%(count)d outcome is published.", "%(count)d outcomes are published.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Withdraw the selected outcomes"), permissions=["change"])
    def unpublish(self, request, queryset):
        run_service_on_each(
            self,
            request,
            queryset,
            lambda outcome: services.unpublish_outcome(outcome=outcome, actor=request.user),
            lambda n: (
                ngettext("%(count)d outcome is withdrawn.", "%(count)d outcomes are withdrawn.", n)
                % {"count": n}
            ),
        )
