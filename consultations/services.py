"""Writes that move a matter through the five stages.

Every lifecycle rule lives here, so that views, admin actions, imports and the demo seeder
all obey the same ones. Each function is keyword-only and atomic.
"""

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import cache as figures
from organizations.models import Area, Organization, Person
from organizations.scoping import county_code

from .models import (
    Meeting,
    Outcome,
    Project,
    ProjectStatus,
    ProjectUpdate,
    Proposal,
    ProposalStatus,
    ProposalStatusChange,
)

S = ProposalStatus

# The proposal lifecycle: raised → under deliberation → adopted / not adopted / referred.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.RAISED: frozenset({S.DELIBERATING}),
    S.DELIBERATING: frozenset({S.ADOPTED, S.REJECTED, S.REFERRED}),
    S.ADOPTED: frozenset(),
    S.REJECTED: frozenset(),
    S.REFERRED: frozenset(),
}


class LifecycleError(ValidationError):
    """A step the lifecycle does not allow; its message is meant for the user."""


def allowed_transitions(proposal: Proposal) -> frozenset[str]:
    return ALLOWED_TRANSITIONS[proposal.status]


def area_of(record):
    """The area (or county code) a record of the five stages lies in, as ``figures.changed``
    takes it; None when it lies nowhere yet (then every figure is renewed)."""
    if getattr(record, "county_code", ""):
        return record.county_code
    for hop in ("area", "project", "stewardship", "meeting"):
        if getattr(record, f"{hop}_id", None) is not None:
            related = getattr(record, hop)
            return related if hop == "area" else area_of(related)
    return None


def _save(record, actor, **kwargs):
    """Save, let the audit history name the user who acted (also outside a request), and
    renew the figures that read the record."""
    record._history_user = actor
    record.save(**kwargs)
    figures.changed(area_of(record))


def _lock(model, pk):
    return model.objects.select_for_update().get(pk=pk)


def _move(proposal: Proposal, to_status: str, *, actor, note: str = "") -> None:
    if to_status not in ALLOWED_TRANSITIONS[proposal.status]:
        raise LifecycleError(
            _("A proposal that is “%(from)s” cannot become “%(to)s”.")
            % {"from": S(proposal.status).label, "to": S(to_status).label},
            code="forbidden_transition",
        )
    ProposalStatusChange.objects.create(
        proposal=proposal,
        from_status=proposal.status,
        to_status=to_status,
        changed_at=timezone.now(),
        changed_by=actor,
        note=note,
    )
    proposal.status = to_status


@transaction.atomic
def save_meeting(*, meeting: Meeting, actor) -> Meeting:
    """Save a meeting with its county's code; a meeting moved to another county takes its
    proposals along (their county codes are copies of its own)."""
    before = meeting.county_code
    meeting.county_code = county_code(meeting.area.code)
    _save(meeting, actor)
    if before and before != meeting.county_code:
        meeting.proposals.update(county_code=meeting.county_code)
        figures.changed(before)
    return meeting


@transaction.atomic
def save_proposal(*, proposal: Proposal, actor) -> Proposal:
    """Save an edited proposal; moved to a meeting in another county, it follows it."""
    before = proposal.county_code
    proposal.county_code = proposal.meeting.county_code
    _save(proposal, actor)
    if before and before != proposal.county_code:
        figures.changed(before)
    return proposal


@transaction.atomic
def raise_proposal(
    *,
    meeting: Meeting,
    title: str,
    category: str,
    actor,
    description: str = "",
    raised_by: Person | None = None,
) -> Proposal:
    """Record an issue raised at a meeting; its history starts with this step."""
    proposal = Proposal(
        meeting=meeting,
        county_code=meeting.county_code,
        title=title,
        category=category,
        description=description,
        raised_by=raised_by,
        created_by=actor,
    )
    _save(proposal, actor)
    ProposalStatusChange.objects.create(
        proposal=proposal, to_status=S.RAISED, changed_at=timezone.now(), changed_by=actor
    )
    return proposal


@transaction.atomic
def start_deliberation(*, proposal: Proposal, actor, note: str = "") -> Proposal:
    proposal = _lock(Proposal, proposal.pk)
    _move(proposal, S.DELIBERATING, actor=actor, note=note)
    _save(proposal, actor, update_fields=["status", "updated_at"])
    return proposal


