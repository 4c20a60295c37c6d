"""The report's figures, each computed in the database for one area and one period.

What each figure counts (the page repeats this under “How the figures are counted”):

- Meetings: meetings held (start time, Beijing time) in the period in the area or under it.
  Attendance sums the meetings' per-category columns; a category's share is its sum over the
  sum of total attendance, and what the categories leave of the total is shown as
  “not broken down”.
- Proposals (and the five-stage funnel): proposals raised at those meetings, by their status
  today. The adoption rate is adopted / decided, where decided means adopted or not adopted
  (a referral is not a decision). The funnel counts how many of them have reached each stage
  by now: decided, carried out by a project, under stewardship, evaluated, outcome published.
- Median days from meeting to decision: over proposals decided in the period (decision date
  minus meeting date). From decision to completion: over proposals whose project was
  completed in the period (project end date minus decision date). A duration belongs to the
  period in which it ended, so last month's figure does not change when later work is done.
- Overdue referrals: referred proposals whose reply was due before the period's last day (or
  today, while the period runs) and had not come by then.
- Projects: projects at work at some time in the period (begun by its end and not completed
  before its start), by their status and progress today. Completion rate: completed / these.
- Funding: the funding lines of those projects, planned and received, by source. Labour is
  counted in days and valued at the labour-day rate for the villagers' contribution.
  Villagers gave: raised by villagers + labour days × rate + materials + donations.
  Government money: reward instead of subsidy + town and village subsidy + departmental funds.
  The village collective's funds count in neither. Leverage: villagers' yuan per yuan of
  government money; villagers' share: villagers / (villagers + government). On received
  amounts, and the same on planned amounts.
- Satisfaction: evaluations dated in the period; satisfied + basically satisfied over all
  ballots, summing the tallies (a large assembly weighs more than a small council). An
  evaluation belongs to the area of its project, meeting or referred proposal.
- Beneficiaries: outcomes published with a disclosure date in the period.
- Ranking: the same figures for each area one level down (towns of a county, villages of a
  town).

Every function returns plain Python values (numbers, dates, strings: no model instances and
no translated labels, so that the figures can be kept in the cache and shown in any
language; ``consultations.reports.labelled`` adds the labels); rates are percentages
(floats) or None when there is nothing to divide by. The number of queries is fixed,
whatever the data.

Every query is bounded by the report's area: it starts from the area's division-code
prefix (an index range) and reads only that subtree's rows, so a county's report reads one
county's rows however large the province. A figure per town or village is one GROUP BY over
the area's rows, or a subquery whose code test is a range an index serves (``code_under``),
never a pattern built from a column, which would read the whole province once per town.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from consultations.models import (
    ATTENDANCE_FIELDS,
    Evaluation,
    FundingLine,
    FundingSource,
    Meeting,
    MeetingFormat,
    Outcome,
    Project,
    ProjectStatus,
    Proposal,
    ProposalStatus,
    Stewardship,
)
from organizations.models import Area, AreaLevel
from organizations.scoping import sees_everything, user_area, user_scope

from .periods import Period
from .sql import (
    MONEY_FIELD,
    DaysBetween,
    code_under,
    local_date,
    money_total,
    percent,
    ratio,
    total,
    under_way,
)

S = FundingSource
VILLAGER_CASH_SOURCES = (S.VILLAGERS_RAISED, S.MATERIALS, S.DONATIONS)
GOVERNMENT_SOURCES = (S.REWARD_SUBSIDY, S.TOWN_VILLAGE_SUBSIDY, S.DEPARTMENT_FUNDS)
DECIDED = (ProposalStatus.ADOPTED, ProposalStatus.REJECTED)
FUNNEL_STAGES = ("decided", "project", "stewardship", "evaluation", "outcome")


@dataclass(frozen=True)
class Scope:
    """Whose report, of which area and period: every queryset below starts here."""

    user: object
    area: Area
    period: Period
    labour_day_yuan: Decimal
    today: date = field(default_factory=timezone.localdate)

    def meetings(self):
        return Meeting.objects.visible_to(self.user).within(self.area)

    def proposals(self):
        return Proposal.objects.visible_to(self.user).within(self.area)

    def projects(self):
        return Project.objects.visible_to(self.user).within(self.area)

    def funding_lines(self):
        return FundingLine.objects.visible_to(self.user).within(self.area)

    def evaluations(self):
        return Evaluation.objects.visible_to(self.user).within(self.area)

    def dated_evaluations(self):
        """Evaluations dated in the period whose subject lies in the area: ``evaluations()``
        dated in the period, found by index."""
        period = self.period
        evaluations = Evaluation.objects.filter(
            evaluations_in(self.area.code, period.start, period.end)
        )
        if self.sees_area:
            # Everything in the area is visible: no second OR over three joins to test.
            return evaluations
        return evaluations.visible_to(self.user)

    @property
    def sees_area(self):
        """Whether the user may see the whole area (the view answers 404 otherwise)."""
        if sees_everything(self.user):
            return True
        own = user_area(self.user) if self.user.is_authenticated else None
        return own is not None and self.area.code.startswith(own.code)

    def outcomes(self):
        return Outcome.objects.visible_to(self.user).within(self.area)

    @property
    def child_level(self):
        """The level one below the report's area, or None under a village."""
        return self.area.level + 1 if self.area.level < AreaLevel.VILLAGE else None

    @property
    def key(self):
        """What the figures depend on, as a cache key: the area, the days of the period, the
        labour-day rate, the day stock figures are counted on, and what the user may see (the
        view answers 404 outside it, so this only keeps users of different areas apart)."""
        sees = user_scope(self.user)
        yuan = format(self.labour_day_yuan.normalize(), "f")
        as_of = self.period.as_of(self.today)
        return (
            f"area={self.area.pk}:{self.area.code}:{self.period.start}:{self.period.end}"
            f":yuan={yuan}:as_of={as_of}:sees={sees}"
        )


