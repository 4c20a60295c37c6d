"""Filters of the exports that have no list page of their own: evaluations and outcomes."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import DateInput
from organizations.choices import AreaChoiceField, scope_area_filter


class PeriodFilterForm(forms.Form):
    """An area within the user's scope and a period; invalid values are dropped one by one,
    as on the list pages, so that a stale link still exports (everything in scope)."""

    area = AreaChoiceField(queryset=None, label=_("area"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope_area_filter(self, user)

    @property
    def valid_data(self):
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def filter(self, queryset, *, date_field):
        """Rows within the area and with ``date_field`` in [start, end], whole days."""
        data = self.valid_data
        if data.get("area"):
            queryset = queryset.within(data["area"])
        start: date | None = data.get("start")
        end: date | None = data.get("end")
        if start:
            queryset = queryset.filter(**{f"{date_field}__gte": start})
        if end:
            queryset = queryset.filter(**{f"{date_field}__lte": end})
        return queryset
