"""Choices of areas, organizations and people that stay short at any scale, within what the
user may see (the scoping of ``organizations.scoping``), for the staff forms and filters:
people and organizations are picked by searching (``Picker``, ``views/choices.py``)."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from organizations.models import (
    CODE_LENGTH,
    LEVEL_OF_CODE_LENGTH,
    Area,
    AreaLevel,
    Organization,
    Person,
)
from organizations.scoping import county_code, sees_everything, user_area


def _indented(level, name):
    return "\u3000" * (level - 1) + name


class AreaChoices(forms.models.ModelChoiceIterator):
    """Areas as (value, indented name) pairs read as plain values in one query: no model
    instance per option of a working area's hundreds."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        key = self.field.to_field_name or "pk"
        for value, level, name in self.queryset.values_list(key, "level", "name"):
            yield (value, _indented(level, name))


class AreaChoiceField(forms.ModelChoiceField):
    """Areas indented by level so the tree reads in a plain select."""

    iterator = AreaChoices

    def label_from_instance(self, obj):
        return _indented(obj.level, obj.name)


def choice_label(obj):
    """A person or an organization as pickers offer them, so that namesakes differ: name ·
    area · category (a person) or kind (an organization). Reads ``obj.area``."""
    kind = obj.get_category_display() if isinstance(obj, Person) else obj.get_kind_display()
    return f"{obj.name} · {obj.area.name} · {kind}"


class Picker(forms.Select):
    """A select holding only its chosen option(s), so the page never reads a working area's
    hundreds; ``static/js/pickers.js`` (Tom Select) searches at ``data-search-url``
    (``search_within``) as the user types. The field still validates against its whole
    scoped queryset. Without the script the chosen value(s) post back, so a record saves
    unchanged; choosing another needs it (staff pages only; the public board has none)."""

    def optgroups(self, name, value, attrs=None):
        field = self.choices.field
        chosen = {as_id(item) for item in value} - {None}
        options = [] if self.allow_multiple_selected else [("", field.empty_label or "")]
        if chosen:
            rows = self.choices.queryset.filter(pk__in=chosen)
            options += [(obj.pk, field.label_from_instance(obj)) for obj in rows]
        return [
            (None, [self.create_option(name, key, label, key in chosen, index)], index)
            for index, (key, label) in enumerate(options)
        ]


class MultiplePicker(Picker, forms.SelectMultiple):
    """Several people or organizations, picked as ``Picker`` picks one."""


