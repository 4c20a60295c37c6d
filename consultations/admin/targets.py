"""The county's work plan (工作方案): targets per area, metric and period, kept by
administrators and measured by the reports."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from consultations.models import Target, TargetMetric
from core.admin import ModelAdmin, PreloadedRelationsForm
from organizations.admin import AreaFilter
from organizations.models import AreaLevel


class TargetForm(PreloadedRelationsForm):
    class Meta:
        model = Target
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        area = cleaned.get("area")
        if area is not None and area.level > AreaLevel.VILLAGE:
            self.add_error("area", _("Targets are set for the county, a town or a village."))
        metric = cleaned.get("metric")
        if cleaned.get("meeting_format") and metric != TargetMetric.MEETINGS_PER_VILLAGE_MONTH:
            self.add_error("meeting_format", _("A meeting format applies only to meeting targets."))
        percentages = {
            TargetMetric.SATISFACTION_RATE,
            TargetMetric.ADOPTION_RATE,
            TargetMetric.VILLAGER_FUNDING_SHARE,
        }
        value = cleaned.get("value")
        if metric in percentages and value is not None and value > 100:
            self.add_error("value", _("A percentage is at most 100."))
        return cleaned


@admin.register(Target)
class TargetAdmin(ModelAdmin):
    form = TargetForm
    list_display = (
        "area",
        "metric",
        "meeting_format",
        "value",
        "period_start",
        "period_end",
        "note",
        "report_link",
    )
    list_select_related = ("area",)
    list_filter = ("metric", "meeting_format", "area__level", AreaFilter, "period_start")
    search_fields = ("area__name", "^area__code", "note")
    autocomplete_fields = ("area",)
    date_hierarchy = "period_start"
    fields = ("area", "metric", "meeting_format", "value", "period_start", "period_end", "note")

    @admin.display(description=_("report"))
    def report_link(self, obj):
        query = urlencode(
            {
                "area": obj.area.code,
                "period": "custom",
                "start": obj.period_start.isoformat(),
                "end": obj.period_end.isoformat(),
            }
        )
        return format_html(
            '<a href="{}?{}#targets">{}</a>', reverse("report"), query, _("Actual figures")
        )
