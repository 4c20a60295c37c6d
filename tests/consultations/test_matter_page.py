"""一事一档 the matter page: one proposal's whole chain through the five stages."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultations import services
from consultations.models import (
    FundingSource,
    LogKind,
    ProjectStatus,
    ProposalCategory,
    ProposalStatusChange,
    RulesKind,
)
from core.templatetags.wuhgong import money
from organizations.models import OrganizationKind, PersonCategory
from tests.factories import (
    EvaluationFactory,
    FundingLineFactory,
    MeetingFactory,
    OrganizationFactory,
    OutcomeFactory,
    PersonFactory,
    ProjectFactory,
    ProjectUpdateFactory,
    ProposalFactory,
    StewardshipFactory,
    StewardshipLogFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    # Labels are asserted in their English source text.
    settings.LANGUAGE_CODE = "en"


def at(day, hour=10):
    return timezone.make_aware(dt.datetime(2024, *day, hour, 0))


@pytest.fixture
def full_chain(village, hamlet, village_committee):
    """meeting → adopted with votes → project with two funding sources → progress to 100 →
    completed → stewardship + log → evaluation tally → outcome published."""
    clerk = UserFactory(username="clerk", first_name="", last_name="", area=village)
    meeting = MeetingFactory(
        area=hamlet,
        title="孙家湾屋场会",
        starts_at=at((3, 2), 19),
        attendance_total=41,
        attendance_party_member=6,
        attendance_village_worthy=3,
        attendance_villager=28,
    )
    elder = PersonFactory(area=hamlet, name="孙大伯", category=PersonCategory.VILLAGE_WORTHY)
    proposal = services.raise_proposal(
        meeting=meeting,
        title="硬化孙家通湾公路",
        category=ProposalCategory.ROADS,
        description="雨天泥泞，孩子上学不便。",
        raised_by=elder,
        actor=village_committee,
    )
    services.start_deliberation(proposal=proposal, actor=clerk, note="交村民代表会审议")
    services.adopt_proposal(
        proposal=proposal,
        actor=village_committee,
        decided_on=dt.date(2024, 3, 5),
        votes_for=37,
        votes_against=2,
        votes_abstain=1,
        votes_present=40,
    )
    # Fixed times so the history can be read back exactly.
    for change, when in zip(
        ProposalStatusChange.objects.filter(proposal=proposal).order_by("id"),
        [at((3, 2), 20), at((3, 3)), at((3, 5), 15)],
        strict=True,
    ):
        ProposalStatusChange.objects.filter(pk=change.pk).update(changed_at=when)
    council = OrganizationFactory(
        area=village, name="陆水村村民理事会", kind=OrganizationKind.VILLAGER_COUNCIL
    )
    project = services.start_project(
        proposals=[proposal],
        title="孙家通湾公路硬化工程",
        actor=village_committee,
        budget=Decimal("180000.00"),
        planned_start=dt.date(2024, 4, 1),
        planned_end=dt.date(2024, 6, 30),
        lead_organization=council,
    )
    FundingLineFactory(
        project=project,
        source=FundingSource.REWARD_SUBSIDY,
        planned=Decimal("120000.00"),
        received=Decimal("100000.00"),
    )
    FundingLineFactory(
        project=project,
        source=FundingSource.VILLAGERS_RAISED,
        planned=Decimal("45000.00"),
        received=Decimal("45500.50"),
    )
    FundingLineFactory(
        project=project,
        source=FundingSource.LABOUR,
        planned=Decimal("300"),
        received=Decimal("326"),
    )
    services.record_progress(
        project=project,
        actor=village_committee,
        reported_on=dt.date(2024, 4, 10),
        progress=40,
        description="路基平整完成",
    )
    services.record_progress(
        project=project,
        actor=village_committee,
        reported_on=dt.date(2024, 6, 20),
        progress=100,
        description="水泥路面浇筑完成",
    )
    services.complete_project(
        project=project, actor=village_committee, actual_end=dt.date(2024, 6, 25)
    )
    keeper = PersonFactory(area=hamlet, name="孙志强")
    stewardship = StewardshipFactory(
        project=project,
        organization=council,
        person=keeper,
        duties="每周巡查路面",
        rules_kind=RulesKind.MAINTENANCE_RULES,
        rules="禁止重车通行",
    )
    StewardshipLogFactory(
        stewardship=stewardship,
        kind=LogKind.INSPECTION,
        logged_on=dt.date(2024, 8, 1),
        note="发现一处裂缝",
        issue_found=True,
        action_taken="已修补",
    )
    EvaluationFactory(
        project=project,
        evaluated_on=dt.date(2024, 9, 1),
        satisfied=40,
        basically_satisfied=8,
        dissatisfied=2,
        comments="路修得好",
    )
    outcome = OutcomeFactory(
        project=project,
        title="孙家通湾公路通车",
        summary="硬化道路1.2公里",
        beneficiary_households=86,
        beneficiary_people=310,
    )
    services.publish_outcome(
        outcome=outcome, actor=village_committee, disclosed_on=dt.date(2024, 10, 8)
    )
    proposal.refresh_from_db()
    return proposal


def yuan(value):
    """Amounts as the page's money filter writes them."""
    return money(Decimal(value))


