"""The period a report covers: a month, a quarter, a year or any run of days."""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _


class PeriodKind:
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


def _last_day(year, month):
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Period:
    """Whole local days from ``start`` to ``end``, both included."""

    kind: str
    start: date
    end: date

    @classmethod
    def month(cls, year, month):
        return cls(PeriodKind.MONTH, date(year, month, 1), _last_day(year, month))

    @classmethod
    def quarter(cls, year, quarter):
        first = 3 * (quarter - 1) + 1
        return cls(PeriodKind.QUARTER, date(year, first, 1), _last_day(year, first + 2))

    @classmethod
    def year(cls, year):
        return cls(PeriodKind.YEAR, date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def custom(cls, start, end):
        return cls(PeriodKind.CUSTOM, start, end)

    @property
    def start_at(self):
        """The first instant of the period in the site's time zone."""
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self):
        """The first instant after the period: meetings are held in [start_at, end_at)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def months(self):
        """The first day of each calendar month the period touches, in order."""
        months = []
        year, month = self.start.year, self.start.month
        while date(year, month, 1) <= self.end:
            months.append(date(year, month, 1))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    @property
    def label(self):
        if self.kind == PeriodKind.MONTH:
            return _("%(year)d-%(month)02d") % {"year": self.start.year, "month": self.start.month}
        if self.kind == PeriodKind.QUARTER:
            return _("Q%(quarter)d %(year)d") % {
                "year": self.start.year,
                "quarter": (self.start.month - 1) // 3 + 1,
            }
        if self.kind == PeriodKind.YEAR:
            return _("the year %(year)d") % {"year": self.start.year}
        return _("%(start)s to %(end)s") % {
            "start": date_format(self.start, "DATE_FORMAT"),
            "end": date_format(self.end, "DATE_FORMAT"),
        }

    @property
    def query(self):
        """The period as URL parameters, so that drill-down links keep it."""
        if self.kind == PeriodKind.MONTH:
            return {"period": self.kind, "month": self.start.strftime("%Y-%m")}
        if self.kind == PeriodKind.QUARTER:
            return {
                "period": self.kind,
                "year": self.start.year,
                "quarter": (self.start.month - 1) // 3 + 1,
            }
        if self.kind == PeriodKind.YEAR:
            return {"period": self.kind, "year": self.start.year}
        return {"period": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat()}

    def as_of(self, today):
        """The day stock figures (overdue referrals) are counted on: the period's last day, or
        today while the period is still running."""
        return min(self.end, today)
