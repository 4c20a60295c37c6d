"""The lifecycle rules in consultations/services.py: what may happen, what is recorded, and
that a refused step changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from consultations import services
from consultations.models import (
    Outcome,
    Project,
    ProjectStatus,
    ProjectUpdate,
    Proposal,
    ProposalCategory,
    ProposalStatus,
)
from tests.factories import MeetingFactory, OrganizationFactory, OutcomeFactory, ProjectFactory

S = ProposalStatus
NOW = dt.datetime(2024, 10, 31, 1, 30, tzinfo=dt.UTC)  # 09:30 on 31 October in Shanghai
TODAY = dt.date(2024, 10, 31)
DECIDED = dt.date(2024, 10, 20)
DUE = dt.date(2024, 11, 30)


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def actor(village_committee):
    return village_committee


@pytest.fixture
def meeting(village):
    return MeetingFactory(area=village, attendance_total=30)


@pytest.fixture
def unit(town):
    return OrganizationFactory(area=town, name="镇交通办")


@pytest.fixture
def proposal_in(meeting, actor, unit):
    """A proposal brought to the given status through the services, as a user would."""

    def make(status, *, at=None):
        proposal = services.raise_proposal(
            meeting=at or meeting,
            title="硬化通湾公路",
            category=ProposalCategory.ROADS,
            actor=actor,
        )
        if status == S.RAISED:
            return proposal
        proposal = services.start_deliberation(proposal=proposal, actor=actor)
        if status == S.ADOPTED:
            proposal = services.adopt_proposal(proposal=proposal, actor=actor, decided_on=DECIDED)
        elif status == S.REJECTED:
            proposal = services.reject_proposal(
                proposal=proposal, actor=actor, decided_on=DECIDED, reason="资金不足，明年再议。"
            )
        elif status == S.REFERRED:
            proposal = services.refer_proposal(
                proposal=proposal, actor=actor, handling_unit=unit, due_on=DUE
            )
        return proposal

    return make


def history(proposal):
    return list(
        proposal.status_changes.order_by("id").values_list(
            "from_status", "to_status", "changed_by", "changed_at"
        )
    )


def assert_unchanged(proposal, *, status, steps):
    """The refused step left the proposal and its history as they were."""
    proposal.refresh_from_db()
    assert proposal.status == status
    assert history(proposal) == steps


# --- allowed transitions are recorded ------------------------------------------------------------


def test_raising_a_proposal_starts_its_history(meeting, actor):
    proposal = services.raise_proposal(
        meeting=meeting, title="安装路灯", category=ProposalCategory.SAFETY, actor=actor
    )
    proposal.refresh_from_db()
    assert proposal.status == S.RAISED
    assert proposal.created_by == actor
    assert history(proposal) == [("", S.RAISED, actor.pk, NOW)]


def test_starting_deliberation_records_who_moved_it_and_when(proposal_in, actor, town_staff):
    proposal = services.start_deliberation(
        proposal=proposal_in(S.RAISED), actor=town_staff, note="提交村民代表会议"
    )
    proposal.refresh_from_db()
    assert proposal.status == S.DELIBERATING
    assert history(proposal) == [
        ("", S.RAISED, actor.pk, NOW),
        (S.RAISED, S.DELIBERATING, town_staff.pk, NOW),
    ]
    assert proposal.status_changes.last().note == "提交村民代表会议"


def test_adopting_after_deliberation_records_the_decision_and_the_vote(proposal_in, actor):
    proposal = services.adopt_proposal(
        proposal=proposal_in(S.DELIBERATING),
        actor=actor,
        decided_on=DECIDED,
        votes_present=28,
        votes_for=25,
        votes_against=2,
        votes_abstain=1,
    )
    proposal.refresh_from_db()
    assert proposal.status == S.ADOPTED
    assert proposal.decided_on == DECIDED
    assert (proposal.votes_present, proposal.votes_for, proposal.votes_against) == (28, 25, 2)
    assert proposal.votes_abstain == 1
    assert history(proposal)[-1] == (S.DELIBERATING, S.ADOPTED, actor.pk, NOW)


def test_rejecting_with_a_reason_records_the_reason(proposal_in, actor):
    proposal = services.reject_proposal(
        proposal=proposal_in(S.DELIBERATING),
        actor=actor,
        decided_on=DECIDED,
        reason="  与镇规划冲突。 ",
    )
    proposal.refresh_from_db()
    assert proposal.status == S.REJECTED
    assert proposal.rejection_reason == "与镇规划冲突。"
    assert proposal.decided_on == DECIDED
    assert history(proposal)[-1] == (S.DELIBERATING, S.REJECTED, actor.pk, NOW)


def test_referring_records_the_handling_unit_and_due_date(proposal_in, actor, unit):
    proposal = services.refer_proposal(
        proposal=proposal_in(S.DELIBERATING), actor=actor, handling_unit=unit, due_on=DUE
    )
    proposal.refresh_from_db()
    assert proposal.status == S.REFERRED
    assert (proposal.referred_to, proposal.referral_due_on) == (unit, DUE)
    assert history(proposal)[-1] == (S.DELIBERATING, S.REFERRED, actor.pk, NOW)


# --- forbidden transitions change nothing -----------------------------------------------------


def _adopt(proposal, actor, unit):
    services.adopt_proposal(proposal=proposal, actor=actor, decided_on=DECIDED)


def _reject(proposal, actor, unit):
    services.reject_proposal(proposal=proposal, actor=actor, decided_on=DECIDED, reason="不可行")


def _refer(proposal, actor, unit):
    services.refer_proposal(proposal=proposal, actor=actor, handling_unit=unit, due_on=DUE)


def _deliberate(proposal, actor, unit):
    services.start_deliberation(proposal=proposal, actor=actor)


@pytest.mark.parametrize(
    ("status", "step"),
    [
        pytest.param(S.RAISED, _adopt, id="raised-to-adopted"),
        pytest.param(S.RAISED, _reject, id="raised-to-rejected"),
        pytest.param(S.RAISED, _refer, id="raised-to-referred"),
        pytest.param(S.DELIBERATING, _deliberate, id="deliberating-again"),
        pytest.param(S.ADOPTED, _reject, id="adopted-to-rejected"),
        pytest.param(S.ADOPTED, _deliberate, id="adopted-to-deliberating"),
        pytest.param(S.REJECTED, _deliberate, id="rejected-to-deliberating"),
        pytest.param(S.REJECTED, _adopt, id="rejected-to-adopted"),
        pytest.param(S.REFERRED, _adopt, id="referred-to-adopted"),
        pytest.param(S.REFERRED, _refer, id="referred-again"),
    ],
)
def test_forbidden_transition_is_refused_and_changes_nothing(
    proposal_in, actor, unit, status, step
):
    proposal = proposal_in(status)
    steps = history(proposal)

    with pytest.raises(services.LifecycleError) as excinfo:
        step(proposal, actor, unit)

    assert excinfo.value.code == "forbidden_transition"
    assert_unchanged(proposal, status=status, steps=steps)


def test_allowed_transitions_are_exactly_the_documented_lifecycle():
    lifecycle = services.ALLOWED_TRANSITIONS
    assert lifecycle == {
        S.RAISED: {S.DELIBERATING},
        S.DELIBERATING: {S.ADOPTED, S.REJECTED, S.REFERRED},
        S.ADOPTED: set(),
        S.REJECTED: set(),
        S.REFERRED: set(),
    }


# --- decisions and votes -------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_rejecting_without_reason_is_refused(proposal_in, actor, reason):
    proposal = proposal_in(S.DELIBERATING)
    steps = history(proposal)

    with pytest.raises(services.LifecycleError) as excinfo:
        services.reject_proposal(proposal=proposal, actor=actor, decided_on=DECIDED, reason=reason)

    assert excinfo.value.code == "reason_required"
    assert_unchanged(proposal, status=S.DELIBERATING, steps=steps)
    assert proposal.decided_on is None


@pytest.mark.parametrize(
    ("votes_for", "votes_against"),
    [(10, 10), (5, 12), (0, 0), (None, 12)],
)
def test_adopting_when_the_vote_does_not_carry_is_refused(
    proposal_in, actor, votes_for, votes_against
):
    proposal = proposal_in(S.DELIBERATING)
    steps = history(proposal)

    with pytest.raises(services.LifecycleError) as excinfo:
        services.adopt_proposal(
            proposal=proposal,
            actor=actor,
            decided_on=DECIDED,
            votes_for=votes_for,
            votes_against=votes_against,
        )

    assert excinfo.value.code == "vote_not_carried"
    assert_unchanged(proposal, status=S.DELIBERATING, steps=steps)
    assert proposal.votes_for is None


def test_adopting_without_a_vote_is_allowed(proposal_in, actor):
    proposal = services.adopt_proposal(
        proposal=proposal_in(S.DELIBERATING), actor=actor, decided_on=DECIDED
    )
    proposal.refresh_from_db()
    assert proposal.status == S.ADOPTED
    assert (proposal.votes_for, proposal.votes_against) == (None, None)


def test_more_votes_than_people_present_are_refused(proposal_in, actor):
    proposal = proposal_in(S.DELIBERATING)
    steps = history(proposal)

    with pytest.raises(services.LifecycleError) as excinfo:
        services.adopt_proposal(
            proposal=proposal,
            actor=actor,
            decided_on=DECIDED,
            votes_present=10,
            votes_for=8,
            votes_against=2,
            votes_abstain=1,
        )

    assert excinfo.value.code == "too_many_votes"
    assert_unchanged(proposal, status=S.DELIBERATING, steps=steps)


def test_votes_cast_with_nobody_present_are_refused(proposal_in, actor):
    proposal = proposal_in(S.DELIBERATING)
    steps = history(proposal)

    with pytest.raises(services.LifecycleError) as excinfo:
        services.reject_proposal(
            proposal=proposal,
            actor=actor,
            decided_on=DECIDED,
            reason="不可行",
            votes_present=0,
            votes_against=5,
        )

    assert excinfo.value.code == "too_many_votes"
    assert_unchanged(proposal, status=S.DELIBERATING, steps=steps)


def test_more_votes_than_meeting_attendance_are_refused_when_present_not_given(proposal_in, actor):
    proposal = proposal_in(S.DELIBERATING)  # at a meeting of 30
    steps = history(proposal)

    with pytest.raises(services.LifecycleError) as excinfo:
        services.adopt_proposal(
            proposal=proposal, actor=actor, decided_on=DECIDED, votes_for=25, votes_against=6
        )

    assert excinfo.value.code == "too_many_votes"
    assert_unchanged(proposal, status=S.DELIBERATING, steps=steps)


def test_meeting_attendance_counts_as_present_when_not_given(proposal_in, actor):
    proposal = services.adopt_proposal(
        proposal=proposal_in(S.DELIBERATING),
        actor=actor,
        decided_on=DECIDED,
        votes_for=20,
        votes_against=10,
    )
    proposal.refresh_from_db()
    assert proposal.votes_present == 30


def test_votes_are_not_checked_against_unknown_attendance(proposal_in, actor, village):
    proposal = proposal_in(
        S.DELIBERATING,
        at=MeetingFactory(
            area=village, attendance_total=0, attendance_party_member=0, attendance_villager=0
        ),
    )
    proposal = services.adopt_proposal(
        proposal=proposal, actor=actor, decided_on=DECIDED, votes_for=50, votes_against=3
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.votes_present) == (S.ADOPTED, None)


# --- referral: reply and feedback ------------------------------------------------------------


@pytest.mark.parametrize("status", [S.RAISED, S.DELIBERATING, S.ADOPTED, S.REJECTED])
def test_reply_is_only_for_referred_proposals(proposal_in, actor, status):
    proposal = proposal_in(status)

    with pytest.raises(services.LifecycleError) as excinfo:
        services.record_reply(proposal=proposal, actor=actor, reply="已安排。")

    assert excinfo.value.code == "not_referred"
    proposal.refresh_from_db()
    assert (proposal.reply, proposal.replied_at) == ("", None)


def test_reply_to_a_referred_proposal_is_recorded_with_its_time(proposal_in, actor):
    proposal = services.record_reply(
        proposal=proposal_in(S.REFERRED), actor=actor, reply=" 已列入明年计划。 "
    )
    proposal.refresh_from_db()
    assert (proposal.reply, proposal.replied_at) == ("已列入明年计划。", NOW)
    assert proposal.status == S.REFERRED


def test_empty_reply_is_refused(proposal_in, actor):
    proposal = proposal_in(S.REFERRED)
    with pytest.raises(services.LifecycleError) as excinfo:
        services.record_reply(proposal=proposal, actor=actor, reply="  ")
    assert excinfo.value.code == "reply_required"
    proposal.refresh_from_db()
    assert proposal.replied_at is None


def test_feedback_before_the_reply_is_refused(proposal_in, actor):
    proposal = proposal_in(S.REFERRED)
    with pytest.raises(services.LifecycleError) as excinfo:
        services.record_feedback(proposal=proposal, actor=actor, feedback="满意")
    assert excinfo.value.code == "no_reply_yet"
    proposal.refresh_from_db()
    assert (proposal.feedback, proposal.feedback_at) == ("", None)


def test_feedback_after_the_reply_is_recorded(proposal_in, actor):
    proposal = services.record_reply(
        proposal=proposal_in(S.REFERRED), actor=actor, reply="已修复。", replied_at=NOW
    )
    services.record_feedback(proposal=proposal, actor=actor, feedback=" 满意 ")
    proposal.refresh_from_db()
    assert (proposal.feedback, proposal.feedback_at) == ("满意", NOW)


# --- start_project -------------------------------------------------------------------------------


def test_project_from_an_adopted_proposal_takes_the_meetings_area(proposal_in, actor, village):
    proposal = proposal_in(S.ADOPTED)

    project = services.start_project(
        proposals=[proposal], title="通湾公路硬化", actor=actor, budget=Decimal("80000")
    )

    project.refresh_from_db()
    assert (project.area, project.created_by, project.budget) == (village, actor, 80000)
    assert project.status == ProjectStatus.PLANNED
    assert list(project.proposals.all()) == [proposal]


def test_several_adopted_proposals_share_one_project(proposal_in, actor, village):
    first = proposal_in(S.ADOPTED)
    second = proposal_in(S.ADOPTED, at=MeetingFactory(area=village))

    project = services.start_project(proposals=[first, second], title="道路和路灯", actor=actor)

    assert set(project.proposals.all()) == {first, second}


@pytest.mark.parametrize("status", [S.RAISED, S.DELIBERATING, S.REJECTED, S.REFERRED])
def test_project_only_from_adopted_proposals(proposal_in, actor, status):
    adopted = proposal_in(S.ADOPTED)
    other = proposal_in(status)

    with pytest.raises(services.LifecycleError) as excinfo:
        services.start_project(proposals=[adopted, other], title="通湾公路", actor=actor)

    assert excinfo.value.code == "not_adopted"
    assert not Project.objects.exists()
    assert not Proposal.objects.filter(project__isnull=False).exists()


def test_proposal_already_in_a_project_cannot_start_another(proposal_in, actor):
    proposal = proposal_in(S.ADOPTED)
    first = services.start_project(proposals=[proposal], title="第一期", actor=actor)

    with pytest.raises(services.LifecycleError) as excinfo:
        services.start_project(proposals=[proposal], title="第二期", actor=actor)

    assert excinfo.value.code == "already_in_project"
    assert list(Project.objects.all()) == [first]
    proposal.refresh_from_db()
    assert proposal.project == first


def test_project_needs_at_least_one_proposal(actor):
    with pytest.raises(services.LifecycleError) as excinfo:
        services.start_project(proposals=[], title="空项目", actor=actor)
    assert excinfo.value.code == "no_proposals"
    assert not Project.objects.exists()


def test_proposals_from_different_areas_need_the_project_area_named(
    proposal_in, actor, village, hamlet
):
    in_village = proposal_in(S.ADOPTED)
    in_hamlet = proposal_in(S.ADOPTED, at=MeetingFactory(area=hamlet))

    with pytest.raises(services.LifecycleError) as excinfo:
        services.start_project(proposals=[in_village, in_hamlet], title="通湾公路", actor=actor)
    assert excinfo.value.code == "area_required"
    assert not Project.objects.exists()

    project = services.start_project(
        proposals=[in_village, in_hamlet], title="通湾公路", actor=actor, area=village
    )
    assert project.area == village
    assert set(project.proposals.all()) == {in_village, in_hamlet}


# --- progress and completion ---------------------------------------------------------------


@pytest.fixture
def project(village):
    return ProjectFactory(area=village)


def test_first_progress_report_starts_the_project(project, actor):
    update = services.record_progress(
        project=project,
        actor=actor,
        reported_on=dt.date(2024, 3, 5),
        progress=20,
        description="路基完成",
    )
    project.refresh_from_db()
    assert (project.status, project.progress) == (ProjectStatus.IN_PROGRESS, 20)
    assert project.actual_start == dt.date(2024, 3, 5)
    assert (update.project, update.recorded_by, update.progress) == (project, actor, 20)


def test_later_progress_report_keeps_the_actual_start(project, actor):
    services.record_progress(
        project=project, actor=actor, reported_on=dt.date(2024, 3, 5), progress=20, description="a"
    )
    services.record_progress(
        project=project, actor=actor, reported_on=dt.date(2024, 4, 5), progress=60, description="b"
    )
    project.refresh_from_db()
    assert (project.actual_start, project.progress) == (dt.date(2024, 3, 5), 60)
    assert project.updates.count() == 2


@pytest.mark.parametrize("progress", [101, -1])
def test_progress_outside_0_to_100_is_refused(project, actor, progress):
    with pytest.raises(services.LifecycleError) as excinfo:
        services.record_progress(
            project=project, actor=actor, reported_on=TODAY, progress=progress, description="x"
        )
    assert excinfo.value.code == "progress_range"
    project.refresh_from_db()
    assert (project.status, project.progress, project.actual_start) == (
        ProjectStatus.PLANNED,
        0,
        None,
    )
    assert not ProjectUpdate.objects.exists()


def _finish(project, actor):
    services.record_progress(
        project=project,
        actor=actor,
        reported_on=dt.date(2024, 3, 5),
        progress=100,
        description="完工",
    )
    return services.complete_project(project=project, actor=actor, actual_end=dt.date(2024, 6, 1))


def test_completing_at_100_percent_records_the_end(project, actor):
    _finish(project, actor)
    project.refresh_from_db()
    assert project.status == ProjectStatus.COMPLETED
    assert (project.actual_start, project.actual_end) == (dt.date(2024, 3, 5), dt.date(2024, 6, 1))


def test_progress_on_a_completed_project_is_refused(project, actor):
    _finish(project, actor)
    with pytest.raises(services.LifecycleError) as excinfo:
        services.record_progress(
            project=project, actor=actor, reported_on=TODAY, progress=90, description="返工"
        )
    assert excinfo.value.code == "completed"
    project.refresh_from_db()
    assert (project.status, project.progress) == (ProjectStatus.COMPLETED, 100)
    assert project.updates.count() == 1


def test_completing_below_100_percent_is_refused(project, actor):
    services.record_progress(
        project=project, actor=actor, reported_on=dt.date(2024, 3, 5), progress=99, description="a"
    )
    with pytest.raises(services.LifecycleError) as excinfo:
        services.complete_project(project=project, actor=actor, actual_end=TODAY)
    assert excinfo.value.code == "not_finished"
    project.refresh_from_db()
    assert (project.status, project.actual_end) == (ProjectStatus.IN_PROGRESS, None)


def test_completing_before_the_actual_start_is_refused(project, actor):
    services.record_progress(
        project=project, actor=actor, reported_on=dt.date(2024, 3, 5), progress=100, description="a"
    )
    with pytest.raises(services.LifecycleError) as excinfo:
        services.complete_project(project=project, actor=actor, actual_end=dt.date(2024, 3, 4))
    assert excinfo.value.code == "end_before_start"
    project.refresh_from_db()
    assert project.status == ProjectStatus.IN_PROGRESS


# --- publishing the outcome ----------------------------------------------------------------------


def test_publishing_an_outcome_discloses_it_today_by_default(project, actor):
    outcome = OutcomeFactory(project=project)
    services.publish_outcome(outcome=outcome, actor=actor)
    outcome.refresh_from_db()
    assert (outcome.is_published, outcome.disclosed_on) == (True, TODAY)
    assert list(Outcome.objects.published()) == [outcome]


def test_publishing_an_outcome_on_a_given_date(project, actor):
    outcome = OutcomeFactory(project=project)
    services.publish_outcome(outcome=outcome, actor=actor, disclosed_on=dt.date(2024, 10, 1))
    outcome.refresh_from_db()
    assert (outcome.is_published, outcome.disclosed_on) == (True, dt.date(2024, 10, 1))


def test_unpublishing_withdraws_the_outcome_but_keeps_its_disclosure_date(project, actor):
    outcome = OutcomeFactory(project=project, is_published=True, disclosed_on=dt.date(2024, 10, 1))
    services.unpublish_outcome(outcome=outcome, actor=actor)
    outcome.refresh_from_db()
    assert (outcome.is_published, outcome.disclosed_on) == (False, dt.date(2024, 10, 1))
    assert not Outcome.objects.published().exists()


def test_referral_without_unit_or_due_date_is_refused(proposal_in, actor):
    proposal = proposal_in(S.DELIBERATING)
    with pytest.raises(services.LifecycleError):
        services.refer_proposal(proposal=proposal, actor=actor, handling_unit=None, due_on=None)
    proposal.refresh_from_db()
    assert proposal.status == S.DELIBERATING
    assert proposal.status_changes.count() == 2


def test_completing_a_completed_project_again_is_refused(actor, project):
    services.record_progress(
        project=project,
        actor=actor,
        reported_on=dt.date(2024, 5, 1),
        progress=100,
        description="完工",
    )
    services.complete_project(project=project, actor=actor, actual_end=dt.date(2024, 5, 2))
    with pytest.raises(services.LifecycleError):
        services.complete_project(project=project, actor=actor, actual_end=dt.date(2024, 9, 9))
    project.refresh_from_db()
    assert project.actual_end == dt.date(2024, 5, 2)


def test_decision_without_a_vote_records_nobody_present(proposal_in):
    proposal = proposal_in(S.ADOPTED)
    assert (proposal.votes_present, proposal.votes_for) == (None, None)
