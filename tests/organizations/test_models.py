"""Territory, organisations and people: the tree queries and the rules the database holds."""

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.utils import translation

from consultations.models import Meeting, MeetingFormat
from organizations.models import (
    Area,
    AreaLevel,
    Highlight,
    Membership,
    Organization,
    Person,
)
from tests.factories import MembershipFactory, OrganizationFactory, PersonFactory
from tests.integrity import violates, violates_unique


def _area(code, name, parent):
    level = {6: AreaLevel.COUNTY, 9: AreaLevel.TOWN, 12: AreaLevel.VILLAGE, 15: AreaLevel.HAMLET}
    return Area.objects.create(code=code, name=name, level=level[len(code)], parent=parent)


@pytest.fixture
def tree(county, town, village, hamlet, other_village, other_town):
    """Two towns, each with villages and hamlets:

    嘉鱼县 ─ 高铁岭镇 ─ 陆水村 ─ 孙家, 李家
                    └ 白湖村 ─ 湖边
           └ 官桥镇 ─ 官桥村 ─ 周家
    """
    return SimpleNamespace(
        county=county,
        town=town,
        village=village,
        hamlet=hamlet,
        second_hamlet=_area("421221101201002", "李家", village),
        other_village=other_village,
        other_village_hamlet=_area("421221101202001", "湖边", other_village),
        other_town=other_town,
        other_town_village=(otv := _area("421221102201", "官桥村", other_town)),
        other_town_hamlet=_area("421221102201001", "周家", otv),
    )


# --- the tree -------------------------------------------------------------------------------


def test_subtree_of_county_is_the_whole_tree(tree):
    assert set(Area.objects.subtree(tree.county)) == set(vars(tree).values())


def test_subtree_of_town_is_the_town_and_everything_under_it_only(tree):
    assert set(Area.objects.subtree(tree.town)) == {
        tree.town,
        tree.village,
        tree.hamlet,
        tree.second_hamlet,
        tree.other_village,
        tree.other_village_hamlet,
    }


def test_subtree_of_village_is_the_village_and_its_hamlets_only(tree):
    assert set(Area.objects.subtree(tree.village)) == {
        tree.village,
        tree.hamlet,
        tree.second_hamlet,
    }


def test_subtree_of_hamlet_is_the_hamlet_alone(tree):
    assert list(Area.objects.subtree(tree.hamlet)) == [tree.hamlet]


def test_descendants_leave_out_the_area_itself(tree):
    assert set(Area.objects.descendants(tree.village)) == {tree.hamlet, tree.second_hamlet}
    assert not Area.objects.descendants(tree.hamlet).exists()


def test_ancestors_of_hamlet_run_county_town_village_in_order(tree):
    assert list(Area.objects.ancestors(tree.hamlet)) == [tree.county, tree.town, tree.village]


def test_ancestors_of_town_are_the_county_alone_and_county_has_none(tree):
    assert list(Area.objects.ancestors(tree.other_town)) == [tree.county]
    assert not Area.objects.ancestors(tree.county).exists()


def test_full_name_runs_from_the_town_down_without_the_county(tree):
    assert tree.hamlet.full_name == "高铁岭镇陆水村孙家"
    assert tree.other_town_village.full_name == "官桥镇官桥村"
    assert tree.town.full_name == "高铁岭镇"
    assert tree.county.full_name == "嘉鱼县"


def test_subtree_runs_in_one_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        # 1. SELECT the areas WHERE code LIKE '421221101%'
        areas = list(Area.objects.subtree(tree.town))
    assert len(areas) == 6


def test_of_level_keeps_one_level(tree):
    assert set(Area.objects.subtree(tree.town).of_level(AreaLevel.HAMLET)) == {
        tree.hamlet,
        tree.second_hamlet,
        tree.other_village_hamlet,
    }


def test_area_with_children_cannot_be_deleted(tree):
    with pytest.raises(ProtectedError):
        tree.village.delete()
    assert Area.objects.filter(pk=tree.village.pk).exists()


# --- organisations and people within an area -------------------------------------------------


