"""共管 manage together: who looks after what was built, and their duty log."""

from django.contrib import admin

from consultations.models import Stewardship, StewardshipLog
from core.admin import ModelAdmin, TabularInline
from organizations.admin import AreaFilter

from .base import RECORD_FIELDS, RECORD_FIELDSET
from .history import HistoryAdmin


class StewardshipLogInline(TabularInline):
    model = StewardshipLog
    fields = ("logged_on", "kind", "note", "issue_found", "action_taken", "recorded_by")
    readonly_fields = ("recorded_by",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


@admin.register(Stewardship)
class StewardshipAdmin(HistoryAdmin, ModelAdmin):
    list_display = ("project", "organization", "person", "rules_kind", "started_on", "ended_on")
    list_select_related = ("project", "organization", "person")
    list_filter = ("rules_kind", "started_on", AreaFilter)
    search_fields = ("project__title", "organization__name", "person__name", "duties")
    autocomplete_fields = ("project", "organization", "person")
    readonly_fields = RECORD_FIELDS
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "project",
                    ("organization", "person"),
                    "duties",
                    "rules_kind",
                    "rules",
                    ("started_on", "ended_on"),
                )
            },
        ),
        RECORD_FIELDSET,
    )
    inlines = [StewardshipLogInline]

    def get_queryset(self, request):
        # Stewardship.__str__ names the project and the steward; the log's stewardship choices
        # and autocomplete come through here too.
        return super().get_queryset(request).select_related(*self.list_select_related)


@admin.register(StewardshipLog)
class StewardshipLogAdmin(ModelAdmin):
    list_display = ("logged_on", "kind", "stewardship", "issue_found", "recorded_by")
    list_select_related = (
        "stewardship__project",
        "stewardship__organization",
        "stewardship__person",
        "recorded_by",
    )
    list_filter = ("kind", "issue_found", "logged_on", AreaFilter)
    search_fields = ("note", "action_taken", "stewardship__project__title")
    autocomplete_fields = ("stewardship",)
    readonly_fields = ("recorded_by",)
