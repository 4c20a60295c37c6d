"""Staff pages kept rendered until their data change (consultations/kept_pages.py)."""

import datetime as dt
import re

import pytest
from django.contrib import messages
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    AttachmentFactory,
    MeetingFactory,
    OrganizationFactory,
    OutcomeFactory,
    ProjectFactory,
    ProposalFactory,
    ProposalStatusChangeFactory,
    UserFactory,
)

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def visit(client, url, **extra):
    """The page's HTML and the queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200, url
    return response.content.decode(), len(queries)


def shows_once_renamed(client, url, record, field):
    """The page names ``record`` by ``field``, kept; renamed, the next visit shows the new
    name."""
    assert getattr(record, field) in visit(client, url)[0]
    setattr(record, field, getattr(record, field) + "（改）")
    record.save()
    assert getattr(record, field) in visit(client, url)[0]


def without_tokens(html):
    return TOKEN.sub('name="csrfmiddlewaretoken" value=""', html)


@pytest.fixture
def matter(village, county_staff):
    meeting = MeetingFactory(area=village, title="孙家湾屋场会")
    project = ProjectFactory(area=village, title="通湾公路硬化工程")
    return ProposalFactory(
        meeting=meeting,
        title="硬化通湾公路",
        status="adopted",
        decided_on=dt.date(2024, 1, 1),
        project=project,
    )


def urls_of(proposal):
    return [
        reverse("meeting_list"),
        reverse("proposal_list"),
        reverse("project_list"),
        reverse("organization_list"),
        reverse("person_list"),
        reverse("area_detail", args=[proposal.meeting.area.code]),
        reverse("meeting_detail", args=[proposal.meeting_id]),
        reverse("matter_detail", args=[proposal.pk]),
        reverse("project_detail", args=[proposal.project_id]),
    ]


def test_a_second_visit_is_the_same_page_from_two_queries(client, county_staff, matter):
    client.force_login(county_staff)
    for url in urls_of(matter):
        first, first_queries = visit(client, url)
        second, second_queries = visit(client, url)
        # The session and the signed-in user; the page itself comes from the cache.
        assert second_queries == 2 < first_queries, url
        assert without_tokens(second) == without_tokens(first), url
        assert "<!--kept" not in first and "<!--kept" not in second


def test_nothing_is_kept_when_turned_off(client, county_staff, matter, settings):
    settings.KEEP_PAGES = False
    client.force_login(county_staff)
    url = reverse("matter_detail", args=[matter.pk])
    assert visit(client, url)[1] == visit(client, url)[1] > 2


def test_a_change_shows_on_the_next_visit(client, county_staff, matter):
    client.force_login(county_staff)
    matter_url = reverse("matter_detail", args=[matter.pk])
    meeting_url = reverse("meeting_detail", args=[matter.meeting_id])
    list_url = reverse("meeting_list")
    for url in (matter_url, meeting_url, list_url):
        visit(client, url)
    meeting = matter.meeting
    meeting.title = "孙家湾夜话"
    meeting.save()
    for url in (matter_url, meeting_url, list_url):
        assert "孙家湾夜话" in visit(client, url)[0], url
    # Records the page lists without being the page's own record: an attachment, a
    # status change.
    AttachmentFactory(meeting=meeting, caption="会场照片")
    assert "会场照片" in visit(client, meeting_url)[0]
    ProposalStatusChangeFactory(proposal=matter, note="转交镇政府办理")
    assert "转交镇政府办理" in visit(client, matter_url)[0]


def test_a_name_from_another_county_shows_once_changed(client, county_staff, village, elsewhere):
    # A body of the next county hosts a village's meeting: renaming it changes nothing in
    # this county's data, yet the meeting's page names it.
    host = OrganizationFactory(area=elsewhere, name="外县知联会")
    meeting = MeetingFactory(area=village, host_organization=host)
    client.force_login(county_staff)
    shows_once_renamed(client, reverse("meeting_detail", args=[meeting.pk]), host, "name")


def test_a_users_new_name_shows_but_signing_in_keeps_the_pages(client, county_staff, matter):
    recorder = UserFactory(username="recorder", area=county_staff.area)
    ProposalStatusChangeFactory(proposal=matter, changed_by=recorder)
    client.force_login(county_staff)
    url = reverse("matter_detail", args=[matter.pk])
    assert "王五" not in visit(client, url)[0]
    # Signing in saves the user's last_login only.
    Client().force_login(recorder)
    assert visit(client, url)[1] == 2
    # The status change names who made it.
    recorder.first_name = "王五"
    recorder.save()
    assert "王五" in visit(client, url)[0]


def test_each_scope_and_language_has_its_own_page(
    client, county_staff, town_staff, village, elsewhere
):
    MeetingFactory(area=village, title="陆水村屋场会")
    MeetingFactory(area=elsewhere, title="外县屋场会")
    client.force_login(county_staff)
    url = reverse("meeting_list")
    assert "陆水村屋场会" in visit(client, url)[0]
    other = Client()
    other.force_login(town_staff)
    # Another area (the town's), even inside the same county: its own page.
    body, queries = visit(other, url)
    assert queries > 2 and "陆水村屋场会" in body and "外县屋场会" not in body
    english, queries = visit(client, url, headers={"accept-language": "en"})
    chinese, _ = visit(client, url)
    assert queries > 2 and 'lang="en"' in english and 'lang="zh-hans"' in chinese


def test_a_kept_page_carries_the_visitors_own_token(client, county_staff, matter):
    project = matter.project
    OutcomeFactory(project=project, is_published=False)
    url = reverse("project_detail", args=[project.pk])
    colleague = Client(enforce_csrf_checks=True)
    colleague.force_login(UserFactory(username="colleague", area=county_staff.area))
    client.force_login(county_staff)
    visit(client, url)
    # A colleague of the same county gets the kept page, with tokens of their own session.
    body, queries = visit(colleague, url)
    assert queries == 2
    tokens = set(TOKEN.findall(body))
    assert tokens and not tokens & set(TOKEN.findall(visit(client, url)[0]))
    response = colleague.post(
        reverse("outcome_publish", args=[project.pk]), {"csrfmiddlewaretoken": tokens.pop()}
    )
    assert response.status_code != 403


def test_messages_still_show_on_a_kept_page(client, county_staff, matter, rf):
    client.force_login(county_staff)
    url = reverse("meeting_list")
    visit(client, url)
    # A message left for the next page (as a form leaves one), in the messages cookie.
    storage = CookieStorage(rf.get("/"))
    client.cookies[storage.cookie_name] = storage._encode([Message(messages.SUCCESS, "会议已保存")])
    body, queries = visit(client, url)
    assert queries == 2 and "会议已保存" in body
    assert "会议已保存" not in visit(client, url)[0]


def test_a_proposal_from_another_county_shows_changed_on_the_projects_page(
    client, county_staff, matter, elsewhere
):
    # A town road gathering proposals, one of them raised next door: renaming it changes
    # the other county's data, and the project's page in this county names it.
    other = ProposalFactory(
        meeting=MeetingFactory(area=elsewhere),
        title="外县提议",
        status="adopted",
        decided_on=dt.date(2024, 1, 2),
        project=matter.project,
    )
    client.force_login(county_staff)
    shows_once_renamed(client, reverse("project_detail", args=[matter.project_id]), other, "title")


def test_a_page_answered_with_another_status_is_not_kept_and_carries_no_marks(
    rf, county_staff, settings
):
    from django.contrib.sessions.backends.db import SessionStore
    from django.shortcuts import render

    from consultations.kept_pages import kept_page

    calls = []

    @kept_page("refused")
    def view(request):
        calls.append(request)
        return render(request, "_kept_page.html", {"kept": {"content": "表单有误"}}, status=400)

    for _visit in range(2):
        request = rf.get("/somewhere/")
        request.user, request.session = county_staff, SessionStore()
        response = view(request)
        body = response.content.decode()
        assert response.status_code == 400 and "表单有误" in body and "<!--" not in body
    assert len(calls) == 2


def test_a_new_template_or_translation_is_a_new_release(settings, tmp_path):
    from consultations import aggregates

    for name in ("templates/base.html", "locale/zh_Hans/LC_MESSAGES/django.mo", "wuhgong/a.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("1")
    settings.BASE_DIR = tmp_path
    releases = []
    try:
        for name in ("templates/base.html", "locale/zh_Hans/LC_MESSAGES/django.mo", "wuhgong/a.py"):
            aggregates.release.cache_clear()
            before = aggregates.release()
            (tmp_path / name).write_text("2")
            aggregates.release.cache_clear()
            releases.append((before, aggregates.release()))
    finally:
        aggregates.release.cache_clear()
    assert all(before != after for before, after in releases)
