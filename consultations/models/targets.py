"""The county's work plan (工作方案): goals per town or village and period, for reports."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from organizations.models import Area
from organizations.scoping import ScopedQuerySet

from .meetings import MeetingFormat


class TargetMetric(models.TextChoices):
    # "At least N meetings (of a format, if given) per village per month."
    MEETINGS_PER_VILLAGE_MONTH = (
        "meetings_per_village_month",
        _("Meetings per village per month (at least)"),
    )
    # "Satisfaction at or above N percent."
    SATISFACTION_RATE = "satisfaction_rate", _("Satisfaction rate, % (at least)")
    # "Every adopted proposal started as a project within N days."
    ADOPTED_STARTED_WITHIN_DAYS = (
        "adopted_started_within_days",
        _("Adopted proposals started within N days (all of them)"),
    )
    # "At least N percent of proposals adopted."
    ADOPTION_RATE = "adoption_rate", _("Adoption rate, % (at least)")
    # "Villagers give at least N percent of the funding."
    VILLAGER_FUNDING_SHARE = (
        "villager_funding_share",
        _("Villagers' share of funding, % (at least)"),
    )


class TargetQuerySet(ScopedQuerySet):
    def covering(self, start, end):
        """Targets whose period overlaps [start, end]."""
        return self.filter(period_start__lte=end, period_end__gte=start)


class Target(models.Model):
    """One goal of the work plan for an area (and everything under it) over a period."""

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="targets"
    )
    metric = models.CharField(_("metric"), max_length=40, choices=TargetMetric.choices)
    meeting_format = models.CharField(
        _("meeting format"),
        max_length=20,
        choices=MeetingFormat.choices,
        blank=True,
        help_text=_("For meeting counts: only this format (e.g. courtyard meetings)."),
    )
    value = models.DecimalField(
        _("target value"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("work plan target")
        verbose_name_plural = _("work plan targets")
        ordering = ["area__code", "metric", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "metric", "meeting_format", "period_start"],
                name="target_unique_per_area_metric_period",
            ),
            models.CheckConstraint(
                name="target_period_end_after_start",
                condition=Q(period_end__gte=F("period_start")),
                violation_error_message=_("The period cannot end before it starts."),
            ),
            models.CheckConstraint(
                name="target_value_not_negative",
                condition=Q(value__gte=0),
                violation_error_message=_("A target cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.area} · {self.get_metric_display()} · {self.value}"
