"""Pagination that costs the same on page 1 of a village and page 10,000 of a province.

Django's ``Paginator`` counts every matching row (``COUNT(*)`` over a million meetings takes
longer than the page itself; PostgreSQL keeps no row count) and reads deep pages with
``OFFSET``, which makes the database fetch and throw away every row before the page.
``ListPaginator`` bounds both, for the staff lists and the admin's changelists alike:

- Unfiltered, a table PostgreSQL estimates above ``estimate_above`` rows shows that
  estimate, read from the catalogue as the planner reads it.
- Otherwise it counts at most ``count_cap + 1`` rows (``TEXT_COUNT_CAP + 1`` when the list
  searches text). Past the cap PostgreSQL's planner estimates the filtered total (never
  less than what was counted).
- Either way ``estimated`` says so, and the page reads "about N" / "（约数）". Other
  databases, used for demos and tests with small data, count exactly, as Django does.
- A list may keep its count between requests (``keep_count``) until the data change.
- A page is read as a *deferred join*: the page's ids are found first in a subquery, which
  an index on the sort columns answers without touching the table, and only those rows are
  then read whole, with their related rows. Deep pages no longer read and throw away every
  row before them, and a filtered page (a county's meetings, say) no longer joins each of
  the county's ten thousand meetings to its organization before keeping 25. One query
  either way.
- A list may keep where its deep pages begin (``keep_marks``): the sort key of a page's
  first row, kept until the data change. A page whose start is kept is read from there
  (a *keyset*: an index range from the mark, whatever the page's depth), and reading a
  page keeps where the next one begins, so paging on from page 10,000 costs what page 1
  does. Only orders a keyset can follow (``keyset_order``) are marked.
"""

import json

from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 10_000
# Text filters (``icontains``) read every candidate row's text, and no index serves a
# two-character Chinese word (trigram indexes need three): counting stops sooner.
TEXT_COUNT_CAP = 200


def count_cap_for(filters, text_field="q"):
    """The count cap for a list filtered by this bound form: lower when it searches text."""
    searching = filters.is_bound and filters.is_valid() and filters.cleaned_data.get(text_field)
    return TEXT_COUNT_CAP if searching else COUNT_CAP


def table_estimate(queryset):
    """PostgreSQL's estimate of the rows in ``queryset``'s table, as its planner makes it
    (the rows per page of the last ANALYZE times the table's current pages); None when the
    table was never analysed. One catalogue query, however big the table."""
    connection = connections[queryset.db]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN c.relpages > 0"
            " THEN c.reltuples / c.relpages"
            " * (pg_relation_size(c.oid) / current_setting('block_size')::int)"
            " ELSE c.reltuples END"
            " FROM pg_class c WHERE c.oid = to_regclass(%s)",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] < 0:
        return None
    return int(row[0])


def deferred_slice(rows, bottom, top):
    """``rows[bottom:top]`` as a deferred join: the slice's ids are chosen first, which an
    index on the ordering answers alone, and only those rows are read whole with their
    related rows. One query, in the queryset's order."""
    return rows.filter(pk__in=rows.values("pk")[bottom:top])


def keyset_order(queryset):
    """The queryset's order as ((column, descending), ...) when a keyset can follow it: plain
    columns of its own table that hold no NULL, the last one unique (the id breaking ties).
    None otherwise (a joined column, an expression, a nullable date)."""
    query = queryset.query
    names = query.order_by or (query.default_ordering and queryset.model._meta.ordering) or ()
    order, field = [], None
    for name in names:
        bare = name.lstrip("-") if isinstance(name, str) else ""
        if bare in {"?", ""} or "__" in bare:
            return None
        try:
            field = queryset.model._meta.get_field(bare)
        except FieldDoesNotExist:
            if bare != "pk":
                return None
            field = queryset.model._meta.pk
        if field.null or not field.concrete or field.is_relation:
            return None
        order.append((field.attname, name.startswith("-")))
    if field is None or not field.unique:
        return None
    return tuple(order)


