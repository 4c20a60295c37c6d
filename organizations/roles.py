"""The staff roles. Each is a Django group; the user's area bounds its reach."""

from django.utils.translation import gettext_lazy as _

COUNTY_STAFF = "county_staff"
TOWN_STAFF = "town_staff"
VILLAGE_COMMITTEE = "village_committee"

ROLE_GROUPS = {
    COUNTY_STAFF: _("County staff"),
    TOWN_STAFF: _("Town staff"),
    VILLAGE_COMMITTEE: _("Village committee"),
}
