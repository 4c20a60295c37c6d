"""Pagination that costs the same on page 1 of a village and page 10,000 of a province.

Django's ``Paginator`` counts every matching row (``COUNT(*)`` over a million meetings takes
longer than the page itself) and reads deep pages with ``OFFSET``, which makes the database
fetch and throw away every row before the page. ``ListPaginator`` bounds both:

- It counts at most ``COUNT_CAP + 1`` rows (``TEXT_COUNT_CAP + 1`` when searching text).
  Past the cap PostgreSQL's planner estimates the total (the page then says the number is
  approximate); other databases, used for demos and tests with small data, count exactly.
- From ``DEEP_OFFSET`` rows on, a page is read as a *deferred join*: the page's ids are
  found first in a subquery, which an index on the sort columns answers without touching the
  table, and only those rows are then read whole. One query either way.
"""

import json

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 10_000
# Text filters (``icontains``) read every candidate row's text, and no index serves a
# two-character Chinese word (trigram indexes need three): counting stops sooner.
TEXT_COUNT_CAP = 200
DEEP_OFFSET = 1_000


def count_cap_for(filters, text_field="q"):
    """The count cap for a list filtered by this bound form: lower when it searches text."""
    searching = filters.is_bound and filters.is_valid() and filters.cleaned_data.get(text_field)
    return TEXT_COUNT_CAP if searching else COUNT_CAP


def estimated_rows(queryset):
    """PostgreSQL's planner estimate of how many rows ``queryset`` returns, or None."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class ListPaginator(Paginator):
    """A ``Paginator`` with a capped count and deferred-join deep pages (see the module)."""

    def __init__(self, object_list, per_page, *, count_cap=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_cap = COUNT_CAP if count_cap is None else count_cap
        self.estimated = False

    @cached_property
    def count(self):
        if not isinstance(self.object_list, QuerySet):
            return super().count
        capped = self.object_list.order_by()[: self.count_cap + 1].count()
        if capped <= self.count_cap:
            return capped
        estimate = estimated_rows(self.object_list)
        if estimate is None:
            return self.object_list.count()
        self.estimated = True
        # The estimate may fall short of what was just counted; never show fewer.
        return max(estimate, capped)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        rows = self.object_list
        if isinstance(rows, QuerySet) and bottom >= DEEP_OFFSET:
            rows = rows.filter(pk__in=rows.values("pk")[bottom:top])
        else:
            rows = rows[bottom:top]
        return self._get_page(rows, number, self)
