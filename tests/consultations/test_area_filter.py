"""The list filters' area select: a tree opened along one path, never the whole province;
and the selects of the forms, written as Django writes them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultations.forms.meetings import MeetingFilterForm
from organizations.models import Area, AreaLevel

from ..factories import CountyFactory


@pytest.fixture
def tree(county, town, village, hamlet, other_village, other_town):
    far_village = Area.objects.create(
        code="421221102201", name="远方村", level=AreaLevel.VILLAGE, parent=other_town
    )
    return {"far_village": far_village}


def _names(form):
    return [area.name for area in form.fields["area"].queryset]


def test_unfiltered_county_staff_see_their_county_and_its_towns(county_staff, tree):
    form = MeetingFilterForm(None, user=county_staff)
    assert _names(form) == ["嘉鱼县", "高铁岭镇", "官桥镇"]


def test_choosing_a_village_opens_its_town_and_keeps_the_other_towns(county_staff, village, tree):
    form = MeetingFilterForm({"area": str(village.pk)}, user=county_staff)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["area"] == village
    # Villages beside the chosen one, not those of other towns; no hamlets (a village's
    # filter includes them).
    assert _names(form) == ["嘉鱼县", "高铁岭镇", "陆水村", "白湖村", "官桥镇"]


def test_users_who_see_everything_start_from_the_counties(admin_user, tree):
    CountyFactory(code="421222", name="通城县")
    assert _names(MeetingFilterForm(None, user=admin_user)) == ["嘉鱼县", "通城县"]


def test_an_area_out_of_scope_is_refused_and_not_offered(town_staff, tree, other_town):
    form = MeetingFilterForm({"area": str(tree["far_village"].pk)}, user=town_staff)
    assert not form.is_valid() and "area" in form.errors
    assert _names(form) == ["高铁岭镇", "陆水村", "白湖村"]
    # Forged values never reach the database as an overflowing integer.
    assert not MeetingFilterForm({"area": "9" * 40}, user=town_staff).is_valid()


def test_the_number_of_queries_does_not_depend_on_the_tree(county_staff, village, tree):
    def queries():
        form = MeetingFilterForm({"area": str(village.pk)}, user=county_staff)
        with CaptureQueriesContext(connection) as captured:
            form.is_valid()
            list(form.fields["area"].queryset)
        return len(captured)

    before = queries()
    town = Area.objects.get(code="421221101")
    for n in range(20):
        Area.objects.create(
            code=f"421221101{300 + n}", name=f"新村{n}", level=AreaLevel.VILLAGE, parent=town
        )
    assert queries() == before