class NamedChoiceField(forms.ModelChoiceField):
    """An organization or a person, picked by searching (``Picker``)."""

    widget = Picker
    label_from_instance = staticmethod(choice_label)


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids no table can hold before they reach the database: SQLite raises
    OverflowError (a 500) on an integer beyond 64 bits in an IN (...) list."""

    def clean(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            if str(pk).isdigit() and as_id(pk) is None:
                message = self.error_messages["invalid_choice"]
                raise ValidationError(message, code="invalid_choice", params={"value": pk})
        return super().clean(value)


class NamedMultipleChoiceField(SafeModelMultipleChoiceField):
    """Several organizations or people, as ``NamedChoiceField`` offers one."""

    widget = MultiplePicker
    label_from_instance = staticmethod(choice_label)


def search_within(field, url, within=None, **query):
    """Point ``field``'s picker at the search at ``url``, within the working area and with
    any other parameters of that search."""
    if within is not None:
        query["within"] = within.code
    field.widget.attrs["data-search-url"] = f"{url}?{urlencode(query)}" if query else url


def working_area(request, record_area=None, *, key="code"):
    """The area a form draws its areas, organizations and people from, or None.

    A province holds tens of thousands of them, too many for one page, so a form offers
    those of one working area that the user may see. Editing a record (or adding to one,
    such as a proposal at a meeting): the county of the record's area, narrowed to the user's
    own area when that lies inside it. Creating: the area named by ``?area=<code>`` when the
    user may see it (the people and organization pages name areas by id, ``key="pk"``, as
    their list filters do), otherwise the user's own area. None when the user sees
    everything and named no area (the page then asks for a county first) or sees nothing.
    """
    user = request.user
    own = None if sees_everything(user) else user_area(user)
    if record_area is not None:
        county = county_code(record_area.code)
        if own is not None and own.code.startswith(county):
            return own
        return Area.objects.visible_to(user).filter(code=county).first()
    value = request.GET.get("area", "").strip()
    if key == "pk":
        lookup = {"pk": as_id(value)} if as_id(value) is not None else None
    else:
        is_code = value.isascii() and value.isdigit() and len(value) in LEVEL_OF_CODE_LENGTH
        lookup = {"code": value} if is_code else None
    named = Area.objects.visible_to(user).filter(**lookup).first() if lookup else None
    return own if named is None else named


def _current(form, name):
    """The ids the form starts with in ``name`` (the record's own values, or a default)."""
    value = form.initial.get(name)
    values = value if isinstance(value, list | tuple | set) else [value]
    return [getattr(item, "pk", item) for item in values if item not in (None, "")]


def scope_choices(form, user, *, within=None, areas=(), organizations=(), people=()):
    """Limit the named fields' choices to what the user may see inside ``within`` (an area,
    see ``working_area``; None for the user's whole scope). The values the form starts with
    stay choices wherever they lie (a host organization of another county, or above the
    user's own area): otherwise an edit would show them unchosen and saving would drop
    them. Any other value outside is still refused: checking a posted id is one lookup by
    id in the OR of the two. Areas are listed in full; people and organizations are
    picked by searching the same scope (``Picker``)."""
    for model, names, kind in (
        (Area, areas, None),
        (Organization, organizations, "org_choices"),
        (Person, people, "people_choices"),
    ):
        for name in names:
            offered = model.objects.visible_to(user)
            offered = offered if within is None else offered.within(within)
            keep, field = _current(form, name), form.fields[name]
            accepted = offered | model.objects.filter(pk__in=keep) if keep else offered
            if kind is None:
                field.queryset = accepted.order_by("code")
                continue
            # The area is part of a chosen value's label (and of an organization's checks).
            field.queryset = accepted.select_related("area")
            search_within(field, reverse(kind), within)


def as_id(value):
    """An id typed or posted, as an integer; None for anything no table can hold."""
    value = str(value or "").strip()
    # ASCII digits only: "²".isdigit() is true, and int("²") raises.
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _chosen_area(form, name, visible):
    """The area the bound form names in ``name`` (by id or by the field's to_field_name), if
    the user may see it; None otherwise (the field's own validation then reports it)."""
    if not form.is_bound:
        return None
    key = form.fields[name].to_field_name or "pk"
    raw = form.data.get(form.add_prefix(name))
    value = as_id(raw) if key == "pk" else (str(raw or "").strip() or None)
    if value is None:
        return None
    return visible.filter(**{key: value}).only("pk", "code", "level").first()


def _opened(code, deepest):
    """The area with this code and, unless they lie below ``deepest``, the areas one level
    under it (codes nest by prefix). Each condition is one the code index answers, and the
    levels are decided here rather than in SQL, so that PostgreSQL combines the branches of
    the filter's OR from the indexes instead of reading the whole area table in code order."""
    level = LEVEL_OF_CODE_LENGTH[len(code)]
    shown = Q(code=code) if level <= deepest else Q(pk__in=[])
    if level < deepest:
        shown |= Q(code__startswith=code, level=level + 1)
    return shown


def scope_area_filter(form, user, name="area", *, deepest=AreaLevel.HAMLET):
    """An area filter that stays short at any scale: a tree opened along one path.

    A province holds tens of thousands of villages, far too many for one select. Offered
    are the top of the user's scope (their own area and the areas right under it, or every
    county for users who see everything) and, once an area is chosen, the areas above it,
    the areas beside it and the areas right under it, down to ``deepest``. Choosing a town
    and filtering opens its villages, so staff go down the tree one choice at a time, as on
    the territory pages. A hundred-odd options at most, in one query on the indexed code,
    plus one to find the chosen area.
    """
    visible = Area.objects.visible_to(user)
    root = None if sees_everything(user) else user_area(user)
    shown = Q(parent__isnull=True) if root is None else _opened(root.code, deepest)
    chosen = _chosen_area(form, name, visible)
    if chosen is not None:
        for length in sorted(set(CODE_LENGTH.values())):
            if length <= len(chosen.code) and length < CODE_LENGTH[AreaLevel.HAMLET]:
                shown |= _opened(chosen.code[:length], deepest)
        # The chosen area stays a choice even below ``deepest`` (a hamlet's page links here).
        shown |= Q(pk=chosen.pk)
    form.fields[name].queryset = visible.filter(shown).order_by("code")
