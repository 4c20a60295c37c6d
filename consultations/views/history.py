"""The change history of a record on a page of its own (the record pages link to it)."""

from django.shortcuts import render

from core.history import LIMIT


def history_page(request, *, record_name, trail, history, name_records=False):
    """The page for ``history`` (from ``recent_changes``) of the record called
    ``record_name``; ``trail`` is the breadcrumbs as (url, label), ending at the record;
    ``name_records`` when the history covers several records (a project's)."""
    return render(
        request,
        "consultations/record_history.html",
        {
            "record_name": record_name,
            "trail": trail,
            "history": history,
            "history_limit": LIMIT,
            "name_records": name_records,
        },
    )
