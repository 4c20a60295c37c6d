"""The admin at province scale: no count of a whole big table, filters that list a few dozen
areas, and no select box of a big table on any change form.

The counting tests run on both databases: PostgreSQL estimates (the point of them), SQLite
counts exactly as Django does, and each test says what it expects of each.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import (
    AutocompleteSelect,
    AutocompleteSelectMultiple,
    ForeignKeyRawIdWidget,
)
from django.contrib.auth.models import Permission
from django.db import connection, models
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations.admin.meetings import MeetingAdmin
from consultations.models import (
    Attachment,
    Evaluation,
    FundingLine,
    Meeting,
    MeetingFormat,
    Outcome,
    Project,
    ProjectUpdate,
    Proposal,
    ProposalStatusChange,
    Stewardship,
    StewardshipLog,
)
from core.pagination import TEXT_COUNT_CAP, ListPaginator
from organizations.models import Area, AreaLevel, Membership, Organization, Person

from .factories import HamletFactory, MeetingFactory, VillageFactory

POSTGRESQL = connection.vendor == "postgresql"

# Tables that grow with the province: millions of rows, or tens of thousands of areas.
BIG = {
    Area,
    Person,
    Organization,
    Membership,
    Meeting,
    Attachment,
    Proposal,
    ProposalStatusChange,
    Project,
    FundingLine,
    ProjectUpdate,
    Stewardship,
    StewardshipLog,
    Evaluation,
    Outcome,
}
MEETINGS = reverse("admin:consultations_meeting_changelist")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(MeetingAdmin, "list_per_page", 5)


def analyze(model):
    """Fresh planner statistics for ``model``'s table, as autovacuum keeps them."""
    if POSTGRESQL:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def counts(queries):
    return [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def area_choices(response):
    cl = response.context["cl"]
    spec = next(spec for spec in cl.filter_specs if getattr(spec, "parameter_name", "") == "area")
    return [(choice["display"], choice["selected"]) for choice in spec.choices(cl)][1:]


# --- counting -------------------------------------------------------------------------------


def test_unfiltered_changelist_counts_at_most_a_capped_number(
    admin_client, small_pages, monkeypatch, village
):
    MeetingFactory.create_batch(12, area=village)
    analyze(Meeting)
    monkeypatch.setattr(ListPaginator, "count_cap", 5)

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(MEETINGS)

    cl = response.context["cl"]
    assert response.status_code == 200
    assert len(cl.result_list) == 5
    assert cl.paginator.num_pages == 3  # still paginated, by the estimate
    assert 'href="?p=3"' in response.text
    if POSTGRESQL:
        (count,) = counts(queries)  # no COUNT(*) of the whole table
        assert re.search(r"LIMIT 6\b", count)
        assert cl.paginator.estimated
        assert cl.result_count == 12  # ANALYZE read every row of so small a table
        assert "about 12 meetings" in response.text
    else:
        assert len(counts(queries)) == 1  # SQLite counts, once (no full count beside)
        assert not cl.paginator.estimated
        assert cl.result_count == 12


def test_filtered_changelist_counts_at_most_a_capped_number(
    admin_client, small_pages, monkeypatch, village
):
    MeetingFactory.create_batch(8, area=village, format=MeetingFormat.COURTYARD)
    MeetingFactory.create_batch(2, area=village, format=MeetingFormat.EVENING_TALK)
    analyze(Meeting)
    monkeypatch.setattr(ListPaginator, "count_cap", 3)

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(MEETINGS, {"format__exact": MeetingFormat.COURTYARD})

    cl = response.context["cl"]
    assert response.status_code == 200
    assert len(cl.result_list) == 5
    if POSTGRESQL:
        (count,) = counts(queries)
        assert re.search(r"LIMIT 4\b", count)  # counted 4 rows, not all 8
        assert cl.paginator.estimated
        assert cl.result_count >= 4  # the planner's estimate, never below what was counted
        assert "about" in response.text
    else:
        assert cl.result_count == 8


def test_a_search_counts_fewer_rows_before_estimating(admin_client, village):
    MeetingFactory.create_batch(3, area=village, title="修路的会")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(MEETINGS, {"q": "修路"})
    assert response.context["cl"].result_count == 3
    if POSTGRESQL:
        # Text is searched unindexed: at most TEXT_COUNT_CAP + 1 matches are counted.
        (count,) = counts(queries)
        assert re.search(rf"LIMIT {TEXT_COUNT_CAP + 1}\b", count)


def test_a_small_filtered_list_is_counted_exactly(admin_client, small_pages, village):
    MeetingFactory.create_batch(3, area=village, format=MeetingFormat.COURTYARD)
    MeetingFactory.create_batch(2, area=village, format=MeetingFormat.EVENING_TALK)
    analyze(Meeting)

    response = admin_client.get(MEETINGS, {"format__exact": MeetingFormat.EVENING_TALK})

    cl = response.context["cl"]
    assert cl.result_count == 2
    assert not cl.paginator.estimated
    assert "2 meetings" in response.text
    assert "about" not in response.text


def test_deep_pages_show_the_same_rows_as_offset_pages(
    admin_client, small_pages, monkeypatch, village
):
    MeetingFactory.create_batch(12, area=village)
    expected = list(Meeting.objects.order_by("-starts_at", "-id").values_list("pk", flat=True))
    monkeypatch.setattr(ListPaginator, "deep_offset", 0)

    for page in (1, 2, 3):
        response = admin_client.get(MEETINGS, {"p": page})
        shown = [m.pk for m in response.context["cl"].result_list]
        assert shown == expected[(page - 1) * 5 : page * 5]


def test_a_page_past_the_end_is_not_an_error(admin_client, small_pages, village):
    MeetingFactory.create_batch(6, area=village)
    response = admin_client.get(MEETINGS, {"p": 99})
    assert response.status_code == 302  # Django's "?e=1": back to the list, no 500
    assert admin_client.get(response.url).status_code == 200


def test_staff_count_only_their_area_and_exactly(client, town_staff, village, other_town):
    town_staff.is_staff = True
    town_staff.save()
    town_staff.user_permissions.add(Permission.objects.get(codename="view_meeting"))
    client.force_login(town_staff)
    MeetingFactory.create_batch(3, area=village)
    MeetingFactory.create_batch(4, area=VillageFactory(parent=other_town))
    analyze(Meeting)

    response = client.get(MEETINGS)

    cl = response.context["cl"]
    assert cl.result_count == 3  # the scope is a filter: never the table's estimate
    assert not cl.paginator.estimated
    assert {m.area for m in cl.result_list} == {village}


def test_counts_per_filter_choice_are_never_offered(admin_client, village):
    MeetingFactory(area=village)
    with CaptureQueriesContext(connection) as plain:
        admin_client.get(MEETINGS)
    with CaptureQueriesContext(connection) as facets:
        response = admin_client.get(MEETINGS, {"_facets": "1"})
    # A count per choice of every filter would be a scan of the table per filter.
    assert len(facets) == len(plain)
    assert not response.context["cl"].add_facets
    assert "?_facets=True" not in response.text  # no "Show counts" link


@pytest.mark.parametrize("model", sorted(BIG, key=lambda m: m.__name__), ids=lambda m: m.__name__)
def test_big_tables_have_no_date_hierarchy(model):
    # Its years are a DISTINCT over the whole table on every request (1.9 s for 2,000,000
    # proposals); the sidebar's date filter (today, this month, this year) costs nothing.
    assert admin.site.get_model_admin(model).date_hierarchy is None


def test_the_action_checkbox_is_the_one_django_renders(village):
    meeting = MeetingFactory(area=village, title="<b>屋场会</b>")
    model_admin = admin.site.get_model_admin(Meeting)
    assert model_admin.action_checkbox(meeting) == admin.ModelAdmin.action_checkbox(
        model_admin, meeting
    )


# --- the area filter ------------------------------------------------------------------------


def test_area_filter_starts_with_the_towns_of_the_only_county(
    admin_client, village, other_village, other_town
):
    response = admin_client.get(MEETINGS)
    assert area_choices(response) == [
        ("嘉鱼县", False),
        ("\u3000高铁岭镇", False),
        ("\u3000官桥镇", False),
    ]


def test_area_filter_lists_counties_not_towns_when_there_are_several(admin_client, town):
    other_county = Area.objects.create(code="421222", name="通城县", level=AreaLevel.COUNTY)
    for n in range(30):
        Area.objects.create(
            code=f"421222{100 + n}", name=f"镇{n}", level=AreaLevel.TOWN, parent=other_county
        )
    response = admin_client.get(MEETINGS)
    assert area_choices(response) == [("嘉鱼县", False), ("通城县", False)]


def test_area_filter_goes_down_one_level_at_a_time(admin_client, village, other_village, town):
    hamlet = HamletFactory(parent=village)
    here = MeetingFactory(area=hamlet)
    MeetingFactory(area=other_village)

    response = admin_client.get(MEETINGS, {"area": town.code})
    assert area_choices(response) == [
        ("嘉鱼县", False),
        ("\u3000高铁岭镇", True),
        ("\u3000\u3000陆水村", False),
        ("\u3000\u3000白湖村", False),
    ]
    assert response.context["cl"].result_count == 2

    response = admin_client.get(MEETINGS, {"area": village.code})
    assert area_choices(response) == [
        ("嘉鱼县", False),
        ("\u3000高铁岭镇", False),
        ("\u3000\u3000陆水村", True),
        (f"\u3000\u3000\u3000{hamlet.name}", False),
    ]
    assert list(response.context["cl"].result_list) == [here]


@pytest.mark.parametrize("value", ["421221102", "999999", "abc", "4212211012019999", "' OR 1=1"])
def test_staff_area_filter_stays_in_their_area(
    client, town_staff, village, other_village, other_town, value
):
    town_staff.is_staff = True
    town_staff.save()
    town_staff.user_permissions.add(Permission.objects.get(codename="view_meeting"))
    client.force_login(town_staff)
    mine = MeetingFactory(area=village)
    MeetingFactory(area=VillageFactory(parent=other_town))

    start = client.get(MEETINGS)
    # Their own town's villages; nothing above their town, nothing beside it.
    assert area_choices(start) == [("陆水村", False), ("白湖村", False)]

    response = client.get(MEETINGS, {"area": value})  # another town, or junk: ignored
    assert response.status_code == 200
    assert area_choices(response) == area_choices(start)
    assert list(response.context["cl"].result_list) == [mine]


def test_area_filter_queries_do_not_grow_with_areas(admin_client, town):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            admin_client.get(MEETINGS, {"area": town.code})
        return len(captured)

    VillageFactory(parent=town)
    few = queries()
    VillageFactory.create_batch(20, parent=town)
    assert queries() == few


# --- change forms ---------------------------------------------------------------------------

PICKERS = (AutocompleteSelect, AutocompleteSelectMultiple, ForeignKeyRawIdWidget)


def _relations_to_big_tables(model_admin, request):
    """(form field name, widget) of each relation to a big table that a form can change."""
    if isinstance(model_admin, admin.options.InlineModelAdmin):
        form = model_admin.get_formset(request).form()
    else:
        form = model_admin.get_form(request)()
    relations = {
        field.name: field.related_model
        for field in model_admin.model._meta.get_fields()
        if isinstance(field, models.ForeignKey | models.ManyToManyField)
    }
    for name, field in form.fields.items():
        if relations.get(name) in BIG:
            yield name, getattr(field.widget, "widget", field.widget)


@pytest.mark.parametrize(
    "model", sorted(admin.site._registry, key=lambda m: m.__name__), ids=lambda m: m.__name__
)
def test_no_change_form_offers_a_select_box_of_a_big_table(admin_user, model):
    request = RequestFactory().get("/")
    request.user = admin_user
    model_admin = admin.site._registry[model]
    admins = [model_admin, *model_admin.get_inline_instances(request)]
    for each in admins:
        if isinstance(each, admin.options.InlineModelAdmin):
            writable = each.has_add_permission(request, None) or each.has_change_permission(request)
        else:
            writable = each.has_add_permission(request) or each.has_change_permission(request)
        if not writable:
            continue  # every field is shown read-only: no widget at all
        for name, widget in _relations_to_big_tables(each, request):
            assert isinstance(widget, PICKERS), f"{each}.{name}: {type(widget).__name__}"
