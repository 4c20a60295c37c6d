from django.db import migrations

# Frozen here rather than imported: a migration must not change when the code does.
ROLE_GROUP_NAMES = ["county_staff", "town_staff", "village_committee"]


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUP_NAMES:
        Group.objects.get_or_create(name=name)


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUP_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("organizations", "0001_territory_organizations_people_users"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
