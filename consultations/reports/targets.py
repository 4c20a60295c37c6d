"""The work plan's targets beside what was actually done.

Which targets: those whose period overlaps the report's and whose area is the report's area,
an area under it, or an area above it (a county-wide goal applies to each of its towns).

Where and when a target is measured: in the target's own area when that lies inside the
report's area, otherwise (a target set above) in the report's area; over the days the
target's period and the report's period share (the window).

What each metric's actual figure is:

- Meetings per village per month (at least N, of one format when the target names one):
  every village under the measured area must hold at least N × (calendar months the window
  touches) meetings in the window; meetings recorded for its hamlets count for the village,
  meetings recorded for a town or the county count for no village. The actual figure is the
  average per village per month (meetings in villages ÷ villages ÷ months); the target is
  behind when any village is, and the villages behind are listed with their counts.
- Satisfaction rate (at least N %): satisfied + basically satisfied over all ballots of the
  evaluations in the window, tallies summed.
- Adoption rate (at least N %): adopted ÷ (adopted + not adopted) of the proposals raised at
  meetings held in the window.
- Adopted proposals started within N days (all of them): over proposals adopted in the
  window, the days from the decision to the project's actual start, or, for one not started,
  to the report's as-of day (the period's last day, or today while it runs). The actual
  figure is the longest of these; the target is behind when any proposal waited longer
  than N days.
- Villagers' share of funding (at least N %): villagers ÷ (villagers + government), received
  amounts of the projects at work in the window, labour at the report's labour-day rate.

A target without anything to measure (no ballots, no decided proposals, no villages, no
funding) is shown as “no data”, neither met nor behind.

Three queries in all, however many targets and villages: whether any target applies, the
targets with their figures, and the villages behind. Each target computes only the figures of
its own metric, and every subquery reaches the rows under the measured area through a range
of division codes that an index serves (``code_under``), so a target reads the rows of its
own area only.

Targets are returned as ``TargetFigures``: plain values, which the cache keeps.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, Greatest, Least
from django.db.models.lookups import Exact

from consultations.models import (
    Evaluation,
    FundingLine,
    Meeting,
    MeetingFormat,
    Proposal,
    ProposalStatus,
    Target,
    TargetMetric,
)
from organizations.models import CODE_LENGTH, Area, AreaLevel

from .queries import (
    adoption_rate,
    evaluations_in,
    held_in,
    satisfaction_rate,
    villager_share,
)
from .sql import DaysBetween, code_under, local_date, scalar, under_way

M = TargetMetric
NO_DATA, MET, BEHIND = "no_data", "met", "behind"


def _window(queryset, scope):
    """The target's window, measured area and required meetings, as annotations."""
    period = scope.period
    ws = Greatest(F("period_start"), Value(period.start, output_field=DateField()))
    we = Least(F("period_end"), Value(period.end, output_field=DateField()))
    months = ExtractYear(we) * 12 + ExtractMonth(we) - ExtractYear(ws) * 12 - ExtractMonth(ws) + 1
    return queryset.annotate(
        ws=ws,
        we=we,
        months=months,
        required=ExpressionWrapper(
            F("value") * months, output_field=DecimalField(max_digits=14, decimal_places=2)
        ),
        mcode=Case(
            When(area__code__startswith=scope.area.code, then=F("area__code")),
            default=Value(scope.area.code),
            output_field=CharField(),
        ),
    )


