"""How the meeting import reads a cell back (django-import-export widgets): one cell, one
value, every problem a ValueError whose message names what to write instead.

The lookups (an area, an organization, a person, a proposal's meeting) find records within
the importing user's scope only, through the resource that created them (``resource``).
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from import_export import widgets

from organizations.models import Organization, Person

# Several names in one cell (attending organizations): written with the first, read with any.
LIST_SEPARATOR = "；"
LIST_SEPARATORS = ("；", ";", "、", "，", ",")


def _is_empty(value):
    return value is None or (isinstance(value, str) and not value.strip())


class TextWidget(widgets.CharWidget):
    """Text as typed; a number Excel stored for a title (2024) comes back as "2024"."""

    def clean(self, value, row=None, **kwargs):
        if _is_empty(value):
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, dt.datetime | dt.date):
            raise ValueError(gettext("Enter text, not a date."))
        return str(value).strip()


class CountWidget(widgets.IntegerWidget):
    """A whole number; empty means the field's default. Negative numbers reach the model's
    validators, which name the limit."""

    def clean(self, value, row=None, **kwargs):
        if _is_empty(value):
            return None
        if isinstance(value, bool | dt.date):
            raise ValueError(gettext("Enter a whole number."))
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation as exc:
            raise ValueError(gettext("Enter a whole number.")) from exc
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError(gettext("Enter a whole number."))
        if abs(number) > 10**12:
            raise ValueError(gettext("The number is too large."))
        return int(number)


class DateWidget(widgets.Widget):
    """A date: an Excel date cell, or text as 2024-10-31, 2024年10月31日 or 2024/10/31."""

    def clean(self, value, row=None, **kwargs):
        if _is_empty(value):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        for pattern in formats.get_format("DATE_INPUT_FORMATS"):
            try:
                return dt.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise ValueError(gettext("Enter a date such as 2024-10-31."))


class DateTimeWidget(widgets.Widget):
    """A moment in local time (Asia/Shanghai): an Excel date-time cell or text such as
    2024-10-31 19:30. A bare date means midnight, as old registers often give no hour."""

    def clean(self, value, row=None, **kwargs):
        if _is_empty(value):
            return None
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            moment = dt.datetime.combine(value, dt.time.min)
        else:
            moment = self._parse(str(value).strip())
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    def _parse(self, text):
        patterns = [
            *formats.get_format("DATETIME_INPUT_FORMATS"),
            *formats.get_format("DATE_INPUT_FORMATS"),
        ]
        for pattern in patterns:
            try:
                return dt.datetime.strptime(text, pattern)
            except ValueError:
                continue
        raise ValueError(gettext("Enter a date and time such as 2024-10-31 19:30."))


class ChoiceWidget(widgets.Widget):
    """A choice written as its label; read back from the label in any language or the code."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def aliases(self):
        known = {}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for choice in self.choices:
                    known[str(choice.label).strip().lower()] = choice.value
        for choice in self.choices:
            known[choice.value.lower()] = choice.value
        return known

    def clean(self, value, row=None, **kwargs):
        if _is_empty(value):
            return None
        if not hasattr(self, "_aliases"):
            self._aliases = self.aliases()
        found = self._aliases.get(str(value).strip().lower())
        if found is None:
            raise ValueError(
                gettext("“%(value)s” is not one of: %(choices)s.")
                % {
                    "value": value,
                    "choices": "、".join(str(choice.label) for choice in self.choices),
                }
            )
        return found


class YesNoWidget(widgets.Widget):
    TRUE = {"1", "true", "yes", "y", "是", "√", "✓"}
    FALSE = {"0", "false", "no", "n", "否", "×", ""}

    def clean(self, value, row=None, **kwargs):
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, int | float):
            return bool(value)
        text = str(value).strip().lower()
        if text in self.TRUE or text == gettext("yes").lower():
            return True
        if text in self.FALSE or text == gettext("no").lower():
            return False
        raise ValueError(gettext("Write “yes” or “no”."))


class ScopedLookupWidget(widgets.Widget):
    """Looks a record up by name among those the importing user may see; the resource sets
    ``resource`` (for the user and the row's area) when it is created."""

    resource = None


