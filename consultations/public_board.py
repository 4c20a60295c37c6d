"""村务公开: what the public board may show.

What is public is decided here, once, by the flags staff set: a project marked public on
the village board, a published outcome, a meeting whose summary is public, a photo marked
public under a public project or public meeting. Every public page and the sitemap build
their querysets from these functions, so a draft cannot appear through one page and not
another.

"""

from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf, Round
from django.utils import timezone

from core import cache as figures
from organizations.models import AreaLevel

from .models import (
    Attachment,
    AttachmentKind,
    Evaluation,
    FundingLine,
    FundingSource,
    Meeting,
    Outcome,
    Project,
    ProjectStatus,
    ProjectUpdate,
    Proposal,
)

# -- what is public --------------------------------------------------------------------------


def public_projects():
    """Projects staff marked public on the village board."""
    return Project.objects.filter(is_public=True)


def published_outcomes():
    """Outcomes staff published (公示)."""
    return Outcome.objects.filter(is_published=True)


# A matter (one proposal's chain) is published when its project is public or its outcome is
# published: both need a project, so a matter still in 共谋 is never public.
MATTER_IS_PUBLISHED = Q(project__is_public=True) | Q(project__outcome__is_published=True)


def published_matters():
    """Proposals whose chain the public may follow (see MATTER_IS_PUBLISHED)."""
    return Proposal.objects.filter(MATTER_IS_PUBLISHED)


def published_projects():
    """Projects whose matter is published (public, or with a published outcome): their
    evaluations, stewardship and stage states may show, their details only when public."""
    return Project.objects.filter(Q(is_public=True) | Q(outcome__is_published=True))


def public_meetings():
    """Meetings whose summary (title, date, format, agenda) staff marked public."""
    return Meeting.objects.filter(summary_is_public=True)


def public_meeting_photos():
    """Meeting photos marked public, of meetings whose summary is public."""
    return Attachment.objects.filter(
        is_public=True, kind=AttachmentKind.PHOTO, meeting__summary_is_public=True
    )


def public_progress_photos():
    """Progress photos marked public, of projects that are public."""
    return ProjectUpdate.objects.filter(photo_is_public=True, project__is_public=True).exclude(
        photo=""
    )


def board_filter(area, lookup):
    """Records that appear on ``area``'s own board, reached through ``lookup`` (the area's
    code field, e.g. "project__area__code").

    A village's board holds what belongs to it and its hamlets (hamlets have no board); a
    town's or county's board holds what belongs to that level itself, such as a town road
    gathering several villages' proposals. Everything below a town shows on its own board.
    """
    if area.level >= AreaLevel.VILLAGE:
        return Q(**{f"{lookup}__startswith": area.code})
    return Q(**{lookup: area.code})


# -- what a board shows ------------------------------------------------------------------

# Rows of each kind on a board; the rest are one click away on the section's own page.
BOARD_ROWS = 12
UPCOMING_DAYS = 60

S = FundingSource
# Who paid: government money, what villagers gave (money, materials, donations; labour is
# counted in days apart), and the village collective in between. The same split as the
# reports' comparison of public money with what villagers gave.
GOVERNMENT_SOURCES = (S.REWARD_SUBSIDY, S.TOWN_VILLAGE_SUBSIDY, S.DEPARTMENT_FUNDS)
VILLAGER_SOURCES = (S.VILLAGERS_RAISED, S.MATERIALS, S.DONATIONS)
SOURCE_ORDER = Case(
    *(When(source=source, then=Value(index)) for index, source in enumerate(S.values)),
    output_field=IntegerField(),
)
MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)


def _first_matter(project_ref):
    """The id of a project's first proposal: the public page that tells its story."""
    return Subquery(
        published_matters().filter(project=OuterRef(project_ref)).order_by("pk").values("pk")[:1]
    )