def test_organizations_within_area_are_those_in_its_subtree(tree):
    in_village = OrganizationFactory(area=tree.village, name="陆水村村民理事会")
    in_hamlet = OrganizationFactory(area=tree.hamlet, name="孙家志愿服务队")
    in_other_village = OrganizationFactory(area=tree.other_village, name="白湖村村民理事会")
    in_other_town = OrganizationFactory(area=tree.other_town, name="官桥镇新联会")

    assert set(Organization.objects.within(tree.village)) == {in_village, in_hamlet}
    assert set(Organization.objects.within(tree.town)) == {
        in_village,
        in_hamlet,
        in_other_village,
    }
    assert set(Organization.objects.within(tree.county)) == {
        in_village,
        in_hamlet,
        in_other_village,
        in_other_town,
    }


def test_people_within_area_are_those_in_its_subtree(tree):
    in_hamlet = PersonFactory(area=tree.hamlet)
    in_other_hamlet = PersonFactory(area=tree.other_village_hamlet)
    in_other_town = PersonFactory(area=tree.other_town_hamlet)

    assert set(Person.objects.within(tree.hamlet)) == {in_hamlet}
    assert set(Person.objects.within(tree.town)) == {in_hamlet, in_other_hamlet}
    assert set(Person.objects.within(tree.other_town)) == {in_other_town}


# --- Area.clean ------------------------------------------------------------------------------


def test_clean_accepts_a_code_under_the_parents_code(town):
    Area(code="421221101299", name="新村", level=AreaLevel.VILLAGE, parent=town).clean()


def test_clean_refuses_a_code_not_starting_with_the_parents_code(town):
    area = Area(code="421221102299", name="新村", level=AreaLevel.VILLAGE, parent=town)
    with pytest.raises(ValidationError) as excinfo:
        area.clean()
    assert list(excinfo.value.message_dict) == ["code"]


def test_clean_refuses_a_parent_that_is_not_one_level_up(county):
    area = Area(code="421221101299", name="新村", level=AreaLevel.VILLAGE, parent=county)
    with pytest.raises(ValidationError) as excinfo:
        area.clean()
    assert list(excinfo.value.message_dict) == ["parent"]


def test_clean_refuses_a_code_of_the_wrong_length_for_the_level(town):
    area = Area(code="4212211012", name="新村", level=AreaLevel.VILLAGE, parent=town)
    with pytest.raises(ValidationError) as excinfo:
        area.clean()
    assert list(excinfo.value.message_dict) == ["code"]


# --- database rules: Area ------------------------------------------------------------------------


def test_areas_with_code_length_matching_level_are_stored(town):
    village = Area.objects.create(
        code="421221101209", name="新村", level=AreaLevel.VILLAGE, parent=town
    )
    hamlet = Area.objects.create(
        code="421221101209001", name="王家", level=AreaLevel.HAMLET, parent=village
    )
    assert set(Area.objects.descendants(town)) == {village, hamlet}


@pytest.mark.parametrize(
    ("level", "code"),
    [
        (AreaLevel.COUNTY, "42122"),
        (AreaLevel.TOWN, "421221"),
        (AreaLevel.VILLAGE, "421221101"),
        (AreaLevel.HAMLET, "421221101201"),
    ],
)
def test_area_code_length_not_matching_level_is_refused(county, level, code):
    parent = None if level == AreaLevel.COUNTY else county
    with violates("area_code_length_matches_level"), transaction.atomic():
        Area.objects.create(code=code, name="错码", level=level, parent=parent)


def test_area_code_length_cannot_be_changed_by_update(village):
    with violates("area_code_length_matches_level"), transaction.atomic():
        Area.objects.filter(pk=village.pk).update(level=AreaLevel.TOWN)


def test_area_other_than_county_without_parent_is_refused(db):
    with violates("area_only_county_has_no_parent"), transaction.atomic():
        Area.objects.create(code="421221101", name="孤镇", level=AreaLevel.TOWN, parent=None)


def test_county_without_parent_is_stored(db):
    county = Area.objects.create(code="421222", name="赤壁市", level=AreaLevel.COUNTY)
    assert county.parent_id is None


def test_area_code_is_unique(town, county):
    duplicate_code = violates_unique("organizations_area_code", "organizations_area", "code")
    with duplicate_code, transaction.atomic():
        Area.objects.create(code=town.code, name="重复镇", level=AreaLevel.TOWN, parent=county)


# --- database rules: organisations, memberships, highlights ------------------------------------


