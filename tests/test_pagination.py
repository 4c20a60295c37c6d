"""ListPaginator: a capped count, an estimate past the cap, deep pages by deferred join."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations.aggregates import PageMarks
from consultations.models import Meeting, Proposal
from wuhgong import pagination
from wuhgong.pagination import ListPaginator, keyset_order

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
def test_an_unfiltered_big_table_is_estimated_from_the_catalogue(meetings, monkeypatch):
    monkeypatch.setattr(ListPaginator, "estimate_above", 5)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute('ANALYZE "consultations_meeting"')
    paginator = ListPaginator(_ordered(), 5)
    with CaptureQueriesContext(connection) as queries:
        count = paginator.count
    assert len(queries) == 1
    if connection.vendor == "postgresql":
        assert paginator.estimated is True and count > 5
        assert "pg_class" in queries[0]["sql"]
        assert "COUNT" not in queries[0]["sql"].upper()
    else:
        assert paginator.estimated is False and count == 12


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
def test_paging_through_a_list_counts_it_once_until_the_data_change(
    client, county_staff, meetings, village
):
    client.force_login(county_staff)
    first, counted = _counts(client, {"format": "courtyard"})
    assert len(counted) == 1
    # The next pages and another order: the same rows, the count kept.
    for params in ({"format": "courtyard", "page": 2}, {"format": "courtyard", "sort": "title"}):
        response, counted = _counts(client, params)
        assert counted == []
        assert (
            response.context["page_obj"].paginator.count
            == first.context["page_obj"].paginator.count
        )
    # Another filter is another count; a new meeting is counted at once.
    assert len(_counts(client, {"format": "evening_talk"})[1]) == 1
    MeetingFactory(area=village, format="courtyard")
    response, counted = _counts(client, {"format": "courtyard"})
    assert len(counted) == 1
    assert (
        response.context["page_obj"].paginator.count
        == first.context["page_obj"].paginator.count + 1
    )


@pytest.mark.django_db
@pytest.mark.parametrize("url,factory", [("/meetings/", MeetingFactory), ("/projects/", None)])
def test_a_kept_count_is_that_of_the_rows_the_list_shows(
    client, county_staff, village, other_village, url, factory
):
    # An invalid order (an old bookmark) makes these forms drop every filter: that list's
    # count must not be kept for the filtered one, nor the other way round.
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


# --- deep pages from kept marks (a keyset) --------------------------------------------------


def test_a_keyset_follows_plain_columns_without_nulls_ending_in_a_unique_one():
    newest_first = (("starts_at", True), ("id", True))
    assert keyset_order(Meeting.objects.order_by("-starts_at", "-id")) == newest_first
    assert keyset_order(Meeting.objects.all()) == newest_first  # the model's ordering
    assert keyset_order(Meeting.objects.order_by("title", "pk")) == (
        ("title", False),
        ("id", False),
    )
    assert keyset_order(Meeting.objects.order_by("-starts_at")) is None  # ties left unbroken
    assert keyset_order(Meeting.objects.order_by("area__name", "id")) is None  # a joined column
    assert keyset_order(Proposal.objects.order_by("-decided_on", "-id")) is None  # NULLs


@pytest.mark.django_db
@pytest.mark.parametrize("order", [("-starts_at", "-id"), ("title", "-id"), ("-title", "id")])
def test_pages_read_from_their_marks_hold_the_rows_of_their_offsets(village, monkeypatch, order):
    # Titles and start times repeat, so pages begin inside runs of equal first columns.
    start = timezone.make_aware(dt.datetime(2024, 5, 1, 9))
    for i in range(23):
        MeetingFactory(
            area=village, title=f"屋场会{i % 4}", starts_at=start + dt.timedelta(days=i % 5)
        )
    monkeypatch.setattr(ListPaginator, "mark_from", 0)
    expected = list(Meeting.objects.order_by(*order).values_list("pk", flat=True))
    marks = PageMarks("meetings", "test", None)
    # Page 4 first (by offset; it keeps where pages 4 and 5 begin), then on from the marks.
    for number in (4, 5, 4, 1, 2, 3):
        paginator = ListPaginator(Meeting.objects.order_by(*order), 5, keep_marks=marks)
        assert paginator.count == 23  # counted before: the page's own queries follow
        with CaptureQueriesContext(connection) as queries:
            rows = [m.pk for m in paginator.page(number).object_list]
        assert rows == expected[(number - 1) * 5 : number * 5], number
        # The page's keys, then its rows.
        assert len(queries) == 2
    # Page 5 was read from where page 4 left it: no offset.
    assert 5 in marks.get(keyset_order(Meeting.objects.order_by(*order)), [5])


@pytest.mark.django_db
def test_a_kept_mark_is_read_instead_of_an_offset(village, monkeypatch):
    MeetingFactory.create_batch(12, area=village)
    monkeypatch.setattr(ListPaginator, "mark_from", 0)
    marks = PageMarks("meetings", "test", None)
    sql = []
    for _visit in range(2):
        paginator = ListPaginator(_ordered(), 5, keep_marks=marks)
        assert paginator.count == 12
        with CaptureQueriesContext(connection) as queries:
            list(paginator.page(3).object_list)
        sql.append(queries[0]["sql"].upper())
    assert " OFFSET " in sql[0]
    assert " OFFSET " not in sql[1]


@pytest.mark.django_db
def test_a_deep_page_follows_the_data_when_they_change(
    client, county_staff, village, monkeypatch, settings
):
    monkeypatch.setattr(ListPaginator, "mark_from", 0)
    # The second visit must go through the view (and its marks), not the kept page.
    settings.KEEP_PAGES = False
    MeetingFactory.create_batch(30, area=village)
    client.force_login(county_staff)

    def second_page():
        return [m.pk for m in client.get("/meetings/", {"page": 2}).context["meetings"]]

    def expected():
        return list(Meeting.objects.order_by("-starts_at", "-id").values_list("pk", flat=True))[
            25:50
        ]

    assert second_page() == second_page() == expected()
    # A meeting newer than all: every page begins one row later, kept marks or not.
    MeetingFactory(area=village, starts_at=timezone.now() + dt.timedelta(days=400))
    assert second_page() == expected()
    assert len(expected()) == 6