def _line_sum(column, condition):
    """Sum of one column of a project's funding lines matching ``condition``, as a subquery,
    so that several sums (and the evaluations below) do not multiply each other's rows."""
    lines = (
        FundingLine.objects.filter(condition, project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(total=Sum(column))
        .values("total")
    )
    return Coalesce(Subquery(lines, output_field=MONEY), ZERO)


def _ballots_sum(project_ref, expression):
    evaluations = (
        Evaluation.objects.filter(project=OuterRef(project_ref))
        .order_by()
        .values("project")
        .annotate(total=Sum(expression))
        .values("total")
    )
    return Coalesce(Subquery(evaluations, output_field=IntegerField()), Value(0))


SATISFIED = F("satisfied") + F("basically_satisfied")
BALLOTS = F("satisfied") + F("basically_satisfied") + F("dissatisfied")


def satisfaction_percent(satisfied, ballots):
    """Satisfied and basically satisfied ballots as a percentage of all, one decimal."""
    return Round(
        Cast(satisfied, FloatField()) * Value(100.0) / NullIf(Cast(ballots, FloatField()), 0.0),
        1,
    )


def _with_satisfaction(queryset, project_ref):
    return queryset.annotate(
        ballots=_ballots_sum(project_ref, BALLOTS),
        satisfied_ballots=_ballots_sum(project_ref, SATISFIED),
    ).annotate(satisfaction=satisfaction_percent(F("satisfied_ballots"), F("ballots")))


def outcomes(area):
    """Published outcomes on ``area``'s board, newest disclosure first, with the matter to
    open and the satisfaction of the project's evaluations."""
    outcomes = (
        published_outcomes()
        .filter(board_filter(area, "project__area__code"))
        .select_related("project__area")
        .annotate(matter_pk=_first_matter("project_id"))
        .order_by("-disclosed_on", "-id")
    )
    return _with_satisfaction(outcomes, "project_id")


def projects(area):
    """Public projects on ``area``'s board with who paid (yuan; labour in days) and how
    satisfied people were: every figure a subquery, one query for the list."""
    labour = Q(source=S.LABOUR)
    projects = (
        public_projects()
        .filter(board_filter(area, "area__code"))
        .select_related("area", "lead_organization")
        .annotate(
            matter_pk=_first_matter("pk"),
            planned_yuan=_line_sum("planned", ~labour),
            received_yuan=_line_sum("received", ~labour),
            government_yuan=_line_sum("received", Q(source__in=GOVERNMENT_SOURCES)),
            villagers_yuan=_line_sum("received", Q(source__in=VILLAGER_SOURCES)),
            collective_yuan=_line_sum("received", Q(source=S.VILLAGE_COLLECTIVE)),
            labour_days=_line_sum("received", labour),
        )
        .order_by(
            Case(When(status=ProjectStatus.COMPLETED, then=Value(1)), default=Value(0)),
            "-created_at",
            "-id",
        )
    )
    return _with_satisfaction(projects, "pk")


def past_meetings(area, now):
    return (
        public_meetings()
        .filter(board_filter(area, "area__code"), starts_at__lt=now)
        .select_related("area")
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=public_meeting_photos().order_by("uploaded_at", "id"),
                to_attr="public_photos",
            )
        )
        .order_by("-starts_at", "-id")
    )


def upcoming_meetings(area, now):
    return (
        public_meetings()
        .filter(
            board_filter(area, "area__code"),
            starts_at__gte=now,
            starts_at__lt=now + timezone.timedelta(days=UPCOMING_DAYS),
        )
        .select_related("area")
        .order_by("starts_at", "id")
    )


def funding_totals(lines):
    """Totals over funding lines: yuan planned and received, and who gave what was received."""
    labour = Q(source=S.LABOUR)
    zero = Decimal("0.00")
    return lines.aggregate(
        planned_yuan=Sum("planned", filter=~labour, default=zero),
        received_yuan=Sum("received", filter=~labour, default=zero),
        government_yuan=Sum("received", filter=Q(source__in=GOVERNMENT_SOURCES), default=zero),
        villagers_yuan=Sum("received", filter=Q(source__in=VILLAGER_SOURCES), default=zero),
        collective_yuan=Sum("received", filter=Q(source=S.VILLAGE_COLLECTIVE), default=zero),
        labour_days_planned=Sum("planned", filter=labour),
        labour_days=Sum("received", filter=labour),
        received_pct=satisfaction_percent(
            Sum("received", filter=~labour, default=zero),
            Sum("planned", filter=~labour, default=zero),
        ),
    )


