"""Small template helpers shared by the staff pages."""

from decimal import Decimal

from django import template
from django.utils import numberformat

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """The current query string with some parameters replaced: keeps filters across pages."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


def _grouped(value, places):
    # Grouping spelled out: with use_l10n off Django reads settings.NUMBER_GROUPING, which is 0.
    return numberformat.format(
        value, ".", decimal_pos=places, grouping=3, thousand_sep=",", force_grouping=True
    )


@register.filter
def money(value):
    """1234567.5 → 1,234,567.50 (yuan, grouped by thousands as finance forms write it)."""
    if value is None or value == "":
        return "—"
    return _grouped(Decimal(value), 2)


@register.filter
def amount(value):
    """A count or labour days, grouped, without trailing zeros: 1,234 or 12.5."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    places = 0 if value == value.to_integral() else 2
    return _grouped(value, places)


@register.filter
def pct(value):
    """A percentage with one decimal, or a dash when there is nothing to divide."""
    if value is None:
        return "—"
    return f"{Decimal(value):.1f}%"