def closest(candidates, area):
    """The one candidate nearest to ``area`` in the territory tree, or None when it is not
    clear: same area first, then the nearest above or below."""
    if len(candidates) == 1:
        return candidates[0]
    if area is None:
        return None
    related = [
        c
        for c in candidates
        if c.area.code.startswith(area.code) or area.code.startswith(c.area.code)
    ]
    if len(related) == 1:
        return related[0]
    exact = [c for c in related if c.area.code == area.code]
    if len(exact) == 1:
        return exact[0]
    return None


class OrganizationWidget(ScopedLookupWidget):
    """An organization by its name, among those the user may see and the units above the
    row's area (a town office, a county bureau); the nearest one when names repeat."""

    def clean(self, value, row=None, **kwargs):
        if _is_empty(value):
            return None
        return self.find(str(value).strip(), row)

    def find(self, name, row):
        area = self.resource.row_area(row, quiet=True)
        cache = self.resource.cache.setdefault("organizations", {})
        key = (name, area.pk if area else None)
        if key not in cache:
            allowed = Organization.objects.visible_to(self.resource.user)
            if area is not None:
                allowed = Organization.objects.handling_units_for(self.resource.user, area)
            candidates = list(allowed.filter(name=name).select_related("area").distinct())
            cache[key] = (closest(candidates, area), len(candidates))
        found, count = cache[key]
        if found is None and count == 0:
            raise ValueError(
                gettext("No organization named “%(name)s” in your area.") % {"name": name}
            )
        if found is None:
            raise ValueError(
                gettext(
                    "%(count)d organizations are named “%(name)s”; record the meeting in the "
                    "village of the one you mean."
                )
                % {"count": count, "name": name}
            )
        return found


class OrganizationsWidget(OrganizationWidget):
    """Several organizations in one cell, separated by ；"""

    def clean(self, value, row=None, **kwargs):
        if _is_empty(value):
            return []
        text = str(value)
        for separator in LIST_SEPARATORS[1:]:
            text = text.replace(separator, LIST_SEPARATORS[0])
        names = [name.strip() for name in text.split(LIST_SEPARATORS[0]) if name.strip()]
        return [self.find(name, row) for name in dict.fromkeys(names)]


class PersonWidget(ScopedLookupWidget):
    """A person by name, in the row's village first. Only the name: phones never travel."""

    def clean(self, value, row=None, **kwargs):
        if _is_empty(value):
            return None
        name = str(value).strip()
        area = self.resource.row_area(row, quiet=True)
        cache = self.resource.cache.setdefault("people", {})
        key = (name, area.pk if area else None)
        if key not in cache:
            candidates = list(
                Person.objects.visible_to(self.resource.user)
                .filter(name=name)
                .select_related("area")
            )
            cache[key] = (closest(candidates, area), len(candidates))
        found, count = cache[key]
        if count == 0:
            raise ValueError(
                gettext(
                    "No person named “%(name)s” in your area; add the person first or leave "
                    "the cell empty."
                )
                % {"name": name}
            )
        if found is None:
            raise ValueError(
                gettext(
                    "%(count)d people are named “%(name)s” and none lives in this meeting's "
                    "village; leave the cell empty or add the person there."
                )
                % {"count": count, "name": name}
            )
        return found


class AreaWidget(ScopedLookupWidget):
    """The area by its division code, or by its name when the code cell is empty; only areas
    in the user's scope. The name is read from the same row, in the ``name_field`` column."""

    def __init__(self, name_field, **kwargs):
        self.name_field = name_field
        self.name_column = None
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        return self.resource.resolve_area(value, row.get(self.name_column) if row else None)


class MeetingKeyWidget(ScopedLookupWidget):
    """A proposal's meeting, by the meeting's area, start time and title columns of the row."""

    def clean(self, value, row=None, **kwargs):
        resource = self.resource
        area = resource.row_area(row)
        starts_at = resource.fields["meeting_starts_at"].clean(row)
        title = TextWidget().clean(value)
        if starts_at is None:
            raise ValueError(gettext("The meeting's start time is empty."))
        if not title:
            raise ValueError(gettext("The meeting's title is empty."))
        found = resource.meetings_by_key(area, starts_at, title)
        if len(found) == 1:
            return found[0]
        if not found:
            raise ValueError(
                gettext(
                    "No meeting “%(title)s” at %(when)s in %(area)s, neither on the meetings "
                    "sheet nor among the recorded meetings."
                )
                % {
                    "title": title,
                    "when": timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M"),
                    "area": area.name,
                }
            )
        raise ValueError(gettext("Several meetings have this area, start time and title."))
