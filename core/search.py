"""Text search in the staff lists: a substring of any of some text columns."""

from django.db.models import Q


def containing(term, *fields):
    """Rows whose ``fields`` contain ``term``, ignoring case where the term has any.

    Chinese characters have no case. A term without a cased letter (路灯, 2024) is matched as
    typed, by the column's own LIKE rather than ``UPPER(column) LIKE``: PostgreSQL estimates
    the plain LIKE from the column's statistics, so a list walks its sort index until a page
    is full instead of upper-casing every row's minutes first (docs/benchmarks.md)."""
    lookup = "icontains" if term.lower() != term.upper() else "contains"
    found = Q()
    for field in fields:
        found |= Q(**{f"{field}__{lookup}": term})
    return found
