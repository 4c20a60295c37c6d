"""The one mechanism that bounds what a user may see: their area and everything under it.

Every model whose rows belong to an area gets ``within(area)`` and ``visible_to(user)`` from
``ScopedQuerySet``; views, exports and admin classes go through ``visible_to`` or
``get_object_for_user_or_404`` rather than checking areas themselves.
"""

from django.db import models
from django.http import Http404

# Every area lies in a county, whose code is the first six digits of its own
# (organizations.models.CODE_LENGTH).
COUNTY_CODE_LENGTH = 6


def county_code(code):
    """The code of the county an area's code lies in."""
    return code[:COUNTY_CODE_LENGTH]


def user_area(user):
    """The area a signed-in user works in; None means everywhere (superusers) or nowhere."""
    return getattr(user, "area", None)


def sees_everything(user) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def user_scope(user):
    """What a user sees, as part of a cache scope: everything, an area's subtree, or nothing."""
    if sees_everything(user):
        return "all"
    area_id = getattr(user, "area_id", None) if user.is_authenticated else None
    return f"area-{area_id}" if area_id is not None else "none"


def user_bound(user):
    """The area that bounds what a user sees; None for everything (or nothing)."""
    return None if sees_everything(user) or not user.is_authenticated else user_area(user)


class ScopedQuerySet(models.QuerySet):
    """A QuerySet whose rows hang off an area, reached through ``area_code_lookup``."""

    area_code_lookup = "area__code"
    # The row's own copy of its county's code, where it keeps one (a meeting, a proposal):
    # a county's rows are then one index range in date order, with no join to the areas.
    county_code_lookup = None

    def within(self, area):
        """Rows in this area or anywhere under it: one indexed prefix match on the code,
        or on the row's county code first where it keeps one."""
        if self.county_code_lookup is None:
            return self.filter(**{f"{self.area_code_lookup}__startswith": area.code})
        county = self.filter(**{self.county_code_lookup: county_code(area.code)})
        if len(area.code) == COUNTY_CODE_LENGTH:
            return county
        return county.filter(**{f"{self.area_code_lookup}__startswith": area.code})

    def visible_to(self, user):
        """What this user may see: everything for superusers, their area's subtree otherwise."""
        if sees_everything(user):
            return self
        area = user_area(user) if user.is_authenticated else None
        if area is None:
            return self.none()
        return self.within(area)


def get_object_for_user_or_404(queryset, user, **lookup):
    """The object if it exists inside the user's scope; 404 both when missing and out of scope,
    so that a guessed id tells nothing about records elsewhere."""
    try:
        return queryset.visible_to(user).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc
