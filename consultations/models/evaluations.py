"""共评 evaluate together: villagers and others rate what was done."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import F, FloatField, Q, Value
from django.db.models.functions import Cast, NullIf, Round
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organizations.scoping import ScopedQuerySet

from .base import Timestamped


class EvaluatorKind(models.TextChoices):
    VILLAGERS_ASSEMBLY = "villagers_assembly", _("Villagers' assembly")
    VILLAGER_REPRESENTATIVES = "villager_representatives", _("Villager representatives")
    VILLAGER_COUNCIL = "villager_council", _("Villager council")
    BENEFICIARIES = "beneficiaries", _("Beneficiary households")
    TOWN_STAFF = "town_staff", _("Town staff")
    COUNTY_STAFF = "county_staff", _("County united-front staff")
    THIRD_PARTY = "third_party", _("Third party")


def satisfaction_rate_expression(prefix=""):
    """(satisfied + basically satisfied) / all ballots, as a percentage with one decimal,
    computed in the database; NULL when there are no ballots.

    Floats, not integers, so that SQLite does not truncate 2/3 to 0; rounded like the
    ``satisfaction_rate`` property. ``prefix`` annotates through a relation ("evaluations__").
    """
    satisfied = Cast(F(f"{prefix}satisfied") + F(f"{prefix}basically_satisfied"), FloatField())
    total = Cast(
        F(f"{prefix}satisfied") + F(f"{prefix}basically_satisfied") + F(f"{prefix}dissatisfied"),
        FloatField(),
    )
    return Round(satisfied * Value(100.0) / NullIf(total, Value(0.0)), 1)


class EvaluationQuerySet(ScopedQuerySet):
    SUBJECTS = ("project", "meeting", "proposal")

    def within(self, area):
        """An evaluation belongs where its subject (project, meeting or reply) belongs.

        The evaluations of each kind of subject are found from the area's subjects through
        that kind's index, and united: one condition ORing the three subjects' areas was
        met only by reading every evaluation."""
        evaluations = self.model._default_manager.order_by()
        by_subject = [
            evaluations.filter(**{f"{name}__in": self._subjects_within(name, area)}).values("pk")
            for name in self.SUBJECTS
        ]
        return self.filter(pk__in=by_subject[0].union(*by_subject[1:]))

    def _subjects_within(self, name, area):
        return self.model._meta.get_field(name).related_model.objects.within(area)

    def with_satisfaction_rate(self):
        return self.annotate(satisfaction_rate_pct=satisfaction_rate_expression())


class Evaluation(Timestamped):
    """Satisfaction tallies from paper ballots and/or a score, with comments.

    The satisfaction rate is derived from the tallies, never stored.
    """

    project = models.ForeignKey(
        "consultations.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
    )
    meeting = models.ForeignKey(
        "consultations.Meeting",
        verbose_name=_("meeting"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
    )
    proposal = models.ForeignKey(
        "consultations.Proposal",
        verbose_name=_("reply to proposal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
        help_text=_("Evaluate a handling unit's reply to a referred proposal."),
    )
    evaluator = models.CharField(_("evaluated by"), max_length=30, choices=EvaluatorKind.choices)
    evaluated_on = models.DateField(_("evaluated on"))
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    basically_satisfied = models.PositiveIntegerField(_("basically satisfied"), default=0)
    dissatisfied = models.PositiveIntegerField(_("dissatisfied"), default=0)
    score = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("0 to 100, when the evaluation gives a score."),
    )
    comments = models.TextField(_("comments"), blank=True)

    objects = EvaluationQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-evaluated_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="evaluation_has_subject",
                condition=Q(project__isnull=False)
                | Q(meeting__isnull=False)
                | Q(proposal__isnull=False),
                violation_error_message=_("Say what is evaluated: a project, meeting or reply."),
            ),
            models.CheckConstraint(
                name="evaluation_score_0_to_100",
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                violation_error_message=_("The score is between 0 and 100."),
            ),
            models.CheckConstraint(
                name="evaluation_has_ballots_or_score",
                condition=Q(score__isnull=False)
                | Q(satisfied__gt=0)
                | Q(basically_satisfied__gt=0)
                | Q(dissatisfied__gt=0),
                violation_error_message=_("Enter the ballot tallies or a score."),
            ),
        ]
        indexes = [
            # The default order (lists, the admin); with the id, a page's rows come from the
            # index in order, without sorting the day's evaluations.
            models.Index(fields=["evaluated_on", "id"], name="evaluation_date_idx"),
        ]

    def __str__(self):
        subject = self.project or self.meeting or self.proposal
        return f"{subject} · {self.evaluated_on}"

    @property
    def ballots(self):
        return self.satisfied + self.basically_satisfied + self.dissatisfied

    @property
    def satisfaction_rate(self):
        """Percentage of satisfied + basically satisfied ballots, or None without ballots."""
        if not self.ballots:
            return None
        rate = Decimal(self.satisfied + self.basically_satisfied) * 100 / self.ballots
        return rate.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
