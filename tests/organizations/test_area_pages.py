"""Territory pages: county → town → village → hamlet."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import cache as figures
from organizations.models import OrganizationKind, PersonCategory
from tests.factories import (
    HighlightFactory,
    MeetingFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
    TownFactory,
    UserFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

C = PersonCategory


@pytest.fixture(autouse=True)
def _english(settings):
    # Labels are asserted in their English source text.
    settings.LANGUAGE_CODE = "en"


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def people(area, **counts):
    for category, n in counts.items():
        for _ in range(n):
            PersonFactory(area=area, category=category)


@pytest.fixture
def territory(county, town, village, hamlet, other_village, other_town):
    """People, organizations, meetings and proposals spread over the tree, counted by hand."""
    people(village, party_member=2, village_worthy=1)
    people(hamlet, villager=3, party_member=1)
    people(other_village, villager=5)
    far_village = VillageFactory(parent=other_town, name="官桥村")
    people(far_village, new_social_class=4)
    OrganizationFactory(area=village, name="陆水村党支部", kind=OrganizationKind.PARTY_BRANCH)
    OrganizationFactory(area=hamlet, name="孙家理事会", kind=OrganizationKind.VILLAGER_COUNCIL)
    OrganizationFactory(
        area=town, name="高铁岭镇知联会", kind=OrganizationKind.INTELLECTUALS_BRANCH
    )
    village_meeting = MeetingFactory(area=village, title="陆水村群众说事")
    hamlet_meeting = MeetingFactory(area=hamlet, title="孙家屋场会")
    ProposalFactory(meeting=village_meeting, title="修路")
    ProposalFactory(meeting=hamlet_meeting, title="清塘")
    ProposalFactory(meeting=hamlet_meeting, title="装路灯")
    other_meeting = MeetingFactory(area=other_village, title="白湖村夜话")
    ProposalFactory(meeting=other_meeting, title="白湖村修渠")
    MeetingFactory(area=far_village, title="官桥村夜话")
    HighlightFactory(area=town, title="田园高铁岭", description="一镇一品牌")
    HighlightFactory(area=village, title="陆水清风")
    return far_village


def get(client, user, area):
    client.force_login(user)
    return client.get(reverse("area_detail", args=[area.code]))


def members_table(html):
    words = text(html)
    start = words.index("Members by category")
    # From the table's heading to the next card's (the navigation names Organizations too).
    return words[start : words.index("Organizations", start)]


def test_village_page_counts_members_of_the_village_and_its_hamlets(
    client, village_committee, village, territory
):
    response = get(client, village_committee, village)
    assert response.status_code == 200
    members = members_table(response.content.decode())
    assert "CPC member 3" in members
    assert "Village worthy 1" in members
    assert "Villager 3" in members
    assert "New social class 0" in members
    assert "Total 7" in members


def test_town_page_counts_members_of_all_its_villages(client, town_staff, town, territory):
    members = members_table(get(client, town_staff, town).content.decode())
    assert "CPC member 3" in members
    assert "Villager 8" in members
    assert "New social class 0" in members
    assert "Total 12" in members


def test_county_page_counts_everyone_and_lists_towns_with_counts(
    client, county_staff, county, territory
):
    html = get(client, county_staff, county).content.decode()
    words = text(html)
    assert "New social class 4" in words and "Total 16" in words
    # 高铁岭镇: 3 meetings (village, hamlet, other village) and 4 proposals; 官桥镇: 1 and 0.
    assert "高铁岭镇 田园高铁岭 3 4" in words
    assert "官桥镇 — 1 0" in words
    assert reverse("area_detail", args=["421221101"]) in html


def test_town_page_shows_brand_villages_with_counts_and_organizations(
    client, town_staff, town, village, other_village, territory
):
    html = get(client, town_staff, town).content.decode()
    words = text(html)
    assert "Town brand: 田园高铁岭" in words and "一镇一品牌" in words
    assert "Villages" in words
    assert "陆水村 陆水清风 2 3" in words
    assert "白湖村 — 1 1" in words
    assert reverse("area_detail", args=[village.code]) in html
    # The association branch sits in the town itself; the others below, counted per kind.
    assert "高铁岭镇知联会 Non-party intellectuals association branch" in words
    assert "Party branch 1" in words and "Villager council 1" in words


def test_village_page_lists_recent_meetings_and_matters_of_its_subtree(
    client, village_committee, village, territory
):
    html = get(client, village_committee, village).content.decode()
    words = text(html)
    assert "Village feature: 陆水清风" in words
    assert "孙家屋场会" in html and "陆水村群众说事" in html
    assert "白湖村夜话" not in html
    assert "清塘" in html and "装路灯" in html and "修路" in html
    assert "白湖村修渠" not in html
    assert "Raised" in words
    assert "Hamlets" in words and "孙家" in words
    assert "陆水村党支部 Party branch" in words


def test_recent_lists_stop_at_ten(client, village_committee, village):
    for i in range(12):
        ProposalFactory(meeting=MeetingFactory(area=village, title=f"会议{i:02d}"))
    html = get(client, village_committee, village).content.decode()
    assert len(re.findall(r'href="/meetings/\d+/"', html)) == 10
    assert len(re.findall(r'href="/matters/\d+/"', html)) == 10


def test_recent_matters_are_those_of_the_latest_meetings(client, village_committee, village):
    older = MeetingFactory(area=village, starts_at=dt.datetime(2024, 9, 1, 19, tzinfo=dt.UTC))
    newer = MeetingFactory(area=village, starts_at=dt.datetime(2024, 10, 1, 19, tzinfo=dt.UTC))
    ProposalFactory(meeting=newer, title="新会议的事")
    # Recorded later, at the older meeting (typed in after the fact).
    ProposalFactory(meeting=older, title="旧会议补录的事")
    html = get(client, village_committee, village).content.decode()
    assert html.index("新会议的事") < html.index("旧会议补录的事")


def test_hamlet_page_opens_with_its_ancestors(client, village_committee, hamlet, territory):
    response = get(client, village_committee, hamlet)
    assert response.status_code == 200
    words = text(response.content.decode())
    assert "嘉鱼县 › 高铁岭镇 › 陆水村 › 孙家" in words


def test_ancestors_above_the_users_area_are_plain_text(
    client, village_committee, town_staff, county, town, village
):
    html = get(client, village_committee, village).content.decode()
    crumbs = html[
        html.index('class="breadcrumbs"') : html.index("</nav>", html.index("breadcrumbs"))
    ]
    assert "嘉鱼县" in crumbs and "高铁岭镇" in crumbs
    assert "href" not in crumbs

    html = get(client, town_staff, village).content.decode()
    crumbs = html[
        html.index('class="breadcrumbs"') : html.index("</nav>", html.index("breadcrumbs"))
    ]
    assert reverse("area_detail", args=[town.code]) in crumbs
    assert reverse("area_detail", args=[county.code]) not in crumbs


def test_village_committee_cannot_open_another_village_or_the_town(
    client, village_committee, other_village, town, county
):
    for area in (other_village, town, county):
        assert get(client, village_committee, area).status_code == 404
    assert client.get(reverse("area_detail", args=["999999"])).status_code == 404
    assert client.get(reverse("area_detail", args=["not-a-code"])).status_code == 404


def test_town_staff_cannot_open_another_town(client, town_staff, other_town):
    assert get(client, town_staff, other_town).status_code == 404


def test_area_home_opens_the_users_own_area(client, village_committee, village):
    client.force_login(village_committee)
    response = client.get(reverse("area_home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("area_detail", args=[village.code])


def test_area_home_lists_counties_for_a_superuser_without_area(client, admin_user, territory):
    client.force_login(admin_user)
    response = client.get(reverse("area_home"))
    assert response.status_code == 200
    words = text(response.content.decode())
    assert "嘉鱼县 4 4" in words


def test_area_home_explains_when_the_user_has_no_area(client, db):
    client.force_login(UserFactory(username="nobody", area=None))
    response = client.get(reverse("area_home"))
    assert response.status_code == 200
    assert "has no area yet" in response.content.decode()


def test_area_pages_require_sign_in(client, village):
    response = client.get(reverse("area_detail", args=[village.code]))
    assert response.status_code == 302


def _grow(county, town):
    """Ten more towns and ten more villages, with people, organizations, meetings, proposals."""
    for _ in range(10):
        village = VillageFactory(parent=town)
        other_village = VillageFactory(parent=TownFactory(parent=county))
        HighlightFactory(area=village)
        HighlightFactory(area=other_village.parent)
        for area in (village, other_village):
            for category in (C.PARTY_MEMBER, C.VILLAGER, C.NON_PARTISAN):
                PersonFactory(area=area, category=category)
            OrganizationFactory(area=area)
            ProposalFactory(meeting=MeetingFactory(area=area))
        OrganizationFactory(area=town, kind=OrganizationKind.NEW_CLASS_BRANCH)
        OrganizationFactory(area=county, kind=OrganizationKind.NEW_CLASS_BRANCH)


def count(client, user, area):
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("area_detail", args=[area.code])).status_code == 200
    return ctx.captured_queries


def test_area_pages_query_count_does_not_grow_with_rows(
    client, county_staff, town_staff, county, town, territory
):
    small = {area: count(client, county_staff, area) for area in (county, town)}
    _grow(county, town)
    # Factories write past the site's write paths: say what changed, as each of them does.
    figures.changed(county)
    large = {area: count(client, county_staff, area) for area in (county, town)}
    # 1 session, 2 user with their area, 3 the area with its highlight and parent,
    # 4 its ancestors (none above a county: no query), 5 people per category,
    # 6 organizations below per kind, 7 organizations in the area, 8 child areas with
    # their highlight, 9-10 meetings and proposals per child area (one GROUP BY each),
    # 11 recent meetings, 12 recent proposals.
    assert len(small[town]) == 12, [q["sql"] for q in small[town]]
    assert len(small[county]) == 11, [q["sql"] for q in small[county]]
    assert len(large[town]) == len(small[town])
    assert len(large[county]) == len(small[county])


def test_a_territory_page_shows_changes_at_once(client, town_staff, town, village, territory):
    # A village's new feature, a new organization and a new person show on the next visit.
    assert "Total 12" in members_table(get(client, town_staff, town).content.decode())
    feature = village.highlight
    feature.title = "新特色"
    feature.save()
    page = get(client, town_staff, town).content.decode()
    assert "新特色" in page and "陆水清风" not in page
    OrganizationFactory(area=town, name="新成立的志愿服务队")
    PersonFactory(area=village, category=PersonCategory.VILLAGER)
    page = get(client, town_staff, town).content.decode()
    assert "新成立的志愿服务队" in page
    assert "Total 13" in members_table(page)


def test_a_territory_page_links_to_recording_a_meeting_there(client, admin_user, village):
    link = f"{reverse('meeting_create')}?area={village.code}"
    assert f'href="{link}"' in get(client, admin_user, village).content.decode()
    # The form opens on the village, even for a user who would otherwise choose a county.
    body = client.get(link).content.decode()
    assert f'<option value="{village.pk}" selected>' in body
