"""The home page: the user's area at a glance, and what needs doing next."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.models import Evaluation, Meeting, Outcome, Project, ProjectStatus, Proposal
from consultations.models.stewardship import Stewardship
from core import cache as figures
from organizations.scoping import user_bound, user_scope

ATTENTION_ROWS = 8


ATTENTION = [
    # key, title, link, fix
    (
        "awaiting_decision",
        _("Proposals waiting for a decision"),
        "matter_detail",
        _("Record the decision"),
    ),
    (
        "referral_overdue",
        _("Referrals past their due date without a reply"),
        "matter_detail",
        _("Record the reply"),
    ),
    (
        "project_overdue",
        _("Projects past their planned end"),
        "project_detail",
        _("Update progress"),
    ),
    (
        "without_evaluation",
        _("Completed projects without an evaluation"),
        "project_detail",
        _("Enter the evaluation"),
    ),
    (
        "without_outcome",
        _("Evaluated projects without a published outcome"),
        "project_detail",
        _("Publish the outcome"),
    ),
]


def _figures(user, today):
    """Every number and attention row of the page: 19 queries over the user's whole area,
    which at province scale take seconds, so the result is kept (core.cache)."""
    proposals = Proposal.objects.visible_to(user)
    projects = Project.objects.visible_to(user)
    proposal_rows = proposals.select_related("meeting__area")
    project_rows = projects.select_related("area")
    attention = {
        "awaiting_decision": proposal_rows.awaiting_decision().order_by("created_at"),
        "referral_overdue": proposal_rows.referral_overdue(today).order_by("referral_due_on"),
        "project_overdue": project_rows.overdue(today).order_by("planned_end"),
        "without_evaluation": project_rows.completed_without_evaluation().order_by("actual_end"),
        "without_outcome": project_rows.evaluated_without_published_outcome().order_by(
            "actual_end"
        ),
    }
    return {
        "meetings": Meeting.objects.visible_to(user).count(),
        "proposals": proposals.count(),
        "in_progress": projects.filter(status=ProjectStatus.IN_PROGRESS).count(),
        "completed": projects.filter(status=ProjectStatus.COMPLETED).count(),
        "stewardships": Stewardship.objects.visible_to(user).count(),
        "evaluations": Evaluation.objects.visible_to(user).count(),
        "published": Outcome.objects.visible_to(user).published().count(),
        "attention": {
            key: (list(queryset[:ATTENTION_ROWS]), queryset.count())
            for key, queryset in attention.items()
        },
    }


# Open to anyone so that the site's home page serves both audiences: staff see their area,
# anonymous visitors (villagers) land on the public board, which links to the sign-in page.
@login_not_required
def dashboard(request):
    user = request.user
    if not user.is_authenticated:
        return redirect("public_index")
    today = timezone.localdate()
    scope = f"{user_scope(user)}:{today}"
    counted = figures.cached(
        "dashboard", scope, lambda: _figures(user, today), area=user_bound(user)
    )
    n = counted.value
    stages = [
        {
            "name": _("Decide together"),
            "figures": [(_("Meetings"), n["meetings"]), (_("Proposals"), n["proposals"])],
        },
        {
            "name": _("Build together"),
            "figures": [
                (_("Projects in progress"), n["in_progress"]),
                (_("Projects completed"), n["completed"]),
            ],
        },
        {"name": _("Manage together"), "figures": [(_("Stewardships"), n["stewardships"])]},
        {"name": _("Evaluate together"), "figures": [(_("Evaluations"), n["evaluations"])]},
        {"name": _("Share the outcome"), "figures": [(_("Outcomes published"), n["published"])]},
    ]
    attention = [
        {
            "title": title,
            "fix": fix,
            "link_name": link_name,
            "rows": n["attention"][key][0],
            "count": n["attention"][key][1],
        }
        for key, title, link_name, fix in ATTENTION
    ]
    return render(
        request,
        "consultations/dashboard.html",
        {
            "stages": stages,
            "attention": attention,
            "today": today,
            "computed_at": counted.computed_at,
        },
    )
