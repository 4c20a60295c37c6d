"""The meeting import's machinery (django-import-export Resources), shared by its two sheets.

A sheet's columns are those of the export (``columns``, ``core.columns.Columns``): each
field of a resource takes its header from the column of the same name, so that a workbook
exported from the site imports as it is. The import matches meetings and proposals within
the user's scope only, and reports every problem as a ValueError or ValidationError on the
column it concerns.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext
from import_export import fields, resources, widgets

from organizations.models import Area

from .widgets import (
    AreaWidget,
    OrganizationsWidget,
    ScopedLookupWidget,
    TextWidget,
    _is_empty,
)


def cell(columns, name, widget, **kwargs):
    """The field reading the column ``name`` of ``columns``, under that column's header;
    ``attribute`` is the column's name unless given."""
    kwargs.setdefault("attribute", name)
    return fields.Field(column_name=columns[name].header, widget=widget, **kwargs)


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


class SpreadsheetResource(resources.ModelResource):
    """Reads one sheet whose columns are ``columns``; headers in the active language, lookups
    scoped to ``user``.

    Create one per request: it fixes the headers in the request's language and keeps a
    cache of the areas, organizations and people it has looked up.
    """

    #: The sheet's columns (their order is ``Meta.fields``).
    columns = None
    #: The field giving a row's area (for looking up names near it).
    area_field = None
    #: Columns an imported sheet must have; the others may be left out.
    required_columns = ()
    #: Database constraint name -> the field whose column a violation is reported on.
    constraint_columns = {}

    class Meta:
        # A recorded row the sheet leaves as it is is reported, not saved again; each row is
        # checked by the model's own validation.
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        clean_model_instances = True

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
            field.column_name = str(field.column_name)
        for field in self.fields.values():
            if isinstance(field.widget, ScopedLookupWidget):
                field.widget.resource = self
            if isinstance(field.widget, AreaWidget):
                field.widget.name_column = self.fields[field.widget.name_field].column_name

    @classmethod
    def get_diff_class(cls):
        return NoDiff

    @property
    def model(self):
        return self.columns.model

    def headers(self):
        """The sheet's headers in the active language, in the export's order."""
        return [self.fields[name].column_name for name in self.columns.names]

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
        return self.model.objects.visible_to(self.user)

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
                % {"things": self.model._meta.verbose_name_plural}
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
            for constraint in self.model._meta.constraints:
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
        for constraint in self.model._meta.constraints:
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
