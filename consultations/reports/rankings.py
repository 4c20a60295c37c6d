"""The report's figures that compare and rank: satisfaction (from the evaluations' ballots),
beneficiaries of published outcomes, and the same figures for each area one level down.
What each counts is told in ``consultations.reports.queries``."""

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
)
from django.db.models.functions import Substr

from consultations.models import (
    Evaluation,
    FundingLine,
    Meeting,
    Project,
    Proposal,
)
from organizations.models import CODE_LENGTH, Area, AreaLevel

from .queries import (
    SUBJECT_CODES,
    _rate,
    adoption_rate,
    completion_rate,
    held_in,
    villager_share,
)
from .sql import (
    code_under,
    scalar,
    total,
    under_way,
)


def evaluation_groups(scope):
    """The evaluations dated in the period in the area, summed per place of their subject: one
    row per (project's area code, meeting's area code, proposal's meeting's area code), with
    the evaluations and the three tallies (2 queries).

    The overall rate, the rates per town and per village and the ranking's rates are sums of
    these rows, so the evaluations are read once for all of them.
    """
    places = ("project__area_id", "meeting__area_id", "proposal__meeting__area_id")
    columns = ("pk", *places, "satisfied", "basically_satisfied", "dissatisfied")
    period = scope.period
    if scope.sees_area:
        # Each kind of subject found apart, by index from the area's projects, meetings and
        # proposals, and the rows summed here: PostgreSQL would plan a GROUP BY over
        # ``id IN (the three lists)`` as a scan of every evaluation of the province.
        dated = Evaluation.objects.order_by().filter(
            evaluated_on__gte=period.start, evaluated_on__lte=period.end
        )
        parts = [
            dated.filter(**{f"{path}__startswith": scope.area.code}).values_list(*columns)
            for path in SUBJECT_CODES
        ]
        rows = parts[0].union(*parts[1:])  # UNION: an evaluation found twice counts once
    else:
        rows = scope.dated_evaluations().order_by().values_list(*columns)
    sums = {}
    for _pk, *where, satisfied, basically, dissatisfied in rows:
        group = sums.setdefault(tuple(where), [0, 0, 0, 0])
        group[0] += 1
        group[1] += satisfied
        group[2] += basically
        group[3] += dissatisfied
    ids = {area for where in sums for area in where} - {None}
    codes = dict(Area.objects.filter(pk__in=ids).values_list("pk", "code")) if ids else {}
    return [
        (tuple(codes.get(area) for area in where), *figures)
        for where, figures in sorted(sums.items(), key=lambda item: str(item[0]))
    ]


def _tallied(groups):
    """Evaluations, ballots, satisfied + basically satisfied, and the rate, over ``groups``."""
    n = sum(group[1] for group in groups)
    content = sum(group[2] + group[3] for group in groups)
    ballots = sum(group[2] + group[3] + group[4] for group in groups)
    return {
        "evaluations": n,
        "ballots": ballots,
        "sum_satisfied": content,
        "rate": _rate(content, ballots),
    }


def satisfaction_figures(scope, groups):
    """Satisfaction over the area, and per town and per village under it, from
    ``evaluation_groups`` (1 query: the names of the towns and villages).

    Per town and village, an evaluation counts where its subject lies: its project, else its
    meeting, else its proposal's meeting."""
    overall = _tallied(groups)
    levels = [lv for lv in (AreaLevel.TOWN, AreaLevel.VILLAGE) if lv > scope.area.level]
    by_code = {}
    for group in groups:
        place = next(code for code in group[0] if code is not None)
        for level in levels:
            by_code.setdefault((level, place[: CODE_LENGTH[level]]), []).append(group)
    names = {}
    if by_code:
        codes = {code for _level, code in by_code}
        names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    return {
        "evaluations": overall["evaluations"],
        "sum_satisfied": sum(group[2] for group in groups),
        "sum_basically_satisfied": sum(group[3] for group in groups),
        "sum_dissatisfied": sum(group[4] for group in groups),
        "ballots": overall["ballots"],
        "rate": overall["rate"],
        "by_level": [
            {
                "level": level,
                "rows": [
                    {"_code": code, "name": names.get(code), **_tallied(by_code[(lv, code)])}
                    for lv, code in sorted(by_code)
                    if lv == level
                ],
            }
            for level in levels
        ],
    }