def _check_votes(proposal, *, votes_present, votes_for, votes_against, votes_abstain):
    cast = (votes_for or 0) + (votes_against or 0) + (votes_abstain or 0)
    if votes_present is None and votes_for is None and votes_against is None and not cast:
        return None  # decided without a vote: nothing to record as present
    if votes_present is not None:
        present = votes_present
    else:
        # A meeting attendance of 0 means nobody counted: nothing to check the votes against.
        present = proposal.meeting.attendance_total or None
    if present is not None and cast > present:
        raise LifecycleError(
            _("%(cast)d votes were cast but only %(present)d people were present.")
            % {"cast": cast, "present": present},
            code="too_many_votes",
        )
    return present


def _record_decision(
    proposal, *, decided_on, votes_present, votes_for, votes_against, votes_abstain
):
    proposal.votes_present = _check_votes(
        proposal,
        votes_present=votes_present,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
    )
    proposal.decided_on = decided_on
    proposal.votes_for = votes_for
    proposal.votes_against = votes_against
    proposal.votes_abstain = votes_abstain


@transaction.atomic
def adopt_proposal(
    *,
    proposal: Proposal,
    actor,
    decided_on: date,
    votes_for: int | None = None,
    votes_against: int | None = None,
    votes_abstain: int | None = None,
    votes_present: int | None = None,
    note: str = "",
) -> Proposal:
    """Adopt after deliberation. With a vote, more must be for than against."""
    proposal = _lock(Proposal, proposal.pk)
    _move(proposal, S.ADOPTED, actor=actor, note=note)
    voted = votes_for is not None or votes_against is not None
    if voted and (votes_for or 0) <= (votes_against or 0):
        raise LifecycleError(
            _("The vote does not carry: %(for)d for, %(against)d against.")
            % {"for": votes_for or 0, "against": votes_against or 0},
            code="vote_not_carried",
        )
    _record_decision(
        proposal,
        decided_on=decided_on,
        votes_present=votes_present,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
    )
    _save(proposal, actor)
    return proposal


@transaction.atomic
def reject_proposal(
    *,
    proposal: Proposal,
    actor,
    decided_on: date,
    reason: str,
    votes_for: int | None = None,
    votes_against: int | None = None,
    votes_abstain: int | None = None,
    votes_present: int | None = None,
) -> Proposal:
    """Decide not to adopt; the reason is required and shown to the villagers."""
    proposal = _lock(Proposal, proposal.pk)
    _move(proposal, S.REJECTED, actor=actor, note=reason)
    if not reason.strip():
        raise LifecycleError(_("Give the reason for not adopting."), code="reason_required")
    _record_decision(
        proposal,
        decided_on=decided_on,
        votes_present=votes_present,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
    )
    proposal.rejection_reason = reason.strip()
    _save(proposal, actor)
    return proposal


@transaction.atomic
def refer_proposal(
    *, proposal: Proposal, actor, handling_unit: Organization, due_on: date, note: str = ""
) -> Proposal:
    """Hand the matter to a unit that can act on it, with a date by which it must reply."""
    proposal = _lock(Proposal, proposal.pk)
    _move(proposal, S.REFERRED, actor=actor, note=note)
    if handling_unit is None or due_on is None:
        raise LifecycleError(
            _("A referral needs a handling unit and a due date."), code="referral_incomplete"
        )
    proposal.referred_to = handling_unit
    proposal.referral_due_on = due_on
    _save(proposal, actor)
    return proposal


@transaction.atomic
def record_reply(
    *,
    proposal: Proposal,
    actor,
    reply: str,
    replied_at: datetime | None = None,
    replace: bool = False,
) -> Proposal:
    """The handling unit's reply. A reply already recorded (by someone else, from a page
    opened at the same time) is replaced only when asked for with ``replace``."""
    proposal = _lock(Proposal, proposal.pk)
    if proposal.status != S.REFERRED:
        raise LifecycleError(_("Only a referred proposal gets a reply."), code="not_referred")
    if proposal.replied_at is not None and not replace:
        raise LifecycleError(
            _("The handling unit's reply is already recorded."), code="already_replied"
        )
    if not reply.strip():
        raise LifecycleError(_("The reply is empty."), code="reply_required")
    proposal.reply = reply.strip()
    proposal.replied_at = replied_at or timezone.now()
    _save(proposal, actor, update_fields=["reply", "replied_at", "updated_at"])
    return proposal


@transaction.atomic
def record_feedback(*, proposal: Proposal, actor, feedback: str, replace: bool = False) -> Proposal:
    """The proposer's word on the handling unit's reply; feedback already recorded is
    replaced only when asked for with ``replace``."""
    proposal = _lock(Proposal, proposal.pk)
    if proposal.replied_at is None:
        raise LifecycleError(
            _("Feedback can be recorded only after the handling unit has replied."),
            code="no_reply_yet",
        )
    if proposal.feedback_at is not None and not replace:
        raise LifecycleError(
            _("The proposer's feedback is already recorded."), code="already_given"
        )
    if not feedback.strip():
        raise LifecycleError(_("The feedback is empty."), code="feedback_required")
    proposal.feedback = feedback.strip()
    proposal.feedback_at = timezone.now()
    _save(proposal, actor, update_fields=["feedback", "feedback_at", "updated_at"])
    return proposal


