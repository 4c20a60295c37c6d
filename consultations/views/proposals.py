"""共谋 proposal pages: the list, the board by status, raising one at a meeting, and each
decision step (deliberate, adopt, not adopt, refer, the unit's reply, the proposer's feedback).

Only the steps the lifecycle allows are offered (``proposal_actions``), and a step that is not
allowed is refused again when its form is opened or posted, whatever the page showed before.
The services re-check under a row lock, so two people deciding at once cannot both win.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from consultations import services
from consultations.forms import proposals as forms
from consultations.models import Meeting, Proposal, ProposalStatus
from core import cache as figures
from core.pagination import ListPaginator, count_cap_for
from organizations.choices import working_area
from organizations.scoping import get_object_for_user_or_404, user_bound, user_scope

S = ProposalStatus
PAGE_SIZE = 25
# Newest per column, as a preview: each column links to its full, filtered list.
BOARD_ITEMS = 10
BOARD_COLUMNS = [S.RAISED, S.DELIBERATING, S.ADOPTED, S.REJECTED, S.REFERRED]


# What the list's rows show (the decision line of _proposal_decision.html included): not
# the long texts (description, reasons, replies, the meeting's agenda and minutes), and
# fewer columns to read and set on 125 model instances a page (a quarter of the query's time).
LIST_FIELDS = (
    "title",
    "status",
    "category",
    "meeting",
    "decided_on",
    "votes_for",
    "votes_against",
    "votes_abstain",
    "referral_due_on",
    "replied_at",
    "referred_to__name",
    "raised_by__name",
    "meeting__title",
    "meeting__starts_at",
    "meeting__area__name",
)


def _with_related(queryset):
    return queryset.select_related("meeting__area", "raised_by", "referred_to")


# --- the steps -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One decision step: its form, the service that performs it, and when it is open."""

    name: str
    label: Promise
    title: Promise
    form_class: type
    perform: Callable
    done: Promise
    # The status the step moves the proposal to; None for steps that keep the status.
    to_status: str | None = None
    # Where a LifecycleError of a given code belongs on the form (else above the fields).
    error_fields: dict = field(default_factory=dict)

    @property
    def url_name(self):
        return f"proposal_{self.name}"

    def is_open(self, proposal):
        """Whether this step can be taken now (``refusal`` says why not, in words)."""
        if self.to_status is not None:
            return self.to_status in services.allowed_transitions(proposal)
        if self.name == "reply":
            return proposal.status == S.REFERRED and proposal.replied_at is None
        return proposal.replied_at is not None and proposal.feedback_at is None

    def refusal(self, proposal):
        """Why this step cannot be taken now, or None when it can."""
        if self.is_open(proposal):
            return None
        if self.to_status is not None:
            return _("A proposal that is “%(from)s” cannot become “%(to)s”.") % {
                "from": S(proposal.status).label,
                "to": S(self.to_status).label,
            }
        if self.name == "reply":
            if proposal.status != S.REFERRED:
                return _("Only a referred proposal gets a reply.")
            return _("The handling unit's reply is already recorded.")
        if proposal.replied_at is None:
            return _("Feedback can be recorded only after the handling unit has replied.")
        return _("The proposer's feedback is already recorded.")


def _deliberate(*, proposal, actor, data):
    return services.start_deliberation(proposal=proposal, actor=actor, note=data["note"])


def _adopt(*, proposal, actor, data):
    return services.adopt_proposal(
        proposal=proposal,
        actor=actor,
        decided_on=data["decided_on"],
        note=data["note"],
        **{name: data[name] for name in forms.DecisionForm.vote_fields},
    )


def _reject(*, proposal, actor, data):
    return services.reject_proposal(
        proposal=proposal,
        actor=actor,
        decided_on=data["decided_on"],
        reason=data["reason"],
        **{name: data[name] for name in forms.DecisionForm.vote_fields},
    )


def _refer(*, proposal, actor, data):
    return services.refer_proposal(
        proposal=proposal,
        actor=actor,
        handling_unit=data["handling_unit"],
        due_on=data["due_on"],
        note=data["note"],
    )


def _reply(*, proposal, actor, data):
    return services.record_reply(
        proposal=proposal, actor=actor, reply=data["reply"], replied_at=data["replied_at"]
    )


def _feedback(*, proposal, actor, data):
    return services.record_feedback(proposal=proposal, actor=actor, feedback=data["feedback"])


STEPS = {
    step.name: step
    for step in [
        Step(
            name="deliberate",
            label=gettext_lazy("Start deliberation"),
            title=gettext_lazy("Start deliberation"),
            form_class=forms.DeliberateForm,
            perform=_deliberate,
            done=gettext_lazy("Deliberation has started."),
            to_status=S.DELIBERATING,
        ),
        Step(
            name="adopt",
            label=gettext_lazy("Adopt"),
            title=gettext_lazy("Adopt the proposal"),
            form_class=forms.AdoptForm,
            perform=_adopt,
            done=gettext_lazy("The proposal was adopted."),
            to_status=S.ADOPTED,
            error_fields={"vote_not_carried": "votes_for"},
        ),
        Step(
            name="reject",
            label=gettext_lazy("Not adopt"),
            title=gettext_lazy("Record that the proposal is not adopted"),
            form_class=forms.RejectForm,
            perform=_reject,
            done=gettext_lazy("The decision not to adopt was recorded."),
            to_status=S.REJECTED,
            error_fields={"reason_required": "reason"},
        ),
        Step(
            name="refer",
            label=gettext_lazy("Refer to a handling unit"),
            title=gettext_lazy("Refer to a handling unit"),
            form_class=forms.ReferForm,
            perform=_refer,
            done=gettext_lazy("The proposal was referred to the handling unit."),
            to_status=S.REFERRED,
        ),
        Step(
            name="reply",
            label=gettext_lazy("Record the reply"),
            title=gettext_lazy("Record the handling unit's reply"),
            form_class=forms.ReplyForm,
            perform=_reply,
            done=gettext_lazy("The handling unit's reply was recorded."),
            error_fields={"reply_required": "reply"},
        ),
        Step(
            name="feedback",
            label=gettext_lazy("Record the proposer's feedback"),
            title=gettext_lazy("Record the proposer's feedback"),
            form_class=forms.FeedbackForm,
            perform=_feedback,
            done=gettext_lazy("The proposer's feedback was recorded."),
            error_fields={"feedback_required": "feedback"},
        ),
    ]
}


