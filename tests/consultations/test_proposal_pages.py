"""共谋 proposal pages: the list, the board, raising a proposal, and each decision step."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from consultations import services
from consultations.models import Proposal, ProposalCategory, ProposalStatus, ProposalStatusChange
from consultations.views import proposals as views
from tests.factories import MeetingFactory, OrganizationFactory, PersonFactory, ProposalFactory
from tests.pickers import offers_name, picker_offers

pytestmark = pytest.mark.django_db

S = ProposalStatus
STEP_NAMES = ["deliberate", "adopt", "reject", "refer", "reply", "feedback"]


@pytest.fixture(autouse=True)
def _english(settings):
    # Messages are asserted in their English source text.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def meeting(village):
    return MeetingFactory(
        area=village,
        title="孙家湾屋场会",
        starts_at=timezone.now() - dt.timedelta(days=30),
        attendance_total=30,
    )


@pytest.fixture
def unit(village):
    return OrganizationFactory(area=village, name="陆水村村民理事会")


@pytest.fixture
def signed_in(client, village_committee):
    client.force_login(village_committee)
    return client


@pytest.fixture
def proposal_in(meeting, village_committee, unit, today):
    """A proposal brought to a stage through the services, as a user would have done."""

    def make(stage, *, at=None, title="硬化通湾公路"):
        actor = village_committee
        proposal = services.raise_proposal(
            meeting=at or meeting, title=title, category=ProposalCategory.ROADS, actor=actor
        )
        if stage == S.RAISED:
            return proposal
        proposal = services.start_deliberation(proposal=proposal, actor=actor)
        decided = today - dt.timedelta(days=1)
        if stage == S.ADOPTED:
            proposal = services.adopt_proposal(proposal=proposal, actor=actor, decided_on=decided)
        elif stage == S.REJECTED:
            proposal = services.reject_proposal(
                proposal=proposal, actor=actor, decided_on=decided, reason="资金不足，明年再议。"
            )
        elif stage in (S.REFERRED, "replied", "feedback"):
            proposal = services.refer_proposal(
                proposal=proposal,
                actor=actor,
                handling_unit=unit,
                due_on=today + dt.timedelta(days=30),
            )
            if stage in ("replied", "feedback"):
                proposal = services.record_reply(
                    proposal=proposal, actor=actor, reply="已安排施工队。"
                )
            if stage == "feedback":
                proposal = services.record_feedback(
                    proposal=proposal, actor=actor, feedback="满意。"
                )
        return proposal

    return make


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def error_messages(response):
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def history(proposal):
    return list(
        proposal.status_changes.order_by("id").values_list("from_status", "to_status", "changed_by")
    )


def step_url(name, proposal):
    return reverse(f"proposal_{name}", args=[proposal.pk])


# --- the list ---------------------------------------------------------------------------------


def test_list_shows_proposals_in_scope_linking_to_their_matter_page(
    signed_in, proposal_in, other_village
):
    mine = proposal_in(S.RAISED, title="安装路灯")
    theirs = proposal_in(S.RAISED, at=MeetingFactory(area=other_village), title="白湖村修桥")
    body = signed_in.get(reverse("proposal_list")).content.decode()
    assert "安装路灯" in body
    assert reverse("matter_detail", args=[mine.pk]) in body
    assert "白湖村修桥" not in body
    assert reverse("matter_detail", args=[theirs.pk]) not in body


def test_list_filters_by_status_category_and_text(signed_in, proposal_in, meeting):
    proposal_in(S.ADOPTED, title="硬化通湾公路")
    proposal_in(S.RAISED, title="安装路灯")
    ProposalFactory(
        meeting=meeting,
        title="建老年食堂",
        category=ProposalCategory.ELDERLY_CARE,
        description="孤寡老人吃饭难",
    )
    url = reverse("proposal_list")

    body = signed_in.get(url, {"status": S.ADOPTED}).content.decode()
    assert "硬化通湾公路" in body and "安装路灯" not in body

    body = signed_in.get(url, {"category": ProposalCategory.ELDERLY_CARE}).content.decode()
    assert "建老年食堂" in body and "安装路灯" not in body

    # Text search looks in the description too.
    body = signed_in.get(url, {"q": "孤寡"}).content.decode()
    assert "建老年食堂" in body and "硬化通湾公路" not in body


def test_list_filters_by_area_subtree_and_meeting_dates(
    client, town_staff, village, hamlet, other_village
):
    client.force_login(town_staff)
    march = timezone.make_aware(dt.datetime(2024, 3, 10, 19, 30))
    may = timezone.make_aware(dt.datetime(2024, 5, 10, 19, 30))
    ProposalFactory(meeting=MeetingFactory(area=hamlet, starts_at=march), title="孙家湾路灯")
    ProposalFactory(meeting=MeetingFactory(area=village, starts_at=may), title="陆水村水塘")
    ProposalFactory(meeting=MeetingFactory(area=other_village, starts_at=march), title="白湖村修桥")
    url = reverse("proposal_list")

    body = client.get(url, {"area": village.pk}).content.decode()
    assert "孙家湾路灯" in body and "陆水村水塘" in body and "白湖村修桥" not in body

    body = client.get(url, {"start": "2024-03-01", "end": "2024年3月31日"}).content.decode()
    assert "孙家湾路灯" in body and "白湖村修桥" in body and "陆水村水塘" not in body


def test_list_sorts_by_title(signed_in, meeting):
    for title in ["b-修桥", "a-路灯", "c-水塘"]:
        ProposalFactory(meeting=meeting, title=title)
    body = signed_in.get(reverse("proposal_list"), {"sort": "title"}).content.decode()
    assert body.index("a-路灯") < body.index("b-修桥") < body.index("c-水塘")


def test_list_ignores_forged_filter_values_but_keeps_the_valid_ones(signed_in, proposal_in):
    proposal_in(S.ADOPTED, title="硬化通湾公路")
    proposal_in(S.RAISED, title="安装路灯")
    response = signed_in.get(
        reverse("proposal_list"),
        {
            "status": S.RAISED,
            "category": "nonsense",
            "sort": "password",
            "start": "2024-02-30",
            "area": "99999999",
            "q": "路" * 100_000,
            "page": "x",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "安装路灯" in body and "硬化通湾公路" not in body


def test_list_paginates_by_25(signed_in, meeting):
    ProposalFactory.create_batch(30, meeting=meeting)
    first = signed_in.get(reverse("proposal_list"))
    assert len(first.context["proposals"]) == 25
    second = signed_in.get(reverse("proposal_list"), {"page": 2})
    assert len(second.context["proposals"]) == 5


def test_list_query_count_does_not_grow_with_rows(signed_in, proposal_in, meeting, unit):
    url = reverse("proposal_list") + "?sort=title"
    proposal_in(S.REFERRED)
    proposal_in(S.ADOPTED)
    ProposalFactory(meeting=meeting, raised_by=PersonFactory(area=meeting.area))
    few = count_queries(signed_in, url)
    for _ in range(10):
        proposal_in(S.REFERRED)
        ProposalFactory(
            meeting=MeetingFactory(area=meeting.area), raised_by=PersonFactory(area=meeting.area)
        )
    # session, user with their area, count for the paginator, the areas of the filter's
    # select, the page of proposals with meeting, area, proposer and handling unit
    assert count_queries(signed_in, url) == few == 5


def test_list_requires_sign_in(client, db):
    response = client.get(reverse("proposal_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- the board --------------------------------------------------------------------------------


def test_board_groups_proposals_by_status_with_counts(signed_in, proposal_in, other_village):
    proposal_in(S.RAISED, title="安装路灯")
    proposal_in(S.DELIBERATING, title="修水塘")
    proposal_in(S.ADOPTED, title="硬化通湾公路")
    proposal_in(S.ADOPTED, title="建文化广场")
    proposal_in(S.REJECTED, title="建游泳池")
    proposal_in(S.REFERRED, title="修渡口")
    proposal_in(S.RAISED, at=MeetingFactory(area=other_village), title="白湖村修桥")
    response = signed_in.get(reverse("proposal_board"))
    assert response.status_code == 200
    columns = {c["status"]: c for c in response.context["columns"]}
    assert list(columns) == [S.RAISED, S.DELIBERATING, S.ADOPTED, S.REJECTED, S.REFERRED]
    assert {s: c["count"] for s, c in columns.items()} == {
        S.RAISED: 1,
        S.DELIBERATING: 1,
        S.ADOPTED: 2,
        S.REJECTED: 1,
        S.REFERRED: 1,
    }
    assert [p.title for p in columns[S.ADOPTED]["items"]] == ["建文化广场", "硬化通湾公路"]
    body = response.content.decode()
    assert "白湖村修桥" not in body
    # The raised one offers its next step right on the board.
    raised = columns[S.RAISED]["items"][0]
    assert step_url("deliberate", raised) in body


def test_board_shows_the_most_recent_and_links_to_the_rest(signed_in, proposal_in, monkeypatch):
    monkeypatch.setattr(views, "BOARD_ITEMS", 2)
    for n in range(3):
        proposal_in(S.RAISED, title=f"提议{n}")
    proposal_in(S.ADOPTED, title="硬化通湾公路")
    response = signed_in.get(reverse("proposal_board"), {"category": ProposalCategory.ROADS})
    raised = response.context["columns"][0]
    assert raised["count"] == 3
    assert [p.title for p in raised["items"]] == ["提议2", "提议1"]
    body = response.content.decode()
    more = reverse("proposal_list") + "?category=roads&amp;status=raised"
    assert more in body
    # The adopted column has everything already: no "more" link for it.
    assert "status=adopted" not in body


def test_board_query_count_does_not_grow_with_rows(signed_in, proposal_in):
    url = reverse("proposal_board")
    for stage in [S.RAISED, S.DELIBERATING, S.ADOPTED, S.REJECTED, S.REFERRED]:
        proposal_in(stage)
    few = count_queries(signed_in, url)
    for _ in range(10):
        for stage in [S.RAISED, S.DELIBERATING, S.ADOPTED, S.REJECTED, S.REFERRED]:
            proposal_in(stage)
    # session, user with their area, counts by status, the newest of each of the 5 statuses
    # (with meeting, area, proposer and handling unit joined), the areas of the filter's
    # select
    assert count_queries(signed_in, url) == few == 9
    # Unchanged data: the counts by status come from the cache.
    assert count_queries(signed_in, url) == 8


def test_board_figures_follow_changes_and_filters(signed_in, proposal_in):
    url = reverse("proposal_board")
    proposal_in(S.RAISED, title="提议甲")
    assert signed_in.get(url).context["columns"][0]["count"] == 1
    proposal_in(S.RAISED, title="提议乙")
    response = signed_in.get(url)
    assert response.context["columns"][0]["count"] == 2
    assert "Computed at" in response.content.decode()
    # Another filter is another board, not the cached one.
    other = signed_in.get(url, {"category": ProposalCategory.WATER})
    assert other.context["columns"][0]["count"] == 0


# --- raising a proposal -----------------------------------------------------------------------


def test_raising_a_proposal_records_it_and_opens_its_matter_page(
    signed_in, meeting, village_committee
):
    person = PersonFactory(area=meeting.area, name="孙大爷")
    url = reverse("proposal_create", args=[meeting.pk])
    page = signed_in.get(url)
    assert page.status_code == 200
    assert "孙家湾屋场会" in page.content.decode()
    assert offers_name(signed_in, page.content.decode(), "raised_by", "孙大爷")

    response = signed_in.post(
        url,
        {
            "title": "安装路灯",
            "category": ProposalCategory.SAFETY,
            "description": "夜里出行不便。",
            "raised_by": person.pk,
        },
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("matter_detail", args=[proposal.pk])
    assert (proposal.meeting, proposal.raised_by, proposal.status) == (meeting, person, S.RAISED)
    assert proposal.created_by == village_committee
    assert history(proposal) == [("", S.RAISED, village_committee.pk)]


def test_raising_a_proposal_at_another_villages_meeting_is_404(signed_in, other_village):
    meeting = MeetingFactory(area=other_village)
    url = reverse("proposal_create", args=[meeting.pk])
    assert signed_in.get(url).status_code == 404
    response = signed_in.post(url, {"title": "修桥", "category": ProposalCategory.ROADS})
    assert response.status_code == 404
    assert not Proposal.objects.exists()


def test_raising_a_proposal_at_a_missing_meeting_is_404(signed_in, db):
    assert signed_in.get(reverse("proposal_create", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        pytest.param({"title": ""}, "title", "This field is required.", id="missing-title"),
        pytest.param(
            {"title": "路" * 100_000},
            "title",
            "Ensure this value has at most 200 characters",
            id="huge-title",
        ),
        pytest.param(
            {"category": "forged"}, "category", "Select a valid choice.", id="forged-category"
        ),
        pytest.param(
            {"description": "x" * 100_000},
            "description",
            "Ensure this value has at most 10000 characters",
            id="huge-description",
        ),
        pytest.param({"raised_by": "abc"}, "raised_by", "Select a valid choice.", id="not-an-id"),
    ],
)
def test_raising_a_proposal_refuses_bad_input_and_saves_nothing(
    signed_in, meeting, data, field, message
):
    post = {"title": "安装路灯", "category": ProposalCategory.SAFETY, **data}
    response = signed_in.post(reverse("proposal_create", args=[meeting.pk]), post)
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    assert error_messages(response) == ["Please correct the errors below; nothing was saved."]
    assert not Proposal.objects.exists()


def test_raising_a_proposal_refuses_a_proposer_outside_scope_and_keeps_the_input(
    signed_in, meeting, other_village
):
    outsider = PersonFactory(area=other_village, name="白湖村人")
    response = signed_in.post(
        reverse("proposal_create", args=[meeting.pk]),
        {"title": "安装路灯", "category": ProposalCategory.SAFETY, "raised_by": outsider.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["raised_by"]
    assert 'value="安装路灯"' in response.content.decode()
    assert "白湖村人" not in response.content.decode()
    assert not Proposal.objects.exists()


def test_raise_form_query_count_does_not_grow_with_people(signed_in, meeting):
    url = reverse("proposal_create", args=[meeting.pk])
    PersonFactory(area=meeting.area)
    few = count_queries(signed_in, url)
    PersonFactory.create_batch(10, area=meeting.area)
    # session, user with their area (the working area), the meeting with its area; the
    # proposer's picker reads no person: none is chosen
    assert count_queries(signed_in, url) == few == 3


# --- which steps are offered ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "offered"),
    [
        (S.RAISED, ["deliberate"]),
        (S.DELIBERATING, ["adopt", "reject", "refer"]),
        (S.ADOPTED, []),
        (S.REJECTED, []),
        (S.REFERRED, ["reply"]),
        ("replied", ["feedback"]),
        ("feedback", []),
    ],
)
def test_only_allowed_steps_are_offered(proposal_in, stage, offered):
    proposal = proposal_in(stage)
    assert views.available_actions(proposal) == offered
    actions = views.proposal_actions(proposal)
    html = render_to_string(
        "consultations/_proposal_actions.html",
        {"proposal": proposal, "proposal_actions": actions},
    )
    for name in STEP_NAMES:
        assert (step_url(name, proposal) in html) == (name in offered)
    assert [a["primary"] for a in actions] == [i == 0 for i in range(len(offered))]


def test_actions_need_no_query(proposal_in):
    proposal = Proposal.objects.get(pk=proposal_in(S.DELIBERATING).pk)
    with CaptureQueriesContext(connection) as ctx:
        views.proposal_actions(proposal)
    assert len(ctx.captured_queries) == 0


# --- the steps succeed ------------------------------------------------------------------------


def test_starting_deliberation_records_the_step_with_the_acting_user(
    signed_in, proposal_in, village_committee
):
    proposal = proposal_in(S.RAISED)
    url = step_url("deliberate", proposal)
    page = signed_in.get(url)
    assert page.status_code == 200
    assert "硬化通湾公路" in page.content.decode()
    response = signed_in.post(url, {"note": "提交村民代表会议"})
    assert response.status_code == 302
    assert response["Location"] == reverse("matter_detail", args=[proposal.pk])
    proposal.refresh_from_db()
    assert proposal.status == S.DELIBERATING
    change = proposal.status_changes.last()
    assert (change.from_status, change.to_status) == (S.RAISED, S.DELIBERATING)
    assert (change.changed_by, change.note) == (village_committee, "提交村民代表会议")


def test_adopting_with_votes_records_decision_vote_and_step(client, town_staff, proposal_in, today):
    client.force_login(town_staff)
    proposal = proposal_in(S.DELIBERATING)
    decided = today - dt.timedelta(days=2)
    response = client.post(
        step_url("adopt", proposal),
        {
            "decided_on": decided.isoformat(),
            "votes_present": "28",
            "votes_for": "25",
            "votes_against": "2",
            "votes_abstain": "1",
        },
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == S.ADOPTED
    assert proposal.decided_on == decided
    assert (proposal.votes_present, proposal.votes_for) == (28, 25)
    assert (proposal.votes_against, proposal.votes_abstain) == (2, 1)
    assert history(proposal)[-1] == (S.DELIBERATING, S.ADOPTED, town_staff.pk)


def test_adopting_without_a_vote_is_allowed(signed_in, proposal_in, today):
    proposal = proposal_in(S.DELIBERATING)
    response = signed_in.post(step_url("adopt", proposal), {"decided_on": today.isoformat()})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.votes_for, proposal.votes_against) == (S.ADOPTED, None, None)


def test_not_adopting_records_the_reason_and_the_step(
    signed_in, proposal_in, today, village_committee
):
    proposal = proposal_in(S.DELIBERATING)
    response = signed_in.post(
        step_url("reject", proposal),
        {
            "decided_on": f"{today.year}年{today.month}月{today.day}日",
            "reason": " 与镇规划冲突。 ",
            "votes_for": "3",
            "votes_against": "20",
        },
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == S.REJECTED
    assert proposal.rejection_reason == "与镇规划冲突。"
    assert (proposal.votes_for, proposal.votes_against) == (3, 20)
    assert history(proposal)[-1] == (S.DELIBERATING, S.REJECTED, village_committee.pk)


def test_referring_records_unit_due_date_and_step(
    signed_in, proposal_in, unit, today, village_committee
):
    proposal = proposal_in(S.DELIBERATING)
    page = signed_in.get(step_url("refer", proposal))
    assert offers_name(signed_in, page.content.decode(), "handling_unit", "陆水村村民理事会")
    due = today + dt.timedelta(days=15)
    response = signed_in.post(
        step_url("refer", proposal), {"handling_unit": unit.pk, "due_on": due.isoformat()}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.referred_to, proposal.referral_due_on) == (
        S.REFERRED,
        unit,
        due,
    )
    assert history(proposal)[-1] == (S.DELIBERATING, S.REFERRED, village_committee.pk)


def test_recording_reply_then_feedback(signed_in, proposal_in):
    proposal = proposal_in(S.REFERRED)
    response = signed_in.post(step_url("reply", proposal), {"reply": "已列入明年计划。"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.reply == "已列入明年计划。"
    assert proposal.replied_at is not None
    assert views.available_actions(proposal) == ["feedback"]

    page = signed_in.get(step_url("feedback", proposal))
    assert "已列入明年计划。" in page.content.decode()
    response = signed_in.post(step_url("feedback", proposal), {"feedback": "基本满意。"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.feedback, proposal.status) == ("基本满意。", S.REFERRED)
    assert proposal.feedback_at is not None


def test_reply_time_can_be_given(signed_in, proposal_in):
    proposal = proposal_in(S.REFERRED)
    moment = timezone.localtime() - dt.timedelta(days=1)
    signed_in.post(
        step_url("reply", proposal),
        {"reply": "已处理。", "replied_at": moment.strftime("%Y-%m-%d %H:%M")},
    )
    proposal.refresh_from_db()
    assert proposal.replied_at == moment.replace(second=0, microsecond=0)


# --- forbidden and out-of-scope steps ---------------------------------------------------------


VALID_POSTS = {
    "deliberate": lambda unit, today: {"note": ""},
    "adopt": lambda unit, today: {"decided_on": today.isoformat(), "votes_for": "9"},
    "reject": lambda unit, today: {"decided_on": today.isoformat(), "reason": "不可行"},
    "refer": lambda unit, today: {
        "handling_unit": unit.pk,
        "due_on": (today + dt.timedelta(days=9)).isoformat(),
    },
    "reply": lambda unit, today: {"reply": "已处理。"},
    "feedback": lambda unit, today: {"feedback": "满意。"},
}


@pytest.mark.parametrize(
    ("stage", "step", "message"),
    [
        (S.RAISED, "adopt", "A proposal that is “Raised” cannot become “Adopted”."),
        (S.RAISED, "reject", "A proposal that is “Raised” cannot become “Not adopted”."),
        (S.RAISED, "refer", "cannot become “Referred to a handling unit”."),
        (S.DELIBERATING, "deliberate", "“Under deliberation” cannot become"),
        (S.REJECTED, "adopt", "A proposal that is “Not adopted” cannot become “Adopted”."),
        (S.ADOPTED, "reject", "A proposal that is “Adopted” cannot become “Not adopted”."),
        (S.REFERRED, "adopt", "cannot become “Adopted”."),
        (S.DELIBERATING, "reply", "Only a referred proposal gets a reply."),
        ("replied", "reply", "The handling unit's reply is already recorded."),
        (S.REFERRED, "feedback", "only after the handling unit has replied."),
        ("feedback", "feedback", "The proposer's feedback is already recorded."),
    ],
)
def test_forged_post_of_a_forbidden_step_is_refused_and_changes_nothing(
    signed_in, proposal_in, unit, today, stage, step, message
):
    proposal = proposal_in(stage)
    before = Proposal.objects.filter(pk=proposal.pk).values().get()
    steps = history(proposal)
    response = signed_in.post(step_url(step, proposal), VALID_POSTS[step](unit, today))
    assert response.status_code == 302
    assert response["Location"] == reverse("matter_detail", args=[proposal.pk])
    assert any(message in m for m in error_messages(response))
    assert Proposal.objects.filter(pk=proposal.pk).values().get() == before
    assert history(proposal) == steps


def test_opening_a_forbidden_step_is_refused_too(signed_in, proposal_in):
    proposal = proposal_in(S.REJECTED)
    response = signed_in.get(step_url("adopt", proposal))
    assert response.status_code == 302
    assert error_messages(response) == ["A proposal that is “Not adopted” cannot become “Adopted”."]


@pytest.mark.parametrize("step", STEP_NAMES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_village_committee_cannot_reach_another_villages_proposal(
    signed_in, proposal_in, other_village, unit, today, step, method
):
    stage = {"deliberate": S.RAISED, "reply": S.REFERRED, "feedback": "replied"}.get(
        step, S.DELIBERATING
    )
    proposal = proposal_in(stage, at=MeetingFactory(area=other_village))
    before = Proposal.objects.filter(pk=proposal.pk).values().get()
    url = step_url(step, proposal)
    if method == "get":
        response = signed_in.get(url)
    else:
        response = signed_in.post(url, VALID_POSTS[step](unit, today))
    assert response.status_code == 404
    assert Proposal.objects.filter(pk=proposal.pk).values().get() == before


def test_step_of_a_missing_proposal_is_404(signed_in, db):
    assert signed_in.get(reverse("proposal_adopt", args=[999999])).status_code == 404


def test_steps_refuse_other_methods(signed_in, proposal_in):
    proposal = proposal_in(S.RAISED)
    assert signed_in.put(step_url("deliberate", proposal)).status_code == 405


# --- decision forms check what was typed ------------------------------------------------------


def _assert_refused(response, proposal, field, message):
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in e for e in errors[field]), errors
    assert escape(message) in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == S.DELIBERATING
    assert not ProposalStatusChange.objects.filter(to_status__in=[S.ADOPTED, S.REJECTED]).exists()


@pytest.mark.parametrize(
    ("votes", "field", "message"),
    [
        pytest.param(
            {"votes_present": "20", "votes_for": "15", "votes_against": "4", "votes_abstain": "2"},
            "votes_present",
            "21 votes were cast but only 20 people were present.",
            id="more-votes-than-present",
        ),
        pytest.param(
            {"votes_for": "25", "votes_against": "4", "votes_abstain": "2"},
            "__all__",
            "31 votes were cast but only 30 people were present.",
            id="more-votes-than-attended-the-meeting",
        ),
        pytest.param(
            {"votes_for": "-1"},
            "votes_for",
            "Ensure this value is greater than or equal to 0.",
            id="negative",
        ),
        pytest.param(
            {"votes_present": "0"},
            "votes_present",
            "Ensure this value is greater than or equal to 1.",
            id="nobody-present",
        ),
        pytest.param(
            {"votes_for": str(10**20)},
            "votes_for",
            "Ensure this value is less than or equal to 100000.",
            id="absurd",
        ),
        pytest.param({"votes_for": "abc"}, "votes_for", "Enter a whole number.", id="not-a-number"),
        pytest.param(
            {"votes_for": "10", "votes_against": "10"},
            "votes_for",
            "The vote does not carry: 10 for, 10 against.",
            id="tie",
        ),
        pytest.param(
            {"votes_against": "3"},
            "votes_for",
            "Enter the votes for, or leave all the counts empty.",
            id="against-without-for",
        ),
    ],
)
def test_adopt_form_checks_the_votes_and_saves_nothing(
    signed_in, proposal_in, today, votes, field, message
):
    proposal = proposal_in(S.DELIBERATING)
    response = signed_in.post(
        step_url("adopt", proposal), {"decided_on": today.isoformat(), **votes}
    )
    _assert_refused(response, proposal, field, message)
    assert error_messages(response) == ["Please correct the errors below; nothing was saved."]
    # What was typed stays in the form.
    for value in votes.values():
        assert f'value="{value}"' in response.content.decode()


@pytest.mark.parametrize(
    ("decided_on", "message"),
    [
        pytest.param("", "This field is required.", id="missing"),
        pytest.param("2024-02-30", "Enter a valid date.", id="no-such-day"),
        pytest.param("99999-01-01", "Enter a valid date.", id="absurd-year"),
        pytest.param("tomorrow", "Enter a valid date.", id="words"),
    ],
)
def test_adopt_form_checks_the_date(signed_in, proposal_in, decided_on, message):
    proposal = proposal_in(S.DELIBERATING)
    response = signed_in.post(step_url("adopt", proposal), {"decided_on": decided_on})
    _assert_refused(response, proposal, "decided_on", message)


def test_decision_date_cannot_be_in_the_future_or_before_the_meeting(
    signed_in, proposal_in, meeting, today
):
    proposal = proposal_in(S.DELIBERATING)
    future = (today + dt.timedelta(days=1)).isoformat()
    response = signed_in.post(step_url("adopt", proposal), {"decided_on": future})
    _assert_refused(response, proposal, "decided_on", "The date cannot be in the future.")

    meeting_day = timezone.localdate(meeting.starts_at)
    early = (meeting_day - dt.timedelta(days=1)).isoformat()
    response = signed_in.post(step_url("reject", proposal), {"decided_on": early, "reason": "x"})
    _assert_refused(
        response,
        proposal,
        "decided_on",
        f"The date cannot be before the meeting of {meeting_day.isoformat()}.",
    )


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        pytest.param("", "This field is required.", id="missing"),
        pytest.param("   ", "This field is required.", id="blank"),
        pytest.param("理" * 100_000, "Ensure this value has at most 10000 characters", id="huge"),
    ],
)
def test_not_adopting_needs_a_reason(signed_in, proposal_in, today, reason, message):
    proposal = proposal_in(S.DELIBERATING)
    response = signed_in.post(
        step_url("reject", proposal), {"decided_on": today.isoformat(), "reason": reason}
    )
    _assert_refused(response, proposal, "reason", message)


def test_referral_refuses_a_unit_outside_scope_and_a_missing_due_date(
    signed_in, proposal_in, other_village
):
    outsider = OrganizationFactory(area=other_village, name="白湖村理事会")
    proposal = proposal_in(S.DELIBERATING)
    response = signed_in.post(
        step_url("refer", proposal), {"handling_unit": outsider.pk, "due_on": ""}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Select a valid choice" in errors["handling_unit"][0]
    assert errors["due_on"] == ["This field is required."]
    assert "白湖村理事会" not in response.content.decode()
    proposal.refresh_from_db()
    assert (proposal.status, proposal.referred_to) == (S.DELIBERATING, None)


def test_reply_must_not_be_empty_or_in_the_future(signed_in, proposal_in):
    proposal = proposal_in(S.REFERRED)
    response = signed_in.post(step_url("reply", proposal), {"reply": "  "})
    assert response.context["form"].errors["reply"] == ["This field is required."]
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    response = signed_in.post(step_url("reply", proposal), {"reply": "好", "replied_at": future})
    assert response.context["form"].errors["replied_at"] == ["The date cannot be in the future."]
    proposal.refresh_from_db()
    assert (proposal.reply, proposal.replied_at) == ("", None)


def test_feedback_must_not_be_empty(signed_in, proposal_in):
    proposal = proposal_in("replied")
    response = signed_in.post(step_url("feedback", proposal), {})
    assert response.context["form"].errors["feedback"] == ["This field is required."]
    proposal.refresh_from_db()
    assert proposal.feedback_at is None


def test_lifecycle_error_from_the_service_is_shown_on_the_form_with_the_input_kept(
    signed_in, proposal_in, today, monkeypatch
):
    """Someone else decides while this form is open: the service refuses under its lock."""
    proposal = proposal_in(S.DELIBERATING)
    adopt = services.adopt_proposal

    def decided_meanwhile(**kwargs):
        Proposal.objects.filter(pk=proposal.pk).update(
            status=S.REJECTED, rejection_reason="另有决定", decided_on=today
        )
        return adopt(**kwargs)

    monkeypatch.setattr(services, "adopt_proposal", decided_meanwhile)
    response = signed_in.post(
        step_url("adopt", proposal), {"decided_on": today.isoformat(), "votes_for": "17"}
    )
    assert response.status_code == 200
    message = "A proposal that is “Not adopted” cannot become “Adopted”."
    assert response.context["form"].non_field_errors() == [message]
    assert escape(message) in response.content.decode()
    assert 'value="17"' in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == S.REJECTED
    assert history(proposal)[-1][1] == S.DELIBERATING


@pytest.mark.parametrize("step", STEP_NAMES)
def test_step_pages_render_with_a_constant_number_of_queries(signed_in, proposal_in, village, step):
    stage = {"deliberate": S.RAISED, "reply": S.REFERRED, "feedback": "replied"}.get(
        step, S.DELIBERATING
    )
    proposal = proposal_in(stage)
    url = step_url(step, proposal)
    few = count_queries(signed_in, url)
    OrganizationFactory.create_batch(10, area=village)
    # session, user with their area, the proposal with meeting, area, proposer and handling
    # unit joined (the referral's picker reads no organization: none is chosen)
    assert count_queries(signed_in, url) == few == 3


def test_village_committee_can_refer_to_a_town_or_county_unit(
    signed_in, proposal_in, town, county, other_town, today
):
    town_office = OrganizationFactory(area=town, name="高铁岭镇交通办")
    county_bureau = OrganizationFactory(area=county, name="嘉鱼县水利和湖泊局")
    OrganizationFactory(area=other_town, name="官桥镇交通办")
    proposal = proposal_in(S.DELIBERATING)
    body = signed_in.get(step_url("refer", proposal)).content.decode()
    # Units above the village are offered; those of another town are not.
    assert offers_name(signed_in, body, "handling_unit", "高铁岭镇交通办")
    assert offers_name(signed_in, body, "handling_unit", "嘉鱼县水利和湖泊局")
    assert picker_offers(signed_in, body, "handling_unit", "官桥镇") == []
    due = (today + dt.timedelta(days=20)).isoformat()
    signed_in.post(step_url("refer", proposal), {"handling_unit": county_bureau.pk, "due_on": due})
    proposal.refresh_from_db()
    assert proposal.referred_to == county_bureau
    assert town_office.pk != county_bureau.pk


def test_superuser_raising_a_proposal_chooses_among_the_meetings_county(
    client, admin_user, meeting, elsewhere
):
    neighbour = PersonFactory(area=meeting.area, name="孙大爷")
    outsider = elsewhere.people.get()
    client.force_login(admin_user)
    url = reverse("proposal_create", args=[meeting.pk])
    body = client.get(url).content.decode()
    assert offers_name(client, body, "raised_by", "孙大爷")
    assert "外县王五" not in body and picker_offers(client, body, "raised_by", "外县") == []
    refused = client.post(
        url, {"title": "安装路灯", "category": ProposalCategory.SAFETY, "raised_by": outsider.pk}
    )
    assert "Select a valid choice" in refused.context["form"].errors["raised_by"][0]
    assert not Proposal.objects.exists()
    response = client.post(
        url, {"title": "安装路灯", "category": ProposalCategory.SAFETY, "raised_by": neighbour.pk}
    )
    assert response.status_code == 302
    assert Proposal.objects.get().raised_by == neighbour


def test_proposal_form_queries_do_not_grow_with_people_elsewhere(
    client, admin_user, meeting, elsewhere
):
    client.force_login(admin_user)
    url = reverse("proposal_create", args=[meeting.pk])
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    PersonFactory.create_batch(10, area=elsewhere)
    PersonFactory.create_batch(3, area=meeting.area)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    # session, user, the meeting with its area, its county (the proposer's picker reads no
    # person: none is chosen).
    assert len(large) == len(small) == 4


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("replied", [False, True])
@pytest.mark.parametrize("fed_back", [False, True])
def test_a_step_is_offered_exactly_when_it_would_not_be_refused(status, replied, fed_back):
    from consultations.views.proposals import STEPS

    when = dt.datetime(2024, 10, 31, 9, tzinfo=dt.UTC)
    proposal = Proposal(
        status=status, replied_at=when if replied else None, feedback_at=when if fed_back else None
    )
    for step in STEPS.values():
        assert step.is_open(proposal) == (step.refusal(proposal) is None), step.name