def source_rows(rows):
    """The per-source rows with their labels and units (from values(), so no model methods)."""
    labels = dict(S.choices)
    return [
        {
            **row,
            "label": labels.get(row["source"], row["source"]),
            "is_labour": row["source"] == S.LABOUR,
        }
        for row in rows
    ]


def _totals(area):
    """The board's totals, which read every published row under a county's or town's board:
    kept until the county's data change (core.cache). Four queries when computed."""
    on_board = board_filter(area, "area__code")
    lines = FundingLine.objects.filter(project__in=public_projects().filter(on_board))
    return {
        "outcome_totals": (
            published_outcomes()
            .filter(board_filter(area, "project__area__code"))
            .aggregate(
                count=Count("pk"),
                households=Sum("beneficiary_households", default=0),
                people=Sum("beneficiary_people", default=0),
            )
        ),
        # Funding of the public projects by source, and its totals.
        "funding_by_source": list(
            lines.values("source")
            .annotate(planned=Sum("planned"), received=Sum("received"))
            .order_by(SOURCE_ORDER)
        ),
        "funding": funding_totals(lines),
        # Satisfaction over every evaluation of a published matter's project on this board.
        "satisfaction": Evaluation.objects.filter(
            project__in=published_projects().filter(on_board)
        ).aggregate(
            evaluations=Count("pk"),
            ballots=Sum(BALLOTS, default=0),
            rate=satisfaction_percent(Sum(SATISFIED), Sum(BALLOTS)),
        ),
    }


def board(area, *, rows=BOARD_ROWS):
    """Everything on ``area``'s own board, each list cut at ``rows`` (one more is fetched to
    know whether there is more). Five queries and the totals, whatever the data size."""
    now = timezone.now()
    totals = figures.cached("public-board", area.code, lambda: _totals(area), area=area).value
    outcome_rows = list(outcomes(area)[: rows + 1])
    project_rows = list(projects(area)[: rows + 1])
    upcoming = list(upcoming_meetings(area, now)[:rows])
    past = list(past_meetings(area, now)[: rows + 1])
    return {
        **totals,
        "funding_by_source": source_rows(totals["funding_by_source"]),
        "outcomes": outcome_rows[:rows],
        "more_outcomes": len(outcome_rows) > rows,
        "projects": project_rows[:rows],
        "more_projects": len(project_rows) > rows,
        "upcoming_meetings": upcoming,
        "past_meetings": past[:rows],
        "more_meetings": len(past) > rows,
    }


def _child_counts(area):
    """{child's code: (published outcomes, public projects)} anywhere under each child."""

    def count_under(queryset, lookup, constant_field):
        # Grouped by a field every counted row shares, so the subquery gives one count.
        counted = (
            queryset.filter(**{f"{lookup}__startswith": OuterRef("code")})
            .order_by()
            .values(constant_field)
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    rows = area.children.annotate(
        outcome_count=count_under(published_outcomes(), "project__area__code", "is_published"),
        project_count=count_under(public_projects(), "area__code", "is_public"),
    ).values_list("code", "outcome_count", "project_count")
    return {code: (outcomes, projects) for code, outcomes, projects in rows}


def children(area):
    """The towns of a county or villages of a town, with their brand or feature and how many
    published outcomes and public projects each has anywhere under it (kept with the
    figures, which count every row under the area)."""
    counts = figures.cached("public-children", area.code, lambda: _child_counts(area), area=area)
    children = list(area.children.select_related("highlight").order_by("code"))
    for child in children:
        child.outcome_count, child.project_count = counts.value.get(child.code, (0, 0))
    return children