def outcome_figures(scope):
    """Households and people benefiting from outcomes published in the period (1 query)."""
    period = scope.period
    return (
        scope.outcomes()
        .published()
        .filter(disclosed_on__gte=period.start, disclosed_on__lte=period.end)
        .aggregate(
            outcomes=Count("pk"),
            households=total("beneficiary_households"),
            people=total("beneficiary_people"),
        )
    )


RANKINGS = {
    "meetings_per_village": "meetings_per_village",
    "meetings": "meeting_count",
    "adoption_rate": "adoption_rate",
    "completion_rate": "completion_rate",
    "satisfaction_rate": "satisfaction_rate",
    "villager_share": "villager_share",
}


def ranking_figures(scope, groups):
    """The areas one level down (towns of a county: 一镇一品牌; villages of a town:
    一村一特色), each with its meetings, adoption, completion, satisfaction (from
    ``evaluation_groups``) and villagers' share of funding, in the order of their codes
    (5 queries; none under a village). ``ranked`` puts them in order.

    Each figure is one GROUP BY over the report's area, by the first digits of the code
    (those of the level below), rather than a subquery per town: the rows are read once.
    """
    if scope.child_level is None:
        return []
    period, code = scope.period, scope.area.code
    digits = CODE_LENGTH[scope.child_level]

    def per_child(queryset, path, **figures):
        rows = (
            queryset.order_by()
            .annotate(_child=Substr(path, 1, digits))
            .values("_child")
            .annotate(**figures)
        )
        return {row.pop("_child"): row for row in rows}

    meetings = per_child(
        Meeting.objects.filter(held_in(period), area__code__startswith=code),
        "area__code",
        n=Count("pk"),
    )
    adoption = per_child(
        Proposal.objects.filter(held_in(period, "meeting__"), meeting__area__code__startswith=code),
        "meeting__area__code",
        rate=adoption_rate(),
    )
    completion = per_child(
        under_way(Project.objects.filter(area__code__startswith=code), period.start, period.end),
        "area__code",
        rate=completion_rate(),
    )
    share = per_child(
        under_way(
            FundingLine.objects.filter(project__area__code__startswith=code),
            period.start,
            period.end,
            prefix="project__",
        ),
        "project__area__code",
        rate=villager_share(scope.labour_day_yuan),
    )
    villages = Area.objects.filter(level=AreaLevel.VILLAGE, code__startswith=code).filter(
        code_under("code", OuterRef("code"))
    )
    children = (
        Area.objects.filter(parent=scope.area)
        .annotate(
            brand=F("highlight__title"),
            village_count=scalar(villages, Count("pk"), IntegerField()),
        )
        .order_by("code")
        .values("code", "name", "level", "brand", "village_count")
    )
    rows = []
    for child in children:
        child_code = child["code"]
        n = meetings.get(child_code, {}).get("n", 0)
        evaluated = [
            group
            for group in groups
            if any(c is not None and c.startswith(child_code) for c in group[0])
        ]
        rows.append(
            {
                "code": child_code,
                "name": child["name"],
                "level": child["level"],
                "brand": child["brand"],
                "meeting_count": n,
                "village_count": child["village_count"],
                "meetings_per_village": (
                    float(n) / float(child["village_count"]) if child["village_count"] else None
                ),
                "adoption_rate": adoption.get(child_code, {}).get("rate"),
                "completion_rate": completion.get(child_code, {}).get("rate"),
                "satisfaction_rate": _tallied(evaluated)["rate"],
                "villager_share": share.get(child_code, {}).get("rate"),
            }
        )
    return rows


def ranked(rows, order_by="meetings_per_village"):
    """The ranking's rows best first by ``order_by``, then by code; areas without the figure
    (nothing to divide by) come last, unranked."""
    key = RANKINGS.get(order_by, "meetings_per_village")
    ordered = sorted(rows, key=lambda row: row["code"])
    ordered.sort(key=lambda row: (row[key] is None, -row[key] if row[key] is not None else 0))
    return [
        {**row, "rank": n if row[key] is not None else None, "ranked_by": key}
        for n, row in enumerate(ordered, start=1)
    ]
