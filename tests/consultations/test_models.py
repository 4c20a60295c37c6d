"""The five stages' read side: QuerySets that scope by territory, the follow-up lists staff
work from, and the satisfaction rate."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Q

from consultations import services
from consultations.models import (
    Evaluation,
    Meeting,
    MeetingFormat,
    Outcome,
    Project,
    ProjectStatus,
    Proposal,
    ProposalCategory,
    ProposalStatus,
)
from tests.factories import (
    EvaluationFactory,
    MeetingFactory,
    OrganizationFactory,
    OutcomeFactory,
    ProjectFactory,
    ProposalFactory,
)

S = ProposalStatus
TODAY = dt.date(2024, 10, 31)
YESTERDAY = TODAY - dt.timedelta(days=1)
DECIDED = dt.date(2024, 5, 1)


# --- within(area) --------------------------------------------------------------------------


@pytest.fixture
def places(county, town, village, hamlet, other_village, other_town):
    return SimpleNamespace(
        county=county,
        town=town,
        village=village,
        hamlet=hamlet,
        other_village=other_village,
        other_town=other_town,
    )


def _one_per_place(factory, places):
    """{area name: record} for a record in the village, its hamlet, the next village and the
    other town."""
    return {
        name: factory(getattr(places, name))
        for name in ("village", "hamlet", "other_village", "other_town")
    }


def _expected_within(records):
    return {
        "hamlet": {records["hamlet"]},
        "village": {records["village"], records["hamlet"]},
        "town": {records["village"], records["hamlet"], records["other_village"]},
        "county": set(records.values()),
    }


@pytest.mark.parametrize(
    ("model", "factory"),
    [
        pytest.param(Meeting, lambda area: MeetingFactory(area=area), id="meetings"),
        pytest.param(Project, lambda area: ProjectFactory(area=area), id="projects"),
        pytest.param(
            Proposal,
            lambda area: ProposalFactory(meeting=MeetingFactory(area=area)),
            id="proposals-by-meeting-area",
        ),
        pytest.param(
            Outcome,
            lambda area: OutcomeFactory(project=ProjectFactory(area=area)),
            id="outcomes-by-project-area",
        ),
    ],
)
def test_within_area_is_exactly_its_subtree(places, model, factory):
    records = _one_per_place(factory, places)
    for area_name, expected in _expected_within(records).items():
        assert set(model.objects.within(getattr(places, area_name))) == expected, area_name


def test_evaluations_within_area_follow_their_subject(places):
    of_project = EvaluationFactory(project=ProjectFactory(area=places.hamlet))
    of_meeting = EvaluationFactory(project=None, meeting=MeetingFactory(area=places.village))
    of_reply = EvaluationFactory(
        project=None, proposal=ProposalFactory(meeting=MeetingFactory(area=places.other_village))
    )
    elsewhere = EvaluationFactory(project=ProjectFactory(area=places.other_town))

    assert set(Evaluation.objects.within(places.village)) == {of_project, of_meeting}
    assert set(Evaluation.objects.within(places.town)) == {of_project, of_meeting, of_reply}
    assert set(Evaluation.objects.within(places.other_town)) == {elsewhere}


def test_evaluations_within_area_are_those_of_the_three_joined_conditions(places):
    # within() unites the evaluations of each kind of subject found through its index; the
    # rows are those of the single condition it replaced, in every area, for each kind.
    everywhere = [places.hamlet, places.village, places.other_village, places.other_town]
    for area in everywhere:
        EvaluationFactory(project=ProjectFactory(area=area))
        EvaluationFactory(project=None, meeting=MeetingFactory(area=area))
        EvaluationFactory(project=None, proposal=ProposalFactory(meeting=MeetingFactory(area=area)))
    for area in [places.county, places.town, *everywhere]:
        joined = Evaluation.objects.filter(
            Q(project__area__code__startswith=area.code)
            | Q(meeting__area__code__startswith=area.code)
            | Q(proposal__meeting__area__code__startswith=area.code)
        )
        found = list(Evaluation.objects.within(area))
        assert len(found) == len(set(found)), area.name  # no evaluation twice
        assert set(found) == set(joined), area.name
        assert {e.project_id is not None for e in found} == {True, False}, area.name
        assert {e.meeting_id is not None for e in found} == {True, False}, area.name
    assert len(Evaluation.objects.within(places.town)) == 9
    assert len(Evaluation.objects.within(places.hamlet)) == 3


# --- county codes (a county's rows as one index range) --------------------------------------


def test_meetings_and_proposals_keep_their_countys_code(village, elsewhere, admin_user):
    here = services.raise_proposal(
        meeting=services.save_meeting(
            meeting=MeetingFactory.build(area=village, county_code=""), actor=admin_user
        ),
        title="修路",
        category=ProposalCategory.ROADS,
        actor=admin_user,
    )
    there = ProposalFactory(meeting=MeetingFactory(area=elsewhere))

    stored = dict(Proposal.objects.values_list("pk", "county_code"))
    assert stored == {here.pk: "421221", there.pk: "421281"}
    assert dict(Meeting.objects.values_list("area__code", "county_code")) == {
        village.code: "421221",
        elsewhere.code: "421281",
    }


def test_a_meeting_moved_to_another_county_takes_its_proposals_along(
    village, elsewhere, admin_user
):
    meeting = MeetingFactory(area=village)
    proposal = ProposalFactory(meeting=meeting)

    meeting = Meeting.objects.get(pk=meeting.pk)
    meeting.area_id = elsewhere.pk  # the id alone: the new area is not loaded
    services.save_meeting(meeting=meeting, actor=admin_user)

    proposal.refresh_from_db()
    assert (Meeting.objects.get(pk=meeting.pk).county_code, proposal.county_code) == (
        "421281",
        "421281",
    )
    assert list(Proposal.objects.within(elsewhere.parent.parent)) == [proposal]
    assert not Proposal.objects.within(village.parent.parent).exists()


def test_a_proposal_moved_to_a_meeting_of_another_county_follows_it(village, elsewhere, admin_user):
    proposal = ProposalFactory(meeting=MeetingFactory(area=village))
    there = MeetingFactory(area=elsewhere)

    proposal = Proposal.objects.get(pk=proposal.pk)
    proposal.meeting_id = there.pk
    services.save_proposal(proposal=proposal, actor=admin_user)

    assert Proposal.objects.get(pk=proposal.pk).county_code == "421281"


def test_a_row_written_without_its_county_code_is_refused(village):
    # Rows written in bulk skip save(); the database refuses one that forgot the copy.
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.bulk_create(
            [
                Meeting(
                    format=MeetingFormat.COURTYARD,
                    title="屋场会",
                    area=village,
                    starts_at=dt.datetime(2024, 5, 1, 9, tzinfo=dt.UTC),
                )
            ]
        )


# --- meetings ------------------------------------------------------------------------------------


def test_held_between_includes_the_start_and_excludes_the_end(village):
    start = dt.datetime(2024, 10, 1, tzinfo=dt.UTC)
    end = dt.datetime(2024, 11, 1, tzinfo=dt.UTC)
    at_start = MeetingFactory(area=village, starts_at=start)
    inside = MeetingFactory(area=village, starts_at=start + dt.timedelta(days=10))
    MeetingFactory(area=village, starts_at=end)
    MeetingFactory(area=village, starts_at=start - dt.timedelta(seconds=1))

    assert set(Meeting.objects.held_between(start, end)) == {at_start, inside}


def test_upcoming_meetings_come_soonest_first(village):
    now = dt.datetime(2024, 10, 31, 12, tzinfo=dt.UTC)
    later = MeetingFactory(area=village, starts_at=now + dt.timedelta(days=7))
    sooner = MeetingFactory(area=village, starts_at=now + dt.timedelta(days=1))
    MeetingFactory(area=village, starts_at=now - dt.timedelta(days=1))

    assert list(Meeting.objects.upcoming(now)) == [sooner, later]


# --- proposals awaiting action -------------------------------------------------------------------


@pytest.fixture
def meeting(village):
    return MeetingFactory(area=village)


@pytest.fixture
def unit(town):
    return OrganizationFactory(area=town, name="镇水利站")


def _referred(meeting, unit, due_on, **fields):
    return ProposalFactory(
        meeting=meeting, status=S.REFERRED, referred_to=unit, referral_due_on=due_on, **fields
    )


def test_awaiting_decision_is_raised_and_deliberating_only(meeting, unit):
    raised = ProposalFactory(meeting=meeting, status=S.RAISED)
    deliberating = ProposalFactory(meeting=meeting, status=S.DELIBERATING)
    ProposalFactory(meeting=meeting, status=S.ADOPTED, decided_on=DECIDED)
    ProposalFactory(meeting=meeting, status=S.REJECTED, decided_on=DECIDED, rejection_reason="否")
    _referred(meeting, unit, TODAY)

    assert set(Proposal.objects.awaiting_decision()) == {raised, deliberating}


def test_referral_overdue_is_past_due_and_unanswered(meeting, unit):
    overdue = _referred(meeting, unit, YESTERDAY)
    _referred(meeting, unit, TODAY)  # due today: not late yet
    _referred(meeting, unit, YESTERDAY, reply="已处理", replied_at=dt.datetime.now(dt.UTC))
    ProposalFactory(meeting=meeting, status=S.DELIBERATING, referral_due_on=YESTERDAY)

    assert list(Proposal.objects.referral_overdue(TODAY)) == [overdue]


def test_adopted_without_project_lists_adopted_proposals_nobody_carries_out(meeting):
    waiting = ProposalFactory(meeting=meeting, status=S.ADOPTED, decided_on=DECIDED)
    ProposalFactory(
        meeting=meeting,
        status=S.ADOPTED,
        decided_on=DECIDED,
        project=ProjectFactory(area=meeting.area),
    )
    ProposalFactory(meeting=meeting, status=S.DELIBERATING)

    assert list(Proposal.objects.adopted_without_project()) == [waiting]


# --- projects awaiting action --------------------------------------------------------------------


def _completed(area, **fields):
    return ProjectFactory(
        area=area,
        status=ProjectStatus.COMPLETED,
        progress=100,
        actual_start=dt.date(2024, 3, 1),
        actual_end=dt.date(2024, 6, 1),
        **fields,
    )


def test_overdue_projects_are_unfinished_past_their_planned_end(village):
    late = ProjectFactory(area=village, planned_end=YESTERDAY, status=ProjectStatus.IN_PROGRESS)
    late_suspended = ProjectFactory(
        area=village, planned_end=YESTERDAY, status=ProjectStatus.SUSPENDED
    )
    ProjectFactory(area=village, planned_end=TODAY)  # ends today: not late yet
    ProjectFactory(area=village, planned_start=None, planned_end=None)
    _completed(village, planned_end=YESTERDAY)

    assert set(Project.objects.overdue(TODAY)) == {late, late_suspended}


def test_completed_without_evaluation(village):
    unevaluated = _completed(village)
    evaluated = _completed(village)
    EvaluationFactory(project=evaluated)
    EvaluationFactory(project=evaluated)
    ProjectFactory(area=village, status=ProjectStatus.IN_PROGRESS)

    assert list(Project.objects.completed_without_evaluation()) == [unevaluated]


def test_evaluated_without_published_outcome_lists_each_project_once(village):
    no_outcome = _completed(village)
    unpublished = _completed(village)
    published = _completed(village)
    for project in (no_outcome, unpublished, published):
        EvaluationFactory.create_batch(2, project=project)
    OutcomeFactory(project=unpublished)
    OutcomeFactory(project=published, is_published=True, disclosed_on=TODAY)
    OutcomeFactory(project=_completed(village))  # an outcome but no evaluation

    assert sorted(Project.objects.evaluated_without_published_outcome(), key=lambda p: p.pk) == [
        no_outcome,
        unpublished,
    ]


# --- satisfaction rate ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("satisfied", "basically", "dissatisfied", "score", "rate"),
    [
        (40, 8, 2, None, Decimal("96.0")),
        (1, 1, 1, None, Decimal("66.7")),  # integer division would give 66
        (1, 0, 7, None, Decimal("12.5")),
        (1, 0, 15, None, Decimal("6.3")),  # 6.25 rounds half up on both sides
        (0, 0, 7, None, Decimal("0.0")),
        (3, 0, 0, None, Decimal("100.0")),
        (0, 0, 0, Decimal("92.5"), None),  # a score and no ballots: no rate
    ],
)
def test_satisfaction_rate_property_and_annotation_agree(
    village, satisfied, basically, dissatisfied, score, rate
):
    evaluation = EvaluationFactory(
        project=ProjectFactory(area=village),
        satisfied=satisfied,
        basically_satisfied=basically,
        dissatisfied=dissatisfied,
        score=score,
    )
    annotated = Evaluation.objects.with_satisfaction_rate().get(pk=evaluation.pk)

    assert evaluation.satisfaction_rate == rate
    if rate is None:
        assert annotated.satisfaction_rate_pct is None
    else:
        # Both round to one decimal, half up.
        assert Decimal(str(annotated.satisfaction_rate_pct)) == rate
