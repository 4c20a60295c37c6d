"""共享 share the outcome: what a matter delivered, for whom, and its public disclosure."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organizations.scoping import ScopedQuerySet

from .base import Timestamped


class OutcomeQuerySet(ScopedQuerySet):
    area_code_lookup = "project__area__code"

    def published(self):
        return self.filter(is_published=True)


class Outcome(Timestamped):
    project = models.OneToOneField(
        "consultations.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="outcome",
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("what was delivered"))
    beneficiary_households = models.PositiveIntegerField(_("households benefiting"), default=0)
    beneficiary_people = models.PositiveIntegerField(_("people benefiting"), default=0)
    disclosed_on = models.DateField(_("disclosure date"), null=True, blank=True)
    is_published = models.BooleanField(_("published"), default=False)

    objects = OutcomeQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["-disclosed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="outcome_published_has_disclosure_date",
                condition=Q(is_published=False) | Q(disclosed_on__isnull=False),
                violation_error_message=_("A published outcome needs its disclosure date."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["disclosed_on"],
                name="outcome_published_idx",
                condition=Q(is_published=True),
            ),
            # The default order, latest disclosure first (the admin's list).
            models.Index(fields=["disclosed_on", "id"], name="outcome_disclosed_idx"),
        ]

    def __str__(self):
        return self.title
