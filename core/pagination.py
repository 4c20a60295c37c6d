"""Pagination that costs the same on page 1 of a village and page 10,000 of a province.

Django's ``Paginator`` counts every matching row (``COUNT(*)`` over a million meetings takes
longer than the page itself; PostgreSQL keeps no row count) and reads deep pages with
``OFFSET``, which makes the database fetch and throw away every row before the page.
``ListPaginator`` bounds both, for the staff lists and the admin's changelists alike:

- It counts at most ``count_cap + 1`` rows (``TEXT_COUNT_CAP + 1`` when the list searches
  text), from the index on the list's rows. Past the cap PostgreSQL's planner estimates the
  total (never less than what was counted), ``estimated`` says so, and the page reads
  "about N" / "（约数）". Other
  databases, used for demos and tests with small data, count exactly, as Django does.
- A page is read as a *deferred join*: the page's ids are found first in a subquery, which
  an index on the sort columns answers without touching the table, and only those rows are
  then read whole, with their related rows. Deep pages no longer read and throw away every
  row before them, and a filtered page (a county's meetings, say) no longer joins each of
  the county's ten thousand meetings to its organization before keeping 25. One query
  either way.
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


def count_cap_for(filters, text_field="q"):
    """The count cap for a list filtered by this bound form: lower when it searches text."""
    searching = filters.is_bound and filters.is_valid() and filters.cleaned_data.get(text_field)
    return TEXT_COUNT_CAP if searching else COUNT_CAP


def deferred_slice(rows, bottom, top):
    """``rows[bottom:top]`` as a deferred join: the slice's ids are chosen first, which an
    index on the ordering answers alone, and only those rows are read whole with their
    related rows. One query, in the queryset's order."""
    return rows.filter(pk__in=rows.values("pk")[bottom:top])


def plan_estimate(queryset):
    """The rows PostgreSQL's planner expects ``queryset`` to return (EXPLAIN, not run)."""
    plan = json.loads(queryset.order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class ListPaginator(Paginator):
    """A ``Paginator`` with estimated counts and deferred-join deep pages (see the module)."""

    count_cap = COUNT_CAP
    # Rows before a page from which it is read as a deferred join: every page, by default.
    deep_offset = 0

    def __init__(self, object_list, per_page, *args, count_cap=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if count_cap is not None:
            self.count_cap = count_cap
        self.estimated = False

    @cached_property
    def count(self):
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or connections[queryset.db].vendor != "postgresql":
            return super().count
        counted = queryset.order_by().values("pk")[: self.count_cap + 1].count()
        if counted <= self.count_cap:
            return counted
        self.estimated = True
        return max(counted, plan_estimate(queryset))

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list
        if not isinstance(rows, QuerySet) or bottom < self.deep_offset:
            return super().page(number)
        return self._get_page(deferred_slice(rows, bottom, bottom + self.per_page), number, self)
