"""Spreadsheet columns of the five stages, defined once (django-import-export Resources).

The same classes serve the staff pages' exports, the admin's exports and the meeting import:
a column's header is its field's verbose name in the language of the request, a choice is
written as its label, a related record by its name (an area by its division code as well),
and a person by name only: phone numbers never leave in a spreadsheet.

Exports read rows through ``prepare_export`` (joins and database-side aggregates, so that no
row costs a query) and ``export_columns``: each column as the plain values it reads
(``values_list``, no model instances) and the function giving the cell's native value, the
same value the Resource's own rendering (``row_renderer``, kept as the reference the tests
compare with) gives from an instance, several times faster. The import matches meetings
and proposals within the user's scope only, and reports every problem as a ValueError or
ValidationError on the column it concerns.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError
from django.db.models import Aggregate, Case, CharField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.lookups import IsNull
from django.utils import formats, timezone, translation
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from consultations import services
from consultations.models import (
    ATTENDANCE_FIELDS,
    Evaluation,
    EvaluatorKind,
    FundingSource,
    Meeting,
    MeetingFormat,
    Outcome,
    Project,
    ProjectStatus,
    Proposal,
    ProposalCategory,
    ProposalStatus,
    ProposalStatusChange,
)
from consultations.spreadsheets import (
    sql_date,
    sql_datetime,
    sql_labels,
    sql_money,
    sql_number,
    sql_text,
)
from organizations.models import Area, Organization, Person

# Several names in one cell (attending organizations): written with the first, read with any.
LIST_SEPARATOR = "；"
LIST_SEPARATORS = ("；", ";", "、", "，", ",")
CENT = Decimal("0.01")


def verbose(model, name):
    """A field's verbose name, capitalised for the English headers; translated when used."""
    return capfirst(model._meta.get_field(name).verbose_name)


# --- database-side helpers ---------------------------------------------------------------


class JoinedNames(Aggregate):
    """Names joined into one string in the database (GROUP_CONCAT / STRING_AGG), so that a
    meeting's attending organizations cost no query per exported row."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def __init__(self, expression, **extra):
        super().__init__(expression, Value(LIST_SEPARATOR), **extra)

    def as_postgresql(self, compiler, conn, **extra_context):
        # In code point order ("C" collation), as Python's sorted() puts them: the CSV that
        # PostgreSQL writes shows them as the rows read in Python show them.
        name, separator = self.get_source_expressions()[:2]
        name_sql, name_params = compiler.compile(name)
        separator_sql, separator_params = compiler.compile(separator)
        sql = f'STRING_AGG({name_sql}, {separator_sql} ORDER BY {name_sql} COLLATE "C")'
        return sql, (*name_params, *separator_params, *name_params)


def attending_names():
    """Subquery: the attending organizations' names of the outer meeting, joined."""
    through = Meeting.attending_organizations.through
    names = (
        through.objects.filter(meeting_id=OuterRef("pk"))
        .order_by()
        .values("meeting_id")
        .annotate(names=JoinedNames("organization__name"))
        .values("names")
    )
    return Subquery(names, output_field=CharField())


# --- widgets: one cell <-> one value -------------------------------------------------------


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

    def render(self, value, obj=None, **kwargs):
        return value


class MoneyWidget(widgets.DecimalWidget):
    def clean(self, value, row=None, **kwargs):
        if _is_empty(value):
            return None
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation as exc:
            raise ValueError(gettext("Enter a number.")) from exc
        if not number.is_finite():
            raise ValueError(gettext("Enter a number."))
        return number

    def render(self, value, obj=None, **kwargs):
        # Yuan to the fen, whatever the database's sum kept (SQLite drops the scale).
        if isinstance(value, Decimal):
            return value.quantize(CENT)
        return value


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

    def render(self, value, obj=None, **kwargs):
        return value


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

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None
        # Local wall time without zone: Excel has no zones; seconds are enough for anyone.
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