# --- expressions shared by the sections and the ranking -------------------------------


def held_in(period, prefix=""):
    """Meetings (or, with a prefix, rows of a meeting) held in the period, as a Q."""
    return Q(
        **{f"{prefix}starts_at__gte": period.start_at, f"{prefix}starts_at__lt": period.end_at}
    )


def villagers_amount(column, labour_day_yuan):
    """A funding line's amount if villagers gave it, labour days valued in yuan; else 0."""
    return Case(
        When(source__in=VILLAGER_CASH_SOURCES, then=F(column)),
        When(source=S.LABOUR, then=F(column) * Value(labour_day_yuan)),
        default=Value(Decimal("0.00")),
        output_field=MONEY_FIELD,
    )


def government_amount(column):
    return Case(
        When(source__in=GOVERNMENT_SOURCES, then=F(column)),
        default=Value(Decimal("0.00")),
        output_field=MONEY_FIELD,
    )


def villager_share(labour_day_yuan, column="received"):
    """Villagers' share of villagers' plus government money, in percent (an aggregate)."""
    villagers = money_total(villagers_amount(column, labour_day_yuan))
    government = money_total(government_amount(column))
    return percent(villagers, villagers + government)


def satisfied_ballots():
    return F("satisfied") + F("basically_satisfied")


def all_ballots():
    return F("satisfied") + F("basically_satisfied") + F("dissatisfied")


def satisfaction_rate():
    """Satisfied and basically satisfied over all ballots, summing tallies (an aggregate)."""
    return percent(total(satisfied_ballots()), total(all_ballots()))


def adoption_rate():
    return percent(
        Count("pk", filter=Q(status=ProposalStatus.ADOPTED)),
        Count("pk", filter=Q(status__in=DECIDED)),
    )


def completion_rate():
    return percent(Count("pk", filter=Q(status=ProjectStatus.COMPLETED)), Count("pk"))


# Where an evaluation's subject lies: its project's, meeting's or referred proposal's area.
SUBJECT_CODES = ("project__area__code", "meeting__area__code", "proposal__meeting__area__code")


def evaluations_in(code, start, end, bound=None):
    """Evaluations dated in [start, end] whose subject lies in the area with this code, as a
    Q: the rows of ``Evaluation.objects.within(area)`` in those days.

    ``within`` is an OR across three joins (project, meeting, proposal), which no index
    serves: every evaluation of the days in the province is joined and tested. Here each kind
    of subject is found apart, from the area's projects, meetings and proposals by index, and
    the three lists are one UNION (an evaluation with two subjects in the area is still
    counted once: the outer query keeps the evaluations whose id is in the union).

    In a subquery ``code``, ``start`` and ``end`` may refer to the outer row; the union is a
    subquery of its own, so such references reach one level further out
    (``OuterRef(OuterRef("code"))``). ``bound`` (an area code and two dates known in advance)
    adds constant limits the planner can estimate.
    """
    dated = Evaluation.objects.order_by().filter(evaluated_on__gte=start, evaluated_on__lte=end)
    if bound is not None:
        bound_code, bound_start, bound_end = bound
        dated = dated.filter(evaluated_on__gte=bound_start, evaluated_on__lte=bound_end)
    parts = []
    for path in SUBJECT_CODES:
        part = dated.filter(code_under(path, code))
        if bound is not None:
            part = part.filter(**{f"{path}__startswith": bound_code})
        parts.append(part.values("pk"))
    return Q(pk__in=parts[0].union(*parts[1:], all=True))


