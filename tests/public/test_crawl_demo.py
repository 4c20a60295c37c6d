"""A crawl of every public page over the demo data (``seed_demo``): no phone number, no ID
number, no unpublished title and no person's name on any of them."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from consultations import public_board
from organizations.models import Person

from .crawling import assert_nothing_leaks, crawl, public_names


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_crawl_of_the_demo_board_finds_nothing_personal_or_unpublished(demo):
    pages = crawl()
    matters = [p for p in pages if p.startswith("/public/matters/")]
    villages = [p for p in pages if re.fullmatch(r"/public/\d{12}/", p)]
    assert len(matters) >= 20 and len(villages) >= 10, "the crawl reached the boards"
    assert len(matters) == public_board.published_matters().count()
    # A person's name that is also part of a place or organization name cannot be told
    # apart; every other name of two characters or more must not appear.
    places = public_names()
    names = {
        name
        for name in Person.objects.values_list("name", flat=True)
        if len(name) >= 2 and name not in places
    }
    assert len(names) > 50
    assert_nothing_leaks(pages, names=names)