class ChoiceWidget(widgets.Widget):
    """A choice written as its label; read back from the label in any language or the code."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def prepare(self):
        """Labels in the active language, looked up once per export rather than per row."""
        self.labels = {choice.value: str(choice.label) for choice in self.choices}

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

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        labels = getattr(self, "labels", None)
        if labels is None:
            self.prepare()
            labels = self.labels
        return labels.get(value, value)


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

    def render(self, value, obj=None, **kwargs):
        return gettext("yes") if value else gettext("no")


class ScopedLookupWidget(widgets.Widget):
    """Looks a record up by name among those the importing user may see; the resource sets
    ``resource`` (for the user and the row's area) when it is created."""

    resource = None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


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

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        return LIST_SEPARATOR.join(sorted(org.name for org in value.all()))


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

    def render(self, value, obj=None, **kwargs):
        return value.code if value is not None else ""


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

    def render(self, value, obj=None, **kwargs):
        return value.title if value is not None else ""


def minute_key(area_id, starts_at, title):
    """The key a meeting is matched by: area, start to the minute (in UTC), title."""
    minute = starts_at.astimezone(dt.UTC).replace(second=0, microsecond=0)
    return (area_id, minute, title)


def _same(a, b):
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return a.replace(microsecond=0) == b.replace(microsecond=0)
    return a == b


class NoDiff:
    """The preview lists rows, not field-by-field differences: skip computing them."""

    def __init__(self, resource, instance, new):
        pass

    def compare_with(self, resource, instance):
        pass

    def as_html(self):
        return []


# --- columns read as plain values (the exports' fast path) ---------------------------------


class ExportColumn:
    """One exported column without model instances: the ``values_list`` lookups it reads
    (relations, annotations) and ``native``, which takes those values and gives the cell's
    value as the Resource renders it from an instance. ``kind`` tells the CSV writer what
    ``native`` gives, so that it can write it without asking: TEXT is always a str, NUMBER
    an int or Decimal or None, DATE a date or None, DATETIME a naive local datetime or None;
    None means anything (written by ``spreadsheets.csv_text``).

    ``sql`` takes the lookups as expressions and gives the CSV cell's text as PostgreSQL
    writes it (``spreadsheets.sql_*``): the same text csv_text writes of ``native``."""

    TEXT, NUMBER, DATE, DATETIME = "text", "number", "date", "datetime"

    __slots__ = ("kind", "lookups", "native", "sql")

    def __init__(self, lookups, native, kind=None, sql=None):
        self.lookups = tuple(lookups)
        self.native = native
        self.kind = kind
        self.sql = sql


def _text(value):
    return "" if value is None else str(value)


def _identity(value):
    return value


def widget_column(field):
    """The plain-values column of a Resource field, from its widget's rendering."""
    widget, path = field.widget, field.attribute
    text = ExportColumn.TEXT
    if isinstance(widget, AreaWidget):
        return ExportColumn([f"{path}__code"], _text, text, sql_text)
    if isinstance(widget, MeetingKeyWidget):
        return ExportColumn([f"{path}__title"], _text, text, sql_text)
    if isinstance(widget, OrganizationsWidget):
        raise TypeError(f"{field.column_name}: several organizations need their own column")
    if isinstance(widget, OrganizationWidget | PersonWidget):
        # Rendered as str(record), which is the name of an organization or a person.
        return ExportColumn([f"{path}__name"], _text, text, sql_text)
    if isinstance(widget, ChoiceWidget):
        labels = dict(widget.labels)
        return ExportColumn(
            [path],
            lambda v: labels.get(v, v) if v else "",
            text,
            lambda value: sql_labels(value, labels),
        )
    if isinstance(widget, YesNoWidget):
        yes, no = gettext("yes"), gettext("no")
        return ExportColumn(
            [path],
            lambda v: yes if v else no,
            text,
            lambda value: sql_labels(value, {True: yes}, default=Value(no)),
        )
    if isinstance(widget, TextWidget):
        return ExportColumn([path], _text, text, sql_text)
    if isinstance(widget, CountWidget):
        return ExportColumn([path], _identity, ExportColumn.NUMBER, sql_number)
    if isinstance(widget, MoneyWidget):
        return ExportColumn([path], widget.render, ExportColumn.NUMBER, sql_money)
    if isinstance(widget, DateWidget):
        return ExportColumn([path], _identity, ExportColumn.DATE, sql_date)
    if isinstance(widget, DateTimeWidget):
        zone = timezone.get_current_timezone()
        zone_name = timezone.get_current_timezone_name()

        def local(value):
            if value is None:
                return None
            return value.astimezone(zone).replace(tzinfo=None, microsecond=0)

        return ExportColumn(
            [path], local, ExportColumn.DATETIME, lambda value: sql_datetime(value, zone_name)
        )
    raise TypeError(f"{field.column_name}: no plain-values column for {type(widget).__name__}")


# --- the resources -------------------------------------------------------------------------


class SpreadsheetResource(resources.ModelResource):
    """Columns named in the active language; lookups scoped to ``user``.

    Create one per request: it fixes the headers in the request's language and keeps a
    cache of the areas, organizations and people it has looked up.
    """

    #: Relations every exported row reads (joined, not fetched row by row).
    select_related = ()
    #: The field giving a row's area (for looking up names near it).
    area_field = None
    #: Columns an imported sheet must have; the others may be left out.
    required_columns = ()
    #: Database constraint name -> the field whose column a violation is reported on.
    constraint_columns = {}

    def __init__(self, *, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.cache = {}
        # Recorded rows the sheet may match, by key, and the areas it names; filled by
        # before_import.
        self.index = {}
        self.meetings = {}
        self.areas = None
        for field in self.fields.values():
            field.column_name = capfirst(str(field.column_name))
        for field in self.fields.values():
            if isinstance(field.widget, ScopedLookupWidget):
                field.widget.resource = self
            if isinstance(field.widget, ChoiceWidget):
                field.widget.prepare()
            if isinstance(field.widget, AreaWidget):
                field.widget.name_column = self.fields[field.widget.name_field].column_name

    @classmethod
    def get_diff_class(cls):
        return NoDiff

    # -- export --

    def prepare_export(self, queryset, *, aggregates=True):
        """The queryset with what every row needs joined or aggregated in the database;
        with ``aggregates=False``, without ``export_aggregates`` (PostgreSQL's CSV joins
        them as one grouped subquery instead, ``spreadsheets.copy_statement``)."""
        rows = queryset.select_related(*self.select_related)
        return rows.annotate(**self.export_aggregates()) if aggregates else rows

    def export_aggregates(self):
        """Values aggregated over a to-many relation, by annotation name."""
        return {}

    def export_fields(self, selected=None):
        return self.get_export_fields(selected)

    def row_renderer(self, selected=None):
        """A function giving one row's values (native types) for an instance, built once."""
        getters = []
        for field in self.export_fields(selected):
            name = self.get_field_name(field)
            method = getattr(self, f"dehydrate_{name}", None)
            if method is not None:
                getters.append(method)
            else:
                getters.append(lambda obj, field=field: field.export(obj, force_native_type=True))
        return lambda obj: [getter(obj) for getter in getters]

    def export_columns(self, selected=None):
        """The columns as ``ExportColumn``: a resource's ``export_column_<name>`` method for
        the columns it dehydrates itself, otherwise read from the field's widget."""
        columns = []
        for field in self.export_fields(selected):
            name = self.get_field_name(field)
            custom = getattr(self, f"export_column_{name}", None)
            if custom is not None:
                columns.append(custom())
            elif hasattr(self, f"dehydrate_{name}"):
                raise TypeError(f"{type(self).__name__}.{name} needs export_column_{name}")
            else:
                columns.append(widget_column(field))
        return columns

    def export_values(self, queryset, columns):
        """The rows of ``queryset`` as tuples of every lookup the columns read, and for each
        column the positions of its lookups in those tuples."""
        lookups = list(dict.fromkeys(lookup for column in columns for lookup in column.lookups))
        position = {lookup: index for index, lookup in enumerate(lookups)}
        places = [tuple(position[lookup] for lookup in column.lookups) for column in columns]
        return self.prepare_export(queryset).values_list(*lookups), places

    def headers(self, selected=None):
        return [field.column_name for field in self.export_fields(selected)]

    # -- import --

    def header_aliases(self):
        """Every accepted spelling of each header (each language, the field name) mapped to
        the header in the active language."""
        aliases = {}
        for name, field in self.fields.items():
            current = field.column_name
            aliases[name.lower()] = current
            for language, _label in settings.LANGUAGES:
                with translation.override(language):
                    header = str(type(self).fields[name].column_name)
                    aliases[header.strip().lower()] = current
            aliases[current.strip().lower()] = current
        return aliases

    def required_headers(self):
        return [self.fields[name].column_name for name in self.required_columns]

    def get_queryset(self):
        return self._meta.model.objects.visible_to(self.user)

    def get_instance(self, instance_loader, row):
        try:
            params = {
                self.fields[name].attribute: self.fields[name].clean(row)
                for name in self.get_import_id_fields()
            }
        except (ValueError, ValidationError, KeyError):
            # The row's own problems are reported column by column by import_instance.
            return None
        if any(value in (None, "") for value in params.values()):
            return None
        matches = list(self.find_existing(params)[:2])
        if len(matches) > 1:
            raise ValidationError(
                gettext("Several recorded %(things)s match this row; they cannot be told apart.")
                % {"things": self._meta.model._meta.verbose_name_plural}
            )
        return matches[0] if matches else None

    def find_existing(self, params):
        return self.get_queryset().filter(**params)

    def rows_of(self, dataset):
        return [dict(zip(dataset.headers, values, strict=False)) for values in dataset]

    def column_values(self, rows, name):
        """The distinct non-empty texts of a column, for prefetching what rows name."""
        column = self.fields[name].column_name
        values = set()
        for row in rows:
            try:
                values.add(TextWidget().clean(row.get(column)))
            except ValueError:
                continue  # the row reports it on its own
        return values - {""}

    def row_areas(self, rows):
        return {area.pk for area in (self.row_area(row, quiet=True) for row in rows) if area}

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's field validation, without what costs a query per row: the related
        records were looked up in scope by the widgets, and the database's own constraints
        are checked as the row is saved (``do_instance_save``), each by a round trip less."""
        errors = dict(import_validation_errors or {})
        looked_up = [
            field.attribute
            for field in self.fields.values()
            if isinstance(field.widget, ScopedLookupWidget) and not field.readonly
        ]
        try:
            instance.full_clean(
                exclude=[*errors, *looked_up], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def do_instance_save(self, instance, is_create):
        """Save; a row the database refuses by one of the model's constraints becomes that
        constraint's message on its column. The row's savepoint (import_data) undoes it."""
        try:
            self.save_record(instance)
        except IntegrityError as error:
            text = str(error)
            for constraint in self._meta.model._meta.constraints:
                if constraint.name in text and constraint.violation_error_message:
                    name = self.constraint_columns.get(constraint.name)
                    key = self.fields[name].attribute if name else NON_FIELD_ERRORS
                    message = str(constraint.violation_error_message)
                    raise ValidationError({key: [message]}) from error
            raise

    def save_record(self, instance):
        """Save one imported record, through its service where it has one."""
        instance.save()

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        # Many-to-many cells are read only after saving; check them now so that their
        # problems are reported with the others instead of aborting the row.
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget | OrganizationsWidget):
                if field.column_name not in row:
                    continue
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = ValidationError(str(error), code="invalid")
        errors.update(self.check_row(instance, errors))
        if errors:
            raise ValidationError(errors)

    def check_row(self, instance, errors):
        """Further checks with friendlier messages than the database constraints' own."""
        return {}

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """A recorded row the file leaves as it is: reported as unchanged, not saved again."""
        if import_validation_errors or original is None or original.pk is None:
            return False
        for field in self.get_import_fields():
            if field.readonly or field.column_name not in row:
                continue
            if isinstance(field.widget, OrganizationsWidget):
                wanted = {org.pk for org in field.clean(row)}
                stored = set(getattr(original, field.attribute).values_list("pk", flat=True))
                if wanted != stored:
                    return False
            elif not _same(field.get_value(instance), field.get_value(original)):
                return False
        return True

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        # Several organizations in a cell are set after the row is saved, in save_m2m.
        if isinstance(field.widget, OrganizationsWidget) and not is_m2m:
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def save_m2m(self, instance, row, **kwargs):
        for field in self.get_import_fields():
            if isinstance(field.widget, OrganizationsWidget) and field.column_name in row:
                chosen = field.clean(row)
                if chosen or not instance._imported_new:
                    getattr(instance, field.attribute).set(chosen)

    def before_save_instance(self, instance, row, **kwargs):
        instance._imported_new = instance.pk is None
        if instance._imported_new:
            instance.created_by = self.user

    def after_import(self, dataset, result, **kwargs):
        # ModelResource resets the id sequence to max(id) here; imports never set ids, and
        # resetting under concurrent inserts could hand out an id twice.
        pass

    def column_of(self, attribute):
        """The header of the column an error on ``attribute`` belongs to."""
        for field in self.fields.values():
            if field.attribute == attribute and not field.readonly:
                return field.column_name
        return None

    def column_of_constraint(self, message):
        """The header of the column a broken database constraint's message concerns."""
        for constraint in self._meta.model._meta.constraints:
            name = self.constraint_columns.get(constraint.name)
            if name and str(constraint.violation_error_message) == message:
                return self.fields[name].column_name
        return None

    # -- areas --

    @staticmethod
    def _area_cells(code, name):
        code = "" if _is_empty(code) else str(code).strip()
        if code.endswith(".0"):  # a code Excel stored as a number
            code = code[:-2]
        return code, "" if _is_empty(name) else str(name).strip()

    def prefetch_areas(self, rows):
        """Read every area the rows name, and which of them the user may see, in two
        queries rather than two per area."""
        widget = self.fields[self.area_field].widget
        code_column = self.fields[self.area_field].column_name
        cells = {
            self._area_cells(row.get(code_column), row.get(widget.name_column)) for row in rows
        }
        self.areas = self._fetch_areas(cells)

    def _fetch_areas(self, cells):
        codes = {code for code, _name in cells if code}
        names = {name for _code, name in cells if name}
        areas = list(Area.objects.filter(Q(code__in=codes) | Q(name__in=names)))
        visible = set(
            Area.objects.visible_to(self.user)
            .filter(pk__in=[area.pk for area in areas])
            .values_list("pk", flat=True)
        )
        return {"all": areas, "visible": visible}

    def resolve_area(self, code, name):
        key = self._area_cells(code, name)
        cache = self.cache.setdefault("areas", {})
        if key not in cache:
            areas = self.areas if self.areas is not None else self._fetch_areas({key})
            try:
                cache[key] = self._resolve_area(*key, areas)
            except ValueError as error:
                cache[key] = error
        if isinstance(cache[key], ValueError):
            raise cache[key]
        return cache[key]

    def _resolve_area(self, code, name, fetched):
        areas, visible = fetched["all"], fetched["visible"]
        if code:
            area = next((area for area in areas if area.code == code), None)
            if area is None:
                raise ValueError(
                    gettext("No area has the division code %(code)s.") % {"code": code}
                )
            if area.pk not in visible:
                raise ValueError(
                    gettext("%(name)s (%(code)s) is outside your area; it cannot be imported.")
                    % {"name": area.name, "code": code}
                )
            if name and name != area.name:
                raise ValueError(
                    gettext("The division code %(code)s is %(area)s, not %(name)s.")
                    % {"code": code, "area": area.name, "name": name}
                )
            return area
        if not name:
            raise ValueError(gettext("Give the division code or the name of the area."))
        named = [area for area in areas if area.name == name]
        matches = [area for area in named if area.pk in visible]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ValueError(
                gettext("Several areas in your scope are named %(name)s; give the division code.")
                % {"name": name}
            )
        if named:
            raise ValueError(
                gettext("%(name)s is outside your area; it cannot be imported.") % {"name": name}
            )
        raise ValueError(gettext("No area named %(name)s.") % {"name": name})

    def row_area(self, row, quiet=False):
        """The area a row belongs to, from its area columns; None when ``quiet`` and the
        columns are wrong (their own column reports that)."""
        field = self.fields[self.area_field]
        try:
            return field.clean(row)
        except (ValueError, KeyError):
            if quiet:
                return None
            raise


def column(model, name, widget, **kwargs):
    """A column for a model field, headed by the field's verbose name."""
    return fields.Field(attribute=name, column_name=verbose(model, name), widget=widget, **kwargs)


def count(model, name, **kwargs):
    return column(model, name, CountWidget(), **kwargs)


class MeetingResource(SpreadsheetResource):
    """One row per meeting. Rows are matched to recorded meetings by (area, start time,
    title), so importing the same file twice changes nothing."""

    area = fields.Field(
        attribute="area", column_name=_("division code"), widget=AreaWidget("area_name")
    )
    area_name = fields.Field(
        attribute="area__name", column_name=_("area"), widget=TextWidget(), readonly=True
    )
    format = column(Meeting, "format", ChoiceWidget(MeetingFormat))
    title = column(Meeting, "title", TextWidget())
    place = column(Meeting, "place", TextWidget())
    starts_at = column(Meeting, "starts_at", DateTimeWidget())
    host_organization = column(Meeting, "host_organization", OrganizationWidget())
    moderator = column(Meeting, "moderator", PersonWidget())
    attending_organizations = column(Meeting, "attending_organizations", OrganizationsWidget())
    attendance_total = count(Meeting, "attendance_total", default=0)
    attendance_party_member = count(Meeting, "attendance_party_member", default=0)
    attendance_non_party_intellectual = count(
        Meeting, "attendance_non_party_intellectual", default=0
    )
    attendance_new_social_class = count(Meeting, "attendance_new_social_class", default=0)
    attendance_democratic_party = count(Meeting, "attendance_democratic_party", default=0)
    attendance_non_partisan = count(Meeting, "attendance_non_partisan", default=0)
    attendance_village_worthy = count(Meeting, "attendance_village_worthy", default=0)
    attendance_villager = count(Meeting, "attendance_villager", default=0)
    agenda = column(Meeting, "agenda", TextWidget())
    minutes = column(Meeting, "minutes", TextWidget())
    summary_is_public = column(Meeting, "summary_is_public", YesNoWidget(), default=False)

    area_field = "area"
    select_related = ("area", "host_organization", "moderator")
    required_columns = ("area", "area_name", "format", "title", "starts_at", "attendance_total")
    constraint_columns = {"meeting_attendance_categories_within_total": "attendance_total"}

    class Meta:
        model = Meeting
        fields = (
            "area",
            "area_name",
            "format",
            "title",
            "place",
            "starts_at",
            "host_organization",
            "moderator",
            "attending_organizations",
            "attendance_total",
            *ATTENDANCE_FIELDS.values(),
            "agenda",
            "minutes",
            "summary_is_public",
        )
        import_id_fields = ("area", "starts_at", "title")
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        clean_model_instances = True

    def prepare_export(self, queryset, *, aggregates=True):
        rows = super().prepare_export(queryset, aggregates=aggregates)
        return rows.annotate(attending_names=attending_names())

    def export_column_attending_organizations(self):
        def names(joined):
            return LIST_SEPARATOR.join(sorted(n for n in (joined or "").split(LIST_SEPARATOR) if n))

        def names_sql(_joined):
            # Aggregated over the relation (copy_statement joins it once, grouped) rather
            # than the correlated subquery of ``attending_names`` (a million index lookups
            # in a row), in code point order as sorted() gives.
            return sql_text(JoinedNames("attending_organizations__name"))

        return ExportColumn(["attending_names"], names, ExportColumn.TEXT, names_sql)

    def dehydrate_attending_organizations(self, meeting):
        if hasattr(meeting, "attending_names"):
            # The database joins them in no set order; sorted, the cell reads the same each time.
            names = (meeting.attending_names or "").split(LIST_SEPARATOR)
            return LIST_SEPARATOR.join(sorted(name for name in names if name))
        return self.fields["attending_organizations"].widget.render(meeting.attending_organizations)

    def before_import(self, dataset, **kwargs):
        # One query for every recorded meeting the rows may match, instead of one per row.
        rows = self.rows_of(dataset)
        self.prefetch_areas(rows)
        self.index = {}
        for meeting in self.get_queryset().filter(
            area_id__in=self.row_areas(rows), title__in=self.column_values(rows, "title")
        ):
            key = minute_key(meeting.area_id, meeting.starts_at, meeting.title)
            self.index.setdefault(key, []).append(meeting)

    def find_existing(self, params):
        return self.index.get(
            minute_key(params["area"].pk, params["starts_at"], params["title"]), []
        )

    def check_row(self, meeting, errors):
        if any(name in errors for name in ["attendance_total", *ATTENDANCE_FIELDS.values()]):
            return {}
        counts = sum(getattr(meeting, name) or 0 for name in ATTENDANCE_FIELDS.values())
        total = meeting.attendance_total or 0
        if counts > total:
            return {
                "attendance_total": ValidationError(
                    gettext("The categories add up to %(sum)d, more than the total of %(total)d.")
                    % {"sum": counts, "total": total}
                )
            }
        return {}

    def before_save_instance(self, meeting, row, **kwargs):
        super().before_save_instance(meeting, row, **kwargs)
        if meeting._imported_new:
            # A historical meeting was recorded when it was held, not today.
            meeting.created_at = min(meeting.starts_at, timezone.now())

    def save_record(self, meeting):
        services.save_meeting(meeting=meeting, actor=self.user)

    def after_save_instance(self, meeting, row, **kwargs):
        if meeting._imported_new:
            # A second row with the same key updates this meeting rather than repeat it.
            key = minute_key(meeting.area_id, meeting.starts_at, meeting.title)
            self.index.setdefault(key, []).append(meeting)


class ProposalResource(SpreadsheetResource):
    """One row per proposal, naming its meeting by the meeting's area, start and title (the
    meetings sheet's key). Status and decision are taken as written, within the rules the
    database keeps (a proposal not adopted needs its reason, a decision its date, …)."""

    meeting_area = fields.Field(
        attribute="meeting__area",
        column_name=_("meeting division code"),
        widget=AreaWidget("meeting_area_name"),
        readonly=True,
    )
    meeting_area_name = fields.Field(
        attribute="meeting__area__name",
        column_name=_("meeting area"),
        widget=TextWidget(),
        readonly=True,
    )
    meeting_starts_at = fields.Field(
        attribute="meeting__starts_at",
        column_name=_("meeting start time"),
        widget=DateTimeWidget(),
        readonly=True,
    )
    meeting = fields.Field(
        attribute="meeting", column_name=_("meeting title"), widget=MeetingKeyWidget()
    )
    title = fields.Field(attribute="title", column_name=_("proposal title"), widget=TextWidget())
    category = column(Proposal, "category", ChoiceWidget(ProposalCategory))
    description = column(Proposal, "description", TextWidget())
    raised_by = column(Proposal, "raised_by", PersonWidget())
    status = column(Proposal, "status", ChoiceWidget(ProposalStatus), default=ProposalStatus.RAISED)
    decided_on = column(Proposal, "decided_on", DateWidget())
    votes_present = count(Proposal, "votes_present")
    votes_for = count(Proposal, "votes_for")
    votes_against = count(Proposal, "votes_against")
    votes_abstain = count(Proposal, "votes_abstain")
    rejection_reason = column(Proposal, "rejection_reason", TextWidget())
    referred_to = column(Proposal, "referred_to", OrganizationWidget())
    referral_due_on = column(Proposal, "referral_due_on", DateWidget())
    reply = column(Proposal, "reply", TextWidget())
    replied_at = column(Proposal, "replied_at", DateTimeWidget())
    feedback = column(Proposal, "feedback", TextWidget())
    feedback_at = column(Proposal, "feedback_at", DateTimeWidget())
    # Which project carries it out is recorded when the project starts (共建), not imported.
    project = fields.Field(
        attribute="project__title",
        column_name=_("carried out by project"),
        widget=TextWidget(),
        readonly=True,
    )

    area_field = "meeting_area"
    select_related = ("meeting__area", "raised_by", "referred_to", "project")
    required_columns = (
        "meeting_area",
        "meeting_area_name",
        "meeting_starts_at",
        "meeting",
        "title",
        "category",
        "status",
    )
    constraint_columns = {
        "proposal_votes_within_present": "votes_present",
        "proposal_rejection_has_reason": "rejection_reason",
        "proposal_decision_has_date": "decided_on",
        "proposal_referral_has_unit_and_due_date": "referred_to",
        "proposal_project_only_when_adopted": "status",
    }

    class Meta:
        model = Proposal
        fields = (
            "meeting_area",
            "meeting_area_name",
            "meeting_starts_at",
            "meeting",
            "title",
            "category",
            "description",
            "raised_by",
            "status",
            "decided_on",
            "votes_present",
            "votes_for",
            "votes_against",
            "votes_abstain",
            "rejection_reason",
            "referred_to",
            "referral_due_on",
            "reply",
            "replied_at",
            "feedback",
            "feedback_at",
            "project",
        )
        import_id_fields = ("meeting", "title")
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        clean_model_instances = True

    def before_import(self, dataset, **kwargs):
        # Two queries for every meeting and proposal the rows may name (the meetings sheet's
        # are saved by now, in the same transaction), instead of two per row.
        rows = self.rows_of(dataset)
        self.prefetch_areas(rows)
        self.meetings = {}
        for meeting in Meeting.objects.visible_to(self.user).filter(
            area_id__in=self.row_areas(rows), title__in=self.column_values(rows, "meeting")
        ):
            key = minute_key(meeting.area_id, meeting.starts_at, meeting.title)
            self.meetings.setdefault(key, []).append(meeting)
        self.index = {}
        meeting_ids = [m.pk for found in self.meetings.values() for m in found]
        for proposal in self.get_queryset().filter(
            meeting_id__in=meeting_ids, title__in=self.column_values(rows, "title")
        ):
            self.index.setdefault((proposal.meeting_id, proposal.title), []).append(proposal)

    def meetings_by_key(self, area, starts_at, title):
        return self.meetings.get(minute_key(area.pk, starts_at, title), [])

    def find_existing(self, params):
        return self.index.get((params["meeting"].pk, params["title"]), [])

    def before_save_instance(self, proposal, row, **kwargs):
        super().before_save_instance(proposal, row, **kwargs)
        if proposal._imported_new:
            proposal.created_at = min(proposal.meeting.starts_at, timezone.now())

    def save_record(self, proposal):
        services.save_proposal(proposal=proposal, actor=self.user)

    def after_save_instance(self, proposal, row, **kwargs):
        if not proposal._imported_new:
            return
        self.index.setdefault((proposal.meeting_id, proposal.title), []).append(proposal)
        # The lifecycle's history starts with the import, dated as the file says.
        when = proposal.meeting.starts_at
        if proposal.decided_on:
            noon = dt.datetime.combine(proposal.decided_on, dt.time(12))
            when = max(when, timezone.make_aware(noon))
        ProposalStatusChange.objects.create(
            proposal=proposal,
            from_status="",
            to_status=proposal.status,
            changed_at=min(when, timezone.now()),
            changed_by=self.user,
            note=gettext("Imported from a workbook."),
        )


# --- export-only resources: projects with their funding, evaluations, outcomes -------------


def readonly(attribute, column_name, widget=None):
    return fields.Field(
        attribute=attribute, column_name=column_name, widget=widget or TextWidget(), readonly=True
    )


def _funding_header(source, label, which):
    def header():
        if which == "planned":
            return gettext("%(source)s, planned") % {"source": label}
        return gettext("%(source)s, received") % {"source": label}

    return lazy(header, str)()


class ProjectResource(SpreadsheetResource):
    """One row per project, with its funding as two columns per source (planned, received),
    summed in the database with the project's own row."""

    area = readonly("area", _("division code"), AreaWidget("area_name"))
    area_name = readonly("area__name", _("area"))
    title = readonly("title", verbose(Project, "title"))
    description = readonly("description", verbose(Project, "description"))
    lead_organization = readonly("lead_organization__name", verbose(Project, "lead_organization"))
    budget = readonly("budget", verbose(Project, "budget"), MoneyWidget())
    planned_start = readonly("planned_start", verbose(Project, "planned_start"), DateWidget())
    planned_end = readonly("planned_end", verbose(Project, "planned_end"), DateWidget())
    actual_start = readonly("actual_start", verbose(Project, "actual_start"), DateWidget())
    actual_end = readonly("actual_end", verbose(Project, "actual_end"), DateWidget())
    progress = readonly("progress", verbose(Project, "progress"), CountWidget())
    status = readonly("status", verbose(Project, "status"), ChoiceWidget(ProjectStatus))
    is_public = readonly("is_public", verbose(Project, "is_public"), YesNoWidget())

    select_related = ("area", "lead_organization")

    class Meta:
        model = Project
        fields = (
            "area",
            "area_name",
            "title",
            "description",
            "lead_organization",
            "budget",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "progress",
            "status",
            "is_public",
        )

    def export_aggregates(self):
        sums = {}
        for source in FundingSource:
            lines = Q(funding_lines__source=source.value)
            for which in ("planned", "received"):
                sums[f"funding_{source.value}_{which}"] = Sum(
                    f"funding_lines__{which}", filter=lines
                )
        return sums


for _source in FundingSource:
    for _which in ("planned", "received"):
        ProjectResource.fields[f"funding_{_source.value}_{_which}"] = readonly(
            f"funding_{_source.value}_{_which}",
            _funding_header(_source.value, _source.label, _which),
            MoneyWidget(),
        )


class EvaluationResource(SpreadsheetResource):
    """One row per evaluation: what was evaluated, where, by whom, the tallies and the
    satisfaction rate the database computes from them."""

    area = fields.Field(column_name=_("division code"), readonly=True)
    area_name = fields.Field(column_name=_("area"), readonly=True)
    subject_kind = fields.Field(column_name=_("kind of subject"), readonly=True)
    subject = fields.Field(column_name=_("subject title"), readonly=True)
    evaluator = readonly("evaluator", verbose(Evaluation, "evaluator"), ChoiceWidget(EvaluatorKind))
    evaluated_on = readonly("evaluated_on", verbose(Evaluation, "evaluated_on"), DateWidget())
    satisfied = readonly("satisfied", verbose(Evaluation, "satisfied"), CountWidget())
    basically_satisfied = readonly(
        "basically_satisfied", verbose(Evaluation, "basically_satisfied"), CountWidget()
    )
    dissatisfied = readonly("dissatisfied", verbose(Evaluation, "dissatisfied"), CountWidget())
    satisfaction_rate = readonly("satisfaction_rate_pct", _("satisfaction rate (%)"), MoneyWidget())
    score = readonly("score", verbose(Evaluation, "score"), MoneyWidget())
    comments = readonly("comments", verbose(Evaluation, "comments"))

    select_related = ("project__area", "meeting__area", "proposal__meeting__area")

    class Meta:
        model = Evaluation
        fields = (
            "area",
            "area_name",
            "subject_kind",
            "subject",
            "evaluator",
            "evaluated_on",
            "satisfied",
            "basically_satisfied",
            "dissatisfied",
            "satisfaction_rate",
            "score",
            "comments",
        )

    def prepare_export(self, queryset, *, aggregates=True):
        return super().prepare_export(queryset, aggregates=aggregates).with_satisfaction_rate()

    # The subject (project, meeting or the proposal replied to) as plain values: what each
    # column reads of it, in that order of preference.
    SUBJECT_LOOKUPS = {
        "title": ("project__title", "meeting__title", "proposal__title"),
        "code": ("project__area__code", "meeting__area__code", "proposal__meeting__area__code"),
        "name": ("project__area__name", "meeting__area__name", "proposal__meeting__area__name"),
    }

    def _subject_column(self, lookups, constants=None):
        """A column that writes the first of three values whose subject the evaluation has:
        read through ``lookups`` (project's, meeting's, proposal's), or ``constants``."""

        def pick(project_id, meeting_id, *values):
            values = constants or values
            return values[0] if project_id else values[1] if meeting_id else values[2]

        def pick_sql(project_id, meeting_id, *values):
            values = [Value(value) for value in constants] if constants else values
            return sql_text(
                Case(
                    When(IsNull(project_id, False), then=values[0]),
                    When(IsNull(meeting_id, False), then=values[1]),
                    default=values[2],
                    output_field=CharField(),
                )
            )

        return ExportColumn(
            ["project_id", "meeting_id", *lookups], pick, ExportColumn.TEXT, pick_sql
        )

    def export_column_area(self):
        return self._subject_column(self.SUBJECT_LOOKUPS["code"])

    def export_column_area_name(self):
        return self._subject_column(self.SUBJECT_LOOKUPS["name"])

    def export_column_subject(self):
        return self._subject_column(self.SUBJECT_LOOKUPS["title"])

    def export_column_subject_kind(self):
        kinds = (str(_("project")), str(_("meeting")), str(_("reply to proposal")))
        return self._subject_column((), constants=kinds)

    def export_column_satisfaction_rate(self):
        def rate(value):
            return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))

        # Rounded to one decimal by the database already (satisfaction_rate_expression).
        return ExportColumn(["satisfaction_rate_pct"], rate, ExportColumn.NUMBER, sql_number)

    @staticmethod
    def _subject(evaluation):
        if evaluation.project_id:
            return evaluation.project, evaluation.project.area, _("project")
        if evaluation.meeting_id:
            return evaluation.meeting, evaluation.meeting.area, _("meeting")
        proposal = evaluation.proposal
        return proposal, proposal.meeting.area, _("reply to proposal")

    def dehydrate_area(self, evaluation):
        return self._subject(evaluation)[1].code

    def dehydrate_area_name(self, evaluation):
        return self._subject(evaluation)[1].name

    def dehydrate_subject_kind(self, evaluation):
        return str(self._subject(evaluation)[2])

    def dehydrate_subject(self, evaluation):
        return self._subject(evaluation)[0].title

    def dehydrate_satisfaction_rate(self, evaluation):
        rate = getattr(evaluation, "satisfaction_rate_pct", None)
        if rate is None:
            rate = evaluation.satisfaction_rate
        return None if rate is None else Decimal(str(rate)).quantize(Decimal("0.1"))


class OutcomeResource(SpreadsheetResource):
    """One row per outcome (共享): what its project delivered, for how many, and whether and
    when it was disclosed."""

    area = readonly("project__area", _("division code"), AreaWidget("area_name"))
    area_name = readonly("project__area__name", _("area"))
    project = readonly("project__title", verbose(Outcome, "project"))
    title = readonly("title", verbose(Outcome, "title"))
    summary = readonly("summary", verbose(Outcome, "summary"))
    beneficiary_households = readonly(
        "beneficiary_households", verbose(Outcome, "beneficiary_households"), CountWidget()
    )
    beneficiary_people = readonly(
        "beneficiary_people", verbose(Outcome, "beneficiary_people"), CountWidget()
    )
    disclosed_on = readonly("disclosed_on", verbose(Outcome, "disclosed_on"), DateWidget())
    is_published = readonly("is_published", verbose(Outcome, "is_published"), YesNoWidget())

    select_related = ("project__area",)

    class Meta:
        model = Outcome
        fields = (
            "area",
            "area_name",
            "project",
            "title",
            "summary",
            "beneficiary_households",
            "beneficiary_people",
            "disclosed_on",
            "is_published",
        )