@transaction.atomic
def start_project(
    *,
    proposals: Iterable[Proposal],
    title: str,
    actor,
    area: Area | None = None,
    **fields,
) -> Project:
    """Start a project that carries out one or more adopted proposals.

    ``area`` defaults to the proposals' meeting area when they all share one.
    """
    ids = [p.pk for p in proposals]
    if not ids:
        raise LifecycleError(_("Choose at least one adopted proposal."), code="no_proposals")
    locked = list(Proposal.objects.select_for_update().filter(pk__in=ids).select_related("meeting"))
    for proposal in locked:
        if proposal.status != S.ADOPTED:
            raise LifecycleError(
                _("“%(title)s” is not adopted; only adopted proposals start projects.")
                % {"title": proposal.title},
                code="not_adopted",
            )
        if proposal.project_id is not None:
            raise LifecycleError(
                _("“%(title)s” is already carried out by a project.") % {"title": proposal.title},
                code="already_in_project",
            )
    if area is None:
        areas = {p.meeting.area_id for p in locked}
        if len(areas) != 1:
            raise LifecycleError(
                _("The proposals come from different areas; choose the project's area."),
                code="area_required",
            )
        area = locked[0].meeting.area
    project = Project(title=title, area=area, created_by=actor, **fields)
    _save(project, actor)
    for proposal in locked:
        proposal.project = project
        _save(proposal, actor, update_fields=["project", "updated_at"])
    return project


@transaction.atomic
def record_progress(
    *,
    project: Project,
    actor,
    reported_on: date,
    progress: int,
    description: str,
    photo=None,
    photo_is_public: bool = False,
) -> ProjectUpdate:
    """Add a progress entry; the project's progress follows it and work counts as started.

    ``photo_is_public`` shows the photo on the public board (when the project is public).
    """
    project = _lock(Project, project.pk)
    if project.status == ProjectStatus.COMPLETED:
        raise LifecycleError(_("The project is already completed."), code="completed")
    if not 0 <= progress <= 100:
        raise LifecycleError(_("Progress is between 0 and 100."), code="progress_range")
    update = ProjectUpdate(
        project=project,
        reported_on=reported_on,
        progress=progress,
        description=description,
        recorded_by=actor,
    )
    if photo is not None:
        update.photo = photo
        update.photo_is_public = photo_is_public
    update.save()
    project.progress = progress
    if project.status == ProjectStatus.PLANNED:
        project.status = ProjectStatus.IN_PROGRESS
    if project.actual_start is None:
        project.actual_start = reported_on
    _save(project, actor, update_fields=["progress", "status", "actual_start", "updated_at"])
    return update


@transaction.atomic
def complete_project(*, project: Project, actor, actual_end: date) -> Project:
    """A project is done only at 100%."""
    project = _lock(Project, project.pk)
    if project.status == ProjectStatus.COMPLETED:
        raise LifecycleError(_("The project is already completed."), code="completed")
    if project.progress != 100:
        raise LifecycleError(
            _("A project is completed only at 100%% progress (now %(progress)d%%).")
            % {"progress": project.progress},
            code="not_finished",
        )
    if project.actual_start and actual_end < project.actual_start:
        raise LifecycleError(
            _("The end date cannot be before the actual start."), code="end_before_start"
        )
    project.actual_start = project.actual_start or actual_end
    project.actual_end = actual_end
    project.status = ProjectStatus.COMPLETED
    _save(project, actor, update_fields=["actual_start", "actual_end", "status", "updated_at"])
    return project


@transaction.atomic
def publish_outcome(*, outcome: Outcome, actor, disclosed_on: date | None = None) -> Outcome:
    """Publish (公示) the outcome; the disclosure date defaults to today."""
    outcome = _lock(Outcome, outcome.pk)
    outcome.disclosed_on = disclosed_on or outcome.disclosed_on or timezone.localdate()
    outcome.is_published = True
    _save(outcome, actor, update_fields=["disclosed_on", "is_published", "updated_at"])
    return outcome


@transaction.atomic
def unpublish_outcome(*, outcome: Outcome, actor) -> Outcome:
    outcome = _lock(Outcome, outcome.pk)
    outcome.is_published = False
    _save(outcome, actor, update_fields=["is_published", "updated_at"])
    return outcome
