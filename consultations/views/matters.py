"""一事一档 the matter page: one proposal's whole chain through the five stages, printable."""

from decimal import Decimal

from django.db.models import Prefetch, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from consultations import chain
from consultations.models import (
    Evaluation,
    FundingSource,
    Project,
    ProjectUpdate,
    Proposal,
    ProposalStatus,
    ProposalStatusChange,
    Stewardship,
    StewardshipLog,
)
from consultations.views.history import history_page
from consultations.views.proposals import proposal_actions
from core.history import recent_changes
from organizations.models import Area
from organizations.scoping import get_object_for_user_or_404


def _proposal_for(request, pk):
    return get_object_for_user_or_404(
        Proposal.objects.select_related(
            "meeting__area",
            "meeting__host_organization",
            "meeting__moderator",
            "raised_by",
            "referred_to",
        ).prefetch_related(
            Prefetch(
                "status_changes",
                queryset=ProposalStatusChange.objects.select_related("changed_by"),
            )
        ),
        request.user,
        pk=pk,
    )


def _project_for(request, proposal):
    """The proposal's project with everything the later stages show, if the user may see it.

    A project may lie in a wider area than the meeting (a town project gathering several
    villages' proposals); a village user then sees that there is one, not what it holds.
    """
    if proposal.project_id is None:
        return None
    return (
        Project.objects.visible_to(request.user)
        .select_related("area", "lead_organization", "outcome")
        .prefetch_related(
            "funding_lines",
            Prefetch("updates", queryset=ProjectUpdate.objects.select_related("recorded_by")),
            Prefetch(
                "stewardships",
                queryset=Stewardship.objects.select_related("organization", "person")
                .prefetch_related(
                    Prefetch(
                        "log_entries",
                        queryset=StewardshipLog.objects.select_related("recorded_by"),
                    )
                )
                .order_by("started_on", "id"),
            ),
            Prefetch(
                "proposals",
                queryset=Proposal.objects.visible_to(request.user)
                .exclude(pk=proposal.pk)
                .select_related("meeting"),
                to_attr="other_proposals",
            ),
        )
        .filter(pk=proposal.project_id)
        .first()
    )


def _evaluations_for(request, proposal, project):
    """Evaluations of the project that carries the matter out, or of the handling unit's reply."""
    subject = Q(proposal=proposal)
    if project is not None:
        subject |= Q(project=project)
    return list(
        Evaluation.objects.visible_to(request.user).filter(subject).order_by("evaluated_on", "id")
    )


def funding_summary(lines):
    """Planned and received per source, with yuan totals; labour days add up on their own.

    ``lines`` are one project's funding lines (at most one per source), already loaded: the
    matter page and the project page add them up here rather than asking the database again.
    """
    order = {source: index for index, source in enumerate(FundingSource.values)}
    lines = sorted(lines, key=lambda line: order.get(line.source, len(order)))
    yuan = [line for line in lines if line.source != FundingSource.LABOUR]
    labour = [line for line in lines if line.source == FundingSource.LABOUR]
    planned_yuan = sum((line.planned for line in yuan), Decimal("0.00"))
    received_yuan = sum((line.received for line in yuan), Decimal("0.00"))
    return {
        "lines": lines,
        "planned_yuan": planned_yuan,
        "received_yuan": received_yuan,
        "received_yuan_pct": received_yuan * 100 / planned_yuan if planned_yuan else None,
        "labour_planned": sum((line.planned for line in labour), Decimal("0")) if labour else None,
        "labour_received": (
            sum((line.received for line in labour), Decimal("0")) if labour else None
        ),
    }


def _next_steps(proposal):
    """The links the matter page offers to take the matter one step further."""
    steps = {"proposal_actions": proposal_actions(proposal)}
    if proposal.status == ProposalStatus.ADOPTED and proposal.project_id is None:
        steps["start_project_url"] = f"{reverse('project_create')}?proposal={proposal.pk}"
    return steps


def matter_detail(request, pk):
    proposal = _proposal_for(request, pk)
    project = _project_for(request, proposal)
    stewardships = list(project.stewardships.all()) if project is not None else []
    evaluations = _evaluations_for(request, proposal, project)
    outcome = getattr(project, "outcome", None) if project is not None else None
    stages = chain.stages(
        chain.facts_of(
            proposal, project=project, stewardships=stewardships, evaluations=evaluations
        )
    )
    area = proposal.meeting.area
    # The full name for the file's heading: county, town, village (and hamlet).
    places = [*Area.objects.ancestors(area), area]
    today = timezone.localdate()
    context = {
        "proposal": proposal,
        "meeting": proposal.meeting,
        "status_changes": proposal.status_changes.all(),
        "referral_overdue": (
            proposal.status == ProposalStatus.REFERRED
            and proposal.replied_at is None
            and proposal.referral_due_on is not None
            and proposal.referral_due_on < today
        ),
        "project": project,
        "project_hidden": proposal.project_id is not None and project is None,
        "funding": funding_summary(project.funding_lines.all()) if project is not None else None,
        "updates": project.updates.all() if project is not None else [],
        "stewardships": stewardships,
        "evaluations": evaluations,
        "outcome": outcome,
        "stages": stages,
        "by_stage": {stage.key: stage for stage in stages},
        "place_name": "".join(place.name for place in places),
        "printed_on": today,
        **_next_steps(proposal),
    }
    return render(request, "consultations/matter_detail.html", context)


def matter_history(request, pk):
    """The proposal's changes on a page of their own: the matter page stays cheap."""
    proposal = _proposal_for(request, pk)
    meeting = proposal.meeting
    return history_page(
        request,
        record_name=proposal.title,
        trail=[
            (reverse("meeting_detail", args=[meeting.pk]), meeting.title),
            (reverse("matter_detail", args=[proposal.pk]), proposal.title),
        ],
        history=recent_changes(proposal, user=request.user),
    )
