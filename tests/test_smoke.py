from organizations.models import Area


def test_role_groups_exist_after_migrations(db):
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {
        "county_staff",
        "town_staff",
        "village_committee",
    }


def test_subtree_of_town_is_town_village_and_hamlet(town, village, hamlet, other_town):
    assert set(Area.objects.subtree(town)) == {town, village, hamlet}