def available_actions(proposal) -> list[str]:
    """The names of the steps this proposal may take now, in the order they are offered."""
    return [name for name, step in STEPS.items() if step.is_open(proposal)]


def proposal_actions(proposal) -> list[dict]:
    """What templates/consultations/_proposal_actions.html needs as ``proposal_actions``:
    one dict per open step with ``name``, ``label``, ``url`` and ``primary`` (the first one).
    Needs no query: it reads only the proposal's own columns."""
    return [
        {
            "name": name,
            "label": STEPS[name].label,
            "url": reverse(STEPS[name].url_name, args=[proposal.pk]),
            "primary": index == 0,
        }
        for index, name in enumerate(available_actions(proposal))
    ]


@require_http_methods(["GET", "POST"])
def proposal_step(request, pk, step_name):
    """The form page of one decision step, and its POST.

    A step the proposal may not take (a forged POST, a stale page) is refused with a message
    on the matter page and changes nothing. A LifecycleError raised by the service is shown on
    the form, with what was typed kept.
    """
    step = STEPS[step_name]
    proposal = get_object_for_user_or_404(
        _with_related(Proposal.objects.all()), request.user, pk=pk
    )
    refusal = step.refusal(proposal)
    if refusal:
        messages.error(request, refusal)
        return redirect("matter_detail", pk=proposal.pk)
    posted = request.method == "POST"
    form = step.form_class(request.POST if posted else None, proposal=proposal, user=request.user)
    if posted and form.is_valid():
        try:
            step.perform(proposal=proposal, actor=request.user, data=form.cleaned_data)
        except services.LifecycleError as error:
            form.add_error(step.error_fields.get(getattr(error, "code", None)), error)
        else:
            messages.success(request, step.done)
            return redirect("matter_detail", pk=proposal.pk)
    if posted:
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    return render(
        request,
        "consultations/proposal_step.html",
        {"proposal": proposal, "form": form, "step": step},
    )


# --- the pages --------------------------------------------------------------------------------


def proposal_list(request):
    filters = forms.ProposalListFilterForm(request.GET or None, user=request.user)
    proposals = filters.filter(
        _with_related(Proposal.objects.visible_to(request.user)).only(*LIST_FIELDS)
    )
    page = ListPaginator(
        proposals,
        PAGE_SIZE,
        count_cap=count_cap_for(filters),
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "consultations/proposal_list.html",
        {
            "filters": filters,
            "page_obj": page,
            "proposals": page.object_list,
            "today": timezone.localdate(),
        },
    )


def _status_counts(proposals):
    return dict(
        proposals.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )


def proposal_board(request):
    """Proposals by status, one column each: how many, and the most recent few.

    The same queries whatever the number of rows: the counts by status, and the newest
    ``BOARD_ITEMS`` of each status, which an index on (status, created_at, id) answers
    without reading the other statuses. Counting a province's proposals scans them all, so
    the counts are kept per scope and filters until the data change (core.cache).
    """
    filters = forms.ProposalFilterForm(request.GET or None, user=request.user)
    proposals = filters.filter(Proposal.objects.visible_to(request.user))
    # Keyed by what the form applied, not by the query string: a refused value is dropped.
    applied = sorted((k, str(getattr(v, "pk", v))) for k, v in filters.valid_data.items() if v)
    counted = figures.cached(
        "proposal-board",
        f"{user_scope(request.user)}:{applied!r}",
        lambda: _status_counts(proposals),
        area=user_bound(request.user),
    )
    counts = counted.value
    columns = []
    for status in BOARD_COLUMNS:
        newest = proposals.filter(status=status).order_by("-created_at", "-id")
        column_items = list(_with_related(newest)[:BOARD_ITEMS])
        for proposal in column_items:
            proposal.actions = proposal_actions(proposal)
        columns.append(
            {
                "status": status,
                "label": status.label,
                "count": counts.get(status, 0),
                "items": column_items,
                "more": counts.get(status, 0) > len(column_items),
            }
        )
    return render(
        request,
        "consultations/proposal_board.html",
        {
            "filters": filters,
            "columns": columns,
            "board_items": BOARD_ITEMS,
            "today": timezone.localdate(),
            "computed_at": counted.computed_at,
        },
    )


@require_http_methods(["GET", "POST"])
def proposal_create(request, pk):
    """Raise a proposal at a meeting the user may see; the matter page opens on success."""
    meeting = get_object_for_user_or_404(
        Meeting.objects.select_related("area"), request.user, pk=pk
    )
    posted = request.method == "POST"
    form = forms.ProposalForm(
        request.POST if posted else None,
        user=request.user,
        within=working_area(request, meeting.area),
    )
    if posted and form.is_valid():
        proposal = services.raise_proposal(meeting=meeting, actor=request.user, **form.cleaned_data)
        messages.success(request, _("The proposal was recorded."))
        return redirect("matter_detail", pk=proposal.pk)
    if posted:
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    return render(request, "consultations/proposal_form.html", {"form": form, "meeting": meeting})
