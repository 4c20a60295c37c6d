"""The home page: the user's area at a glance, and what needs doing next."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.models import Evaluation, Meeting, Outcome, Project, ProjectStatus, Proposal
from consultations.models.stewardship import Stewardship

ATTENTION_ROWS = 8


def _attention(title, queryset, link_name, fix):
    """One list of things to fix: the first rows and how many there are in all."""
    return {
        "title": title,
        "fix": fix,
        "link_name": link_name,
        "rows": list(queryset[:ATTENTION_ROWS]),
        "count": queryset.count(),
    }


# Open to anyone so that the site's home page serves both audiences: staff see their area,
# anonymous visitors (villagers) land on the public board, which links to the sign-in page.
@login_not_required
def dashboard(request):
    user = request.user
    if not user.is_authenticated:
        return redirect("public_index")
    today = timezone.localdate()
    proposals = Proposal.objects.visible_to(user)
    projects = Project.objects.visible_to(user)
    stages = [
        {
            "name": _("Decide together"),
            "figures": [
                (_("Meetings"), Meeting.objects.visible_to(user).count()),
                (_("Proposals"), proposals.count()),
            ],
        },
        {
            "name": _("Build together"),
            "figures": [
                (
                    _("Projects in progress"),
                    projects.filter(status=ProjectStatus.IN_PROGRESS).count(),
                ),
                (_("Projects completed"), projects.filter(status=ProjectStatus.COMPLETED).count()),
            ],
        },
        {
            "name": _("Manage together"),
            "figures": [(_("Stewardships"), Stewardship.objects.visible_to(user).count())],
        },
        {
            "name": _("Evaluate together"),
            "figures": [(_("Evaluations"), Evaluation.objects.visible_to(user).count())],
        },
        {
            "name": _("Share the outcome"),
            "figures": [
                (_("Outcomes published"), Outcome.objects.visible_to(user).published().count())
            ],
        },
    ]
    proposal_rows = proposals.select_related("meeting__area")
    project_rows = projects.select_related("area")
    attention = [
        _attention(
            _("Proposals waiting for a decision"),
            proposal_rows.awaiting_decision().order_by("created_at"),
            "matter_detail",
            _("Record the decision"),
        ),
        _attention(
            _("Referrals past their due date without a reply"),
            proposal_rows.referral_overdue(today).order_by("referral_due_on"),
            "matter_detail",
            _("Record the reply"),
        ),
        _attention(
            _("Projects past their planned end"),
            project_rows.overdue(today).order_by("planned_end"),
            "project_detail",
            _("Update progress"),
        ),
        _attention(
            _("Completed projects without an evaluation"),
            project_rows.completed_without_evaluation().order_by("actual_end"),
            "project_detail",
            _("Enter the evaluation"),
        ),
        _attention(
            _("Evaluated projects without a published outcome"),
            project_rows.evaluated_without_published_outcome().order_by("actual_end"),
            "project_detail",
            _("Publish the outcome"),
        ),
    ]
    return render(
        request,
        "consultations/dashboard.html",
        {"stages": stages, "attention": attention, "today": today},
    )
