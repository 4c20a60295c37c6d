"""Database expressions the reports need and Django does not ship, working on SQLite and
PostgreSQL alike."""

from decimal import Decimal

from django.db import models
from django.db.models import F, FloatField, Func, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, TruncDate
from django.utils import timezone


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (two date expressions), as an integer.

    PostgreSQL subtracts dates to an integer directly; SQLite stores dates as text, so the
    difference goes through ``julianday``. (Django's own date subtraction yields a duration,
    in microseconds on SQLite and an interval on PostgreSQL: not a number of days on both.)
    """

    arity = 2
    output_field = models.IntegerField()

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="((%(expressions)s)::date)",
            arg_joiner=")::date - (",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(ROUND(julianday(%(expressions)s)) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def local_date(field_name):
    """The calendar date of a timestamp in the site's time zone (Asia/Shanghai): a meeting at
    07:30 on 1 October Beijing time was held on 1 October, though it was 30 September in UTC."""
    return TruncDate(field_name, tzinfo=timezone.get_current_timezone())


def as_float(expression):
    # SQLite keeps whole decimals as integers and would divide them as integers (2/3 = 0).
    return Cast(expression, FloatField())


def percent(numerator, denominator):
    """numerator / denominator × 100, in SQL; NULL (shown as “—”) when the denominator is 0."""
    return as_float(numerator) * Value(100.0) / NullIf(as_float(denominator), Value(0.0))


def ratio(numerator, denominator):
    """numerator / denominator, in SQL; NULL when the denominator is 0."""
    return as_float(numerator) / NullIf(as_float(denominator), Value(0.0))


def total(expression, **extra):
    """A sum that is 0, not NULL, over no rows: an empty period counts nothing."""
    return Coalesce(models.Sum(expression, **extra), Value(0))


def money_total(expression, **extra):
    """A sum of yuan that is 0.00 over no rows."""
    return Coalesce(
        models.Sum(expression, output_field=MONEY_FIELD, **extra),
        Value(Decimal("0.00")),
        output_field=MONEY_FIELD,
    )


MONEY_FIELD = models.DecimalField(max_digits=20, decimal_places=2)


def scalar(queryset, expression, output_field=None):
    """``expression`` (an aggregate) over ``queryset`` as a subquery for ``annotate()``.

    The queryset is correlated with ``OuterRef``; the constant ``values()`` keeps Django from
    adding a GROUP BY, so the subquery yields exactly one row, whose value is NULL (or the
    aggregate's own default) when no row matches.
    """
    inner = (
        queryset.order_by()
        .annotate(_one=Value(1))
        .values("_one")
        .annotate(_result=expression)
        .values("_result")
    )
    return Subquery(inner, output_field=output_field or expression.output_field)


# Division codes are digits, at most 15 of them (a hamlet's).
CODE_NINES = "9" * 15


def code_under(path, code):
    """``path`` (an area code) is ``code`` or lies under it, as a Q an index can serve.

    With a fixed ``code`` this is the prefix match (LIKE '421221%'), which the code index
    serves. With a code from another row (an ``OuterRef``: each town of a ranking, each
    village of a target) a LIKE pattern made of a column serves no index and every row of
    the province is read and matched; the same test is then written as a range, which the
    index does serve: codes are digits and at most 15 long, so a code starting with C lies
    between C and C followed by nines, and any other code lies outside.
    """
    if isinstance(code, str):
        return Q(**{f"{path}__startswith": code})
    upper = Concat(code, Value(CODE_NINES), output_field=models.CharField())
    return Q(**{f"{path}__gte": code, f"{path}__lte": upper})


def under_way(queryset, start, end, prefix=""):
    """Projects at work at some time in [start, end]: begun by ``end`` (actually, else as
    planned, else when recorded) and not completed before ``start``.

    ``prefix`` reaches the project through a relation ("project__"); ``start`` and ``end``
    may be dates or expressions (a target's window).
    """
    began = Coalesce(
        F(f"{prefix}actual_start"),
        F(f"{prefix}planned_start"),
        local_date(f"{prefix}created_at"),
        output_field=models.DateField(),
    )
    return (
        queryset.alias(_began=began)
        .filter(_began__lte=end)
        .filter(
            Q(**{f"{prefix}actual_end__isnull": True}) | Q(**{f"{prefix}actual_end__gte": start})
        )
    )
