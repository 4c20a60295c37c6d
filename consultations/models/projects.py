"""共建 build together: projects that carry out adopted proposals, their money and progress."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organizations.models import Area, Organization
from organizations.scoping import ScopedQuerySet

from .base import InAreaQuerySet, Timestamped, update_photo_upload_path

MONEY = {"max_digits": 14, "decimal_places": 2}


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    SUSPENDED = "suspended", _("Suspended")
    COMPLETED = "completed", _("Completed")


class ProjectQuerySet(InAreaQuerySet):
    def overdue(self, today):
        """Not completed although the planned end has passed."""
        return self.exclude(status=ProjectStatus.COMPLETED).filter(planned_end__lt=today)

    def completed_without_evaluation(self):
        return self.filter(status=ProjectStatus.COMPLETED, evaluations__isnull=True)

    def evaluated_without_published_outcome(self):
        return self.filter(evaluations__isnull=False).exclude(outcome__is_published=True).distinct()


class Project(Timestamped):
    title = models.CharField(_("title"), max_length=200)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="projects"
    )
    description = models.TextField(_("description"), blank=True)
    lead_organization = models.ForeignKey(
        Organization,
        verbose_name=_("lead organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_projects",
    )
    budget = models.DecimalField(_("budget (yuan)"), **MONEY, default=Decimal("0.00"))
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    is_public = models.BooleanField(
        _("public on the village board"),
        default=False,
        help_text=_(
            "Show the project, its progress and its funding by source on the village's public "
            "board (村务公开)."
        ),
    )

    objects = ProjectQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="project_budget_not_negative",
                condition=Q(budget__gte=0),
                violation_error_message=_("The budget cannot be negative."),
            ),
            models.CheckConstraint(
                name="project_progress_0_to_100",
                condition=Q(progress__gte=0, progress__lte=100),
                violation_error_message=_("Progress is between 0 and 100."),
            ),
            models.CheckConstraint(
                name="project_planned_end_after_start",
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                violation_error_message=_("The planned end cannot be before the planned start."),
            ),
            models.CheckConstraint(
                name="project_actual_end_after_start",
                condition=Q(actual_end__isnull=True)
                | Q(actual_start__isnull=False, actual_end__gte=F("actual_start")),
                violation_error_message=_("The actual end cannot be before the actual start."),
            ),
            models.CheckConstraint(
                name="project_completed_at_100_with_end",
                condition=~Q(status=ProjectStatus.COMPLETED)
                | Q(progress=100, actual_end__isnull=False),
                violation_error_message=_("A project is completed only at 100% with an end date."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "planned_end"], name="project_status_end_idx"),
            models.Index(fields=["area", "status"], name="project_area_status_idx"),
            # The project list's default order, newest first, and its deep pages.
            models.Index(fields=["created_at", "id"], name="project_created_idx"),
        ]

    def __str__(self):
        return self.title


class FundingSource(models.TextChoices):
    REWARD_SUBSIDY = "reward_subsidy", _("Reward instead of subsidy")
    TOWN_VILLAGE_SUBSIDY = "town_village_subsidy", _("Town and village subsidy")
    VILLAGE_COLLECTIVE = "village_collective", _("Village collective funds")
    VILLAGERS_RAISED = "villagers_raised", _("Raised by villagers")
    LABOUR = "labour", _("Labour given (days)")
    MATERIALS = "materials", _("Materials given (estimated value)")
    DONATIONS = "donations", _("Village worthy and social donations")
    DEPARTMENT_FUNDS = "department_funds", _("Departmental project funds")


class FundingLineQuerySet(ScopedQuerySet):
    area_code_lookup = "project__area__code"


class FundingLine(models.Model):
    """Money or effort from one source for one project, planned and received.

    Amounts are yuan, except for LABOUR, whose amounts are labour days.
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="funding_lines"
    )
    source = models.CharField(_("source"), max_length=30, choices=FundingSource.choices)
    planned = models.DecimalField(_("planned"), **MONEY, default=Decimal("0.00"))
    received = models.DecimalField(_("received"), **MONEY, default=Decimal("0.00"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = FundingLineQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("funding line")
        verbose_name_plural = _("funding lines")
        ordering = ["project_id", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "source"], name="funding_line_one_per_source"
            ),
            models.CheckConstraint(
                name="funding_line_amounts_not_negative",
                condition=Q(planned__gte=0, received__gte=0),
                violation_error_message=_("Amounts cannot be negative."),
            ),
        ]
        indexes = [models.Index(fields=["source"], name="funding_line_source_idx")]

    def __str__(self):
        return f"{self.project} · {self.get_source_display()}"

    @property
    def is_labour(self):
        return self.source == FundingSource.LABOUR

    @property
    def unit(self):
        return _("days") if self.is_labour else _("yuan")


class ProjectUpdateQuerySet(ScopedQuerySet):
    area_code_lookup = "project__area__code"


class ProjectUpdate(models.Model):
    """A dated progress entry, usually with a photo from the site."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="updates"
    )
    reported_on = models.DateField(_("reported on"))
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    description = models.TextField(_("description"))
    photo = models.FileField(
        _("photo"), upload_to=update_photo_upload_path, max_length=200, blank=True
    )
    photo_is_public = models.BooleanField(
        _("photo on the public board"),
        default=False,
        help_text=_("Show this photo on the village's public board when the project is public."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ProjectUpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["project_id", "reported_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="project_update_progress_0_to_100",
                condition=Q(progress__gte=0, progress__lte=100),
                violation_error_message=_("Progress is between 0 and 100."),
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.reported_on} · {self.progress}%"
