"""共评 pages: a project's evaluation entered from the paper ballot tallies."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.forms.evaluations import EvaluationForm
from consultations.models import Evaluation
from consultations.services import area_of
from core import cache as figures
from core.concurrency import CONFLICT, SAVED, save_if_current
from organizations.scoping import get_object_for_user_or_404

from .projects import project_for


def _save_evaluation(request, evaluation):
    form = EvaluationForm(
        request.POST or None,
        instance=evaluation,
        initial={"evaluated_on": timezone.localdate()} if evaluation.pk is None else None,
    )
    if request.method != "POST":
        return _evaluation_page(request, form, evaluation)
    is_new = evaluation.pk is None
    result, saved = save_if_current(
        form, user=request.user, after_save=lambda record: figures.changed(area_of(record))
    )
    if result == CONFLICT:
        return _evaluation_page(request, form, evaluation, status=409)
    if result == SAVED:
        messages.success(
            request,
            _("The evaluation was recorded.") if is_new else _("The evaluation was updated."),
        )
        return redirect(reverse("project_detail", args=[saved.project_id]) + "#evaluations")
    messages.error(request, _("Please correct the errors below; nothing was saved."))
    return _evaluation_page(request, form, evaluation)


def _evaluation_page(request, form, evaluation, status=200):
    return render(
        request,
        "consultations/evaluation_form.html",
        {"form": form, "evaluation": evaluation, "project": evaluation.project},
        status=status,
    )


def evaluation_create(request, pk):
    return _save_evaluation(request, Evaluation(project=project_for(request, pk)))


def evaluation_edit(request, pk):
    # Only evaluations of a project are edited here; the project decides the scope.
    evaluation = get_object_for_user_or_404(
        Evaluation.objects.filter(project__isnull=False).select_related("project"),
        request.user,
        pk=pk,
    )
    return _save_evaluation(request, evaluation)
