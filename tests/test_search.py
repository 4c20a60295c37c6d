"""core.search: the lists' text search, case-blind where case exists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultations.models import Meeting
from core.search import containing

from .factories import MeetingFactory


@pytest.mark.django_db
def test_a_term_with_letters_ignores_case_and_a_chinese_one_matches_as_typed(village):
    road = MeetingFactory(area=village, title="Road repair 修路")
    lamp = MeetingFactory(area=village, title="议路灯", minutes="村民要求安装路灯。")
    MeetingFactory(area=village, title="其他")

    assert list(Meeting.objects.filter(containing("ROAD", "title"))) == [road]
    assert list(Meeting.objects.filter(containing("路灯", "title", "minutes"))) == [lamp]
    assert list(Meeting.objects.filter(containing("安装", "title", "minutes"))) == [lamp]


@pytest.mark.django_db
def test_a_chinese_search_reads_the_columns_as_they_are(client, county_staff, village):
    # UPPER(column) LIKE hides the column's statistics from PostgreSQL's planner, which then
    # reads every row's minutes instead of walking the list's index (docs/benchmarks.md).
    MeetingFactory(area=village, title="议路灯")
    client.force_login(county_staff)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/meetings/", {"q": "路灯"})
    assert [m.title for m in response.context["meetings"]] == ["议路灯"]
    searching = [q["sql"] for q in queries if "路灯" in q["sql"] or "%%" in q["sql"]]
    assert searching
    assert all("UPPER(" not in sql.upper() for sql in searching)
