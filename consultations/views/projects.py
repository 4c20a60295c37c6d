"""共建 pages: the project list, a project with everything that follows it, starting a project
from adopted proposals with its funding lines, progress updates with photos, completion.

The detail page also shows the later stages (共管 共评 共享); their forms live in
stewardship.py, evaluations.py and outcomes.py next to this module.
"""

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import FloatField, Prefetch, Value
from django.db.models.functions import Cast, NullIf, Round
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from consultations import services
from consultations.forms.projects import (
    CompleteForm,
    FundingLineFormSet,
    ProgressForm,
    ProjectFilterForm,
    ProjectForm,
    ProjectStartForm,
    proposal_label,
)
from consultations.models import (
    Evaluation,
    FundingLine,
    Outcome,
    Project,
    ProjectStatus,
    ProjectUpdate,
    Proposal,
    Stewardship,
    StewardshipLog,
)
from consultations.views.history import history_page
from consultations.views.matters import funding_summary
from core import cache as figures
from core.history import recent_changes
from core.pagination import ListPaginator, count_cap_for
from core.uploads import file_response
from organizations.choices import as_id, working_area
from organizations.scoping import get_object_for_user_or_404, sees_everything
from organizations.views.choices import picker_results
from organizations.views.common import county_choice

PAGE_SIZE = 25
FUNDING_PREFIX = "funding"

# What the project list shows: not each project's description.
LIST_FIELDS = ("title", "area", "status", "progress", "budget", "planned_end")


def project_for(request, pk, queryset=None):
    """The project if the user's area covers it; 404 otherwise. Shared by the later stages."""
    queryset = queryset if queryset is not None else Project.objects.select_related("area")
    return get_object_for_user_or_404(queryset, request.user, pk=pk)


def project_list(request):
    today = timezone.localdate()
    filters = ProjectFilterForm(request.GET or None, user=request.user)
    projects = filters.filter(
        Project.objects.visible_to(request.user)
        .select_related("area")
        .only(*LIST_FIELDS, "area__name"),
        today=today,
    )
    page = ListPaginator(
        projects,
        PAGE_SIZE,
        count_cap=count_cap_for(filters),
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "consultations/project_list.html",
        {"filters": filters, "page_obj": page, "projects": page.object_list, "today": today},
    )


def _funding(project):
    """The project's lines with the share received of each, and their totals (yuan apart
    from labour days), added up from the lines read for the table."""
    # Floats, as for the satisfaction rate: SQLite would divide whole-yuan amounts as integers.
    lines = project.funding_lines.annotate(
        received_pct=Round(
            Cast("received", FloatField())
            * Value(100.0)
            / NullIf(Cast("planned", FloatField()), Value(0.0)),
            1,
        )
    )
    return funding_summary(lines)


def project_detail(request, pk):
    project = project_for(
        request, pk, Project.objects.select_related("area", "lead_organization", "outcome")
    )
    funding = _funding(project)
    can_complete = project.progress == 100 and project.status != ProjectStatus.COMPLETED
    return render(
        request,
        "consultations/project_detail.html",
        {
            "project": project,
            "today": timezone.localdate(),
            "proposals": project.proposals.select_related("meeting__area").order_by("id"),
            "funding": funding,
            "updates": project.updates.select_related("recorded_by").order_by(
                "-reported_on", "-id"
            ),
            "stewardships": project.stewardships.select_related(
                "organization", "person"
            ).prefetch_related(
                Prefetch(
                    "log_entries",
                    queryset=StewardshipLog.objects.select_related("recorded_by"),
                )
            ),
            "evaluations": project.evaluations.order_by("-evaluated_on", "-id"),
            "outcome": getattr(project, "outcome", None),
            "complete_form": CompleteForm(initial={"actual_end": timezone.localdate()})
            if can_complete
            else None,
        },
    )


def project_history(request, pk):
    """The changes of the project and of what hangs off it, on a page of their own."""
    project = project_for(request, pk)
    return history_page(
        request,
        record_name=project.title,
        trail=[
            (reverse("project_list"), _("Projects")),
            (reverse("project_detail", args=[project.pk]), project.title),
        ],
        history=_history(project, request.user),
        name_records=True,
    )


