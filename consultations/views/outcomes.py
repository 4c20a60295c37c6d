"""共享 pages: what a project delivered and for whom, and its publication (公示)."""

from django.contrib import messages
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consultations import services
from consultations.forms.outcomes import OutcomeForm
from consultations.models import Outcome, Project
from consultations.services import area_of
from core import cache as figures
from core.concurrency import CONFLICT, SAVED, save_if_current
from organizations.scoping import get_object_for_user_or_404

from .projects import project_for


def _back_to(project_pk):
    return redirect(reverse("project_detail", args=[project_pk]) + "#outcome")


def outcome_edit(request, pk):
    """Create the project's outcome, or edit the one it has (a project has at most one)."""
    project = project_for(request, pk, Project.objects.select_related("area", "outcome"))
    outcome = getattr(project, "outcome", None) or Outcome(project=project, title=project.title)
    form = OutcomeForm(request.POST or None, instance=outcome)
    if request.method != "POST":
        return _outcome_page(request, form, outcome, project)
    is_new = outcome.pk is None
    try:
        result, _saved = save_if_current(
            form, user=request.user, after_save=lambda record: figures.changed(area_of(record))
        )
    except IntegrityError:
        if is_new and Outcome.objects.filter(project=project).exists():
            # Someone recorded the project's outcome at the same moment: answered again, the
            # form meets that outcome and shows the conflict.
            return outcome_edit(request, pk)
        raise
    if result == CONFLICT:
        return _outcome_page(request, form, outcome, project, status=409)
    if result == SAVED:
        messages.success(
            request, _("The outcome was recorded.") if is_new else _("The outcome was updated.")
        )
        return _back_to(project.pk)
    messages.error(request, _("Please correct the errors below; nothing was saved."))
    return _outcome_page(request, form, outcome, project)


def _outcome_page(request, form, outcome, project, status=200):
    return render(
        request,
        "consultations/outcome_form.html",
        {"form": form, "outcome": outcome, "project": project},
        status=status,
    )


def _outcome_for(request, project_pk):
    return get_object_for_user_or_404(Outcome.objects.all(), request.user, project_id=project_pk)


@require_POST
def outcome_publish(request, pk):
    outcome = _outcome_for(request, pk)
    outcome = services.publish_outcome(outcome=outcome, actor=request.user)
    messages.success(
        request,
        _("The outcome is published (disclosed on %(date)s).")
        % {"date": date_format(outcome.disclosed_on, "DATE_FORMAT")},
    )
    return _back_to(pk)


@require_POST
def outcome_unpublish(request, pk):
    outcome = _outcome_for(request, pk)
    services.unpublish_outcome(outcome=outcome, actor=request.user)
    messages.success(request, _("The outcome is no longer published."))
    return _back_to(pk)