@dataclass
class TargetFigures:
    """One target with the figures of its metric, its actual figure and its status."""

    pk: int
    area_code: str
    area_name: str
    metric: str
    meeting_format: str
    value: Decimal
    period_start: date
    period_end: date
    months: int
    required: Decimal
    mcode: str
    villages: int | None = None
    village_meetings: int | None = None
    villages_behind: int | None = None
    satisfaction: float | None = None
    adoption: float | None = None
    adopted: int | None = None
    longest_wait: int | None = None
    late: int | None = None
    villager_share: float | None = None
    behind_villages: list = field(default_factory=list)

    @property
    def measured_here(self):
        """Whether the target is measured in its own area (not, for one set above, in the
        report's)."""
        return self.mcode == self.area_code

    def get_metric_display(self):
        return TargetMetric(self.metric).label

    def get_meeting_format_display(self):
        return format_label(self.meeting_format)

    @property
    def actual(self):
        """The figure the target is held against: a float, or None with nothing to measure."""
        value = {
            M.MEETINGS_PER_VILLAGE_MONTH: self._meetings_per_village_month(),
            M.SATISFACTION_RATE: self.satisfaction,
            M.ADOPTION_RATE: self.adoption,
            M.ADOPTED_STARTED_WITHIN_DAYS: self.longest_wait,
            M.VILLAGER_FUNDING_SHARE: self.villager_share,
        }.get(self.metric)
        return None if value is None else float(value)

    def _meetings_per_village_month(self):
        # Meetings in villages ÷ (villages × months), as ``ratio`` divides in SQL.
        if self.village_meetings is None or not self.villages or not self.months:
            return None
        return float(self.village_meetings) / float(self.villages * self.months)

    @property
    def status(self):
        if self.metric == M.MEETINGS_PER_VILLAGE_MONTH:
            if not self.villages:
                return NO_DATA
            return BEHIND if self.villages_behind else MET
        if self.metric == M.ADOPTED_STARTED_WITHIN_DAYS:
            if not self.adopted:
                return NO_DATA
            return BEHIND if self.late else MET
        actual = self.actual
        if actual is None:
            return NO_DATA
        # Compared as floats, as the database compares a float with a decimal.
        return BEHIND if actual < float(self.value) else MET


def _meetings_in_window(scope, code, target):
    """Meetings under ``code`` held in the target's window, of its format if it names one.

    ``target`` wraps a field name of the target row into an outer reference (one level up
    or two), so the same filter serves the target query and the per-village subquery.
    """
    return (
        Meeting.objects.filter(held_in(scope.period), area__code__startswith=scope.area.code)
        .filter(code_under("area__code", code))
        .filter(Q(format=target("meeting_format")) | Q(Exact(target("meeting_format"), "")))
        .alias(_day=local_date("starts_at"))
        .filter(_day__gte=target("ws"), _day__lte=target("we"))
    )


def _targets(scope):
    area = scope.area
    above = [area.code[:n] for n in CODE_LENGTH.values() if n < len(area.code)]
    return Target.objects.covering(scope.period.start, scope.period.end).filter(
        Q(pk__in=Target.objects.visible_to(scope.user).within(area).values("pk"))
        | Q(area__code__in=above)
    )


def _villages(scope, code):
    """The villages under ``code`` (an outer reference), within the report's area."""
    return Area.objects.filter(level=AreaLevel.VILLAGE, code__startswith=scope.area.code).filter(
        code_under("code", code)
    )


def _village_counts(scope, mcode, target):
    """Each village under ``mcode`` with its meetings in the window."""
    return _villages(scope, mcode).annotate(
        n=scalar(_meetings_in_window(scope, OuterRef("code"), target), Count("pk"), IntegerField())
    )


def _only_for(metric, expression, output_field):
    """``expression`` for targets of ``metric``, NULL for the others: the database then
    computes each target's own figures only."""
    return Case(When(metric=metric, then=expression), default=None, output_field=output_field)


FIGURES = (
    "villages",
    "village_meetings",
    "villages_behind",
    "satisfaction",
    "adoption",
    "adopted",
    "longest_wait",
    "late",
    "villager_share",
)