def _history(project, user):
    """The project's changes and those of what hangs off it: one query per kind of record."""
    return recent_changes(
        project,
        FundingLine.history.filter(project_id=project.pk),
        Stewardship.history.filter(project_id=project.pk),
        Evaluation.history.filter(project_id=project.pk),
        Outcome.history.filter(project_id=project.pk),
        user=user,
        name_records=True,
    )


def _save_project(request, project, form, funding):
    """Save the project's facts and its funding lines together, or nothing at all."""
    is_new = project.pk is None
    original = project
    try:
        with transaction.atomic():
            if is_new:
                data = form.cleaned_data
                project = services.start_project(
                    proposals=list(data["proposals"]),
                    title=data["title"],
                    area=data["area"],
                    actor=request.user,
                    description=data["description"],
                    lead_organization=data["lead_organization"],
                    budget=data["budget"],
                    planned_start=data["planned_start"],
                    planned_end=data["planned_end"],
                    is_public=data["is_public"],
                )
            else:
                project = form.save()
            funding.instance = project
            funding.save()
            # The project may have moved: both areas' figures change.
            figures.changed(original.area if original.area_id else None, project.area)
    except services.LifecycleError as exc:
        funding.instance = original
        form.add_error(None, exc)
        return None
    except IntegrityError:
        funding.instance = original
        # Two existing lines swapping sources collide midway; the whole save is undone.
        form.add_error(
            None,
            _(
                "The funding lines could not be saved: two lines would have the same source "
                "at once. Change one line at a time."
            ),
        )
        return None
    return project


def _project_form_page(request, project, form_class, area, **form_kwargs):
    post = request.POST if request.method == "POST" else None
    form = form_class(post, instance=project, user=request.user, within=area, **form_kwargs)
    funding = FundingLineFormSet(post, instance=project, prefix=FUNDING_PREFIX)
    if post is None:
        if project.pk is not None:
            form.remember_funding(funding.get_queryset())
        return _project_form(request, form, funding, project)
    is_new = project.pk is None
    # Both validated, so that every error shows at once.
    valid = all([form.is_valid(), funding.is_valid()])
    with transaction.atomic():
        # Checked even when the input is invalid: a line someone else deleted meanwhile
        # makes the stale formset invalid, and only the conflict tells the user why.
        if not form.version_is_current():
            funding = _funding_over(post, funding, form.funding_now, project)
            return _project_form(request, form, funding, project, status=409)
        saved = _save_project(request, project, form, funding) if valid else None
    if saved is not None:
        messages.success(
            request,
            _("The project was started.") if is_new else _("The project was updated."),
        )
        return redirect("project_detail", pk=saved.pk)
    messages.error(request, _("Please correct the errors below; nothing was saved."))
    return _project_form(request, form, funding, project)


def _project_form(request, form, funding, project, status=200):
    return render(
        request,
        "consultations/project_form.html",
        {
            "form": form,
            "funding": funding,
            "project": project,
        },
        status=status,
    )


@never_cache
def proposal_choices(request):
    """What the start form's proposal picker offers as the user types: adopted proposals
    without a project whose title contains the text, newest decision first (the order of
    the index on those awaiting a project, proposal_awaiting_project_idx)."""
    found = Proposal.objects.visible_to(request.user).adopted_without_project()
    found = found.select_related("meeting__area")
    return picker_results(request, found, "title", proposal_label, ("-decided_on", "-id"))


FUNDING_FIELDS = ("source", "planned", "received", "note")


def _funding_over(post, stale, lines_now, project):
    """The funding formset after a conflict: the lines stored now, with what the user typed.

    Lines the user had keep their typed values; lines someone else added show as stored;
    lines the user added, or had but someone else deleted, follow as new lines. Saving it
    again is then a deliberate overwrite that refers only to lines that exist.
    """
    typed, added, blank = {}, [], []
    for form in stale.forms:
        values = {name: post.get(form.add_prefix(name), "") for name in FUNDING_FIELDS}
        deleted = bool(post.get(form.add_prefix("DELETE")))
        line_id = post.get(form.add_prefix("id"), "")
        if line_id:
            typed[line_id] = (values, deleted)
            if not deleted:
                added.append((line_id, values))
        elif form.has_changed():
            added.append(("", values))
        else:
            blank.append(values)
    now = {str(line.pk): line for line in lines_now}
    rows = [
        (line_id, *typed.get(line_id, ({n: getattr(line, n) for n in FUNDING_FIELDS}, False)))
        for line_id, line in now.items()
    ]
    rows += [("", values, False) for line_id, values in added if line_id not in now]
    rows += [("", values, False) for values in blank]
    rows = rows[: stale.absolute_max]
    data = post.copy()
    for key in [key for key in data if key.startswith(f"{FUNDING_PREFIX}-")]:
        del data[key]
    data[f"{FUNDING_PREFIX}-TOTAL_FORMS"] = str(len(rows))
    data[f"{FUNDING_PREFIX}-INITIAL_FORMS"] = str(len(now))
    data[f"{FUNDING_PREFIX}-MIN_NUM_FORMS"] = "0"
    data[f"{FUNDING_PREFIX}-MAX_NUM_FORMS"] = str(stale.max_num)
    for index, (line_id, values, deleted) in enumerate(rows):
        prefix = f"{FUNDING_PREFIX}-{index}-"
        data[f"{prefix}id"] = line_id
        for name, value in values.items():
            data[prefix + name] = str(value)
        if deleted:
            data[f"{prefix}DELETE"] = "on"
    return FundingLineFormSet(data, instance=project, prefix=FUNDING_PREFIX)


def _preselected_proposal(request):
    """?proposal=<id> from a proposal's page, if the user may start a project from it."""
    pk = as_id(request.GET.get("proposal"))
    if pk is None:
        return None
    return (
        Proposal.objects.visible_to(request.user)
        .adopted_without_project()
        .select_related("meeting__area")
        .filter(pk=pk)
        .first()
    )


def project_create(request):
    proposal = _preselected_proposal(request)
    area = working_area(request)
    if area is None and sees_everything(request.user):
        if proposal is None:
            return county_choice(request, _("Start a project"))
        # Opened from a proposal's page: its county is the working area.
        area = working_area(request, proposal.meeting.area)
    initial = {}
    if proposal is not None and request.method != "POST":
        # Tick it and borrow its title.
        initial = {"proposals": [proposal.pk], "title": proposal.title}
    return _project_form_page(request, Project(), ProjectStartForm, area, initial=initial)


def project_edit(request, pk):
    project = project_for(request, pk)
    return _project_form_page(request, project, ProjectForm, working_area(request, project.area))


def progress_create(request, pk):
    project = project_for(request, pk)
    today = timezone.localdate()
    form = ProgressForm(
        request.POST or None,
        request.FILES or None,
        initial={"reported_on": today, "progress": project.progress},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.record_progress(
                    project=project,
                    actor=request.user,
                    reported_on=data["reported_on"],
                    progress=data["progress"],
                    description=data["description"],
                    photo=data["photo"] or None,
                    photo_is_public=data["photo_is_public"],
                )
                if data["complete"]:
                    services.complete_project(
                        project=project, actor=request.user, actual_end=data["reported_on"]
                    )
        except services.LifecycleError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The project is completed.")
                if data["complete"]
                else _("The progress was recorded."),
            )
            return redirect("project_detail", pk=project.pk)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    return render(
        request, "consultations/project_progress_form.html", {"project": project, "form": form}
    )


def project_complete(request, pk):
    project = project_for(request, pk)
    form = CompleteForm(request.POST or None, initial={"actual_end": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_project(
                project=project, actor=request.user, actual_end=form.cleaned_data["actual_end"]
            )
        except services.LifecycleError as exc:
            form.add_error("actual_end", exc)
        else:
            messages.success(request, _("The project is completed."))
            return redirect("project_detail", pk=project.pk)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    return render(
        request, "consultations/project_complete.html", {"project": project, "form": form}
    )


def progress_photo(request, pk):
    """Progress photos are served only to users whose scope covers the project, never publicly."""
    update = get_object_for_user_or_404(
        ProjectUpdate.objects.exclude(photo=""), request.user, pk=pk
    )
    response = file_response(update.photo)
    response["Cache-Control"] = "private, max-age=3600"
    return response