def at_or_after(order, mark):
    """The rows at the mark (a sort key of ``order``) or after it in that order. The first
    column's bound is spelled out on its own, so an index on the order reads a range."""
    first, descending = order[0]
    bound = Q(**{f"{first}__{'lte' if descending else 'gte'}": mark[0]})
    beyond = Q(**{column: value for (column, _d), value in zip(order, mark, strict=True)})
    for i, (column, descending) in enumerate(order):
        equal = {name: value for (name, _d), value in zip(order[:i], mark[:i], strict=True)}
        beyond |= Q(**equal, **{f"{column}__{'lt' if descending else 'gt'}": mark[i]})
    return bound & beyond


def plan_estimate(queryset):
    """The rows PostgreSQL's planner expects ``queryset`` to return (EXPLAIN, not run)."""
    plan = json.loads(queryset.order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class ListPaginator(Paginator):
    """A ``Paginator`` with estimated counts and deferred-join deep pages (see the module)."""

    count_cap = COUNT_CAP
    estimate_above = COUNT_CAP
    # Rows before a page from which it is read as a deferred join: every page, by default.
    deep_offset = 0
    # Rows before a page from which its start is kept (keep_marks); shallower pages cost
    # little by offset, and a round trip to the cache more than they would save.
    mark_from = 2_500

    def __init__(
        self,
        object_list,
        per_page,
        *args,
        count_cap=None,
        keep_count=None,
        keep_marks=None,
        **kwargs,
    ):
        super().__init__(object_list, per_page, *args, **kwargs)
        if count_cap is not None:
            self.count_cap = count_cap
        # keep_count(compute) returns compute()'s value, or the one it kept from an earlier
        # request (consultations.aggregates.list_keepers): paging through a list counts once.
        self.keep_count = keep_count
        # keep_marks.get(order, numbers) -> {number: key} and .set(order, {number: key}):
        # where pages begin, kept between requests (consultations.aggregates.PageMarks).
        self.keep_marks = keep_marks
        self.estimated = False

    @cached_property
    def count(self):
        if self.keep_count is None:
            return self._count()
        count, self.estimated = self.keep_count(lambda: (self._count(), self.estimated))
        return count

    def _count(self):
        queryset = self.object_list
        if (
            not isinstance(queryset, QuerySet)
            or connections[queryset.db].vendor != "postgresql"
            or queryset.query.is_empty()
        ):
            return super().count
        if not queryset.query.where and not queryset.query.combinator:
            estimate = table_estimate(queryset)
            if estimate is not None and estimate > self.estimate_above:
                self.estimated = True
                return estimate
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
        order = keyset_order(rows) if self.keep_marks and bottom >= self.mark_from else None
        if order is None:
            return self._get_page(
                deferred_slice(rows, bottom, bottom + self.per_page), number, self
            )
        return self._get_page(self._marked_page(rows, order, number, bottom), number, self)

    def _marked_page(self, rows, order, number, bottom):
        """The page's rows, found from where it begins when that is kept (by offset when it
        is not), keeping where it and the next page begin. Two queries: the page's sort keys
        from the index on the order, then its rows by id."""
        kept = self.keep_marks.get(order, [number, number + 1])
        mark = kept.get(number)
        columns = [column for column, _descending in order]
        if mark is None:
            keys = rows.values_list(*columns)[bottom : bottom + self.per_page + 1]
        else:
            keys = rows.filter(at_or_after(order, mark)).values_list(*columns)[: self.per_page + 1]
        keys = list(keys)
        found = {
            number + k: keys[k * self.per_page] for k in (0, 1) if k * self.per_page < len(keys)
        }
        if new := {n: key for n, key in found.items() if n not in kept}:
            self.keep_marks.set(order, new)
        unique = order[-1][0]
        return rows.filter(**{f"{unique}__in": [key[-1] for key in keys[: self.per_page]]})
