"""The rules the database holds for the five stages: bad rows written directly are refused.

Every test writes with Model.objects.create or .update, bypassing forms and services, so
that only the database's own constraints stand in the way.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from consultations.models import (
    Evaluation,
    FundingLine,
    FundingSource,
    Meeting,
    Outcome,
    Project,
    ProjectStatus,
    ProjectUpdate,
    Proposal,
    ProposalStatus,
    Stewardship,
)
from tests.factories import (
    EvaluationFactory,
    FundingLineFactory,
    MeetingFactory,
    OrganizationFactory,
    OutcomeFactory,
    PersonFactory,
    ProjectFactory,
    ProposalFactory,
    StewardshipFactory,
)
from tests.integrity import violates, violates_unique

DAY = dt.date(2024, 5, 1)


@pytest.fixture
def meeting(village):
    return MeetingFactory(area=village)


@pytest.fixture
def project(village):
    return ProjectFactory(area=village)


@pytest.fixture
def unit(town):
    return OrganizationFactory(area=town, name="镇交通办")


def _update(instance, **fields):
    type(instance).objects.filter(pk=instance.pk).update(**fields)


# --- Meeting ---------------------------------------------------------------------------------


def test_meeting_attendance_adding_up_to_the_total_is_stored(village):
    meeting = Meeting.objects.create(
        format="courtyard",
        title="屋场会",
        area=village,
        county_code=village.code[:6],
        starts_at=dt.datetime(2024, 5, 1, 19, tzinfo=dt.UTC),
        attendance_total=12,
        attendance_party_member=3,
        attendance_village_worthy=1,
        attendance_villager=8,
    )
    assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_meeting_attendance_by_category_above_the_total_is_refused(village):
    with violates("meeting_attendance_categories_within_total"), transaction.atomic():
        Meeting.objects.create(
            format="courtyard",
            title="屋场会",
            area=village,
            county_code=village.code[:6],
            starts_at=dt.datetime(2024, 5, 1, 19, tzinfo=dt.UTC),
            attendance_total=12,
            attendance_party_member=5,
            attendance_villager=8,
        )


def test_meeting_attendance_update_beyond_the_total_is_refused(meeting):
    with violates("meeting_attendance_categories_within_total"), transaction.atomic():
        _update(meeting, attendance_non_party_intellectual=meeting.attendance_total)


def test_meeting_negative_total_attendance_is_refused(meeting):
    with pytest.raises(IntegrityError), transaction.atomic():
        _update(meeting, attendance_total=-1)


def test_meeting_negative_category_count_is_refused_even_within_the_total(meeting):
    # The sum stays within the total, so only the column's own non-negative check can refuse it.
    with violates("attendance_villager"), transaction.atomic():
        _update(meeting, attendance_villager=-1)


# --- Proposal --------------------------------------------------------------------------------


def test_proposal_votes_adding_up_to_those_present_are_stored(meeting):
    proposal = ProposalFactory(
        meeting=meeting, votes_present=10, votes_for=7, votes_against=2, votes_abstain=1
    )
    assert Proposal.objects.filter(pk=proposal.pk).exists()


def test_proposal_with_more_votes_than_present_is_refused(meeting):
    with violates("proposal_votes_within_present"), transaction.atomic():
        ProposalFactory(
            meeting=meeting, votes_present=10, votes_for=8, votes_against=2, votes_abstain=1
        )


def test_proposal_votes_without_abstentions_still_count_against_present(meeting):
    proposal = ProposalFactory(meeting=meeting, votes_present=10, votes_for=9)
    with violates("proposal_votes_within_present"), transaction.atomic():
        _update(proposal, votes_against=2)


def test_rejected_proposal_with_reason_and_date_is_stored(meeting):
    proposal = ProposalFactory(
        meeting=meeting,
        status=ProposalStatus.REJECTED,
        decided_on=DAY,
        rejection_reason="资金不足，明年再议。",
    )
    assert Proposal.objects.filter(pk=proposal.pk).exists()


def test_rejecting_without_reason_is_refused_by_the_database(meeting):
    with violates("proposal_rejection_has_reason"), transaction.atomic():
        ProposalFactory(meeting=meeting, status=ProposalStatus.REJECTED, decided_on=DAY)


@pytest.mark.parametrize("status", [ProposalStatus.ADOPTED, ProposalStatus.REJECTED])
def test_decision_without_date_is_refused(meeting, status):
    with violates("proposal_decision_has_date"), transaction.atomic():
        ProposalFactory(meeting=meeting, status=status, rejection_reason="理由")


def test_referred_proposal_with_unit_and_due_date_is_stored(meeting, unit):
    proposal = ProposalFactory(
        meeting=meeting, status=ProposalStatus.REFERRED, referred_to=unit, referral_due_on=DAY
    )
    assert Proposal.objects.filter(pk=proposal.pk).exists()


@pytest.mark.parametrize("missing", ["referred_to", "referral_due_on"])
def test_referral_without_unit_or_due_date_is_refused(meeting, unit, missing):
    fields = {"referred_to": unit, "referral_due_on": DAY, missing: None}
    with violates("proposal_referral_has_unit_and_due_date"), transaction.atomic():
        ProposalFactory(meeting=meeting, status=ProposalStatus.REFERRED, **fields)


def test_adopted_proposal_carried_out_by_a_project_is_stored(meeting, project):
    proposal = ProposalFactory(
        meeting=meeting, status=ProposalStatus.ADOPTED, decided_on=DAY, project=project
    )
    assert list(project.proposals.all()) == [proposal]


@pytest.mark.parametrize("status", [ProposalStatus.RAISED, ProposalStatus.DELIBERATING])
def test_project_for_a_proposal_not_adopted_is_refused(meeting, project, status):
    with violates("proposal_project_only_when_adopted"), transaction.atomic():
        ProposalFactory(meeting=meeting, status=status, project=project)


def test_adopted_proposal_in_a_project_cannot_be_moved_back_by_update(meeting, project):
    proposal = ProposalFactory(
        meeting=meeting, status=ProposalStatus.ADOPTED, decided_on=DAY, project=project
    )
    with violates("proposal_project_only_when_adopted"), transaction.atomic():
        _update(proposal, status=ProposalStatus.DELIBERATING)


# --- Project ---------------------------------------------------------------------------------


def test_completed_project_at_100_with_dates_in_order_is_stored(village):
    project = Project.objects.create(
        title="通湾公路",
        area=village,
        budget=Decimal("0.00"),
        planned_start=DAY,
        planned_end=DAY,
        actual_start=DAY,
        actual_end=DAY,
        progress=100,
        status=ProjectStatus.COMPLETED,
    )
    assert Project.objects.filter(pk=project.pk).exists()


def test_negative_budget_is_refused(village):
    with violates("project_budget_not_negative"), transaction.atomic():
        Project.objects.create(title="通湾公路", area=village, budget=Decimal("-0.01"))


def test_progress_above_100_is_refused(project):
    with violates("project_progress_0_to_100"), transaction.atomic():
        _update(project, progress=101)


def test_negative_progress_is_refused(project):
    with pytest.raises(IntegrityError), transaction.atomic():
        _update(project, progress=-1)


def test_planned_end_before_planned_start_is_refused(project):
    with violates("project_planned_end_after_start"), transaction.atomic():
        _update(project, planned_start=DAY, planned_end=DAY - dt.timedelta(days=1))


def test_actual_end_before_actual_start_is_refused(project):
    with violates("project_actual_end_after_start"), transaction.atomic():
        _update(project, actual_start=DAY, actual_end=DAY - dt.timedelta(days=1))


def test_actual_end_without_actual_start_is_refused(project):
    with violates("project_actual_end_after_start"), transaction.atomic():
        _update(project, actual_end=DAY)


def test_completed_below_100_percent_is_refused(project):
    with violates("project_completed_at_100_with_end"), transaction.atomic():
        _update(
            project,
            status=ProjectStatus.COMPLETED,
            progress=99,
            actual_start=DAY,
            actual_end=DAY,
        )


def test_completed_without_actual_end_is_refused(project):
    with violates("project_completed_at_100_with_end"), transaction.atomic():
        _update(project, status=ProjectStatus.COMPLETED, progress=100, actual_start=DAY)


# --- FundingLine and ProjectUpdate ----------------------------------------------------------------


def test_one_funding_line_per_source_and_project(project):
    FundingLineFactory(project=project, source=FundingSource.VILLAGERS_RAISED)
    FundingLineFactory(project=project, source=FundingSource.LABOUR)
    second = violates_unique(
        "funding_line_one_per_source", "consultations_fundingline", "project_id", "source"
    )
    with second, transaction.atomic():
        FundingLineFactory(project=project, source=FundingSource.VILLAGERS_RAISED)
    assert project.funding_lines.count() == 2


@pytest.mark.parametrize("field", ["planned", "received"])
def test_negative_funding_amount_is_refused(project, field):
    with violates("funding_line_amounts_not_negative"), transaction.atomic():
        FundingLine.objects.create(project=project, source="donations", **{field: Decimal("-1")})


def test_progress_update_at_100_is_stored_and_above_100_refused(project):
    update = ProjectUpdate.objects.create(
        project=project, reported_on=DAY, progress=100, description="完工"
    )
    with violates("project_update_progress_0_to_100"), transaction.atomic():
        _update(update, progress=101)


# --- Stewardship ---------------------------------------------------------------------------------


def test_stewardship_by_a_named_person_only_is_stored(project, village):
    stewardship = Stewardship.objects.create(
        project=project, person=PersonFactory(area=village), duties="巡查", started_on=DAY
    )
    assert Stewardship.objects.filter(pk=stewardship.pk).exists()


def test_stewardship_without_organization_or_person_is_refused(project):
    with violates("stewardship_has_steward"), transaction.atomic():
        Stewardship.objects.create(project=project, duties="巡查", started_on=DAY)


def test_stewardship_ending_before_it_starts_is_refused(project, village):
    stewardship = StewardshipFactory(project=project, organization__area=village)
    with violates("stewardship_ends_after_start"), transaction.atomic():
        _update(stewardship, ended_on=stewardship.started_on - dt.timedelta(days=1))


# --- Evaluation ----------------------------------------------------------------------------------


def test_evaluation_of_a_meeting_by_score_alone_is_stored(meeting):
    evaluation = Evaluation.objects.create(
        meeting=meeting, evaluator="town_staff", evaluated_on=DAY, score=Decimal("100")
    )
    assert Evaluation.objects.filter(pk=evaluation.pk).exists()


def test_evaluation_without_subject_is_refused(db):
    with violates("evaluation_has_subject"), transaction.atomic():
        Evaluation.objects.create(evaluator="town_staff", evaluated_on=DAY, satisfied=10)


@pytest.mark.parametrize("score", [Decimal("-0.01"), Decimal("100.01")])
def test_evaluation_score_outside_0_to_100_is_refused(project, score):
    with violates("evaluation_score_0_to_100"), transaction.atomic():
        Evaluation.objects.create(
            project=project, evaluator="town_staff", evaluated_on=DAY, score=score
        )


def test_evaluation_without_ballots_or_score_is_refused(project):
    with violates("evaluation_has_ballots_or_score"), transaction.atomic():
        Evaluation.objects.create(project=project, evaluator="town_staff", evaluated_on=DAY)


# --- Outcome -------------------------------------------------------------------------------------


def test_published_outcome_with_disclosure_date_is_stored(project):
    outcome = OutcomeFactory(project=project, is_published=True, disclosed_on=DAY)
    assert Outcome.objects.published().get() == outcome


def test_published_outcome_without_disclosure_date_is_refused(project):
    outcome = OutcomeFactory(project=project)
    with violates("outcome_published_has_disclosure_date"), transaction.atomic():
        _update(outcome, is_published=True)


def test_project_has_at_most_one_outcome(project):
    OutcomeFactory(project=project)
    second = violates_unique(
        "consultations_outcome_project_id", "consultations_outcome", "project_id"
    )
    with second, transaction.atomic():
        OutcomeFactory(project=project)


# --- on_delete=PROTECT along the chain -----------------------------------------------------------


def test_meeting_with_proposals_cannot_be_deleted(meeting):
    ProposalFactory(meeting=meeting)
    with pytest.raises(ProtectedError):
        meeting.delete()
    assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_meeting_without_proposals_can_be_deleted(meeting):
    meeting.delete()
    assert not Meeting.objects.exists()


def test_area_with_meetings_cannot_be_deleted(hamlet):
    MeetingFactory(area=hamlet)
    with pytest.raises(ProtectedError):
        hamlet.delete()


def test_project_carrying_out_proposals_cannot_be_deleted(meeting, project):
    ProposalFactory(meeting=meeting, status=ProposalStatus.ADOPTED, decided_on=DAY, project=project)
    with pytest.raises(ProtectedError):
        project.delete()


@pytest.mark.parametrize(
    "dependent",
    [
        pytest.param(lambda p: EvaluationFactory(project=p), id="evaluation"),
        pytest.param(lambda p: OutcomeFactory(project=p), id="outcome"),
        pytest.param(
            lambda p: StewardshipFactory(project=p, organization__area=p.area), id="stewardship"
        ),
    ],
)
def test_project_with_later_stages_cannot_be_deleted(project, dependent):
    dependent(project)
    with pytest.raises(ProtectedError):
        project.delete()
    assert Project.objects.filter(pk=project.pk).exists()


def test_project_with_only_its_funding_and_updates_can_be_deleted(project):
    # Funding lines and progress entries are parts of the project, not later stages.
    FundingLineFactory(project=project)
    ProjectUpdate.objects.create(project=project, reported_on=DAY, progress=10, description="开工")
    project.delete()
    assert not FundingLine.objects.exists()
    assert not ProjectUpdate.objects.exists()
