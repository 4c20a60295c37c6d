"""Organization pages: list, organization (members, meetings, referrals), form."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultations.models import ProposalStatus
from organizations.forms import OrganizationForm
from organizations.models import Organization, OrganizationKind
from tests.factories import (
    MeetingFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

HUGE = str(10**20)
K = OrganizationKind


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


def organization_post(place, **overrides):
    data = {
        "kind": K.VOLUNTEER_TEAM,
        "name": "陆水村志愿服务队",
        "area": place.pk,
        "founded_on": "2023-05-04",
    }
    data.update(overrides)
    return data


# The list -------------------------------------------------------------------------------------


def test_list_shows_only_organizations_in_scope_with_current_member_counts(
    client, village_committee, village, hamlet, other_village, town
):
    branch = OrganizationFactory(area=village, name="陆水村党支部", kind=K.PARTY_BRANCH)
    MembershipFactory.create_batch(3, organization=branch, person__area=village)
    MembershipFactory(organization=branch, person__area=village, ended_on=dt.date(2024, 6, 1))
    OrganizationFactory(area=hamlet, name="孙家理事会")
    OrganizationFactory(area=other_village, name="白湖村理事会")
    OrganizationFactory(area=town, name="高铁岭镇知联会")
    client.force_login(village_committee)
    body = client.get(reverse("organization_list")).content.decode()
    words = text(body)
    assert "陆水村党支部 Party branch 高铁岭镇陆水村 — 3" in words
    assert "孙家理事会" in words
    assert "白湖村理事会" not in words and "高铁岭镇知联会" not in words
    assert "2 organizations" in words


def test_list_filters_by_area_subtree_kind_and_name(
    client, county_staff, town, village, hamlet, other_town
):
    OrganizationFactory(area=village, name="陆水村党支部", kind=K.PARTY_BRANCH)
    OrganizationFactory(area=hamlet, name="孙家理事会", kind=K.VILLAGER_COUNCIL)
    OrganizationFactory(area=other_town, name="官桥镇党委", kind=K.PARTY_BRANCH)
    client.force_login(county_staff)
    url = reverse("organization_list")

    body = client.get(url, {"area": village.pk}).content.decode()
    assert "陆水村党支部" in body and "孙家理事会" in body and "官桥镇党委" not in body

    body = client.get(url, {"kind": K.PARTY_BRANCH}).content.decode()
    assert "陆水村党支部" in body and "官桥镇党委" in body and "孙家理事会" not in body

    body = client.get(url, {"q": "理事"}).content.decode()
    assert "孙家理事会" in body and "陆水村党支部" not in body

    body = client.get(url, {"area": hamlet.pk}).content.decode()
    assert "孙家理事会" in body and "陆水村党支部" not in body


def test_list_ignores_forged_and_out_of_scope_filters(
    client, village_committee, village, other_village
):
    OrganizationFactory(area=village, name="陆水村党支部")
    OrganizationFactory(area=other_village, name="白湖村理事会")
    client.force_login(village_committee)
    for params in (
        {"area": other_village.pk},
        {"area": HUGE, "kind": "secret_society", "page": "999"},
        {"q": "会" * 100_000},
    ):
        response = client.get(reverse("organization_list"), params)
        assert response.status_code == 200, params
        body = response.content.decode()
        assert "陆水村党支部" in body and "白湖村理事会" not in body, params


def test_list_paginates_by_25(client, county_staff, village):
    OrganizationFactory.create_batch(27, area=village, kind=K.VOLUNTEER_TEAM)
    client.force_login(county_staff)
    response = client.get(reverse("organization_list"), {"kind": "volunteer_team"})
    assert len(response.context["organizations"]) == 25
    assert "kind=volunteer_team&amp;page=2" in response.content.decode()
    page2 = client.get(reverse("organization_list"), {"kind": "volunteer_team", "page": 2})
    assert len(page2.context["organizations"]) == 2


def test_list_queries_do_not_grow_with_rows(client, county_staff, village, hamlet):
    def add(n):
        for _ in range(n):
            organization = OrganizationFactory(area=hamlet)
            MembershipFactory.create_batch(2, organization=organization, person__area=village)

    add(2)
    client.force_login(county_staff)
    url = reverse("organization_list")
    small = count_queries(client, url, {"area": village.pk})
    add(20)
    # session, user with their area, the chosen area (opening the filter's tree, then
    # validating it), count, the filter's area choices, the page of organizations with areas,
    # parents and member counts.
    assert count_queries(client, url, {"area": village.pk}) == small == 7


# The organization's page ----------------------------------------------------------------------


def test_detail_shows_members_with_masked_phones_meetings_and_referrals(
    client, village_committee, village, hamlet
):
    council = OrganizationFactory(area=village, name="陆水村村民理事会")
    member = PersonFactory(area=hamlet, name="孙建国", phone="13872561234")
    MembershipFactory(person=member, organization=council, role="理事长")
    MembershipFactory(
        person=PersonFactory(area=village, name="李秀英"),
        organization=council,
        ended_on=dt.date(2024, 6, 30),
    )
    MeetingFactory(area=hamlet, title="孙家屋场会", host_organization=council)
    attended = MeetingFactory(area=village, title="陆水村说事会")
    attended.attending_organizations.add(council)
    MeetingFactory(area=village, title="别的会")
    meeting = MeetingFactory(area=village)
    ProposalFactory(
        meeting=meeting,
        title="修缮孙家堰塘",
        status=ProposalStatus.REFERRED,
        referred_to=council,
        referral_due_on=dt.date(2024, 11, 30),
    )
    ProposalFactory(meeting=meeting, title="别的提议")
    client.force_login(village_committee)
    response = client.get(reverse("organization_detail", args=[council.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    words = text(body)
    assert "孙建国" in words and "理事长" in words and "李秀英" in words
    assert "138****1234" in body
    assert "13872561234" not in body
    assert "孙家屋场会 hosted" in words
    assert "陆水村说事会 attended" in words
    assert "别的会" not in words
    assert "修缮孙家堰塘" in words and "别的提议" not in words
    # Current members come before former ones.
    assert words.index("孙建国") < words.index("李秀英")


def test_detail_shows_only_members_and_meetings_in_scope(
    client, town_staff, town, village, other_town
):
    branch = OrganizationFactory(area=town, name="高铁岭镇知联会", kind=K.INTELLECTUALS_BRANCH)
    MembershipFactory(person=PersonFactory(area=village, name="陆水村张三"), organization=branch)
    far = PersonFactory(area=other_town, name="官桥镇王五")
    MembershipFactory(person=far, organization=branch)
    far_meeting = MeetingFactory(area=other_town, title="官桥镇说事会")
    far_meeting.attending_organizations.add(branch)
    client.force_login(town_staff)
    body = client.get(reverse("organization_detail", args=[branch.pk])).content.decode()
    assert "陆水村张三" in body
    assert "官桥镇王五" not in body and "官桥镇说事会" not in body


def test_detail_lists_at_most_ten_recent_meetings_and_referrals(client, county_staff, village):
    council = OrganizationFactory(area=village)
    now = timezone.now()
    for days in range(12):
        meeting = MeetingFactory(
            area=village,
            title=f"第{days}天会",
            host_organization=council,
            starts_at=now - dt.timedelta(days=days),
        )
        ProposalFactory(
            meeting=meeting,
            status=ProposalStatus.REFERRED,
            referred_to=council,
            referral_due_on=dt.date(2024, 12, 31),
        )
    client.force_login(county_staff)
    response = client.get(reverse("organization_detail", args=[council.pk]))
    assert len(response.context["meetings"]) == 10
    assert len(response.context["proposals"]) == 10
    body = response.content.decode()
    assert "第0天会" in body and "第9天会" in body and "第10天会" not in body


def test_detail_queries_do_not_grow_with_rows(client, county_staff, village):
    council = OrganizationFactory(area=village)

    def add(n):
        for _ in range(n):
            MembershipFactory(organization=council, person__area=village, person__phone="0")
            hosted = MeetingFactory(area=village, host_organization=council)
            MeetingFactory(area=village).attending_organizations.add(council)
            ProposalFactory(
                meeting=hosted,
                status=ProposalStatus.REFERRED,
                referred_to=council,
                referral_due_on=dt.date(2024, 12, 31),
            )

    add(1)
    client.force_login(county_staff)
    url = reverse("organization_detail", args=[council.pk])
    small = count_queries(client, url)
    add(10)
    # session, user with their area, the organization with area and parent, members with
    # their people, meetings hosted or attended with areas, proposals referred with meeting
    # areas.
    assert count_queries(client, url) == small == 6


def test_village_committee_cannot_open_or_change_another_villages_organization(
    client, village_committee, village, other_village, town
):
    theirs = OrganizationFactory(area=other_village, name="白湖村理事会")
    above = OrganizationFactory(area=town, name="高铁岭镇知联会")
    client.force_login(village_committee)
    for organization in (theirs, above):
        for name in ("organization_detail", "organization_edit"):
            url = reverse(name, args=[organization.pk])
            assert client.get(url).status_code == 404
        response = client.post(
            reverse("organization_edit", args=[organization.pk]),
            organization_post(village, name="改名"),
        )
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.name, theirs.area) == ("白湖村理事会", other_village)


def test_huge_and_unknown_ids_answer_404(client, county_staff):
    client.force_login(county_staff)
    for name in ("organization_detail", "organization_edit"):
        assert client.get(reverse(name, args=[10**20])).status_code == 404
        assert client.get(reverse(name, args=[987654])).status_code == 404


# The organization form ------------------------------------------------------------------------


def test_create_records_an_organization(client, village_committee, hamlet):
    client.force_login(village_committee)
    response = client.post(reverse("organization_create"), organization_post(hamlet))
    organization = Organization.objects.get()
    assert response["Location"] == reverse("organization_detail", args=[organization.pk])
    assert (organization.kind, organization.name, organization.area) == (
        K.VOLUNTEER_TEAM,
        "陆水村志愿服务队",
        hamlet,
    )
    assert organization.founded_on == dt.date(2023, 5, 4)


def test_create_from_an_area_page_prefills_the_area(client, village_committee, village):
    client.force_login(village_committee)
    body = client.get(reverse("organization_create"), {"area": village.pk}).content.decode()
    assert f'<option value="{village.pk}" selected>' in body
    for value in (HUGE, "-1", "x"):
        response = client.get(reverse("organization_create"), {"area": value})
        assert response.status_code == 200
        assert not re.search(r'value="\d+" selected>', response.content.decode())


def test_same_name_in_the_same_area_is_a_field_error(client, village_committee, village, hamlet):
    OrganizationFactory(area=village, name="陆水村志愿服务队")
    client.force_login(village_committee)
    response = client.post(reverse("organization_create"), organization_post(village))
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "陆水村 already has an organization called 陆水村志愿服务队."
    ]
    assert Organization.objects.count() == 1
    # The same name in another area is a different organization.
    response = client.post(reverse("organization_create"), organization_post(hamlet))
    assert response.status_code == 302
    assert Organization.objects.count() == 2


def test_same_name_saved_in_a_race_is_a_form_error_not_a_500(
    client, village_committee, village, monkeypatch
):
    OrganizationFactory(area=village, name="陆水村志愿服务队")
    # As if another request inserted the row between the form's checks and the save.
    monkeypatch.setattr(OrganizationForm, "clean", lambda self: self.cleaned_data)
    monkeypatch.setattr(Organization, "validate_constraints", lambda self, exclude=None: None)
    client.force_login(village_committee)
    response = client.post(reverse("organization_create"), organization_post(village))
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "This area already has an organization with this name."
    ]
    assert Organization.objects.count() == 1


def test_renaming_to_its_own_name_is_not_a_duplicate(client, village_committee, village):
    organization = OrganizationFactory(area=village, name="陆水村志愿服务队")
    client.force_login(village_committee)
    response = client.post(
        reverse("organization_edit", args=[organization.pk]),
        organization_post(village, kind=K.VILLAGER_COUNCIL),
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.kind == K.VILLAGER_COUNCIL


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "会" * 100_000, "Ensure this value has at most 200 characters"),
        ("name", "   ", "This field is required."),
        ("kind", "secret_society", "Select a valid choice."),
        ("area", HUGE, "Select a valid choice."),
        ("area", "", "This field is required."),
        ("founded_on", "2023-02-30", "Enter a valid date."),
        ("founded_on", "2999-01-01", "The founding date cannot be in the future."),
    ],
)
def test_create_refuses_bad_input_and_saves_nothing(
    client, village_committee, village, field, value, message
):
    client.force_login(village_committee)
    response = client.post(
        reverse("organization_create"), organization_post(village, **{field: value})
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert "nothing was saved" in response.content.decode()
    assert not Organization.objects.exists()


def test_create_refuses_an_area_outside_scope(client, village_committee, other_village, town):
    client.force_login(village_committee)
    for place in (other_village, town):
        response = client.post(reverse("organization_create"), organization_post(place))
        assert "Select a valid choice." in response.context["form"].errors["area"][0]
    assert not Organization.objects.exists()


def test_edit_keeps_typed_input_and_the_stored_name_in_the_heading(
    client, village_committee, village
):
    organization = OrganizationFactory(area=village, name="陆水村志愿服务队")
    client.force_login(village_committee)
    response = client.post(
        reverse("organization_edit", args=[organization.pk]),
        organization_post(village, name="新名字", founded_on="2999-01-01"),
    )
    body = response.content.decode()
    assert 'value="新名字"' in body and 'value="2999-01-01"' in body
    assert "陆水村志愿服务队" in body.split("<h1>")[0]
    organization.refresh_from_db()
    assert organization.name == "陆水村志愿服务队"


# Links ----------------------------------------------------------------------------------------


def test_navigation_and_area_page_link_to_organizations(client, village_committee, village):
    organization = OrganizationFactory(area=village, name="陆水村党支部")
    client.force_login(village_committee)
    body = client.get(reverse("area_detail", args=[village.code])).content.decode()
    assert f'href="{reverse("organization_list")}"' in body
    assert f"{reverse('organization_list')}?area={village.pk}" in body
    assert f"{reverse('organization_create')}?area={village.pk}" in body
    assert reverse("organization_detail", args=[organization.pk]) in body
    assert "Add an organization here" in body


def test_superuser_organization_form_offers_one_countys_areas(
    client, admin_user, county, village, elsewhere
):
    client.force_login(admin_user)
    body = client.get(reverse("organization_create")).content.decode()
    assert 'name="founded_on"' not in body
    assert f'href="?area={county.pk}"' in body
    # From a village's page: that village only, chosen.
    body = client.get(reverse("organization_create"), {"area": village.pk}).content.decode()
    assert f'<option value="{village.pk}" selected>' in body and elsewhere.name not in body
    url = f"{reverse('organization_create')}?area={county.pk}"
    refused = client.post(url, organization_post(elsewhere))
    assert "Select a valid choice" in refused.context["form"].errors["area"][0]
    assert client.post(url, organization_post(village)).status_code == 302
    organization = Organization.objects.get(name="陆水村志愿服务队")
    edit = reverse("organization_edit", args=[organization.pk])
    body = client.get(edit).content.decode()
    assert f'<option value="{village.pk}" selected>' in body and elsewhere.name not in body
    assert client.post(edit, organization_post(village, name="陆水村志愿队")).status_code == 302