def page(client, user, proposal):
    client.force_login(user)
    response = client.get(reverse("matter_detail", args=[proposal.pk]))
    assert response.status_code == 200
    return response.content.decode()


def text(html):
    """The page's text with tags and runs of whitespace collapsed, for phrase matching."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_matter_page_shows_every_stage_of_a_full_chain(client, village_committee, full_chain):
    proposal = full_chain
    html = page(client, village_committee, proposal)
    words = text(html)
    # Five stages, all done.
    assert html.count('<li class="done" id="stage-') == 5
    # 共谋: the meeting with its date, format and attendance, the proposal, the vote.
    assert reverse("meeting_detail", args=[proposal.meeting_id]) in html
    assert "孙家湾屋场会" in html
    assert "2 Mar 2024 19:00" in words
    assert "Courtyard meeting" in words
    assert "Village worthy 3" in words
    assert "Total 41" in words
    assert "孙大伯" in html and "Village worthy" in words
    assert "Roads and transport" in words
    assert "雨天泥泞，孩子上学不便。" in html
    assert "5 Mar 2024" in words
    assert "37 2 1 40" in words
    # 共建: the project, its budget and dates, funding by source with separate labour days.
    assert reverse("project_detail", args=[proposal.project_id]) in html
    assert "孙家通湾公路硬化工程" in html
    assert "Completed" in words
    assert '<progress class="progress" max="100" value="100"' in html
    assert money(Decimal("180000")) in words
    assert "1 Apr 2024 – 30 Jun 2024" in words
    assert "10 Apr 2024 – 25 Jun 2024" in words
    assert f"Reward instead of subsidy {yuan('120000')} {yuan('100000')} yuan" in words
    assert f"Raised by villagers {yuan('45000')} {yuan('45500.50')} yuan" in words
    assert "Labour given (days) 300 326 days" in words
    assert f"Total in yuan {yuan('165000')} {yuan('145500.50')} yuan" in words
    assert "Labour given 300 326 days" in words
    assert "10 Apr 2024 40% 路基平整完成" in words
    assert "20 Jun 2024 100% 水泥路面浇筑完成" in words
    # 共管: who is in charge, the rules, the log.
    assert "陆水村村民理事会" in html and "孙志强" in html
    assert "Maintenance rules 禁止重车通行" in words
    assert "1 Aug 2024 Inspection problem found 发现一处裂缝 已修补" in words
    # 共评: the tally and the satisfaction rate (48 of 50).
    assert "40 8 2 96.0%" in words
    assert "路修得好" in html
    # 共享: the outcome, published.
    assert "孙家通湾公路通车" in html
    assert "Published" in words
    assert "86" in words and "310" in words
    assert "8 Oct 2024" in words


def test_matter_page_shows_status_history_with_who_and_when(client, village_committee, full_chain):
    words = text(page(client, village_committee, full_chain))
    history = words[words.index("Status history") :]
    assert "2 Mar 2024 20:00 — Raised village" in history
    assert "3 Mar 2024 10:00 Raised Under deliberation clerk 交村民代表会审议" in history
    assert "5 Mar 2024 15:00 Under deliberation Adopted village" in history


def test_matter_page_is_a_printable_file_with_place_and_date(client, village_committee, full_chain):
    html = page(client, village_committee, full_chain)
    # county, town, village, hamlet: the meeting was held in the hamlet.
    assert "嘉鱼县高铁岭镇陆水村孙家" in html
    assert f"Printed on {timezone.localdate():%-d %b %Y}" in text(html)
    assert 'class="breadcrumbs no-print"' in html


def test_rejected_proposal_shows_reason_and_stops(client, village_committee, village):
    proposal = ProposalFactory(meeting=MeetingFactory(area=village))
    services.start_deliberation(proposal=proposal, actor=village_committee)
    services.reject_proposal(
        proposal=proposal,
        actor=village_committee,
        decided_on=dt.date(2024, 5, 1),
        reason="资金不足，明年再议",
        votes_for=3,
        votes_against=20,
    )
    words = text(page(client, village_committee, proposal))
    assert "资金不足，明年再议" in words
    # Four later stages, each in the summary and in the timeline.
    assert words.count("Not applicable") == 8
    assert "The proposal was not adopted." in words
    assert "Start a project" not in words


def test_referred_proposal_shows_unit_due_date_overdue_reply_and_feedback(
    client, village_committee, village
):
    unit = OrganizationFactory(area=village, name="镇水利站", kind=OrganizationKind.OTHER)
    proposal = ProposalFactory(meeting=MeetingFactory(area=village))
    services.start_deliberation(proposal=proposal, actor=village_committee)
    services.refer_proposal(
        proposal=proposal, actor=village_committee, handling_unit=unit, due_on=dt.date(2024, 1, 31)
    )
    words = text(page(client, village_committee, proposal))
    assert "镇水利站" in words and "31 Jan 2024 Overdue" in words
    assert "No reply yet." in words

    services.record_reply(proposal=proposal, actor=village_committee, reply="已安排维修泵站")
    services.record_feedback(proposal=proposal, actor=village_committee, feedback="满意")
    words = text(page(client, village_committee, proposal))
    assert "Overdue" not in words
    assert "已安排维修泵站" in words and "满意" in words


def test_matter_page_offers_only_the_next_allowed_steps(client, village_committee, village):
    proposal = ProposalFactory(meeting=MeetingFactory(area=village))
    html = page(client, village_committee, proposal)
    assert reverse("proposal_deliberate", args=[proposal.pk]) in html
    assert reverse("proposal_adopt", args=[proposal.pk]) not in html

    services.start_deliberation(proposal=proposal, actor=village_committee)
    html = page(client, village_committee, proposal)
    assert reverse("proposal_adopt", args=[proposal.pk]) in html
    assert reverse("proposal_reject", args=[proposal.pk]) in html
    assert reverse("proposal_refer", args=[proposal.pk]) in html
    assert reverse("proposal_deliberate", args=[proposal.pk]) not in html


def test_adopted_proposal_without_project_offers_to_start_one(client, village_committee, village):
    proposal = ProposalFactory(meeting=MeetingFactory(area=village))
    services.start_deliberation(proposal=proposal, actor=village_committee)
    services.adopt_proposal(
        proposal=proposal, actor=village_committee, decided_on=dt.date(2024, 5, 1)
    )
    words = text(page(client, village_committee, proposal))
    assert "No project yet." in words
    assert f"{reverse('project_create')}?proposal={proposal.pk}" in page(
        client, village_committee, proposal
    )


def test_draft_outcome_and_stewardship_without_log_are_in_progress(
    client, village_committee, village
):
    project = ProjectFactory(area=village, status=ProjectStatus.IN_PROGRESS, progress=30)
    proposal = ProposalFactory(
        meeting=MeetingFactory(area=village), status="adopted", decided_on=dt.date(2024, 1, 1)
    )
    proposal.project = project
    proposal.save()
    StewardshipFactory(project=project, organization=OrganizationFactory(area=village))
    OutcomeFactory(project=project)
    html = page(client, village_committee, proposal)
    assert 'class="in-progress" id="stage-build"' in html
    assert 'class="in-progress" id="stage-manage"' in html
    assert 'class="not-started" id="stage-evaluate"' in html
    assert 'class="in-progress" id="stage-share"' in html
    assert "Draft" in text(html)


def test_village_committee_cannot_open_other_villages_matter(
    client, village_committee, other_village
):
    proposal = ProposalFactory(meeting=MeetingFactory(area=other_village))
    client.force_login(village_committee)
    assert client.get(reverse("matter_detail", args=[proposal.pk])).status_code == 404
    assert client.get(reverse("matter_detail", args=[999999])).status_code == 404


def test_town_staff_open_their_villages_matter(client, town_staff, village):
    proposal = ProposalFactory(meeting=MeetingFactory(area=village))
    assert proposal.title in page(client, town_staff, proposal)


def test_project_in_a_wider_area_is_not_shown_to_the_village(
    client, village_committee, town_staff, village, town
):
    project = ProjectFactory(area=town, title="全镇饮水工程")
    proposal = ProposalFactory(
        meeting=MeetingFactory(area=village), status="adopted", decided_on=dt.date(2024, 1, 1)
    )
    proposal.project = project
    proposal.save()
    html = page(client, village_committee, proposal)
    assert "全镇饮水工程" not in html
    assert "belongs to an area outside yours" in text(html)
    assert "全镇饮水工程" in page(client, town_staff, proposal)


def _grow(proposal, n):
    """n more rows in every list the page shows."""
    project = proposal.project
    stewardship = project.stewardships.get()
    for i in range(n):
        ProjectUpdateFactory(project=project, progress=100, description=f"更新{i}")
        StewardshipLogFactory(stewardship=stewardship, note=f"巡查{i}")
        EvaluationFactory(project=project)
        StewardshipFactory(project=project, organization=stewardship.organization)
        ProposalStatusChange.objects.create(
            proposal=proposal, to_status="adopted", changed_at=timezone.now()
        )
        other = ProposalFactory(
            meeting=proposal.meeting, status="adopted", decided_on=dt.date(2024, 1, 1)
        )
        other.project = project
        other.save()


def test_matter_page_query_count_does_not_grow_with_rows(client, village_committee, full_chain):
    client.force_login(village_committee)
    url = reverse("matter_detail", args=[full_chain.pk])
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(full_chain, 10)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.status_code == 200
    assert "更新9" in response.content.decode()
    # 1 session, 2 user with their area, 3 the proposal with meeting/area/host/moderator/
    # raiser/unit, 4 its status changes with who made them, 5 the project with area/lead/
    # outcome, 6 funding lines, 7 updates with who recorded them, 8 stewardships with
    # organization/person, 9 their log entries, 10 the project's other proposals,
    # 11 the evaluations, 12 the ancestors of the meeting's area. (The proposal's change
    # history has a page of its own.)
    assert len(small.captured_queries) == 12, [q["sql"] for q in small.captured_queries]
    assert len(large.captured_queries) == len(small.captured_queries)
