"""A model's spreadsheet columns, and its rows read through them as plain values.

A column is a header (translated when it is written), the ``values()`` lookups it reads and
a function from those values to the cell's native value: text, a number (int or Decimal), a
date, a local date and time without zone (spreadsheets have none) or a label. ``Columns``
reads a queryset's rows with ``values_list`` in chunks (``iterator``): no model instances,
one query however many rows, memory flat. The same rows feed the CSV and the xlsx writers
(``core.spreadsheets``).
"""

from decimal import Decimal
from operator import itemgetter

from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext

# Rows fetched from the database at a time (a server-side cursor on PostgreSQL).
CHUNK_SIZE = 5000

# What a column's values are, so that a writer can format a whole column the same way
# without asking each cell: TEXT always a str; NUMBER an int, a Decimal or None; DATE a date
# or None; DATETIME a naive local datetime or None; None: anything.
TEXT, NUMBER, DATE, DATETIME = "text", "number", "date", "datetime"


def _as_is(value):
    return value


def _text(value):
    return "" if value is None else str(value)


class Column:
    """One column: ``name`` (how code refers to it), ``header``, the ``lookups`` it reads and
    ``value``, which takes their values, in that order, and gives the cell's native value
    (the single lookup's value as it is when omitted)."""

    def __init__(self, name, header, lookups, value=None, kind=None):
        self.name = name
        self.header = capfirst(header)
        self.lookups = (lookups,) if isinstance(lookups, str) else tuple(lookups)
        self.value = value or _as_is
        self.kind = kind

    def prepare(self):
        """The function giving this column's cell, for one export: what depends on the
        request (its language, its time zone) is read here, once, not on every row."""
        return self.value

    def __repr__(self):
        return f"<{type(self).__name__} {self.name}: {', '.join(self.lookups)}>"


class Label(Column):
    """A stored choice written as its label in the language of the export."""

    def __init__(self, name, header, lookup, choices):
        super().__init__(name, header, lookup, kind=TEXT)
        self.choices = choices

    def prepare(self):
        labels = {value: str(label) for value, label in self.choices}
        return lambda value: labels.get(value, value) if value else ""


class YesNo(Column):
    """A true or false value written as yes or no in the language of the export."""

    def __init__(self, name, header, lookup):
        super().__init__(name, header, lookup, kind=TEXT)

    def prepare(self):
        yes, no = gettext("yes"), gettext("no")
        return lambda value: yes if value else no


class LocalTime(Column):
    """A moment as the wall time of the export's time zone, to the second, without zone."""

    def __init__(self, name, header, lookup):
        super().__init__(name, header, lookup, kind=DATETIME)

    def prepare(self):
        zone = timezone.get_current_timezone()

        def local(value):
            if value is None:
                return None
            return value.astimezone(zone).replace(tzinfo=None, microsecond=0)

        return local


def text(name, header, lookup):
    return Column(name, header, lookup, _text, TEXT)


def number(name, header, lookup):
    return Column(name, header, lookup, kind=NUMBER)


def decimal(name, header, lookup, places=2):
    """A Decimal to ``places`` decimals, whatever the database kept (SQLite's sums drop
    the scale: 95.5 rather than 95.50)."""
    step = Decimal(1).scaleb(-places)

    def quantized(value):
        return value.quantize(step) if isinstance(value, Decimal) else value

    return Column(name, header, lookup, quantized, NUMBER)


def field(model, name, lookup=None):
    """The column of a model field, headed by its verbose name; a related record is written
    as ``lookup`` (such as ``moderator__name``), which it must be given."""
    model_field = model._meta.get_field(name)
    header = model_field.verbose_name
    if model_field.many_to_many or model_field.one_to_many:
        # values() would give a row per related record: aggregate them (``Columns.annotate``).
        raise TypeError(
            f"{model.__name__}.{name}: several related records need a column of their own"
        )
    if model_field.is_relation:
        if lookup is None:
            raise TypeError(f"{model.__name__}.{name}: name the related value to write")
        return text(name, header, lookup)
    lookup = lookup or name
    if model_field.choices:
        return Label(name, header, lookup, model_field.flatchoices)
    if isinstance(model_field, models.BooleanField):
        return YesNo(name, header, lookup)
    if isinstance(model_field, models.DateTimeField):
        return LocalTime(name, header, lookup)
    if isinstance(model_field, models.DateField):
        return Column(name, header, lookup, kind=DATE)
    if isinstance(model_field, models.DecimalField):
        return decimal(name, header, lookup, model_field.decimal_places)
    if isinstance(model_field, models.IntegerField):
        return number(name, header, lookup)
    if isinstance(model_field, models.CharField | models.TextField):
        return text(name, header, lookup)
    raise TypeError(f"{model.__name__}.{name}: no column for {type(model_field).__name__}")


def fields(model, *names):
    return [field(model, name) for name in names]


class Columns:
    """A model's columns in the order they are written, by name as well.

    ``annotate`` takes the exported queryset and adds what the columns read that is not
    stored in the row's own table or a to-one relation (a sum over funding lines, the names
    of a meeting's attending organizations), in the same query as the rows.
    """

    def __init__(self, model, columns, annotate=None):
        self.model = model
        self.columns = tuple(columns)
        self.annotate = annotate
        self.by_name = {column.name: column for column in self.columns}
        if len(self.by_name) != len(self.columns):
            raise ValueError(f"{model.__name__}: two columns have the same name")

    def __iter__(self):
        return iter(self.columns)

    def __len__(self):
        return len(self.columns)

    def __getitem__(self, name):
        return self.by_name[name]

    @property
    def names(self):
        return tuple(self.by_name)

    def headers(self):
        """The headers in the active language."""
        return [str(column.header) for column in self.columns]

    def values(self, queryset):
        """The rows of ``queryset`` as tuples of every lookup the columns read, and for each
        column the positions of its lookups in those tuples."""
        lookups = list(
            dict.fromkeys(lookup for column in self.columns for lookup in column.lookups)
        )
        position = {lookup: index for index, lookup in enumerate(lookups)}
        places = [tuple(position[lookup] for lookup in column.lookups) for column in self.columns]
        if self.annotate is not None:
            queryset = self.annotate(queryset)
        return queryset.values_list(*lookups), places

    def rows(self, queryset, formats=None):
        """The rows of ``queryset``, each a list of its cells' native values, read in chunks.
        ``formats`` (kind → function) passes each cell of a column of that kind through the
        function, and cells of columns of no kind through ``formats[None]``: how the CSV
        writer turns them into text.

        The cell functions are prepared now, in the active language and time zone; the rows
        are read as the result is iterated."""
        values, places = self.values(queryset)
        cells = []
        for column, at in zip(self.columns, places, strict=True):
            then = formats.get(column.kind, formats[None]) if formats else None
            cells.append(_cell(column.prepare(), at, then))
        return ([cell(row) for cell in cells] for row in values.iterator(chunk_size=CHUNK_SIZE))


def _cell(value, places, then=None):
    """A function from a row of plain values to one cell: ``value`` of the values at
    ``places``, then ``then`` of that when given. Built once per column, called per cell,
    with no call more than it needs (a million rows of twenty cells make every call count)."""
    if len(places) == 1:
        (at,) = places
        if value is _as_is:
            return itemgetter(at) if then is None else lambda row: then(row[at])
        if then is None:
            return lambda row: value(row[at])
        return lambda row: then(value(row[at]))
    if then is None:
        return lambda row: value(*[row[at] for at in places])
    return lambda row: then(value(*[row[at] for at in places]))
