"""一事一档: where one matter stands in the five stages (五共).

Pure logic, no queries: ``facts_of`` reads a proposal and the chain objects a view has
already loaded, ``stages`` turns those facts into the five stages with their state. Keeping
the rules here lets them be tested without a database and shared by any page that shows them.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import ProjectStatus, ProposalStatus

DONE = "done"
IN_PROGRESS = "in-progress"
NOT_STARTED = "not-started"
# The matter took another road (not adopted, or referred to a handling unit): the stage
# will not happen, which is different from a stage still waiting its turn.
STOPPED = "stopped"
# The project exists but lies outside the user's area, so its stages cannot be shown.
HIDDEN = "hidden"

STATE_LABELS = {
    DONE: _("Done"),
    IN_PROGRESS: _("In progress"),
    NOT_STARTED: _("Not started"),
    STOPPED: _("Not applicable"),
    HIDDEN: _("Outside your area"),
}

# The class of the timeline item and of the badge: the stylesheet knows three states.
STATE_CSS = {
    DONE: "done",
    IN_PROGRESS: "in-progress",
    NOT_STARTED: "not-started",
    STOPPED: "not-started",
    HIDDEN: "not-started",
}

DECIDE, BUILD, MANAGE, EVALUATE, SHARE = "decide", "build", "manage", "evaluate", "share"

# The same names as the dashboard's, so the catalogue translates them once (决策共谋 ...).
STAGE_NAMES = {
    DECIDE: _("Decide together"),
    BUILD: _("Build together"),
    MANAGE: _("Manage together"),
    EVALUATE: _("Evaluate together"),
    SHARE: _("Share the outcome"),
}

DECIDED = frozenset({ProposalStatus.ADOPTED, ProposalStatus.REJECTED, ProposalStatus.REFERRED})


@dataclass(frozen=True)
class Facts:
    """What a matter's state depends on, as plain values."""

    proposal_status: str
    has_project: bool = False
    project_visible: bool = True
    project_status: str | None = None
    stewardships: int = 0
    log_entries: int = 0
    evaluations: int = 0
    outcome_exists: bool = False
    outcome_published: bool = False


@dataclass(frozen=True)
class Stage:
    key: str
    state: str
    note: str = ""

    @property
    def name(self):
        return STAGE_NAMES[self.key]

    @property
    def label(self):
        return STATE_LABELS[self.state]

    @property
    def css(self):
        return STATE_CSS[self.state]

    @property
    def is_done(self):
        return self.state == DONE


def _stopped_note(facts):
    if facts.proposal_status == ProposalStatus.REJECTED:
        return _("The proposal was not adopted.")
    if facts.proposal_status == ProposalStatus.REFERRED:
        return _("The proposal was referred to a handling unit.")
    return ""


def stages(facts: Facts) -> list[Stage]:
    """The five stages of one matter, in order, each with its state.

    A stage that has records shows them (done or in progress) whatever happened before;
    a stage without records is "not started" while the matter can still reach it, and
    "not applicable" once the decision has taken the matter elsewhere.
    """
    status = facts.proposal_status
    # Only an adopted proposal is built; a rejected or referred one stops after 共谋.
    off_road = status in (ProposalStatus.REJECTED, ProposalStatus.REFERRED)
    waiting = STOPPED if off_road else NOT_STARTED
    waiting_note = _stopped_note(facts)

    def pending(key, note=""):
        return Stage(key, waiting, waiting_note if waiting == STOPPED else note)

    # 共谋: the meeting raised it; it is done once a decision was taken.
    decide = Stage(DECIDE, DONE if status in DECIDED else IN_PROGRESS)

    # 共建: the project that carries it out.
    if facts.has_project and not facts.project_visible:
        hidden = _("The project belongs to an area outside yours.")
        build, manage, share = (Stage(k, HIDDEN, hidden) for k in (BUILD, MANAGE, SHARE))
    else:
        if not facts.has_project:
            build = pending(BUILD, _("No project yet.") if status == ProposalStatus.ADOPTED else "")
        elif facts.project_status == ProjectStatus.COMPLETED:
            build = Stage(BUILD, DONE)
        elif facts.project_status == ProjectStatus.SUSPENDED:
            build = Stage(BUILD, IN_PROGRESS, _("The project is suspended."))
        else:
            build = Stage(BUILD, IN_PROGRESS)

        # 共管: someone looks after what was built; done once the duty log shows it.
        if facts.stewardships and facts.log_entries:
            manage = Stage(MANAGE, DONE)
        elif facts.stewardships:
            manage = Stage(MANAGE, IN_PROGRESS, _("No inspection or duty logged yet."))
        else:
            manage = pending(MANAGE)

        # 共享: the outcome, published (公示) or still a draft.
        if facts.outcome_published:
            share = Stage(SHARE, DONE)
        elif facts.outcome_exists:
            share = Stage(SHARE, IN_PROGRESS, _("The outcome is a draft, not yet published."))
        else:
            share = pending(SHARE)

    # 共评: evaluations of the project, or of a handling unit's reply.
    if facts.evaluations:
        evaluate = Stage(EVALUATE, DONE)
    elif facts.has_project and not facts.project_visible:
        evaluate = Stage(EVALUATE, HIDDEN, _("The project belongs to an area outside yours."))
    elif status == ProposalStatus.REFERRED:
        # A referred matter is evaluated on the handling unit's reply.
        evaluate = Stage(EVALUATE, NOT_STARTED)
    else:
        evaluate = pending(EVALUATE)

    return [decide, build, manage, evaluate, share]


def facts_of(proposal, *, project=None, stewardships=(), evaluations=()) -> Facts:
    """Facts of a matter from objects already loaded: reads attributes, makes no query.

    ``project`` is the proposal's project as the user may see it (None when there is none
    or it lies outside the user's area); ``stewardships`` need their ``log_entries``
    prefetched and the project its ``outcome`` selected.
    """
    outcome = getattr(project, "outcome", None) if project is not None else None
    return Facts(
        proposal_status=proposal.status,
        has_project=proposal.project_id is not None,
        project_visible=project is not None,
        project_status=project.status if project is not None else None,
        stewardships=len(stewardships),
        log_entries=sum(len(s.log_entries.all()) for s in stewardships),
        evaluations=len(evaluations),
        outcome_exists=outcome is not None,
        outcome_published=bool(outcome and outcome.is_published),
    )
