"""The audit history on the records' history pages and in the admin: who changed what, when,
from what to what; pages keep a flat query count however long the history grows, and the
detail pages only link to it."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from consultations import services
from consultations.models import FundingSource, Meeting, MeetingFormat, ProposalStatus
from core.history import recent_changes
from tests.factories import (
    EvaluationFactory,
    FundingLineFactory,
    MeetingFactory,
    OrganizationFactory,
    OutcomeFactory,
    ProjectFactory,
    ProposalFactory,
    StewardshipFactory,
    VillageFactory,
)

from .projects_support import _english, count_queries, text  # noqa: F401
from .test_meeting_pages import valid_post

pytestmark = pytest.mark.django_db

# Not frozen in time: entries saved one after the other must keep their order.
WHEN = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}$")


def history_rows(response):
    """The change history table as text: one string per row, cells joined by " | "."""
    section = re.search(
        r'<section class="card no-print" id="history">.*?</section>', text(response), re.S
    )
    rows = re.findall(r"<tr>(.*?)</tr>", section.group(0), re.S)[1:]  # without the heading
    return [
        " | ".join(
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        )
        for row in rows
    ]


def edit(record, user, **values):
    """A save as the pages and services make it: the history names the user."""
    for name, value in values.items():
        setattr(record, name, value)
    record._history_user = user
    record.save()


# -- meetings -----------------------------------------------------------------------------------


def test_meeting_history_shows_who_changed_the_title_from_what_to_what(
    client, county_staff, village
):
    meeting = MeetingFactory(area=village, title="旧标题")
    client.force_login(county_staff)
    response = client.post(
        reverse("meeting_edit", args=[meeting.pk]),
        valid_post(village, title="新标题", version=meeting.version),
    )
    assert response.status_code == 302

    rows = history_rows(client.get(reverse("meeting_history", args=[meeting.pk])))

    assert len(rows) == 2
    changed = rows[0].split(" | ")
    assert WHEN.match(changed[0])
    assert changed[1] == "county"
    assert "Title： 旧标题 → 新标题" in changed[2]
    assert rows[1].endswith("— | Created")


def test_values_are_shown_as_the_pages_show_them(client, county_staff, village):
    host = OrganizationFactory(area=village, name="陆水村党支部")
    meeting = MeetingFactory(area=village, format=MeetingFormat.COURTYARD)
    edit(
        meeting,
        county_staff,
        format=MeetingFormat.EVENING_TALK,
        host_organization=host,
        summary_is_public=True,
        starts_at=dt.datetime(2024, 11, 2, 11, 30, tzinfo=dt.UTC),
    )
    client.force_login(county_staff)

    (changed, _created) = history_rows(client.get(reverse("meeting_history", args=[meeting.pk])))

    assert "Format： Courtyard meeting → Village evening talk" in changed
    assert "Host organization： — → 陆水村党支部" in changed
    assert "Summary is public： No → Yes" in changed
    assert "→ 2 Nov 2024 19:30" in changed  # Shanghai time
    assert "Attendance" not in changed  # unchanged fields are not listed


def test_saves_that_change_nothing_shown_are_left_out(county_staff, village):
    meeting = MeetingFactory(area=village)
    edit(meeting, county_staff)  # only the edit version moves
    assert [entry["action"] for entry in recent_changes(meeting, user=county_staff)] == ["created"]


def test_history_shows_the_latest_twenty_changes_newest_first(client, county_staff, village):
    meeting = MeetingFactory(area=village, place="起点")
    for number in range(25):
        edit(meeting, county_staff, place=f"第{number}处")
    client.force_login(county_staff)
    response = client.get(reverse("meeting_history", args=[meeting.pk]))

    rows = history_rows(response)

    assert len(rows) == 20
    assert "Place： 第23处 → 第24处" in rows[0]
    assert "Place： 第4处 → 第5处" in rows[-1]
    assert "The latest 20 changes are shown." in text(response)


def test_meeting_history_queries_do_not_grow_with_its_history(client, county_staff, village):
    hosts = [OrganizationFactory(area=village) for _ in range(2)]
    meeting = MeetingFactory(area=village)
    client.force_login(county_staff)
    for host in hosts:
        edit(meeting, county_staff, host_organization=host)
    url = reverse("meeting_history", args=[meeting.pk])
    small = count_queries(client, url)
    for number in range(20):
        edit(meeting, county_staff, title=f"第{number}稿", host_organization=hosts[number % 2])
    # The history adds two queries to the page's own: its rows with who saved each (one
    # query, the previous values alongside), and the organizations they name.
    assert count_queries(client, url) == small


# -- the matter's history: a proposal's changes -------------------------------------------------


def test_matter_history_shows_the_proposals_field_history_by_whom(
    client, village_committee, village
):
    proposal = services.raise_proposal(
        meeting=MeetingFactory(area=village),
        actor=village_committee,
        title="修通湾公路",
        category="infrastructure",
    )
    services.start_deliberation(proposal=proposal, actor=village_committee)
    client.force_login(village_committee)

    rows = history_rows(client.get(reverse("matter_history", args=[proposal.pk])))

    assert rows == [
        rows[0].split(" | ")[0] + " | village | Status： Raised → Under deliberation",
        rows[1].split(" | ")[0] + " | village | Created",
    ]


def test_matter_history_queries_do_not_grow_with_the_proposals_history(
    client, village_committee, village
):
    proposal = ProposalFactory(meeting=MeetingFactory(area=village), title="第一稿")
    edit(proposal, village_committee, title="第二稿")
    client.force_login(village_committee)
    url = reverse("matter_history", args=[proposal.pk])
    small = count_queries(client, url)
    for number in range(20):
        edit(proposal, village_committee, title=f"第{number}稿")
    assert count_queries(client, url) == small


def test_a_related_record_outside_the_users_area_is_not_named(village_committee, village, town):
    project = ProjectFactory(area=town, title="全镇饮水工程")
    proposal = ProposalFactory(
        meeting=MeetingFactory(area=village),
        status=ProposalStatus.ADOPTED,
        decided_on=dt.date(2024, 1, 1),
    )
    edit(proposal, village_committee, project=project)

    (changed, _created) = recent_changes(proposal, user=village_committee)

    assert changed["changes"] == [("Project", "—", "(not available)")]


# -- the project's history: the project and what hangs off it -----------------------------------


@pytest.fixture
def project(village):
    return ProjectFactory(area=village, title="孙家湾通湾公路硬化", budget=Decimal("120000"))


def test_project_history_lists_changes_to_the_project_and_each_record_after_it(
    client, village_committee, village, project
):
    line = FundingLineFactory(project=project, source=FundingSource.DONATIONS)
    gone = FundingLineFactory(project=project, source=FundingSource.LABOUR)
    steward = StewardshipFactory(project=project, organization=OrganizationFactory(area=village))
    evaluation = EvaluationFactory(project=project)
    outcome = OutcomeFactory(project=project)
    edit(project, village_committee, budget=Decimal("150000"))
    edit(line, village_committee, planned=Decimal("60000"))
    gone._history_user = village_committee
    gone.delete()
    edit(steward, village_committee, duties="每天巡查")
    edit(evaluation, village_committee, satisfied=41)
    services.publish_outcome(outcome=outcome, actor=village_committee)
    client.force_login(village_committee)

    rows = history_rows(client.get(reverse("project_history", args=[project.pk])))

    changes = [row.split(" | ", 2)[2] for row in rows]
    today = date_format(timezone.localdate(), "DATE_FORMAT")
    assert changes[:6] == [
        f"Outcome | Disclosure date： — → {today} Published： No → Yes",
        "Evaluation：Villagers' assembly | Satisfied： 40 → 41",
        f"Stewardship：{steward.organization.name} | Duties： 每周巡查路面，及时清扫。 → 每天巡查",
        "Funding line：Labour given (days) | Deleted",
        "Funding line：Village worthy and social donations | Planned： 50,000.00 → 60,000.00",
        "Project | Budget (yuan)： 120,000.00 → 150,000.00",
    ]
    assert all(row.split(" | ")[1] == "village" for row in rows[:6])


def test_project_history_queries_do_not_grow_with_the_history(
    client, village_committee, village, project
):
    line = FundingLineFactory(project=project)
    steward = StewardshipFactory(project=project, organization=OrganizationFactory(area=village))
    evaluation = EvaluationFactory(project=project)
    outcome = OutcomeFactory(project=project)
    organizations = [OrganizationFactory(area=village) for _ in range(2)]
    edit(project, village_committee, lead_organization=organizations[0])
    client.force_login(village_committee)
    url = reverse("project_history", args=[project.pk])
    small = count_queries(client, url)
    for number in range(10):
        edit(project, village_committee, lead_organization=organizations[number % 2])
        edit(line, village_committee, received=Decimal(number))
        edit(steward, village_committee, duties=f"第{number}版")
        edit(evaluation, village_committee, satisfied=number)
        edit(outcome, village_committee, summary=f"第{number}版")
        FundingLineFactory(project=project, source=list(FundingSource)[number % 7 + 1])
        project.funding_lines.exclude(pk=line.pk).delete()
    assert count_queries(client, url) == small


# -- the detail pages only link to the history; the history pages keep their access rules ------

KINDS = ["meeting", "matter", "project"]


@pytest.fixture
def records(village):
    meeting = MeetingFactory(area=village)
    return {
        "meeting": meeting,
        "matter": ProposalFactory(meeting=meeting),
        "project": ProjectFactory(area=village),
    }


def page_queries(client, url):
    """The page and the SQL it ran."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response, [query["sql"] for query in ctx.captured_queries]


