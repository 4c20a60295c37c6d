"""No lost updates: two people edit the same record; the later save is refused (409) with
what is stored now, keeps what was typed, and only a save after review overwrites.

The meeting form's case is in test_meeting_pages.py; the same pattern here for every other
edit form of a versioned record.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from consultations import services
from consultations.models import FundingLine, FundingSource, Outcome, ProposalStatus
from tests.factories import (
    EvaluationFactory,
    FundingLineFactory,
    MeetingFactory,
    OrganizationFactory,
    OutcomeFactory,
    ProjectFactory,
    ProposalFactory,
    StewardshipFactory,
    UserFactory,
)
from tests.test_admin import form_data

from .projects_support import _english, _frozen_now, text  # noqa: F401

pytestmark = pytest.mark.django_db

CONFLICT = "Someone else saved this record while you were editing it"


@pytest.fixture
def first(client, village_committee):
    """The village committee, who opens the form first and saves last."""
    client.force_login(village_committee)
    return client


@pytest.fixture
def second(town_staff):
    """Town staff, who save the same record in between."""
    other = Client()
    other.force_login(town_staff)
    return other


def as_opened(response, *names):
    """What the browser sends back from a page unchanged: the value of every field shown
    (a formset's management form included), from the page's context ``names``."""
    data = {}
    for name in names:
        form = response.context[name]
        forms = [form.management_form, *form.forms] if hasattr(form, "forms") else [form]
        for each in forms:
            for field in each:
                value = field.value()
                if value is None or value is False:
                    continue
                if value is True:
                    data[field.html_name] = "on"
                elif isinstance(value, list | tuple):
                    data[field.html_name] = [str(item) for item in value]
                else:
                    data[field.html_name] = str(value)
    return data


def line_index(data, line):
    """The position of a funding line in a funding formset's POST data."""
    (key,) = [key for key, value in data.items() if key.endswith("-id") and value == str(line.pk)]
    return key.split("-")[1]


def opened(client, url, *names):
    response = client.get(url)
    assert response.status_code == 200
    return as_opened(response, *names)


def assert_refused(response, *shown):
    """The save was refused as a conflict, and the page shows each of ``shown``."""
    assert response.status_code == 409
    page = text(response)
    assert CONFLICT in page
    for value in shown:
        assert value in page, value


# -- projects and their funding lines -----------------------------------------------------------


@pytest.fixture
def project(village):
    project = ProjectFactory(area=village, title="孙家湾通湾公路硬化", budget=Decimal("120000"))
    FundingLineFactory(project=project, source=FundingSource.REWARD_SUBSIDY)
    FundingLineFactory(project=project, source=FundingSource.DONATIONS, planned=Decimal("1000"))
    return project


def test_project_edit_over_a_newer_save_is_refused_showing_it_and_keeping_input(
    first, second, project
):
    url = reverse("project_edit", args=[project.pk])
    mine = opened(first, url, "form", "funding")
    theirs = opened(second, url, "form", "funding")
    theirs["title"] = "镇里改过的项目名"
    assert second.post(url, theirs).status_code == 302

    mine["title"] = "村里输入的项目名"
    mine["budget"] = "150000"
    response = first.post(url, mine)

    assert_refused(response, "镇里改过的项目名", "村里输入的项目名", "150000")
    assert response.context["form"].conflict.changes == [("title", "镇里改过的项目名")]
    project.refresh_from_db()
    assert (project.title, project.budget) == ("镇里改过的项目名", Decimal("120000"))

    # Saving again after review is a deliberate overwrite.
    response = first.post(url, as_opened(response, "form", "funding"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.title, project.budget) == ("村里输入的项目名", Decimal("150000"))


def test_project_edit_over_a_change_to_its_funding_lines_is_refused(first, second, project):
    url = reverse("project_edit", args=[project.pk])
    mine = opened(first, url, "form", "funding")
    theirs = opened(second, url, "form", "funding")
    donations = project.funding_lines.get(source=FundingSource.DONATIONS)
    index = line_index(theirs, donations)
    theirs[f"funding-{index}-received"] = "880"
    assert second.post(url, theirs).status_code == 302

    mine["title"] = "村里输入的项目名"
    mine[f"funding-{index}-planned"] = "2000"
    response = first.post(url, mine)

    assert_refused(response, "received 880.00", 'value="2000"')
    assert [label for label, _value in response.context["form"].conflict.changes] == [
        "Funding by source"
    ]
    donations.refresh_from_db()
    assert (donations.planned, donations.received) == (Decimal("1000"), Decimal("880"))
    project.refresh_from_db()
    assert project.title == "孙家湾通湾公路硬化"

    response = first.post(url, as_opened(response, "form", "funding"))
    assert response.status_code == 302
    donations.refresh_from_db()
    assert donations.planned == Decimal("2000")


def test_funding_line_changed_outside_the_project_form_is_noticed_too(first, project):
    # The funding line admin saves a line without saving its project: the project's version
    # stays, the lines' fingerprint does not.
    url = reverse("project_edit", args=[project.pk])
    mine = opened(first, url, "form", "funding")
    line = project.funding_lines.get(source=FundingSource.REWARD_SUBSIDY)
    line.received = Decimal("45000")
    line.save()

    response = first.post(url, mine)

    assert_refused(response, "received 45,000.00")
    project.refresh_from_db()
    assert project.version == 1


def test_funding_line_deleted_meanwhile_comes_back_only_by_a_deliberate_save(
    first, second, project
):
    url = reverse("project_edit", args=[project.pk])
    mine = opened(first, url, "form", "funding")
    theirs = opened(second, url, "form", "funding")
    donations = project.funding_lines.get(source=FundingSource.DONATIONS)
    index = line_index(theirs, donations)
    theirs[f"funding-{index}-DELETE"] = "on"
    assert second.post(url, theirs).status_code == 302

    mine[f"funding-{index}-planned"] = "3000"
    response = first.post(url, mine)

    assert_refused(response, "Funding by source")
    # The form now holds the line that is left, and the deleted one as a new line with
    # what was typed; no line refers to a row that is gone.
    funding = response.context["funding"]
    assert funding.initial_form_count() == 1
    assert "3000" in [form["planned"].value() for form in funding.extra_forms]
    assert set(project.funding_lines.values_list("source", flat=True)) == {
        FundingSource.REWARD_SUBSIDY
    }

    response = first.post(url, as_opened(response, "form", "funding"))
    assert response.status_code == 302
    assert project.funding_lines.get(source=FundingSource.DONATIONS).planned == Decimal("3000")


def test_project_saves_without_a_conflict_as_before(first, project):
    url = reverse("project_edit", args=[project.pk])
    mine = opened(first, url, "form", "funding")
    mine["title"] = "村里输入的项目名"
    assert first.post(url, mine).status_code == 302
    # Saving the funding lines moves the project's version on as well.
    project.refresh_from_db()
    assert (project.title, project.version) == ("村里输入的项目名", 2)


# -- stewardship, evaluations, outcomes ---------------------------------------------------------


def test_stewardship_edit_over_a_newer_save_is_refused(first, second, village, project):
    council = OrganizationFactory(area=village, name="孙家湾村民理事会")
    stewardship = StewardshipFactory(project=project, organization=council, duties="每周巡查")
    url = reverse("stewardship_edit", args=[stewardship.pk])
    mine = opened(first, url, "form")
    theirs = opened(second, url, "form")
    theirs["duties"] = "镇里写的职责"
    assert second.post(url, theirs).status_code == 302

    mine["duties"] = "村里写的职责"
    response = first.post(url, mine)

    assert_refused(response, "镇里写的职责", "村里写的职责")
    stewardship.refresh_from_db()
    assert stewardship.duties == "镇里写的职责"
    response = first.post(url, as_opened(response, "form"))
    assert response.status_code == 302
    stewardship.refresh_from_db()
    assert stewardship.duties == "村里写的职责"


def test_evaluation_edit_over_a_newer_save_is_refused(first, second, project):
    evaluation = EvaluationFactory(project=project, satisfied=40, comments="")
    url = reverse("project_evaluation_edit", args=[evaluation.pk])
    mine = opened(first, url, "form")
    theirs = opened(second, url, "form")
    theirs["satisfied"] = "41"
    theirs["comments"] = "镇里补录的意见"
    assert second.post(url, theirs).status_code == 302

    mine["satisfied"] = "47"
    response = first.post(url, mine)

    assert_refused(response, "镇里补录的意见", 'value="47"')
    names = [label for label, _value in response.context["form"].conflict.changes]
    assert names == ["satisfied", "comments"]
    evaluation.refresh_from_db()
    assert (evaluation.satisfied, evaluation.comments) == (41, "镇里补录的意见")
    response = first.post(url, as_opened(response, "form"))
    assert response.status_code == 302
    evaluation.refresh_from_db()
    # The deliberate save is the form as reviewed: its comments were the earlier ones.
    assert (evaluation.satisfied, evaluation.comments) == (47, "")


def test_outcome_edit_over_a_newer_save_is_refused(first, second, project):
    outcome = OutcomeFactory(project=project, title="通湾公路通车")
    url = reverse("outcome_edit", args=[project.pk])
    mine = opened(first, url, "form")
    theirs = opened(second, url, "form")
    theirs["beneficiary_households"] = "90"
    assert second.post(url, theirs).status_code == 302

    mine["summary"] = "村里补写的成果"
    response = first.post(url, mine)

    assert_refused(response, "村里补写的成果")
    assert response.context["form"].conflict.changes == [("households benefiting", "90")]
    outcome.refresh_from_db()
    assert (outcome.beneficiary_households, outcome.summary) == (90, "硬化道路1.2公里。")
    assert first.post(url, as_opened(response, "form")).status_code == 302
    outcome.refresh_from_db()
    assert outcome.summary == "村里补写的成果"


def test_outcome_recorded_by_someone_else_meanwhile_is_not_overwritten(first, second, project):
    url = reverse("outcome_edit", args=[project.pk])
    mine = opened(first, url, "form")
    theirs = opened(second, url, "form")
    theirs |= {"title": "镇里录的成果", "summary": "镇里写的", "beneficiary_households": "80"}
    theirs["beneficiary_people"] = "300"
    assert second.post(url, theirs).status_code == 302

    mine |= {"summary": "村里写的", "beneficiary_households": "86", "beneficiary_people": "310"}
    response = first.post(url, mine)

    assert_refused(response, "镇里录的成果", "村里写的")
    assert Outcome.objects.get().summary == "镇里写的"
    assert first.post(url, as_opened(response, "form")).status_code == 302
    assert Outcome.objects.get().summary == "村里写的"


def test_outcome_recorded_at_the_same_moment_is_a_conflict_not_an_error(
    first, second, project, monkeypatch
):
    from consultations.views import outcomes

    url = reverse("outcome_edit", args=[project.pk])
    mine = opened(first, url, "form")
    mine |= {"summary": "村里写的", "beneficiary_households": "86", "beneficiary_people": "310"}
    # The other save commits after this request looked for the outcome, before it inserts.
    stale = outcomes.project_for
    calls = []

    def project_then_theirs(*args, **kwargs):
        found = stale(*args, **kwargs)
        if not calls:
            OutcomeFactory(project=project, title="镇里录的成果")
        calls.append(found)
        return found

    monkeypatch.setattr(outcomes, "project_for", project_then_theirs)
    response = first.post(url, mine)

    assert_refused(response, "镇里录的成果", "村里写的")
    assert Outcome.objects.get().title == "镇里录的成果"


def test_publishing_meanwhile_is_not_undone_by_an_outcome_edit(first, village_committee, project):
    outcome = OutcomeFactory(project=project, disclosed_on=None)
    url = reverse("outcome_edit", args=[project.pk])
    mine = opened(first, url, "form")
    services.publish_outcome(outcome=outcome, actor=village_committee)

    mine["summary"] = "村里补写的成果"
    response = first.post(url, mine)

    assert_refused(response, "村里补写的成果")
    assert response.context["form"].conflict.changes == [
        ("disclosure date", "31 Oct 2024"),
        ("published", "Yes"),
    ]
    outcome.refresh_from_db()
    assert outcome.is_published
    again = as_opened(response, "form")
    again["disclosed_on"] = "2024-10-31"
    assert first.post(url, again).status_code == 302
    outcome.refresh_from_db()
    assert (outcome.is_published, outcome.summary) == (True, "村里补写的成果")


# -- a referred proposal's reply and feedback -----------------------------------------------------


@pytest.fixture
def referred(village):
    return ProposalFactory(
        meeting__area=village,
        status=ProposalStatus.REFERRED,
        referred_to=OrganizationFactory(area=village),
        referral_due_on=dt.date(2024, 12, 1),
    )


def test_a_second_reply_from_a_page_opened_at_the_same_time_is_refused(referred, town_staff):
    stale = type(referred).objects.get(pk=referred.pk)
    services.record_reply(proposal=referred, actor=town_staff, reply="已安排维修。")

    with pytest.raises(services.LifecycleError) as refused:
        services.record_reply(proposal=stale, actor=town_staff, reply="另一份答复")

    assert refused.value.code == "already_replied"
    referred.refresh_from_db()
    assert referred.reply == "已安排维修。"
    services.record_reply(proposal=stale, actor=town_staff, reply="更正后的答复", replace=True)
    referred.refresh_from_db()
    assert referred.reply == "更正后的答复"


def test_a_second_feedback_is_refused_unless_replacing(referred, town_staff):
    services.record_reply(proposal=referred, actor=town_staff, reply="已安排维修。")
    services.record_feedback(proposal=referred, actor=town_staff, feedback="满意")

    with pytest.raises(services.LifecycleError) as refused:
        services.record_feedback(proposal=referred, actor=town_staff, feedback="不满意")

    assert refused.value.code == "already_given"
    referred.refresh_from_db()
    assert referred.feedback == "满意"


def test_funding_lines_left_as_they_were_when_nothing_changed(first, project):
    url = reverse("project_edit", args=[project.pk])
    before = set(FundingLine.objects.values_list("pk", "source", "planned", "received"))
    assert first.post(url, opened(first, url, "form", "funding")).status_code == 302
    assert set(FundingLine.objects.values_list("pk", "source", "planned", "received")) == before


# -- the admin's change forms -------------------------------------------------------------------


def test_admin_change_over_a_newer_save_is_refused_keeping_input(admin_user, village):
    meeting = MeetingFactory(area=village, title="原标题")
    path = reverse("admin:consultations_meeting_change", args=[meeting.pk])
    mine, theirs = Client(), Client()
    mine.force_login(admin_user)
    theirs.force_login(UserFactory(username="admin2", is_staff=True, is_superuser=True))
    my_form = form_data(mine.get(path))
    their_form = form_data(theirs.get(path))
    their_form["title"] = "另一位管理员的标题"
    assert theirs.post(path, their_form).status_code == 302

    my_form["title"] = "我输入的标题"
    response = mine.post(path, my_form)

    assert response.status_code == 200
    page = text(response)
    assert CONFLICT in page and "(changed: title)" in page
    assert 'value="我输入的标题"' in page
    meeting.refresh_from_db()
    assert meeting.title == "另一位管理员的标题"
    my_form["version"] = response.context["adminform"].form.data["version"]
    assert mine.post(path, my_form).status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "我输入的标题"
