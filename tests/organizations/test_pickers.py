"""The person, organization and proposal pickers: the scoped JSON they search as the user
types (organizations/views/choices.py, consultations/views/projects.py) and the forms that
render only the chosen options (organizations.choices.Picker)."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations.models import ProposalStatus
from organizations.models import OrganizationKind, PersonCategory
from tests.factories import (
    MeetingFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
    UserFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

URL_NAME = {"people": "people_choices", "organizations": "org_choices"}


@pytest.fixture(autouse=True)
def _english(settings):
    # Labels are asserted in their English source text.
    settings.LANGUAGE_CODE = "en"


def search(client, kind, **params):
    response = client.get(reverse(URL_NAME[kind]), params)
    assert response.status_code == 200
    return response.json()["results"]


def texts(results):
    return [row["text"] for row in results]


def test_a_village_committee_never_gets_another_villages_people(
    client, village_committee, village, other_village, elsewhere
):
    mine = PersonFactory(area=village, name="王小明")
    PersonFactory(area=other_village, name="王小红")
    client.force_login(village_committee)
    assert [row["value"] for row in search(client, "people", q="王")] == [mine.pk]
    # Naming another village, or another county, as the working area gives nothing rather
    # than the committee's own people.
    assert search(client, "people", q="王", within=other_village.code) == []
    assert search(client, "people", within=elsewhere.code) == []


def test_someone_without_an_area_gets_nothing_and_a_visitor_is_sent_to_sign_in(client, village):
    PersonFactory(area=village, name="王小明")
    OrganizationFactory(area=village, name="陆水村理事会")
    client.force_login(UserFactory(username="nobody", area=None))
    assert search(client, "people") == search(client, "organizations") == []
    client.logout()
    response = client.get(reverse("people_choices"), {"q": "王"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_search_matches_part_of_a_name_within_the_working_area(
    client, county_staff, village, other_village, elsewhere
):
    PersonFactory(area=village, name="孙建国")
    PersonFactory(area=other_village, name="孙建华")
    PersonFactory(area=village, name="李四")
    client.force_login(county_staff)
    assert len(search(client, "people", q="建")) == 2
    assert texts(search(client, "people", q="建", within=village.code)) == [
        "孙建国 · 陆水村 · Villager"
    ]
    # Another county's people are outside the county staff's scope.
    assert search(client, "people", q="外县") == []


def test_namesakes_get_labels_that_tell_them_apart(client, county_staff, village, other_village):
    PersonFactory(area=village, name="王芳", category=PersonCategory.PARTY_MEMBER)
    PersonFactory(area=other_village, name="王芳", category=PersonCategory.VILLAGER)
    OrganizationFactory(area=village, name="理事会", kind=OrganizationKind.VILLAGER_COUNCIL)
    OrganizationFactory(area=other_village, name="理事会", kind=OrganizationKind.VILLAGER_COUNCIL)
    client.force_login(county_staff)
    assert texts(search(client, "people", q="王芳")) == [
        "王芳 · 陆水村 · CPC member",
        "王芳 · 白湖村 · Villager",
    ]
    assert texts(search(client, "organizations", q="理事会")) == [
        "理事会 · 陆水村 · Villager council",
        "理事会 · 白湖村 · Villager council",
    ]


def test_at_most_twenty_matches_in_a_fixed_number_of_queries(client, county_staff, village):
    client.force_login(county_staff)
    url = reverse("people_choices")
    params = {"q": "村民", "within": village.code}

    def count():
        with CaptureQueriesContext(connection) as queries:
            results = client.get(url, params).json()["results"]
        return len(queries), len(results)

    PersonFactory(area=village)
    small = count()
    PersonFactory.create_batch(30, area=VillageFactory(parent=village.parent))
    PersonFactory.create_batch(30, area=village)
    # The session, the user with their area (their scope), the working area by its code, and
    # the matches with their areas.
    assert count() == (small[0], 20) and small == (4, 1)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "\x00"},
        {"q": "王" * 5000},
        {"within": "abc"},
        {"within": "²"},
        {"within": "9" * 40},
        {"within": "421221\x00"},
        {"units_for": "x"},
        {"q": "%_\\'\""},
    ],
)
def test_junk_is_never_a_server_error(client, county_staff, village, params):
    PersonFactory(area=village)
    client.force_login(county_staff)
    for kind in ("people", "organizations"):
        response = client.get(reverse(URL_NAME[kind]), params)
        assert response.status_code == 200
        assert isinstance(response.json()["results"], list)
    assert client.get(reverse("proposal_choices"), params).status_code == 200


def test_referral_units_include_the_town_and_county_above_but_not_elsewhere(
    client, village_committee, village, town, county, elsewhere
):
    ours = OrganizationFactory(area=village, name="陆水村理事会")
    above = OrganizationFactory(area=town, name="高铁岭镇交通办")
    beside = OrganizationFactory(area=VillageFactory(parent=town, code="421221101299"))
    client.force_login(village_committee)
    found = {row["value"] for row in search(client, "organizations", units_for=village.code)}
    assert found == {ours.pk, above.pk}
    assert beside.pk not in found
    assert search(client, "organizations", units_for=elsewhere.code) == []


def test_adopted_proposals_without_a_project_are_searched_by_title(
    client, village_committee, village, other_village
):
    meeting = MeetingFactory(area=village)
    decided = {"status": ProposalStatus.ADOPTED, "decided_on": dt.date(2024, 3, 1)}
    adopted = ProposalFactory(meeting=meeting, title="硬化通湾公路", **decided)
    ProposalFactory(meeting=meeting, title="修通湾水渠")
    ProposalFactory(meeting=MeetingFactory(area=other_village), title="通湾路灯", **decided)
    client.force_login(village_committee)
    results = client.get(reverse("proposal_choices"), {"q": "通湾"}).json()["results"]
    assert results == [{"value": adopted.pk, "text": "硬化通湾公路 · 陆水村"}]


def _options(body, name):
    select = re.search(rf'<select[^>]* name="{name}"[^>]*>(.*?)</select>', body, re.S)
    return re.findall(r'<option value="(\d*)"', select.group(1)), select.group(0)


def test_the_meeting_form_renders_only_the_chosen_options(client, county_staff, village):
    people = PersonFactory.create_batch(30, area=village)
    organizations = OrganizationFactory.create_batch(30, area=village)
    moderator, host = people[3], organizations[5]
    meeting = MeetingFactory(area=village, moderator=moderator, host_organization=host)
    meeting.attending_organizations.add(*organizations[:2])
    client.force_login(county_staff)
    body = client.get(reverse("meeting_create"), {"area": village.code}).content.decode()
    assert not any(person.name in body for person in people)
    assert not any(organization.name in body for organization in organizations)
    options, select = _options(body, "moderator")
    assert options == [""]
    assert f'data-search-url="/choices/people/?within={village.code[:6]}"' in select
    body = client.get(reverse("meeting_edit", args=[meeting.pk])).content.decode()
    assert _options(body, "moderator")[0] == ["", str(moderator.pk)]
    assert f"{moderator.name} · 陆水村 · Villager</option>" in body
    assert _options(body, "host_organization")[0] == ["", str(host.pk)]
    assert sorted(_options(body, "attending_organizations")[0]) == sorted(
        str(organization.pk) for organization in organizations[:2]
    )
    assert people[4].name not in body


def test_a_posted_id_outside_the_scope_is_refused(
    client, village_committee, village, other_village, elsewhere
):
    from tests.consultations.test_meeting_pages import valid_post

    theirs = PersonFactory(area=other_village, name="白湖村张三")
    outside = OrganizationFactory(area=elsewhere, name="外县队")
    client.force_login(village_committee)
    response = client.post(
        reverse("meeting_create"),
        valid_post(
            village,
            moderator=theirs.pk,
            host_organization=outside.pk,
            attending_organizations=[outside.pk, "9" * 40],
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"moderator", "host_organization", "attending_organizations"} <= set(errors)
    # The refused values are not shown as chosen either.
    assert "白湖村张三" not in response.content.decode()
