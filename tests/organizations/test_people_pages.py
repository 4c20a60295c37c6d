"""People pages: list (phones masked), person, person form, memberships."""

import datetime as dt
import re

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations.forms import MembershipForm
from organizations.models import Membership, OrganizationKind, Person, PersonCategory
from tests.factories import (
    MeetingFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
    VillageFactory,
)
from tests.pickers import offers_name, picker_offers

pytestmark = pytest.mark.django_db

HUGE = str(10**20)


@pytest.fixture(autouse=True)
def _english(settings):
    # Messages are asserted in their English source text.
    settings.LANGUAGE_CODE = "en"


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def count_queries(client, url, data=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, data or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def person_post(place, **overrides):
    data = {
        "name": "孙建国",
        "category": PersonCategory.VILLAGE_WORTHY,
        "area": place.pk,
        "phone": "13872561234",
    }
    data.update(overrides)
    return data


def membership_post(unit, **overrides):
    data = {
        "organization": unit.pk,
        "role": "理事长",
        "started_on": "2024-03-01",
        "ended_on": "",
    }
    data.update(overrides)
    return data


# The list -----------------------------------------------------------------------------------


def test_list_requires_sign_in(client, village):
    response = client.get(reverse("person_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_list_shows_only_people_in_scope(client, village_committee, village, hamlet, other_village):
    PersonFactory(area=village, name="陆水村张三")
    PersonFactory(area=hamlet, name="孙家李四")
    PersonFactory(area=other_village, name="白湖村王五")
    client.force_login(village_committee)
    body = client.get(reverse("person_list")).content.decode()
    assert "陆水村张三" in body and "孙家李四" in body
    assert "白湖村王五" not in body
    assert "2 people" in text(body)


def test_list_shows_phones_masked_never_in_full(client, village_committee, village):
    PersonFactory(area=village, name="张三", phone="13812345678")
    PersonFactory(area=village, name="李四", phone="0715-6543210")
    client.force_login(village_committee)
    body = client.get(reverse("person_list")).content.decode()
    assert "138****5678" in body
    assert "13812345678" not in body
    assert "071****3210" in body
    assert "6543210" not in body


def test_list_filters_by_area_subtree_category_and_name(
    client, county_staff, town, village, hamlet, other_village
):
    PersonFactory(area=village, name="陆水村张三", category=PersonCategory.PARTY_MEMBER)
    PersonFactory(area=hamlet, name="孙家李四", category=PersonCategory.VILLAGER)
    PersonFactory(area=other_village, name="白湖村王五", category=PersonCategory.PARTY_MEMBER)
    client.force_login(county_staff)
    url = reverse("person_list")

    # A village includes its hamlets.
    body = client.get(url, {"area": village.pk}).content.decode()
    assert "陆水村张三" in body and "孙家李四" in body and "白湖村王五" not in body

    body = client.get(url, {"category": PersonCategory.PARTY_MEMBER}).content.decode()
    assert "陆水村张三" in body and "白湖村王五" in body and "孙家李四" not in body

    body = client.get(url, {"q": "李四"}).content.decode()
    assert "孙家李四" in body and "陆水村张三" not in body

    body = client.get(url, {"area": town.pk, "category": "party_member"}).content.decode()
    assert "陆水村张三" in body and "白湖村王五" in body and "孙家李四" not in body


def test_list_filters_by_a_hamlet_as_the_hamlet_page_links(client, county_staff, village, hamlet):
    PersonFactory(area=village, name="陆水村张三")
    PersonFactory(area=hamlet, name="孙家李四")
    client.force_login(county_staff)
    response = client.get(reverse("person_list"), {"area": hamlet.pk})
    body = response.content.decode()
    assert "孙家李四" in body and "陆水村张三" not in body
    # The hamlet is the selected choice and its add link carries it on.
    assert f'<option value="{hamlet.pk}" selected>' in body
    assert f"{reverse('person_create')}?area={hamlet.pk}" in body


def test_list_ignores_forged_and_out_of_scope_filters(
    client, village_committee, village, other_village
):
    PersonFactory(area=village, name="陆水村张三")
    PersonFactory(area=other_village, name="白湖村王五")
    client.force_login(village_committee)
    for params in (
        {"area": other_village.pk},
        {"area": HUGE},
        {"area": "x", "category": "password", "page": "x"},
        {"q": "张" * 100_000},
    ):
        response = client.get(reverse("person_list"), params)
        assert response.status_code == 200, params
        body = response.content.decode()
        assert "陆水村张三" in body and "白湖村王五" not in body, params


def test_list_paginates_by_25_and_keeps_filters_in_page_links(client, county_staff, village):
    PersonFactory.create_batch(30, area=village, category=PersonCategory.VILLAGER)
    client.force_login(county_staff)
    body = client.get(reverse("person_list"), {"category": "villager"}).content.decode()
    assert "category=villager&amp;page=2" in body
    assert "30 people" in text(body)
    page2 = client.get(reverse("person_list"), {"category": "villager", "page": 2})
    assert len(page2.context["people"]) == 5


def test_list_queries_do_not_grow_with_rows(client, county_staff, village, hamlet):
    PersonFactory.create_batch(2, area=village, phone="13812345678")
    PersonFactory.create_batch(1, area=hamlet)
    client.force_login(county_staff)
    url = reverse("person_list")
    small = count_queries(client, url, {"area": village.pk})
    PersonFactory.create_batch(20, area=village, phone="13812345678")
    PersonFactory.create_batch(10, area=hamlet)
    # session, user with their area (scope and header), the chosen area (opening the
    # filter's tree, then validating it), count, the filter's area choices, the page of
    # people with their areas and parents.
    assert count_queries(client, url, {"area": village.pk}) == small == 7


# The person's page ----------------------------------------------------------------------------


def test_detail_shows_full_phone_memberships_and_work(client, village_committee, village, hamlet):
    person = PersonFactory(area=hamlet, name="孙建国", phone="13872561234")
    council = OrganizationFactory(area=village, name="陆水村村民理事会")
    MembershipFactory(person=person, organization=council, role="理事长")
    meeting = MeetingFactory(area=hamlet, title="孙家屋场会", moderator=person)
    ProposalFactory(meeting=meeting, title="硬化通湾公路", raised_by=person)
    client.force_login(village_committee)
    response = client.get(reverse("person_detail", args=[person.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "13872561234" in body
    assert "陆水村孙家" in text(body)
    assert "陆水村村民理事会" in body and "理事长" in body
    assert "孙家屋场会" in body and "硬化通湾公路" in body
    assert reverse("membership_end", args=[person.memberships.get().pk]) in body
    # The full number must not sit in a shared or browser cache.
    assert "no-store" in response["Cache-Control"]


def test_detail_hides_memberships_of_organizations_outside_scope(
    client, village_committee, village, town
):
    person = PersonFactory(area=village)
    MembershipFactory(person=person, organization=OrganizationFactory(area=town, name="镇知联会"))
    MembershipFactory(person=person, organization=OrganizationFactory(area=village, name="村支部"))
    client.force_login(village_committee)
    body = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert "村支部" in body
    assert "镇知联会" not in body


def test_village_committee_cannot_open_or_change_another_villages_person(
    client, village_committee, other_village, village
):
    person = PersonFactory(area=other_village, name="白湖村王五", phone="13800000000")
    organization = OrganizationFactory(area=village)
    client.force_login(village_committee)
    assert client.get(reverse("person_detail", args=[person.pk])).status_code == 404
    assert client.get(reverse("person_edit", args=[person.pk])).status_code == 404
    response = client.post(
        reverse("person_edit", args=[person.pk]), person_post(village, name="改名")
    )
    assert response.status_code == 404
    response = client.post(
        reverse("membership_create", args=[person.pk]), membership_post(organization)
    )
    assert response.status_code == 404
    person.refresh_from_db()
    assert person.name == "白湖村王五" and person.area == other_village
    assert not Membership.objects.exists()


def test_huge_and_unknown_ids_answer_404(client, county_staff):
    client.force_login(county_staff)
    for name in ("person_detail", "person_edit", "membership_create", "membership_end"):
        assert client.get(reverse(name, args=[10**20])).status_code == 404, name
        assert client.get(reverse(name, args=[987654])).status_code == 404, name


def test_detail_queries_do_not_grow_with_rows(client, county_staff, village):
    person = PersonFactory(area=village)

    def add(n):
        for _ in range(n):
            MembershipFactory(person=person, organization=OrganizationFactory(area=village))
            meeting = MeetingFactory(area=village, moderator=person)
            ProposalFactory(meeting=meeting, raised_by=person)

    add(1)
    client.force_login(county_staff)
    url = reverse("person_detail", args=[person.pk])
    small = count_queries(client, url)
    add(10)
    # session, user with their area, person with area and parent, memberships with their
    # organizations and areas, meetings moderated, proposals raised (the membership form's
    # picker reads no organization: none is chosen).
    assert count_queries(client, url) == small == 6


# The person form ------------------------------------------------------------------------------


def test_create_records_a_person_in_a_hamlet(client, village_committee, hamlet):
    client.force_login(village_committee)
    response = client.post(reverse("person_create"), person_post(hamlet))
    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("person_detail", args=[person.pk])
    assert (person.name, person.area, person.phone) == ("孙建国", hamlet, "13872561234")
    assert person.category == PersonCategory.VILLAGE_WORTHY


def test_create_accepts_phone_typed_with_full_width_digits_and_spaces(
    client, village_committee, village
):
    client.force_login(village_committee)
    client.post(reverse("person_create"), person_post(village, phone="１３８ ７２５６ １２３４"))
    assert Person.objects.get().phone == "13872561234"


def test_create_from_an_area_page_prefills_the_area(client, village_committee, hamlet):
    client.force_login(village_committee)
    body = client.get(reverse("person_create"), {"area": hamlet.pk}).content.decode()
    assert f'<option value="{hamlet.pk}" selected>' in body


def test_create_ignores_forged_or_out_of_scope_area_in_the_address(
    client, village_committee, other_village
):
    client.force_login(village_committee)
    for value in (other_village.pk, HUGE, "x"):
        response = client.get(reverse("person_create"), {"area": value})
        assert response.status_code == 200
        assert not re.search(r'value="\d+" selected>', response.content.decode())


def test_create_offers_only_areas_in_scope(client, village_committee, village, hamlet, town):
    client.force_login(village_committee)
    form = client.get(reverse("person_create")).context["form"]
    assert set(form.fields["area"].queryset) == {village, hamlet}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "12345", "Enter an 11-digit mobile number or a landline such as 0715-1234567."),
        ("phone", "1381234567x", "Enter an 11-digit mobile number"),
        ("phone", "1" * 100_000, "Ensure this value has at most 20 characters"),
        ("name", "名" * 100_000, "Ensure this value has at most 50 characters"),
        ("name", "", "This field is required."),
        ("category", "secretary_general", "Select a valid choice."),
        ("area", HUGE, "Select a valid choice."),
        ("area", "-1", "Select a valid choice."),
        ("area", "abc", "Select a valid choice."),
    ],
)
def test_create_refuses_bad_input_and_saves_nothing(
    client, village_committee, village, field, value, message
):
    client.force_login(village_committee)
    response = client.post(reverse("person_create"), person_post(village, **{field: value}))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert "nothing was saved" in response.content.decode()
    assert not Person.objects.exists()


def test_create_refuses_an_area_outside_scope(client, village_committee, other_village):
    client.force_login(village_committee)
    response = client.post(reverse("person_create"), person_post(other_village))
    assert response.status_code == 200
    assert "Select a valid choice." in response.context["form"].errors["area"][0]
    assert not Person.objects.exists()


def test_create_keeps_what_was_typed_when_refused(client, village_committee, village):
    client.force_login(village_committee)
    response = client.post(reverse("person_create"), person_post(village, phone="12345"))
    body = response.content.decode()
    assert 'value="孙建国"' in body and 'value="12345"' in body


def test_missing_fields_do_not_fail(client, village_committee, village):
    client.force_login(village_committee)
    response = client.post(reverse("person_create"), {})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "category", "area"}


def test_edit_changes_the_person_and_keeps_the_stored_name_in_the_heading(
    client, village_committee, village, hamlet
):
    person = PersonFactory(area=village, name="孙建国", phone="")
    client.force_login(village_committee)
    url = reverse("person_edit", args=[person.pk])
    response = client.post(url, person_post(hamlet, name="名" * 60))
    assert response.status_code == 200
    assert "孙建国" in response.content.decode().split("<h1>")[0]
    response = client.post(url, person_post(hamlet, name="孙建民", phone="0715-1234567"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.area, person.phone) == ("孙建民", hamlet, "0715-1234567")


# Memberships ----------------------------------------------------------------------------------


def test_add_membership_from_the_person_page(client, village_committee, village):
    person = PersonFactory(area=village)
    council = OrganizationFactory(area=village, kind=OrganizationKind.VILLAGER_COUNCIL)
    client.force_login(village_committee)
    response = client.post(reverse("membership_create", args=[person.pk]), membership_post(council))
    assert response.status_code == 302
    membership = Membership.objects.get()
    assert (membership.person, membership.organization, membership.role) == (
        person,
        council,
        "理事长",
    )
    assert membership.started_on == dt.date(2024, 3, 1) and membership.ended_on is None


def test_membership_ending_before_it_starts_is_a_field_error(client, village_committee, village):
    person = PersonFactory(area=village)
    council = OrganizationFactory(area=village)
    client.force_login(village_committee)
    response = client.post(
        reverse("membership_create", args=[person.pk]),
        membership_post(council, started_on="2024-03-01", ended_on="2024-02-28"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["ended_on"] == [
        "The end date cannot be before the start date."
    ]
    assert 'value="2024-02-28"' in response.content.decode()
    assert not Membership.objects.exists()


def test_duplicate_membership_is_a_form_error(client, village_committee, village):
    person = PersonFactory(area=village, name="孙建国")
    council = OrganizationFactory(area=village, name="陆水村理事会")
    MembershipFactory(person=person, organization=council, started_on=dt.date(2024, 3, 1))
    client.force_login(village_committee)
    response = client.post(reverse("membership_create", args=[person.pk]), membership_post(council))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "孙建国 already has a membership of 陆水村理事会 starting on that day."
    ]
    assert Membership.objects.count() == 1


def test_duplicate_membership_saved_in_a_race_is_a_form_error_not_a_500(
    client, village_committee, village, monkeypatch
):
    person = PersonFactory(area=village)
    council = OrganizationFactory(area=village)
    MembershipFactory(person=person, organization=council, started_on=dt.date(2024, 3, 1))
    # As if another request inserted the row between the form's check and the save.
    monkeypatch.setattr(MembershipForm, "clean", forms.ModelForm.clean)
    client.force_login(village_committee)
    response = client.post(reverse("membership_create", args=[person.pk]), membership_post(council))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["This membership was recorded already."]
    assert Membership.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("organization", HUGE, "Select a valid choice."),
        ("organization", "", "This field is required."),
        ("started_on", "2024-13-45", "Enter a valid date."),
        ("started_on", "99999-01-01", "Enter a valid date."),
        ("role", "长" * 100_000, "Ensure this value has at most 50 characters"),
    ],
)
def test_add_membership_refuses_bad_input(
    client, village_committee, village, field, value, message
):
    person = PersonFactory(area=village)
    council = OrganizationFactory(area=village)
    client.force_login(village_committee)
    response = client.post(
        reverse("membership_create", args=[person.pk]),
        membership_post(council, **{field: value}),
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert not Membership.objects.exists()


def test_add_membership_refuses_an_organization_outside_scope(
    client, village_committee, village, other_village
):
    person = PersonFactory(area=village)
    elsewhere = OrganizationFactory(area=other_village)
    client.force_login(village_committee)
    response = client.post(
        reverse("membership_create", args=[person.pk]), membership_post(elsewhere)
    )
    assert "Select a valid choice." in response.context["form"].errors["organization"][0]
    assert not Membership.objects.exists()


def test_end_membership(client, village_committee, village):
    membership = MembershipFactory(
        person=PersonFactory(area=village),
        organization=OrganizationFactory(area=village),
        started_on=dt.date(2024, 3, 1),
    )
    client.force_login(village_committee)
    url = reverse("membership_end", args=[membership.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"ended_on": "2024-12-31"})
    assert response.status_code == 302
    assert response["Location"] == reverse("person_detail", args=[membership.person_id])
    membership.refresh_from_db()
    assert membership.ended_on == dt.date(2024, 12, 31)
    # Ending it again changes nothing.
    response = client.post(url, {"ended_on": "2025-01-31"}, follow=True)
    assert "This membership already ended on 2024-12-31." in response.content.decode()
    membership.refresh_from_db()
    assert membership.ended_on == dt.date(2024, 12, 31)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-02-01", "The end date cannot be before the start date (2024-03-01)."),
        ("", "This field is required."),
        ("not a date", "Enter a valid date."),
    ],
)
def test_end_membership_refuses_bad_dates(client, village_committee, village, value, message):
    membership = MembershipFactory(
        person=PersonFactory(area=village),
        organization=OrganizationFactory(area=village),
        started_on=dt.date(2024, 3, 1),
    )
    client.force_login(village_committee)
    response = client.post(reverse("membership_end", args=[membership.pk]), {"ended_on": value})
    assert response.status_code == 200
    assert response.context["form"].errors["ended_on"] == [message]
    membership.refresh_from_db()
    assert membership.ended_on is None


def test_village_committee_cannot_end_another_villages_membership(
    client, village_committee, village, other_village
):
    # Neither in an organization elsewhere, nor of a person elsewhere in a visible one.
    theirs = MembershipFactory(
        person=PersonFactory(area=other_village), organization=OrganizationFactory(area=village)
    )
    elsewhere = MembershipFactory(
        person=PersonFactory(area=village), organization=OrganizationFactory(area=other_village)
    )
    client.force_login(village_committee)
    for membership in (theirs, elsewhere):
        url = reverse("membership_end", args=[membership.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"ended_on": "2024-12-31"}).status_code == 404
        membership.refresh_from_db()
        assert membership.ended_on is None


# Links ----------------------------------------------------------------------------------------


def test_navigation_and_area_page_link_to_people(client, village_committee, village):
    client.force_login(village_committee)
    body = client.get(reverse("area_detail", args=[village.code])).content.decode()
    assert f'href="{reverse("person_list")}"' in body
    assert f"{reverse('person_list')}?area={village.pk}" in body
    assert f"{reverse('person_create')}?area={village.pk}" in body
    assert "People in this area" in body and "Add a person here" in body


def test_concurrent_person_edit_is_refused_and_input_kept(
    client, county_staff, town_staff, village
):
    from django.test import Client

    person = PersonFactory(area=village, name="孙建国", phone="")
    client.force_login(county_staff)
    version = (
        client.get(reverse("person_edit", args=[person.pk])).context["form"]["version"].value()
    )
    data = {"name": "孙建华", "category": person.category, "area": village.pk, "phone": ""}
    other = Client()
    other.force_login(town_staff)
    assert (
        other.post(
            reverse("person_edit", args=[person.pk]), {**data, "version": version}
        ).status_code
        == 302
    )
    response = client.post(
        reverse("person_edit", args=[person.pk]), {**data, "name": "孙建军", "version": version}
    )
    assert response.status_code == 409
    assert "孙建军" in response.content.decode()
    person.refresh_from_db()
    assert person.name == "孙建华"
    assert person.history.first().history_user == town_staff


def test_superuser_adding_a_person_is_asked_for_the_county_first(
    client, admin_user, county, village, elsewhere
):
    client.force_login(admin_user)
    body = client.get(reverse("person_create")).content.decode()
    assert 'name="phone"' not in body
    # The people pages name areas by id, as their list filter does.
    assert f'href="?area={county.pk}"' in body
    assert f'href="?area={elsewhere.parent.parent.pk}"' in body
    body = client.get(reverse("person_create"), {"area": county.pk}).content.decode()
    assert 'name="phone"' in body
    assert village.name in body and elsewhere.name not in body
    url = f"{reverse('person_create')}?area={county.pk}"
    refused = client.post(url, person_post(elsewhere))
    assert "Select a valid choice" in refused.context["form"].errors["area"][0]
    assert not Person.objects.filter(name="孙建国").exists()
    assert client.post(url, person_post(village)).status_code == 302
    assert Person.objects.get(name="孙建国").area == village


def test_superuser_person_pages_offer_only_the_persons_county(
    client, admin_user, village, elsewhere
):
    person = PersonFactory(area=village)
    unit = OrganizationFactory(area=village, name="陆水村理事会")
    outsider = elsewhere.organizations.get()
    client.force_login(admin_user)
    for url in (
        reverse("person_edit", args=[person.pk]),
        reverse("person_detail", args=[person.pk]),
    ):
        body = client.get(url).content.decode()
        assert elsewhere.name not in body and outsider.name not in body
    body = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert offers_name(client, body, "organization", unit.name)
    assert picker_offers(client, body, "organization", outsider.name) == []
    url = reverse("membership_create", args=[person.pk])
    refused = client.post(url, membership_post(outsider))
    assert "Select a valid choice" in refused.context["form"].errors["organization"][0]
    assert client.post(url, membership_post(unit)).status_code == 302
    assert list(person.memberships.values_list("organization", flat=True)) == [unit.pk]


def test_person_form_queries_do_not_grow_with_records_elsewhere(
    client, admin_user, county, village, elsewhere
):
    person = PersonFactory(area=village)
    client.force_login(admin_user)
    pages = [
        (reverse("person_create"), {"area": county.pk}),
        (reverse("person_edit", args=[person.pk]), None),
    ]
    small = [count_queries(client, url, data) for url, data in pages]
    for _ in range(5):
        place = VillageFactory(parent=elsewhere.parent)
        PersonFactory(area=place)
        OrganizationFactory(area=place)
    # create: session, user, the area named, the area choices; edit: session, user, the
    # person with their area, its county, the area choices.
    assert [count_queries(client, url, data) for url, data in pages] == small == [4, 5]
