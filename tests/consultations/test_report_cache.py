"""The report's figures are kept in the cache until the data change, and say how fresh they
are: the page and the workbook of one area and period share them, other areas, periods and
rates do not, and a change to any record they read is shown on the next request.

The fixture is test_reports.py's October 2024 (four meetings in 嘉鱼县, three of them in
高铁岭镇).
"""

import datetime as dt
import pickle
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from openpyxl import load_workbook

from consultations import services
from consultations.models import Meeting, MeetingFormat
from consultations.reports import FIGURES_VERSION, Period, Scope, cached_report
from core import cache as figures
from tests.factories import MeetingFactory

from . import test_reports as fixture
from .test_reports import REPORT_QUERIES, at

pytestmark = pytest.mark.django_db

# test_reports.py's fixture (October 2024), used here as it is there.
world = fixture.world
guanqiao_village = fixture.guanqiao_village


@pytest.fixture
def english(client):
    """The site in English for this client; the test's thread back in its own language
    after (a request activates the language it asks for and leaves it active)."""
    previous = translation.get_language()
    client.cookies["django_language"] = "en"
    yield
    translation.activate(previous)


OCTOBER = {"month": "2024-10"}


def _get(client, params=OCTOBER, name="report"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response, len(queries)


def _plain(value):
    """Whether ``value`` holds only plain data: no model instance, no lazy translation."""
    if isinstance(value, (Model, Promise)):
        return False
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return all(_plain(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return _plain(vars(value))
    return isinstance(value, (str, int, float, Decimal, dt.date, dt.datetime, type(None), bool))


def test_the_page_says_when_the_figures_were_computed(client, world, county_staff):
    client.force_login(county_staff)
    before = timezone.now()
    response, _n = _get(client)
    report = response.context["report"]
    assert before <= report.computed_at <= timezone.now()
    stamp = timezone.localtime(report.computed_at).strftime("%Y-%m-%d %H:%M")
    body = response.content.decode()
    assert f"统计于 {stamp}（数据变更后自动更新）" in body
    # Not hidden in print: the freshness line is no filter, action or screen-only block.
    line = body[: body.index("统计于")].rsplit("<p", 1)[1]
    assert "report-freshness" in line
    assert not any(word in line for word in ("no-print", "filters", "actions", "screen-only"))


def test_the_freshness_line_in_english(client, world, county_staff, english):
    client.force_login(county_staff)
    body = _get(client)[0].content.decode()
    assert "Computed at " in body and "(updated automatically when the data change)" in body


def test_a_second_request_is_answered_from_the_cache(client, world, county_staff):
    client.force_login(county_staff)
    _get(client, {"month": "2023-01"})  # warm the per-process caches (content types)
    first, computed = _get(client)
    second, cached = _get(client)
    assert computed - cached == REPORT_QUERIES
    assert _get(client)[1] == cached
    assert second.context["report"].computed_at == first.context["report"].computed_at
    for section in ("meetings", "proposals", "projects", "satisfaction", "outcomes", "ranking"):
        assert getattr(second.context["report"], section) == getattr(
            first.context["report"], section
        )


def test_a_new_meeting_in_the_area_is_counted_at_once(client, world, county_staff, village):
    client.force_login(county_staff)
    first = _get(client)[0].context["report"]
    assert first.meetings["count"] == 4
    cached = _get(client)[1]
    # Recorded through the service every form and import uses, which renews the figures.
    meeting = MeetingFactory.build(
        area=village, format=MeetingFormat.COURTYARD, starts_at=at(10, 9)
    )
    services.save_meeting(meeting=meeting, actor=county_staff)
    again, n = _get(client)
    fresh = again.context["report"]
    assert n == cached + REPORT_QUERIES  # computed afresh
    assert fresh.meetings["count"] == 5
    assert fresh.computed_at >= first.computed_at
    assert fresh.ranking[0]["meeting_count"] == 4  # 高铁岭镇: M1 M2 M3 and the new one


def test_an_edit_and_a_delete_are_counted_at_once(client, world, county_staff, admin_user, village):
    client.force_login(county_staff)
    assert _get(client)[0].context["report"].meetings["count"] == 4
    meeting = Meeting.objects.get(area=village, starts_at=at(10, 1, 7, 30))  # M1
    # Through the service every form uses, and the admin, as staff change records.
    meeting.attendance_total = 31
    services.save_meeting(meeting=meeting, actor=county_staff)
    assert _get(client)[0].context["report"].meetings["attendance"] == 101
    extra = services.save_meeting(
        meeting=MeetingFactory.build(area=village, starts_at=at(10, 9)), actor=county_staff
    )
    assert _get(client)[0].context["report"].meetings["count"] == 5
    client.force_login(admin_user)
    client.post(reverse("admin:consultations_meeting_delete", args=[extra.pk]), {"post": "yes"})
    client.force_login(county_staff)
    assert not Meeting.objects.filter(pk=extra.pk).exists()
    assert _get(client)[0].context["report"].meetings["count"] == 4


def test_areas_periods_and_rates_do_not_share_figures(client, world, county_staff):
    client.force_login(county_staff)
    county = _get(client)[0].context["report"]
    cached = _get(client)[1]
    town = _get(client, {**OCTOBER, "area": "421221101"})[0].context["report"]
    november = _get(client, {"month": "2024-11"})[0].context["report"]
    dearer = _get(client, {**OCTOBER, "labour_day_yuan": "200"})[0].context["report"]
    assert (county.meetings["count"], town.meetings["count"], november.meetings["count"]) == (
        4,
        3,
        1,
    )
    assert county.projects["funding"]["villagers_received"] == Decimal("13500.00")
    assert dearer.projects["funding"]["villagers_received"] == Decimal("14000.00")
    # Asked again, each is its own stored report.
    assert _get(client, {"month": "2024-11"})[0].context["report"].meetings["count"] == 1
    assert _get(client)[1] == cached


def test_the_rankings_order_needs_no_new_figures(client, world, county_staff):
    client.force_login(county_staff)
    _get(client)
    cached = _get(client)[1]
    response, n = _get(client, {**OCTOBER, "rank_by": "satisfaction_rate"})
    assert n == cached
    assert [row["name"] for row in response.context["report"].ranking] == ["官桥镇", "高铁岭镇"]


def test_out_of_scope_users_still_get_404(client, world, admin_user, village_committee):
    client.force_login(admin_user)
    _get(client, {**OCTOBER, "area": "421221"})  # the county's figures are now in the cache
    client.force_login(village_committee)
    for name in ("report", "report_workbook"):
        assert client.get(reverse(name), {**OCTOBER, "area": "421221"}).status_code == 404
        assert client.get(reverse(name), {**OCTOBER, "area": "421221101202"}).status_code == 404


def test_users_of_different_areas_keep_their_own_figures(client, world, admin_user, town_staff):
    client.force_login(admin_user)
    _get(client, {**OCTOBER, "area": "421221101"})
    client.force_login(town_staff)
    response, n = _get(client, {**OCTOBER, "area": "421221101"})
    assert n > REPORT_QUERIES // 2  # computed for this user
    assert response.context["report"].meetings["count"] == 3
    assert _get(client, {**OCTOBER, "area": "421221101"})[1] < n


def test_the_workbook_shares_the_pages_figures_in_its_own_language(
    client, world, county_staff, english
):
    client.force_login(county_staff)
    page = _get(client)[0]
    assert "Courtyard meeting" in page.content.decode()
    response, n = _get(client, name="report_workbook")
    assert n == _get(client, name="report_workbook")[1]  # the figures the page computed
    book = load_workbook(BytesIO(response.content))
    formats = [row[0] for row in book["分形式会议情况"].iter_rows(min_row=2, values_only=True)]
    assert "屋场会" in formats
    assert "Courtyard meeting" not in formats


def test_cached_figures_are_plain_picklable_data(world, admin_user, county):
    scope = Scope(
        user=admin_user,
        area=county,
        period=Period.month(2024, 10),
        labour_day_yuan=Decimal(150),
        today=dt.date(2025, 1, 15),
    )
    cached_report(scope)
    name = f"report-v{FIGURES_VERSION}"
    stored = figures.cached(name, scope.key, lambda: pytest.fail("recomputed"), area=county)
    assert _plain(stored.value)
    # What Redis would store and give back (the bytes are our own).
    assert pickle.loads(pickle.dumps(stored.value)) == stored.value  # noqa: S301


def test_the_cache_key_names_what_the_figures_depend_on(admin_user, county_staff, county):
    october = Period.month(2024, 10)

    def key(user=admin_user, period=october, yuan=150, today=dt.date(2025, 1, 15)):
        return Scope(
            user=user, area=county, period=period, labour_day_yuan=Decimal(yuan), today=today
        ).key

    same_days = Period.custom(dt.date(2024, 10, 1), dt.date(2024, 10, 31))
    assert key() == key(yuan=Decimal("150.00")) == key(period=same_days)
    others = [key(user=county_staff), key(yuan=200), key(period=Period.month(2024, 11))]
    assert len({key(), *others}) == 4
    # While a period runs, stock figures are counted on today: tomorrow is another report.
    running = Period.month(2025, 1)
    assert key(period=running) != key(period=running, today=dt.date(2025, 1, 16))
    assert key() == key(today=dt.date(2025, 1, 16))


def test_the_workbook_says_when_its_figures_were_computed(client, world, county_staff):
    client.force_login(county_staff)
    page = _get(client)[0].context["report"]
    response = _get(client, name="report_workbook")[0]
    cover = {
        row[0]: row[1]
        for row in load_workbook(BytesIO(response.content))["封面"].iter_rows(values_only=True)
        if row and row[0]
    }
    computed = timezone.localtime(page.computed_at)
    assert cover["数据统计时间"] == f"{computed:%Y年%-m月%-d日 %H:%M}"
    assert cover["投工投劳每工日折价（元）"] == 150
