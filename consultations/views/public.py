"""村务公开 the public board: what each village decided, built and got, for anyone to read.

No sign-in, no staff navigation, nothing personal. Every page is read-only, rendered for
each request from ``consultations.public_board``'s definition of what staff published, and
sent with short public cache headers and an ETag. No page uses JavaScript; photos come
through views that check the flags again, never from /media/.
"""

import hashlib
from decimal import Decimal
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import InvalidPage, Paginator
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
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from consultations import chain, public_board, uploads
from consultations.models import (
    Evaluation,
    FundingLine,
    FundingSource,
    ProjectStatus,
    ProposalStatus,
    ProposalStatusChange,
    Stewardship,
    StewardshipLog,
)
from core import cache as figures
from organizations.models import Area, AreaLevel

# Rows of each kind on a board; the rest are one click away on the section's own page.
BOARD_ROWS = 12
SECTION_PAGE_SIZE = 20
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


# -- headers ---------------------------------------------------------------------


def _public_headers(response):
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_BOARD_MAX_AGE)
    # The page's language comes from the language cookie or the browser's languages.
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


def public_page(view=None, *, paginated=False):
    """An anonymous, read-only page with public cache headers, rendered for each request.

    The ETag is the page's own hash, so a browser or a front proxy revalidating gets 304
    exactly when nothing changed. Only complete pages (200) are marked public.
    """
    if view is None:
        return lambda view: public_page(view, paginated=paginated)

    @login_not_required
    @require_safe
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code != 200:
            return response
        etag = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        response["ETag"] = etag
        return _public_headers(get_conditional_response(request, etag=etag, response=response))

    return wrapper


# -- shared queries -------------------------------------------------------------------------


def _area_or_404(code):
    """The county, town or village with this code (hamlets have no board), with the areas
    above it for the breadcrumbs: one query."""
    area = (
        Area.objects.select_related("parent__parent", "highlight")
        .filter(code=code, level__lte=AreaLevel.VILLAGE)
        .first()
    )
    if area is None:
        raise Http404
    return area


def _trail(area):
    """The areas above ``area``, county first (already loaded through select_related)."""
    trail = []
    parent = area.parent if area.parent_id else None
    while parent is not None:
        trail.insert(0, parent)
        parent = parent.parent if parent.parent_id else None
    return trail


def _first_matter(project_ref):
    """The id of a project's first proposal: the public page that tells its story."""
    return Subquery(
        public_board.published_matters()
        .filter(project=OuterRef(project_ref))
        .order_by("pk")
        .values("pk")[:1]
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


def _rate(satisfied, ballots):
    """Satisfied and basically satisfied ballots as a percentage of all, one decimal."""
    return Round(
        Cast(satisfied, FloatField()) * Value(100.0) / NullIf(Cast(ballots, FloatField()), 0.0),
        1,
    )


def _with_satisfaction(queryset, project_ref):
    return queryset.annotate(
        ballots=_ballots_sum(project_ref, BALLOTS),
        satisfied_ballots=_ballots_sum(project_ref, SATISFIED),
    ).annotate(satisfaction=_rate(F("satisfied_ballots"), F("ballots")))


def _outcomes(area):
    """Published outcomes on ``area``'s board, newest disclosure first, with the matter to
    open and the satisfaction of the project's evaluations."""
    outcomes = (
        public_board.published_outcomes()
        .filter(public_board.board_filter(area, "project__area__code"))
        .select_related("project__area")
        .annotate(matter_pk=_first_matter("project_id"))
        .order_by("-disclosed_on", "-id")
    )
    return _with_satisfaction(outcomes, "project_id")


def _projects(area):
    """Public projects on ``area``'s board with who paid (yuan; labour in days) and how
    satisfied people were: every figure a subquery, one query for the list."""
    labour = Q(source=S.LABOUR)
    projects = (
        public_board.public_projects()
        .filter(public_board.board_filter(area, "area__code"))
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


def _past_meetings(area, now):
    return (
        public_board.public_meetings()
        .filter(public_board.board_filter(area, "area__code"), starts_at__lt=now)
        .select_related("area")
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=public_board.public_meeting_photos().order_by("uploaded_at", "id"),
                to_attr="public_photos",
            )
        )
        .order_by("-starts_at", "-id")
    )


def _upcoming_meetings(area, now):
    return (
        public_board.public_meetings()
        .filter(
            public_board.board_filter(area, "area__code"),
            starts_at__gte=now,
            starts_at__lt=now + timezone.timedelta(days=UPCOMING_DAYS),
        )
        .select_related("area")
        .order_by("starts_at", "id")
    )