def _rate(part, whole):
    """part × 100 / whole as ``percent`` computes it in SQL (the same floating-point steps, so
    the same result), or None when the whole is 0."""
    return float(part) * 100.0 / float(whole) if whole else None


def _filled(rows, key, keys, empty):
    """Rows from a GROUP BY, one per expected key in order, with ``empty`` where none came."""
    by_key = {row[key]: row for row in rows}
    return [by_key.get(k, {key: k, **empty}) for k in keys]


# --- the sections --------------------------------------------------------------------


def meeting_figures(scope):
    """Meetings by month and by format, and attendance by member category (3 queries)."""
    held = scope.meetings().filter(held_in(scope.period))
    categories = list(ATTENDANCE_FIELDS.values())
    broken_down = sum((F(name) for name in categories), start=Value(0))
    totals = held.aggregate(
        meetings=Count("pk"),
        attendance=total("attendance_total"),
        per_meeting=ratio(total("attendance_total"), Count("pk")),
        not_broken_down=total(F("attendance_total") - broken_down),
        not_broken_down_share=percent(
            total(F("attendance_total") - broken_down), total("attendance_total")
        ),
        # Named apart from the columns: an aggregate may not reuse a field's name.
        **{f"sum_{name}": total(name) for name in categories},
        **{f"share_{name}": percent(total(name), total("attendance_total")) for name in categories},
    )
    months = (
        held.annotate(month=TruncMonth("starts_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    by_month = {timezone.localtime(row["month"]).date(): row["n"] for row in months}
    formats = held.order_by().values("format").annotate(n=Count("pk"))
    attendance = [
        {
            "category": category.value,
            "count": totals[f"sum_{name}"],
            "share": totals[f"share_{name}"],
        }
        for category, name in ATTENDANCE_FIELDS.items()
    ]
    return {
        "count": totals["meetings"],
        "attendance": totals["attendance"],
        "per_meeting": totals["per_meeting"],
        "by_month": [{"month": m, "count": by_month.get(m, 0)} for m in scope.period.months],
        "by_format": [
            {"format": row["format"], "count": row["n"]}
            for row in _filled(formats, "format", MeetingFormat.values, {"n": 0})
        ],
        "by_category": attendance,
        "not_broken_down": totals["not_broken_down"],
        "not_broken_down_share": totals["not_broken_down_share"],
    }


def _median(values):
    """The median of whole numbers (days): the middle one, or the mean of the middle two;
    None without any."""
    values = sorted(values)
    middle = values[(len(values) - 1) // 2 : len(values) // 2 + 1]
    return float(sum(middle)) / len(middle) if middle else None


def proposal_figures(scope):
    """Proposals raised in the period by status, the adoption rate, the five-stage funnel,
    the two medians and the overdue referrals (2 queries).

    The medians and the overdue referrals look at the area's proposals of any time (decided
    in the period, carried out by a project completed in it, or referred and not answered
    by its last day), so one query reads those proposals once, with each one's days for
    either median computed in the database, and the medians are taken here.
    """
    period = scope.period
    raised = scope.proposals().filter(held_in(period, "meeting__"))
    project_has = {
        "stewardship": Exists(Stewardship.objects.filter(project_id=OuterRef("project_id"))),
        "evaluation": Exists(Evaluation.objects.filter(project_id=OuterRef("project_id"))),
        "outcome": Exists(
            Outcome.objects.filter(project_id=OuterRef("project_id"), is_published=True)
        ),
    }
    reached = {
        "decided": Q(status__in=DECIDED),
        "project": Q(project__isnull=False),
        **{stage: Q(**{f"_{stage}": True}) for stage in project_has},
    }
    totals = raised.alias(**{f"_{stage}": test for stage, test in project_has.items()}).aggregate(
        raised=Count("pk"),
        adopted=Count("pk", filter=Q(status=ProposalStatus.ADOPTED)),
        adoption_rate=adoption_rate(),
        **{f"n_{stage}": Count("pk", filter=test) for stage, test in reached.items()},
        **{f"status_{s}": Count("pk", filter=Q(status=s)) for s in ProposalStatus.values},
    )
    # Each stage's share of those raised, divided here as ``percent`` divides in SQL: in the
    # query each stage's EXISTS tests would run twice, once per count.
    for stage in reached:
        totals[f"share_{stage}"] = _rate(totals[f"n_{stage}"], totals["raised"])
    as_of = period.as_of(scope.today)
    decided = Q(decided_on__gte=period.start, decided_on__lte=period.end)
    completed = Q(
        decided_on__isnull=False,
        project__actual_end__gte=period.start,
        project__actual_end__lte=period.end,
    )
    overdue = Q(status=ProposalStatus.REFERRED, referral_due_on__lt=as_of) & (
        Q(replied_at__isnull=True) | Q(replied_at__gte=Period.custom(as_of, as_of).end_at)
    )
    days = (
        scope.proposals()
        .filter(decided | completed | overdue)
        .annotate(
            _to_decision=Case(
                When(decided, then=DaysBetween(F("decided_on"), local_date("meeting__starts_at")))
            ),
            _to_completion=Case(
                When(completed, then=DaysBetween(F("project__actual_end"), F("decided_on")))
            ),
            _overdue=Case(When(overdue, then=Value(1)), default=Value(0)),
        )
        .order_by()
        .values_list("_to_decision", "_to_completion", "_overdue")
    )
    to_decision, to_completion, overdue_referrals = [], [], 0
    for decision, completion, is_overdue in days:
        if decision is not None:
            to_decision.append(decision)
        if completion is not None:
            to_completion.append(completion)
        overdue_referrals += is_overdue
    return {
        "raised": totals["raised"],
        "adopted": totals["adopted"],
        "decided": totals["n_decided"],
        "adoption_rate": totals["adoption_rate"],
        "by_status": [
            {"status": status, "count": totals[f"status_{status}"]}
            for status in ProposalStatus.values
        ],
        "funnel": [
            {
                "stage": "raised",
                "count": totals["raised"],
                "share": 100.0 if totals["raised"] else None,
            }
        ]
        + [
            {"stage": stage, "count": totals[f"n_{stage}"], "share": totals[f"share_{stage}"]}
            for stage in FUNNEL_STAGES
        ],
        "median_days_to_decision": _median(to_decision),
        "median_days_to_completion": _median(to_completion),
        "overdue_referrals": overdue_referrals,
        "overdue_as_of": as_of,
    }


def project_figures(scope):
    """Projects at work in the period by status and progress; funding by source, planned and
    received; what villagers gave against government money (4 queries)."""
    period = scope.period
    projects = under_way(scope.projects(), period.start, period.end)
    totals = projects.aggregate(
        count=Count("pk"),
        completed=Count("pk", filter=Q(status=ProjectStatus.COMPLETED)),
        completed_in_period=Count(
            "pk", filter=Q(actual_end__gte=period.start, actual_end__lte=period.end)
        ),
        completion_rate=completion_rate(),
        average_progress=Avg("progress", output_field=FloatField()),
        not_started=Count("pk", filter=Q(progress=0)),
        under_half=Count("pk", filter=Q(progress__gte=1, progress__lte=49)),
        over_half=Count("pk", filter=Q(progress__gte=50, progress__lte=99)),
        finished=Count("pk", filter=Q(progress=100)),
    )
    statuses = (
        projects.order_by()
        .values("status")
        .annotate(n=Count("pk"), progress=Avg("progress", output_field=FloatField()))
    )
    lines = scope.funding_lines().filter(project__in=projects.values("pk"))
    sources = (
        lines.order_by()
        .values("source")
        .annotate(
            sum_planned=money_total("planned"),
            sum_received=money_total("received"),
            received_share=percent(money_total("received"), money_total("planned")),
            projects=Count("project", distinct=True),
        )
    )
    yuan = scope.labour_day_yuan
    money = {}
    for column in ("planned", "received"):
        villagers = money_total(villagers_amount(column, yuan))
        government = money_total(government_amount(column))
        money |= {
            f"villagers_{column}": villagers,
            f"government_{column}": government,
            f"leverage_{column}": ratio(villagers, government),
            f"villager_share_{column}": percent(villagers, villagers + government),
            f"labour_days_{column}": money_total(column, filter=Q(source=S.LABOUR)),
            f"labour_value_{column}": money_total(
                F(column) * Value(yuan), filter=Q(source=S.LABOUR)
            ),
            f"collective_{column}": money_total(column, filter=Q(source=S.VILLAGE_COLLECTIVE)),
        }
    funding = lines.aggregate(**money)
    return {
        **totals,
        "progress_buckets": [
            {"key": key, "count": totals[key]}
            for key in ("not_started", "under_half", "over_half", "finished")
        ],
        "by_status": [
            {"status": row["status"], "count": row["n"], "progress": row["progress"]}
            for row in _filled(statuses, "status", ProjectStatus.values, {"n": 0, "progress": None})
        ],
        "by_source": [
            {
                "source": row["source"],
                "is_labour": row["source"] == S.LABOUR,
                "planned": row["sum_planned"],
                "received": row["sum_received"],
                "received_share": row["received_share"],
                "projects": row["projects"],
            }
            for row in _filled(
                sources,
                "source",
                S.values,
                {
                    "sum_planned": Decimal("0.00"),
                    "sum_received": Decimal("0.00"),
                    "received_share": None,
                    "projects": 0,
                },
            )
        ],
        "funding": funding,
        "labour_day_yuan": yuan,
    }
