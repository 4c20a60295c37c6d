"""共管 manage together: who looks after what was built, under which rules, and the duty log."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organizations.models import Organization, Person
from organizations.scoping import ScopedQuerySet

from .base import Timestamped


class RulesKind(models.TextChoices):
    MAINTENANCE_RULES = "maintenance_rules", _("Maintenance rules")
    VILLAGE_COMPACT = "village_compact", _("Village compact")
    OTHER = "other", _("Other")


class StewardshipQuerySet(ScopedQuerySet):
    area_code_lookup = "project__area__code"


class Stewardship(Timestamped):
    project = models.ForeignKey(
        "consultations.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="stewardships",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization in charge"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stewardships",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person in charge"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stewardships",
    )
    duties = models.TextField(_("duties"))
    rules_kind = models.CharField(
        _("kind of rules"), max_length=30, choices=RulesKind.choices, blank=True
    )
    rules = models.TextField(_("rules"), blank=True)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    objects = StewardshipQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("stewardship")
        verbose_name_plural = _("stewardships")
        ordering = ["project_id", "started_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="stewardship_has_steward",
                condition=Q(organization__isnull=False) | Q(person__isnull=False),
                violation_error_message=_("Name an organization or a person in charge."),
            ),
            models.CheckConstraint(
                name="stewardship_ends_after_start",
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self):
        steward = self.organization or self.person
        return f"{self.project} · {steward}"


class LogKind(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    MAINTENANCE = "maintenance", _("Maintenance")
    DUTY = "duty", _("Duty shift")


class StewardshipLogQuerySet(ScopedQuerySet):
    area_code_lookup = "stewardship__project__area__code"


class StewardshipLog(models.Model):
    stewardship = models.ForeignKey(
        Stewardship,
        verbose_name=_("stewardship"),
        on_delete=models.CASCADE,
        related_name="log_entries",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=LogKind.choices)
    logged_on = models.DateField(_("date"))
    note = models.TextField(_("what was found"))
    issue_found = models.BooleanField(_("problem found"), default=False)
    action_taken = models.TextField(_("action taken"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = StewardshipLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")
        ordering = ["stewardship_id", "-logged_on", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.logged_on}"
