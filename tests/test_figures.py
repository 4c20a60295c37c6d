"""core.cache: figures kept while the data stand still, recomputed after a write path says
what changed."""

import pytest
from django.db import transaction
from django.test import override_settings

from core import cache as figures
from organizations.models import Area, AreaLevel

DATABASE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "wuhgong_cache",
    }
}


@pytest.fixture
def other_county_village(db):
    county = Area.objects.create(code="421222", name="通城县", level=AreaLevel.COUNTY)
    town = Area.objects.create(code="421222100", name="隽水镇", level=AreaLevel.TOWN, parent=county)
    return Area.objects.create(
        code="421222100201", name="城东村", level=AreaLevel.VILLAGE, parent=town
    )


@pytest.mark.django_db
def test_figures_are_kept_until_their_area_changes(village):
    first = figures.cached("n", "all", lambda: 1, area=village)
    assert figures.cached("n", "all", lambda: pytest.fail("recomputed"), area=village) == first
    figures.changed(village)
    fresh = figures.cached("n", "all", lambda: 2, area=village)
    assert fresh.value == 2 and fresh.computed_at >= first.computed_at


@pytest.mark.django_db
def test_scopes_and_names_are_kept_apart():
    assert figures.cached("n", "area:1", lambda: 1).value == 1
    assert figures.cached("n", "area:2", lambda: 2).value == 2
    assert figures.cached("m", "area:1", lambda: 3).value == 3
    assert figures.cached("n", "area:1", lambda: 4).value == 1


@pytest.mark.django_db
def test_a_change_in_one_county_keeps_the_figures_of_another(village, other_county_village):
    there = figures.cached("n", "there", lambda: "there", area=other_county_village)
    figures.cached("n", "here", lambda: "here", area=village.parent)
    figures.cached("n", "all", lambda: "all")

    figures.changed(village.code)

    # The changed county and the province-wide figures are computed afresh...
    assert figures.cached("n", "here", lambda: "new", area=village.parent).value == "new"
    assert figures.cached("n", "all", lambda: "new").value == "new"
    # ...another county's are not: nothing they read has changed.
    assert figures.cached("n", "there", lambda: "new", area=other_county_village) == there


@pytest.mark.django_db
@pytest.mark.parametrize("areas", [(), (None,)])
def test_a_change_without_an_area_renews_every_county(village, other_county_village, areas):
    figures.cached("n", "here", lambda: "old", area=village)
    figures.cached("n", "there", lambda: "old", area=other_county_village)
    figures.changed(*areas)
    assert figures.cached("n", "here", lambda: "new", area=village).value == "new"
    assert figures.cached("n", "there", lambda: "new", area=other_county_village).value == "new"


@pytest.mark.django_db(transaction=True)
def test_figures_computed_inside_the_changing_transaction_are_dropped_at_commit(village):
    with transaction.atomic():
        figures.changed(village)
        # Another request could compute from the old rows now and store them under the
        # version of the moment; the commit must leave that entry behind.
        figures.cached("n", "all", lambda: "from old rows", area=village)
    assert figures.cached("n", "all", lambda: "after commit", area=village).value == "after commit"


@pytest.mark.django_db
def test_values_stored_by_another_release_are_not_used(settings):
    assert figures.cached("n", "all", lambda: "old code").value == "old code"
    settings.RELEASE = "another release"
    assert figures.cached("n", "all", lambda: "new code").value == "new code"


@pytest.mark.django_db(transaction=True)
def test_the_database_cache_of_the_default_settings_keeps_and_renews_figures(village):
    # The default cache is the database's table, shared by every process of the site.
    with override_settings(CACHES=DATABASE_CACHE):
        figures.cached("n", "all", lambda: 1, area=village)
        assert figures.cached("n", "all", lambda: 2, area=village).value == 1
        figures.changed(village)
        assert figures.cached("n", "all", lambda: 3, area=village).value == 3