def target_figures(scope):
    """Each target overlapping the period with its figures (3 queries; 1 when no target
    covers the area and period: building the figures' query alone takes Django longer than
    running it)."""
    if not _targets(scope).exists():
        return []
    outer = OuterRef
    twice = lambda name: OuterRef(OuterRef(name))  # noqa: E731 - a reference two levels up
    mcode = OuterRef("mcode")
    area_code, period = scope.area.code, scope.period
    as_of = period.as_of(scope.today)
    adopted = (
        Proposal.objects.filter(
            status=ProposalStatus.ADOPTED,
            meeting__area__code__startswith=area_code,
            decided_on__gte=outer("ws"),
            decided_on__lte=outer("we"),
        )
        .filter(code_under("meeting__area__code", mcode))
        .annotate(
            _wait=DaysBetween(
                Coalesce(F("project__actual_start"), Value(as_of, output_field=DateField())),
                F("decided_on"),
            )
        )
    )
    village_meetings = scalar(
        _meetings_in_window(scope, mcode, outer).filter(area__level__gte=AreaLevel.VILLAGE),
        Count("pk"),
        IntegerField(),
    )
    villages = scalar(_villages(scope, mcode), Count("pk"), IntegerField())
    meetings = M.MEETINGS_PER_VILLAGE_MONTH
    whole, number = IntegerField(), FloatField()
    rows = _window(_targets(scope), scope).annotate(
        area_name=F("area__name"),
        area_code=F("area__code"),
        villages=_only_for(meetings, villages, whole),
        village_meetings=_only_for(meetings, village_meetings, whole),
        villages_behind=_only_for(
            meetings,
            scalar(
                _village_counts(scope, mcode, twice).filter(n__lt=OuterRef("required")),
                Count("pk"),
                IntegerField(),
            ),
            whole,
        ),
        satisfaction=_only_for(
            M.SATISFACTION_RATE,
            scalar(
                Evaluation.objects.filter(
                    evaluations_in(
                        twice("mcode"),
                        twice("ws"),
                        twice("we"),
                        bound=(area_code, period.start, period.end),
                    )
                ),
                satisfaction_rate(),
                FloatField(),
            ),
            number,
        ),
        adoption=_only_for(
            M.ADOPTION_RATE,
            scalar(
                Proposal.objects.filter(
                    held_in(period, "meeting__"), meeting__area__code__startswith=area_code
                )
                .filter(code_under("meeting__area__code", mcode))
                .alias(_day=local_date("meeting__starts_at"))
                .filter(_day__gte=outer("ws"), _day__lte=outer("we")),
                adoption_rate(),
                FloatField(),
            ),
            number,
        ),
        adopted=_only_for(
            M.ADOPTED_STARTED_WITHIN_DAYS, scalar(adopted, Count("pk"), IntegerField()), whole
        ),
        longest_wait=_only_for(
            M.ADOPTED_STARTED_WITHIN_DAYS, scalar(adopted, Max("_wait"), IntegerField()), whole
        ),
        late=_only_for(
            M.ADOPTED_STARTED_WITHIN_DAYS,
            scalar(adopted.filter(_wait__gt=outer("value")), Count("pk"), IntegerField()),
            whole,
        ),
        villager_share=_only_for(
            M.VILLAGER_FUNDING_SHARE,
            scalar(
                under_way(
                    FundingLine.objects.filter(project__area__code__startswith=area_code).filter(
                        code_under("project__area__code", mcode)
                    ),
                    outer("ws"),
                    outer("we"),
                    prefix="project__",
                ),
                villager_share(scope.labour_day_yuan),
                FloatField(),
            ),
            number,
        ),
    )
    rows = rows.order_by("area__code", "metric", "period_start", "pk").values(
        "pk",
        "area_code",
        "area_name",
        "metric",
        "meeting_format",
        "value",
        "period_start",
        "period_end",
        "months",
        "required",
        "mcode",
        *FIGURES,
    )
    targets = [TargetFigures(**row) for row in rows]
    behind = _behind_villages(scope)
    for target in targets:
        target.behind_villages = behind.get(target.pk, [])
    return targets


def _behind_villages(scope):
    """{target id: [villages behind, with their meeting counts]} for the meeting targets.

    A target's villages are reached through the area tree (a village target is its own
    village, a town's are its children, the county's its grandchildren); the three are one
    UNION query.
    """
    parts = []
    for depth, path in enumerate(("area", "area__children", "area__children__children")):
        part = (
            _window(_targets(scope), scope)
            .filter(metric=M.MEETINGS_PER_VILLAGE_MONTH, area__level=AreaLevel.VILLAGE - depth)
            .filter(
                **{
                    f"{path}__level": AreaLevel.VILLAGE,
                    f"{path}__code__startswith": scope.area.code,
                }
            )
            .annotate(village_code=F(f"{path}__code"), village_name=F(f"{path}__name"))
            .annotate(
                n=scalar(
                    _meetings_in_window(scope, OuterRef("village_code"), OuterRef),
                    Count("pk"),
                    IntegerField(),
                )
            )
            .filter(n__lt=F("required"))
            .order_by()
            .values("pk", "village_code", "village_name", "n", "required")
        )
        parts.append(part)
    behind = {}
    for row in parts[0].union(*parts[1:], all=True):
        behind.setdefault(row["pk"], []).append(row)
    for rows in behind.values():
        rows.sort(key=lambda row: row["village_code"])
    return behind


def format_label(value):
    return MeetingFormat(value).label if value else ""