def test_organization_name_is_unique_within_an_area(village):
    Organization.objects.create(kind="villager_council", name="村民理事会", area=village)
    with (
        violates_unique(
            "organization_unique_name_in_area",
            "organizations_organization",
            "area_id",
            "name",
        ),
        transaction.atomic(),
    ):
        Organization.objects.create(kind="volunteer_team", name="村民理事会", area=village)


def test_same_organization_name_in_another_area_is_stored(village, other_village):
    Organization.objects.create(kind="villager_council", name="村民理事会", area=village)
    Organization.objects.create(kind="villager_council", name="村民理事会", area=other_village)
    assert Organization.objects.filter(name="村民理事会").count() == 2


@pytest.fixture
def member(village):
    return SimpleNamespace(
        person=PersonFactory(area=village),
        organization=OrganizationFactory(area=village),
    )


def test_membership_is_unique_per_person_organization_and_start(member):
    MembershipFactory(**vars(member), started_on=dt.date(2024, 1, 1))
    with (
        violates_unique(
            "membership_unique_person_organization_start",
            "organizations_membership",
            "person_id",
            "organization_id",
            "started_on",
        ),
        transaction.atomic(),
    ):
        MembershipFactory(**vars(member), started_on=dt.date(2024, 1, 1))


def test_membership_again_with_a_new_start_is_stored(member):
    MembershipFactory(**vars(member), started_on=dt.date(2020, 1, 1), ended_on=dt.date(2022, 1, 1))
    MembershipFactory(**vars(member), started_on=dt.date(2024, 1, 1))
    assert Membership.objects.filter(person=member.person).count() == 2


def test_membership_ending_before_it_starts_is_refused(member):
    with violates("membership_ends_after_start"), transaction.atomic():
        MembershipFactory(
            **vars(member), started_on=dt.date(2024, 1, 2), ended_on=dt.date(2024, 1, 1)
        )


def test_membership_ending_on_its_start_day_is_stored(member):
    membership = MembershipFactory(
        **vars(member), started_on=dt.date(2024, 1, 1), ended_on=dt.date(2024, 1, 1)
    )
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_area_has_at_most_one_highlight(village):
    Highlight.objects.create(area=village, title="荷花村")
    second = violates_unique(
        "organizations_highlight_area_id", "organizations_highlight", "area_id"
    )
    with second, transaction.atomic():
        Highlight.objects.create(area=village, title="第二个特色")


def test_organization_with_members_cannot_be_deleted(member):
    MembershipFactory(**vars(member))
    with pytest.raises(ProtectedError):
        member.organization.delete()


# --- people ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("0715-1234567", "071****4567"),
        ("123456", "****"),
        ("", ""),
    ],
)
def test_masked_phone_shows_neither_the_whole_number_nor_nothing_of_it(phone, masked):
    assert Person(phone=phone).masked_phone == masked


# --- PostgreSQL: the prefix query uses an index --------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN and pattern-ops indexes are PostgreSQL's"
)
def test_subtree_prefix_query_can_use_the_code_index_on_postgresql(county):
    towns = Area.objects.bulk_create(
        Area(code=f"421221{t:03d}", name=f"镇{t}", level=AreaLevel.TOWN, parent=county)
        for t in range(100, 110)
    )
    Area.objects.bulk_create(
        Area(code=f"{town.code}{v:03d}", name=f"村{v}", level=AreaLevel.VILLAGE, parent=town)
        for town in towns
        for v in range(200, 400)
    )
    assert Area.objects.count() > 2000
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE organizations_area")
        # Only for this test's transaction: make the planner show whether an index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")

    plan = Area.objects.subtree(towns[3]).explain()

    assert "Index" in plan, plan
    # "Index Scan using <index> on …" or "Bitmap Index Scan on <index>"
    index_names = re.findall(r"Index (?:Only )?Scan (?:using|on) (\S+)", plan)
    assert any("code" in name for name in index_names), plan
    assert Area.objects.subtree(towns[3]).count() == 201


def test_choice_labels_follow_the_language_of_the_request():
    record = Meeting(format=MeetingFormat.COURTYARD)
    with translation.override("zh-hans"):
        chinese = record.get_format_display()
    with translation.override("en"):
        english = record.get_format_display()
    assert (chinese, english) == ("屋场会", "Courtyard meeting")
