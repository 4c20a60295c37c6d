"""共建 build together: projects, their funding lines, progress updates and evaluations."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from consultations.models import Evaluation, FundingLine, Project, ProjectUpdate, Proposal
from consultations.resources import PROJECT_COLUMNS
from core.admin import ModelAdmin, ReadOnlyTabularInline, StackedInline, TabularInline
from organizations.admin import AreaFilter

from .base import PHOTO_CHECKS, RECORD_FIELDS, RECORD_FIELDSET
from .evaluations import satisfaction_rate_display
from .exports import SpreadsheetExportAdmin
from .history import HistoryAdmin


class ProjectProposalInline(ReadOnlyTabularInline):
    model = Proposal
    fields = ("title", "meeting", "category", "status")
    readonly_fields = fields
    verbose_name_plural = _("proposals carried out by this project")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("meeting")


class FundingLineInline(TabularInline):
    model = FundingLine
    fields = ("source", "planned", "received", "note")

    def get_queryset(self, request):
        # Each row's title (__str__) names the project: the formset sets only its id.
        return super().get_queryset(request).select_related("project")


class ProjectUpdateInline(TabularInline):
    model = ProjectUpdate
    fields = ("reported_on", "progress", "description", "photo", "recorded_by", "recorded_at")
    readonly_fields = ("recorded_by", "recorded_at")
    formfield_overrides = PHOTO_CHECKS

    def get_queryset(self, request):
        # Each row's title (__str__) names the project: the formset sets only its id.
        return super().get_queryset(request).select_related("project", "recorded_by")


class ProjectEvaluationInline(StackedInline):
    model = Evaluation
    fk_name = "project"
    fields = (
        "evaluator",
        "evaluated_on",
        ("satisfied", "basically_satisfied", "dissatisfied"),
        "satisfaction_rate",
        "score",
        "comments",
    )
    readonly_fields = ("satisfaction_rate",)

    def get_queryset(self, request):
        # Each row's title (__str__) names the project: the formset sets only its id.
        return super().get_queryset(request).select_related("project")

    @admin.display(description=_("satisfaction rate"))
    def satisfaction_rate(self, obj):
        return satisfaction_rate_display(obj)


@admin.register(Project)
class ProjectAdmin(HistoryAdmin, SpreadsheetExportAdmin, ModelAdmin):
    export_columns = PROJECT_COLUMNS
    list_display = (
        "title",
        "area",
        "lead_organization",
        "status",
        "progress",
        "budget",
        "planned_end",
    )
    list_select_related = ("area", "lead_organization")
    list_filter = ("status", "planned_start", "planned_end", "area__level", AreaFilter)
    search_fields = ("title", "description", "area__name")
    autocomplete_fields = ("area", "lead_organization")
    readonly_fields = RECORD_FIELDS
    fieldsets = (
        (None, {"fields": ("title", "area", "lead_organization", "description", "budget")}),
        (
            _("Schedule and progress"),
            {
                "fields": (
                    ("planned_start", "planned_end"),
                    ("actual_start", "actual_end"),
                    "progress",
                    "status",
                )
            },
        ),
        RECORD_FIELDSET,
    )
    inlines = [
        ProjectProposalInline,
        FundingLineInline,
        ProjectUpdateInline,
        ProjectEvaluationInline,
    ]


@admin.register(FundingLine)
class FundingLineAdmin(HistoryAdmin, ModelAdmin):
    list_display = ("project", "source", "planned", "received", "unit")
    list_select_related = ("project",)
    list_filter = ("source", AreaFilter)
    search_fields = ("project__title", "note")
    autocomplete_fields = ("project",)

    def get_queryset(self, request):
        # FundingLine.__str__ names its project.
        return super().get_queryset(request).select_related(*self.list_select_related)

    @admin.display(description=_("unit"))
    def unit(self, obj):
        return obj.unit


@admin.register(ProjectUpdate)
class ProjectUpdateAdmin(ModelAdmin):
    list_display = ("project", "reported_on", "progress", "recorded_by")
    list_select_related = ("project", "recorded_by")
    list_filter = ("reported_on", AreaFilter)
    search_fields = ("project__title", "description")
    autocomplete_fields = ("project",)
    readonly_fields = ("recorded_by", "recorded_at")
    formfield_overrides = PHOTO_CHECKS

    def get_queryset(self, request):
        # ProjectUpdate.__str__ names its project. The changelist skips list_select_related
        # when the queryset already joins, so the list's joins are made here too.
        return super().get_queryset(request).select_related(*self.list_select_related)