@pytest.mark.parametrize("kind", KINDS)
def test_detail_page_links_to_its_history_without_reading_it(client, county_staff, records, kind):
    record = records[kind]
    client.force_login(county_staff)
    url = reverse(f"{kind}_detail", args=[record.pk])
    _response, before = page_queries(client, url)
    for number in range(20):
        edit(record, county_staff, title=f"第{number}稿")

    response, after = page_queries(client, url)

    assert len(after) == len(before)
    # django-simple-history keeps the versions in tables named historical<model>.
    assert [sql for sql in after if "historical" in sql] == []
    assert f'href="{reverse(f"{kind}_history", args=[record.pk])}"' in text(response)
    assert 'id="history"' not in text(response)


@pytest.mark.parametrize("kind", KINDS)
def test_history_page_reads_the_history_and_links_back(client, county_staff, records, kind):
    record = records[kind]
    client.force_login(county_staff)

    response, queries = page_queries(client, reverse(f"{kind}_history", args=[record.pk]))

    assert [sql for sql in queries if "historical" in sql] != []
    assert history_rows(response)[0].endswith("Created")
    assert f'href="{reverse(f"{kind}_detail", args=[record.pk])}"' in text(response)


@pytest.mark.parametrize("kind", KINDS)
def test_history_of_a_record_in_another_area_is_not_found(client, other_town_staff, records, kind):
    record = records[kind]
    client.force_login(other_town_staff)

    assert client.get(reverse(f"{kind}_detail", args=[record.pk])).status_code == 404
    assert client.get(reverse(f"{kind}_history", args=[record.pk])).status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_history_page_sends_an_anonymous_visitor_to_sign_in(client, records, kind):
    response = client.get(reverse(f"{kind}_history", args=[records[kind].pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# -- the admin ----------------------------------------------------------------------------------


def admin_history(meeting):
    return reverse("admin:consultations_meeting_history", args=[meeting.pk])


def test_admin_history_of_a_meeting_lists_the_change_and_who_made_it(
    client, admin_user, county_staff, village
):
    meeting = MeetingFactory(area=village, title="旧标题")
    edit(meeting, county_staff, title="新标题")
    client.force_login(admin_user)

    response = client.get(admin_history(meeting))

    assert response.status_code == 200
    page = text(response)
    assert "county" in page
    assert "旧标题" in page and "新标题" in page
    assert len(response.context["page_obj"].object_list) == 2


def test_admin_history_outside_the_users_area_is_not_found(client, town_staff, other_town):
    town_staff.is_staff = True
    town_staff.save()
    town_staff.user_permissions.add(Permission.objects.get(codename="view_meeting"))
    elsewhere = MeetingFactory(area=VillageFactory(parent=other_town))
    client.force_login(town_staff)

    assert client.get(admin_history(elsewhere)).status_code == 404
    record = elsewhere.history.get()
    version_url = reverse(
        "admin:consultations_meeting_simple_history", args=[elsewhere.pk, record.history_id]
    )
    assert client.get(version_url).status_code == 404


def test_admin_does_not_revert_to_an_old_version(client, admin_user, county_staff, village):
    meeting = MeetingFactory(area=village, title="旧标题")
    old = meeting.history.get()
    edit(meeting, county_staff, title="新标题")
    client.force_login(admin_user)
    version_url = reverse(
        "admin:consultations_meeting_simple_history", args=[meeting.pk, old.history_id]
    )

    assert client.get(version_url).status_code == 200
    assert client.post(version_url, {"title": "旧标题"}).status_code == 403
    assert Meeting.objects.get().title == "新标题"
