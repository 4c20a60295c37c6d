"""Shared fixtures: a small territory and one named user per role."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import override_settings

from organizations.models import Area, AreaLevel
from organizations.roles import COUNTY_STAFF, TOWN_STAFF, VILLAGE_COMMITTEE

from .factories import CountyFactory, OrganizationFactory, PersonFactory, UserFactory


def pytest_configure(config):
    # The tests cover the developer tools too (seed_demo, seed_scale, bench's routes), which
    # settings install only with DEVTOOLS=1: say so at once rather than fail test by test.
    from django.conf import settings

    if "devtools" not in settings.INSTALLED_APPS:
        raise pytest.UsageError(
            "The tests need the developer tools: run them with DEVTOOLS=1 (make test sets it)."
        )


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    # Local memory rather than the database's cache table of the default settings, so that
    # the queries a test counts are the page's own (tests/test_figures.py covers the table).
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    }
    # The local-memory cache outlives a test's rolled-back database: figures kept by one
    # test must not answer the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Tests run with DEBUG off, whose manifest storage needs collectstatic (make test runs
    # it, which checks the manifest); the tests themselves need not depend on that step.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True, scope="session")
def _plain_http():
    # The test client and the live server speak plain HTTP, which production redirects to
    # HTTPS (tests/test_security.py checks that). Session-wide: the live server builds its
    # middleware once, before any per-test setting could reach it.
    with override_settings(SECURE_SSL_REDIRECT=False):
        yield


@pytest.fixture
def county(db):
    return CountyFactory()


@pytest.fixture
def town(county):
    return Area.objects.create(
        code="421221101", name="高铁岭镇", level=AreaLevel.TOWN, parent=county
    )


@pytest.fixture
def village(town):
    return Area.objects.create(
        code="421221101201", name="陆水村", level=AreaLevel.VILLAGE, parent=town
    )


@pytest.fixture
def hamlet(village):
    return Area.objects.create(
        code="421221101201001", name="孙家", level=AreaLevel.HAMLET, parent=village
    )


@pytest.fixture
def other_village(town):
    return Area.objects.create(
        code="421221101202", name="白湖村", level=AreaLevel.VILLAGE, parent=town
    )


@pytest.fixture
def elsewhere(db):
    """A village of another county, with an organization and a person of its own."""
    county = CountyFactory(code="421281", name="赤壁市")
    town = Area.objects.create(
        code="421281100", name="蒲圻街道", level=AreaLevel.TOWN, parent=county
    )
    village = Area.objects.create(
        code="421281100201", name="外县村", level=AreaLevel.VILLAGE, parent=town
    )
    OrganizationFactory(area=village, name="外县理事会")
    PersonFactory(area=village, name="外县王五")
    return village


@pytest.fixture
def other_town(county):
    return Area.objects.create(code="421221102", name="官桥镇", level=AreaLevel.TOWN, parent=county)


def _user(username, area, group):
    user = UserFactory(username=username, area=area)
    # get_or_create: transactional (browser) tests flush the groups the migration made.
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def county_staff(county):
    return _user("county", county, COUNTY_STAFF)


@pytest.fixture
def town_staff(town):
    return _user("town", town, TOWN_STAFF)


@pytest.fixture
def village_committee(village):
    return _user("village", village, VILLAGE_COMMITTEE)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True, area=None)


@pytest.fixture
def other_town_staff(other_town):
    return _user("town2", other_town, TOWN_STAFF)
