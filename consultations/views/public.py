"""村务公开 the public board: what each village decided, built and got, for anyone to read.

No sign-in, no staff navigation, nothing personal. Every page is read-only, rendered for
each request from ``consultations.public_board``'s definition of what staff published, and
sent with short public cache headers and an ETag. No page uses JavaScript; photos come
through views that check the flags again, never from /media/.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import InvalidPage, Paginator
from django.db.models import (
    Count,
    OuterRef,
    Subquery,
)
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import conditional_page, require_safe

from consultations import chain, public_board
from consultations.models import (
    Evaluation,
    FundingLine,
    ProposalStatus,
    ProposalStatusChange,
    Stewardship,
    StewardshipLog,
)
from consultations.models.evaluations import satisfaction_rate_expression
from core import uploads
from organizations.models import Area, AreaLevel

SECTION_PAGE_SIZE = 20


# -- headers ---------------------------------------------------------------------


def _public_headers(response):
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_BOARD_MAX_AGE)
    # The page's language comes from the language cookie or the browser's languages.
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


def public_page(view):
    """An anonymous, read-only page with public cache headers, rendered for each request,
    with an ETag of its content: a browser or a front proxy revalidating gets 304 exactly
    when nothing changed (Django's conditional GET). Only complete pages are marked public.
    """

    @login_not_required
    @require_safe
    @conditional_page
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        return _public_headers(response) if response.status_code == 200 else response

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
    context = {"area": area, "trail": _trail(area), **public_board.board(area)}
    if area.level < AreaLevel.VILLAGE:
        context["children"] = public_board.children(area)
    return render(request, "public/area.html", context)


# A board's sections with a page of their own: (title, rows of the section).
SECTIONS = {
    "outcomes": (_("Outcomes published"), lambda area, now: public_board.outcomes(area)),
    "projects": (_("Public projects"), lambda area, now: public_board.projects(area)),
    "meetings": (_("Public meeting summaries"), public_board.past_meetings),
}


@public_page
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
            **public_board.board(area, rows=SECTION_PAGE_SIZE),
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
        .annotate(rate=satisfaction_rate_expression())
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
        context["funding_by_source"] = public_board.source_rows(
            lines.order_by(public_board.SOURCE_ORDER).values("source", "planned", "received")
        )
        context["funding"] = public_board.funding_totals(lines)
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
