"""ListPaginator: a capped count, an estimate past the cap, deep pages by deferred join."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations.models import Meeting
from core import pagination
from core.pagination import ListPaginator

from .factories import MeetingFactory


@pytest.fixture
def meetings(village):
    return MeetingFactory.create_batch(12, area=village)


def _ordered():
    return Meeting.objects.select_related("area").order_by("-starts_at", "-id")


@pytest.mark.django_db
def test_counts_exactly_under_the_cap(meetings):
    paginator = ListPaginator(_ordered(), 5)
    assert paginator.count == 12
    assert paginator.num_pages == 3
    assert paginator.estimated is False


@pytest.mark.django_db
def test_past_the_cap_the_count_is_estimated_on_postgresql_and_exact_elsewhere(meetings):
    filtered = _ordered().filter(area__isnull=False)
    paginator = ListPaginator(filtered, 5, count_cap=10)
    with CaptureQueriesContext(connection) as queries:
        count = paginator.count
    if connection.vendor == "postgresql":
        assert paginator.estimated is True
        # Never fewer than the rows already counted up to the cap; the count stopped there.
        assert count >= 11
        assert "LIMIT 11" in queries[0]["sql"].upper()
        assert "EXPLAIN" in queries[1]["sql"].upper()
    else:
        assert paginator.estimated is False
        assert count == 12 and len(queries) == 1


@pytest.mark.django_db
def test_deferred_join_pages_hold_the_same_rows_in_the_same_order(meetings):
    expected = list(_ordered().values_list("pk", flat=True))
    paginator = ListPaginator(_ordered(), 5)
    assert paginator.num_pages == 3
    for number in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            page = list(paginator.page(number).object_list)
            # Rows and their areas in one query (select_related kept).
            assert all(m.area.name for m in page)
        rows = [m.pk for m in page]
        assert rows == expected[(number - 1) * 5 : number * 5]
        assert " IN (SELECT" in queries[0]["sql"].upper()
        assert len(queries) == 1


@pytest.mark.django_db
def test_a_paginator_may_read_its_first_pages_directly(meetings, monkeypatch):
    monkeypatch.setattr(ListPaginator, "deep_offset", 5)
    paginator = ListPaginator(_ordered(), 5)
    with CaptureQueriesContext(connection) as queries:
        list(paginator.page(1).object_list)
    assert " IN (SELECT" not in queries[0]["sql"].upper()


@pytest.mark.django_db
def test_list_page_says_when_the_count_is_approximate(client, county_staff, meetings, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 10)
    client.force_login(county_staff)
    response = client.get("/meetings/")
    assert response.status_code == 200
    body = response.content.decode()
    if connection.vendor == "postgresql":
        assert "（约数）" in body
    else:
        assert "12" in body and "（约数）" not in body


@pytest.mark.django_db
def test_a_text_search_stops_counting_sooner(client, county_staff, meetings, monkeypatch):
    monkeypatch.setattr(pagination, "TEXT_COUNT_CAP", 7)
    client.force_login(county_staff)
    with CaptureQueriesContext(connection) as queries:
        client.get("/meetings/", {"q": "会"})
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1
    # 12 matches: PostgreSQL stops counting at the cap and estimates; SQLite counts them all.
    assert ("LIMIT 8" in counts[0].upper()) == (connection.vendor == "postgresql")


def _counts(client, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/meetings/", params)
    return response, [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.django_db
@pytest.mark.parametrize("url,factory", [("/meetings/", MeetingFactory), ("/projects/", None)])
def test_the_count_is_that_of_the_rows_the_list_shows(
    client, county_staff, village, other_village, url, factory
):
    # An invalid order (an old bookmark) makes these forms drop every filter: that list's
    # count must be that of the unfiltered rows shown.
    from tests.factories import ProjectFactory

    make = factory or ProjectFactory
    make.create_batch(3, area=village)
    make.create_batch(2, area=other_village)
    client.force_login(county_staff)
    for params in ({"area": village.pk, "sort": "bogus"}, {"area": village.pk}):
        page = client.get(url, params).context["page_obj"]
        assert page.paginator.count == len(page.object_list)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/meetings/", "/proposals/", "/projects/", "/people/", "/organizations/", "/people/new/"],
)
@pytest.mark.parametrize("junk", ["²", "①", "١٢"])
def test_digits_that_are_not_ascii_are_ignored_not_a_500(client, county_staff, url, junk):
    # str.isdigit() is true for "²", "①" and Arabic-Indic digits, and int() refuses the
    # first two: an address naming an area with them is answered, not failed.
    client.raise_request_exception = False
    client.force_login(county_staff)
    assert client.get(url, {"area": junk}).status_code == 200


# --- deep pages ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_deep_page_follows_the_data_when_they_change(client, county_staff, village):
    MeetingFactory.create_batch(30, area=village)
    client.force_login(county_staff)

    def second_page():
        return [m.pk for m in client.get("/meetings/", {"page": 2}).context["meetings"]]

    def expected():
        return list(Meeting.objects.order_by("-starts_at", "-id").values_list("pk", flat=True))[
            25:50
        ]

    assert second_page() == second_page() == expected()
    # A meeting newer than all: every page begins one row later.
    MeetingFactory(area=village, starts_at=timezone.now() + dt.timedelta(days=400))
    assert second_page() == expected()
    assert len(expected()) == 6
