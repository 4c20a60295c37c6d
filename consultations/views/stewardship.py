"""共管 pages: who looks after a finished project, under which rules, and their duty log."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.forms.stewardship import StewardshipForm, StewardshipLogForm
from consultations.models import Stewardship, StewardshipLog
from consultations.services import area_of
from core import cache as figures
from core.concurrency import CONFLICT, SAVED, save_if_current
from organizations.choices import working_area
from organizations.scoping import get_object_for_user_or_404

from .projects import project_for


def _back_to(project):
    return redirect(reverse("project_detail", args=[project.pk]) + "#stewardship")


def _stewardship_for(request, pk):
    return get_object_for_user_or_404(
        Stewardship.objects.select_related("project__area", "organization", "person"),
        request.user,
        pk=pk,
    )


def _save_stewardship(request, stewardship):
    form = StewardshipForm(
        request.POST or None,
        instance=stewardship,
        user=request.user,
        within=working_area(request, stewardship.project.area),
    )
    if request.method != "POST":
        return _stewardship_page(request, form, stewardship)
    is_new = stewardship.pk is None
    result, saved = save_if_current(
        form, user=request.user, after_save=lambda record: figures.changed(area_of(record))
    )
    if result == CONFLICT:
        return _stewardship_page(request, form, stewardship, status=409)
    if result == SAVED:
        messages.success(
            request,
            _("The stewardship was recorded.") if is_new else _("The stewardship was updated."),
        )
        return _back_to(saved.project)
    messages.error(request, _("Please correct the errors below; nothing was saved."))
    return _stewardship_page(request, form, stewardship)


def _stewardship_page(request, form, stewardship, status=200):
    return render(
        request,
        "consultations/stewardship_form.html",
        {"form": form, "stewardship": stewardship, "project": stewardship.project},
        status=status,
    )


def stewardship_create(request, pk):
    project = project_for(request, pk)
    return _save_stewardship(request, Stewardship(project=project, started_on=project.actual_end))


def stewardship_edit(request, pk):
    return _save_stewardship(request, _stewardship_for(request, pk))


def stewardship_log_create(request, pk):
    """An inspection, a repair or a duty shift, as the steward writes it in the log book."""
    stewardship = _stewardship_for(request, pk)
    form = StewardshipLogForm(
        request.POST or None,
        instance=StewardshipLog(stewardship=stewardship, recorded_by=request.user),
        initial={"logged_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        figures.changed(stewardship.project.area)
        messages.success(request, _("The log entry was recorded."))
        return _back_to(stewardship.project)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    return render(
        request,
        "consultations/stewardship_log_form.html",
        {"form": form, "stewardship": stewardship, "project": stewardship.project},
    )
