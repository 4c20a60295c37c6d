"""The report's filters: which period, the labour-day rate and the ranking's order."""

import re
from datetime import date
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.reports import Period, PeriodKind
from core.widgets import DateInput
from organizations.choices import AreaChoiceField, scope_area_filter
from organizations.models import AreaLevel

PERIOD_CHOICES = [
    (PeriodKind.MONTH, _("Month")),
    (PeriodKind.QUARTER, _("Quarter")),
    (PeriodKind.YEAR, _("Year")),
    (PeriodKind.CUSTOM, _("From … to …")),
]
QUARTER_CHOICES = [(str(n), _("Quarter %(n)d") % {"n": n}) for n in range(1, 5)]
RANK_CHOICES = [
    ("meetings_per_village", _("Meetings per village")),
    ("meetings", _("Meetings")),
    ("adoption_rate", _("Adoption rate")),
    ("completion_rate", _("Completion rate")),
    ("satisfaction_rate", _("Satisfaction rate")),
    ("villager_share", _("Villagers' share of funding")),
]
FIRST_YEAR, LAST_YEAR = 2000, 2100
# A custom period of up to ten years: the monthly chart stays legible, and no input can ask
# for millions of months.
MAX_CUSTOM_DAYS = 3660
MONTH_PATTERN = re.compile(r"^\s*(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*月?\s*$")


class MonthInput(forms.TextInput):
    input_type = "month"


class MonthField(forms.CharField):
    """A month as 2024-10 (what <input type=month> sends) or 2024年10月; the first day."""

    widget = MonthInput

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        match = MONTH_PATTERN.match(value) if len(value) <= 20 else None
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12:
                return date(year, month, 1)
        raise ValidationError(
            _("Enter a month such as 2024-10 or 2024年10月."), code="invalid_month"
        )


class ReportFilterForm(forms.Form):
    """Invalid input is reported beside its field; nothing is guessed.

    The area is looked up by the view (an area out of the user's scope is a 404, as for any
    record); the field here offers the areas in scope down to villages.
    """

    area = AreaChoiceField(queryset=None, label=_("area"), required=False, to_field_name="code")
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    month = MonthField(label=_("Month"), required=False)
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    quarter = forms.ChoiceField(label=_("Quarter"), choices=QUARTER_CHOICES, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    labour_day_yuan = forms.DecimalField(
        label=_("Yuan per labour day"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(10000),
        max_digits=7,
        decimal_places=2,
        help_text=_("Values the labour villagers gave; the default comes from the settings."),
    )
    rank_by = forms.ChoiceField(label=_("Rank by"), choices=RANK_CHOICES, required=False)

    def __init__(self, data, *, user, area, today=None, **kwargs):
        today = today or timezone.localdate()
        initial = {
            "area": area.code,
            "period": PeriodKind.MONTH,
            "month": today.strftime("%Y-%m"),
            "year": today.year,
            "quarter": str((today.month - 1) // 3 + 1),
        }
        # What is not asked for is this month, this year, this quarter: the page opens on
        # this month, and a link naming only an area or a year means the obvious period.
        data = data.copy()
        for name, value in initial.items():
            if not data.get(name):
                data[name] = value
        super().__init__(data, initial=initial, **kwargs)
        self.today = today
        # A province holds 25,000 villages: the select offers the top of the user's scope
        # and the tree along the report's area (above it, beside it, under it). A village's
        # report includes its hamlets, so the choices stop at villages.
        scope_area_filter(self, user, deepest=AreaLevel.VILLAGE)
        self.fields["area"].queryset = self.fields["area"].queryset.filter(
            level__lte=AreaLevel.VILLAGE
        )
        self.fields["area"].empty_label = None
        self.fields["year"].widget.attrs.update({"inputmode": "numeric"})
        self.fields["labour_day_yuan"].widget.attrs.update(
            {"placeholder": str(settings.LABOUR_DAY_YUAN), "inputmode": "decimal"}
        )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("period") or PeriodKind.MONTH
        today = self.today
        year = cleaned.get("year") or today.year
        period = None
        if kind == PeriodKind.MONTH:
            if "month" not in self.errors:
                month = cleaned.get("month") or today.replace(day=1)
                period = Period.month(month.year, month.month)
        elif kind == PeriodKind.QUARTER:
            quarter = int(cleaned.get("quarter") or (today.month - 1) // 3 + 1)
            if "year" not in self.errors:
                period = Period.quarter(year, quarter)
        elif kind == PeriodKind.YEAR:
            if "year" not in self.errors:
                period = Period.year(year)
        else:
            period = self._custom_period(cleaned)
        cleaned["period_obj"] = period
        return cleaned

    def _custom_period(self, cleaned):
        start, end = cleaned.get("start"), cleaned.get("end")
        for name, value in (("start", start), ("end", end)):
            if value is None and name not in self.errors:
                self.add_error(name, _("Enter a date, e.g. 2024-10-31 or 2024年10月31日."))
        if start is None or end is None:
            return None
        if end < start:
            self.add_error("end", _("The end cannot be before the start."))
            return None
        if (end - start).days > MAX_CUSTOM_DAYS:
            self.add_error("end", _("A report covers at most ten years."))
            return None
        return Period.custom(start, end)

    @property
    def report_period(self):
        """The period asked for; call after is_valid()."""
        return self.cleaned_data["period_obj"]

    @property
    def labour_rate(self):
        value = self.cleaned_data.get("labour_day_yuan")
        return settings.LABOUR_DAY_YUAN if value is None else value

    @property
    def ranking_order(self):
        return self.cleaned_data.get("rank_by") or RANK_CHOICES[0][0]
