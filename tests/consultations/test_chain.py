"""The five stages' states of one matter (consultations/chain.py), without a database."""

from types import SimpleNamespace

import pytest
from django.utils import translation

from consultations import chain
from consultations.chain import DONE, HIDDEN, IN_PROGRESS, NOT_STARTED, STOPPED, Facts
from consultations.models import ProjectStatus, ProposalStatus

S = ProposalStatus


@pytest.fixture(autouse=True)
def _english():
    # Notes are asserted in their English source text.
    with translation.override("en"):
        yield


def states(**facts):
    return [stage.state for stage in chain.stages(Facts(**facts))]


def test_stages_come_in_the_order_of_the_five():
    keys = [stage.key for stage in chain.stages(Facts(proposal_status=S.RAISED))]
    assert keys == ["decide", "build", "manage", "evaluate", "share"]


@pytest.mark.parametrize("status", [S.RAISED, S.DELIBERATING])
def test_undecided_proposal_is_deciding_and_the_rest_waits(status):
    assert states(proposal_status=status) == [IN_PROGRESS] + [NOT_STARTED] * 4


def test_adopted_proposal_without_project_waits_for_building():
    stages = chain.stages(Facts(proposal_status=S.ADOPTED))
    assert [s.state for s in stages] == [DONE] + [NOT_STARTED] * 4
    assert str(stages[1].note) == "No project yet."


def test_rejected_proposal_stops_after_deciding():
    stages = chain.stages(Facts(proposal_status=S.REJECTED))
    assert [s.state for s in stages] == [DONE] + [STOPPED] * 4
    assert all(str(s.note) == "The proposal was not adopted." for s in stages[1:])


def test_referred_proposal_is_decided_and_waits_only_for_evaluation_of_the_reply():
    assert states(proposal_status=S.REFERRED) == [DONE, STOPPED, STOPPED, NOT_STARTED, STOPPED]
    assert states(proposal_status=S.REFERRED, evaluations=1) == [
        DONE,
        STOPPED,
        STOPPED,
        DONE,
        STOPPED,
    ]


@pytest.mark.parametrize(
    "project_status", [ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS, ProjectStatus.SUSPENDED]
)
def test_project_not_completed_is_building(project_status):
    stages = chain.stages(
        Facts(proposal_status=S.ADOPTED, has_project=True, project_status=project_status)
    )
    assert [s.state for s in stages] == [DONE, IN_PROGRESS] + [NOT_STARTED] * 3
    assert bool(stages[1].note) == (project_status == ProjectStatus.SUSPENDED)


def test_completed_project_is_built():
    assert states(
        proposal_status=S.ADOPTED, has_project=True, project_status=ProjectStatus.COMPLETED
    ) == [DONE, DONE, NOT_STARTED, NOT_STARTED, NOT_STARTED]


def test_stewardship_without_log_is_managing_and_with_log_is_managed():
    built = {
        "proposal_status": S.ADOPTED,
        "has_project": True,
        "project_status": ProjectStatus.COMPLETED,
    }
    assert states(**built, stewardships=1)[2] == IN_PROGRESS
    assert states(**built, stewardships=2, log_entries=1)[2] == DONE


def test_one_evaluation_makes_the_evaluation_done():
    assert (
        states(
            proposal_status=S.ADOPTED, has_project=True, project_status="completed", evaluations=1
        )[3]
        == DONE
    )


def test_draft_outcome_is_sharing_and_published_outcome_is_shared():
    built = {"proposal_status": S.ADOPTED, "has_project": True, "project_status": "completed"}
    assert states(**built, outcome_exists=True)[4] == IN_PROGRESS
    assert states(**built, outcome_exists=True, outcome_published=True)[4] == DONE


def test_whole_chain_done():
    assert (
        states(
            proposal_status=S.ADOPTED,
            has_project=True,
            project_status=ProjectStatus.COMPLETED,
            stewardships=1,
            log_entries=3,
            evaluations=2,
            outcome_exists=True,
            outcome_published=True,
        )
        == [DONE] * 5
    )


def test_project_outside_users_area_hides_its_stages():
    assert states(proposal_status=S.ADOPTED, has_project=True, project_visible=False) == [
        DONE,
        HIDDEN,
        HIDDEN,
        HIDDEN,
        HIDDEN,
    ]


def test_every_state_has_a_label_and_a_timeline_class():
    for stage in chain.stages(Facts(proposal_status=S.REJECTED)) + chain.stages(
        Facts(proposal_status=S.ADOPTED, has_project=True, project_visible=False)
    ):
        assert stage.label
        assert stage.css in {"done", "in-progress", "not-started"}


def _stewardship(logs):
    return SimpleNamespace(log_entries=SimpleNamespace(all=lambda: list(range(logs))))


def test_facts_of_reads_loaded_objects():
    proposal = SimpleNamespace(status=S.ADOPTED, project_id=7)
    outcome = SimpleNamespace(is_published=False)
    project = SimpleNamespace(status=ProjectStatus.IN_PROGRESS, outcome=outcome)
    facts = chain.facts_of(
        proposal,
        project=project,
        stewardships=[_stewardship(0), _stewardship(2)],
        evaluations=[object()],
    )
    assert facts == Facts(
        proposal_status=S.ADOPTED,
        has_project=True,
        project_visible=True,
        project_status=ProjectStatus.IN_PROGRESS,
        stewardships=2,
        log_entries=2,
        evaluations=1,
        outcome_exists=True,
        outcome_published=False,
    )


def test_facts_of_a_project_out_of_sight():
    facts = chain.facts_of(SimpleNamespace(status=S.ADOPTED, project_id=7), project=None)
    assert facts.has_project and not facts.project_visible