def _funding_totals(lines):
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
        received_pct=_rate(
            Sum("received", filter=~labour, default=zero),
            Sum("planned", filter=~labour, default=zero),
        ),
    )


def _source_rows(rows):
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
    on_board = public_board.board_filter(area, "area__code")
    lines = FundingLine.objects.filter(project__in=public_board.public_projects().filter(on_board))
    return {
        "outcome_totals": (
            public_board.published_outcomes()
            .filter(public_board.board_filter(area, "project__area__code"))
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
        "funding": _funding_totals(lines),
        # Satisfaction over every evaluation of a published matter's project on this board.
        "satisfaction": Evaluation.objects.filter(
            project__in=public_board.published_projects().filter(on_board)
        ).aggregate(
            evaluations=Count("pk"),
            ballots=Sum(BALLOTS, default=0),
            rate=_rate(Sum(SATISFIED), Sum(BALLOTS)),
        ),
    }


def _board(area, *, rows=BOARD_ROWS):
    """Everything on ``area``'s own board, each list cut at ``rows`` (one more is fetched to
    know whether there is more). Five queries and the totals, whatever the data size."""
    now = timezone.now()
    totals = figures.cached("public-board", area.code, lambda: _totals(area), area=area).value
    outcomes = list(_outcomes(area)[: rows + 1])
    projects = list(_projects(area)[: rows + 1])
    upcoming = list(_upcoming_meetings(area, now)[:rows])
    past = list(_past_meetings(area, now)[: rows + 1])
    return {
        **totals,
        "funding_by_source": _source_rows(totals["funding_by_source"]),
        "outcomes": outcomes[:rows],
        "more_outcomes": len(outcomes) > rows,
        "projects": projects[:rows],
        "more_projects": len(projects) > rows,
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
        outcome_count=count_under(
            public_board.published_outcomes(), "project__area__code", "is_published"
        ),
        project_count=count_under(public_board.public_projects(), "area__code", "is_public"),
    ).values_list("code", "outcome_count", "project_count")
    return {code: (outcomes, projects) for code, outcomes, projects in rows}


def _children(area):
    """The towns of a county or villages of a town, with their brand or feature and how many
    published outcomes and public projects each has anywhere under it (kept with the
    figures, which count every row under the area)."""
    counts = figures.cached("public-children", area.code, lambda: _child_counts(area), area=area)
    children = list(area.children.select_related("highlight").order_by("code"))
    for child in children:
        child.outcome_count, child.project_count = counts.value.get(child.code, (0, 0))
    return children


# -- pages ----------------------------------------------------------------------------------


@public_page
def public_index(request):
    """Counties and their towns: where a villager starts looking for their village."""
    areas = list(
        Area.objects.filter(level__lte=AreaLevel.TOWN).select_related("highlight").order_by("code")
    )
    counties = [
        {"area": county, "towns": [a for a in areas if a.parent_id == county.pk]}
        for county in areas
        if county.level == AreaLevel.COUNTY
    ]
    return render(request, "public/index.html", {"counties": counties})


@public_page
def public_area(request, code):
    """A county's towns, a town's villages, and each one's own board; a village's board is
    the page villagers come for."""
    area = _area_or_404(code)
    context = {"area": area, "trail": _trail(area), **_board(area)}
    if area.level < AreaLevel.VILLAGE:
        context["children"] = _children(area)
    return render(request, "public/area.html", context)


# A board's sections with a page of their own: (title, rows of the section).
SECTIONS = {
    "outcomes": (_("Outcomes published"), lambda area, now: _outcomes(area)),
    "projects": (_("Public projects"), lambda area, now: _projects(area)),
    "meetings": (_("Public meeting summaries"), _past_meetings),
}


@public_page(paginated=True)
def public_section(request, code, section):
    """All of one section of a board, page by page, when the board shows only the latest."""
    area = _area_or_404(code)
    title, rows = SECTIONS[section]
    try:
        # A page that does not exist is a 404 rather than the nearest page, so that only
        # real pages are ever stored in the cache.
        page = Paginator(rows(area, timezone.now()), SECTION_PAGE_SIZE).page(
            request.GET.get("page", "1")
        )
    except InvalidPage as exc:
        raise Http404 from exc
    return render(
        request,
        "public/section.html",
        {
            "area": area,
            "trail": [*_trail(area), area],
            "section": section,
            "title": title,
            "page_obj": page,
        },
    )


@public_page
def public_print(request, code):
    """The board laid out for the village notice board (公示栏): A4, black on white."""
    area = _area_or_404(code)
    return render(
        request,
        "public/print.html",
        {
            "area": area,
            "trail": [*_trail(area), area],
            "printed_on": timezone.localdate(),
            **_board(area, rows=SECTION_PAGE_SIZE),
        },
    )


def _matter_or_404(pk):
    proposal = (
        public_board.published_matters()
        .select_related(
            "meeting",
            "project__area__parent__parent__parent",
            "project__lead_organization",
            "project__outcome",
        )
        .filter(pk=pk)
        .first()
    )
    if proposal is None:
        raise Http404
    return proposal


@public_page
def public_matter(request, pk):
    """One published matter through the five stages, without a single personal detail:
    no proposer, moderator or steward by name, no staff account, no free-text notes."""
    proposal = _matter_or_404(pk)
    project = proposal.project
    outcome = getattr(project, "outcome", None)
    if outcome is not None and not outcome.is_published:
        outcome = None  # a draft is not there at all for the public
    # The board the matter belongs to: a hamlet's matters show on its village's board.
    area = project.area if project.area.level <= AreaLevel.VILLAGE else project.area.parent
    stewardships = list(
        Stewardship.objects.filter(project=project)
        .select_related("organization")
        .annotate(
            log_count=Count("log_entries"),
            last_logged=Subquery(
                StewardshipLog.objects.filter(stewardship=OuterRef("pk"))
                .order_by("-logged_on")
                .values("logged_on")[:1]
            ),
        )
        .order_by("started_on", "id")
    )
    evaluations = list(
        Evaluation.objects.filter(project=project)
        .annotate(rate=_rate(SATISFIED, BALLOTS))
        .order_by("evaluated_on", "id")
    )
    stages = chain.stages(
        chain.Facts(
            proposal_status=proposal.status,
            has_project=True,
            project_status=project.status,
            stewardships=len(stewardships),
            log_entries=max((s.log_count for s in stewardships), default=0),
            evaluations=len(evaluations),
            outcome_exists=outcome is not None,
            outcome_published=outcome is not None,
        )
    )
    context = {
        "proposal": proposal,
        "meeting": proposal.meeting,
        "project": project,
        "outcome": outcome,
        "area": area,
        "trail": [*_trail(area), area],
        # Dates and steps only: who moved the matter is a staff account, and the notes are
        # free text that may name people.
        "status_changes": [
            {"label": ProposalStatus(change["to_status"]).label, "on": change["changed_at"]}
            for change in ProposalStatusChange.objects.filter(proposal=proposal)
            .order_by("changed_at", "id")
            .values("to_status", "changed_at")
        ],
        "other_matters": public_board.published_matters()
        .filter(project=project)
        .exclude(pk=proposal.pk)
        .order_by("pk")
        .values("pk", "title"),
        "stewardships": stewardships,
        "evaluations": evaluations,
        "stages": stages,
        "by_stage": {stage.key: stage for stage in stages},
    }
    if project.is_public:
        lines = FundingLine.objects.filter(project=project)
        context["funding_by_source"] = _source_rows(
            lines.order_by(SOURCE_ORDER).values("source", "planned", "received")
        )
        context["funding"] = _funding_totals(lines)
        context["updates"] = project.updates.order_by("reported_on", "id")
    return render(request, "public/matter.html", context)


def _image_response(field_file):
    """A stored photo, only if its bytes are an image; sent with its real type, nosniff."""
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    kind = uploads.sniff(handle.read(uploads.HEAD_BYTES))
    if kind is None or not kind.is_image:
        handle.close()
        raise Http404
    handle.seek(0)
    response = FileResponse(handle, content_type=kind.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_BOARD_MAX_AGE)
    return response


@login_not_required
@require_safe
def public_meeting_photo(request, pk):
    """A meeting photo staff marked public, of a meeting whose summary is public."""
    attachment = public_board.public_meeting_photos().filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return _image_response(attachment.file)


@login_not_required
@require_safe
def public_progress_photo(request, pk):
    """A progress photo staff marked public, of a public project."""
    update = public_board.public_progress_photos().filter(pk=pk).first()
    if update is None:
        raise Http404
    return _image_response(update.photo)


@login_not_required
@require_safe
@never_cache
def public_language(request, language):
    """Switch the board's language with a plain link: no form, so no CSRF cookie on pages
    that proxies and browsers may cache. Only the language cookie changes."""
    if language not in dict(settings.LANGUAGES) or not check_for_language(language):
        raise Http404
    next_url = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not (safe and next_url.startswith("/public/")):
        next_url = reverse("public_index")
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
