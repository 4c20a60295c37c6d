"""Choices of areas, organizations and people that stay short at any scale, within what the
user may see (the scoping of ``organizations.scoping``), for the staff forms and filters."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q

from organizations.models import (
    CODE_LENGTH,
    LEVEL_OF_CODE_LENGTH,
    Area,
    AreaLevel,
    Organization,
    Person,
)
from organizations.scoping import county_code, sees_everything, user_area


class ValueChoices(forms.models.ModelChoiceIterator):
    """(value, label) pairs read as plain values in one query: no model instance per option
    (most of the time of a form offering a county's 800 organizations), and no server-side
    cursor (``ModelChoiceIterator`` uses ``iterator()``, which on PostgreSQL declares a
    cursor and fetches from it). The field names the columns of its label
    (``label_lookups``) and writes it from them (``label_from_values``)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for value, *columns in self.rows():
            yield (value, self.field.label_from_values(*columns))

    def rows(self):
        """The options' values and label columns, read from the database."""
        key = self.field.to_field_name or "pk"
        by_pk = key in ("pk", self.queryset.model._meta.pk.name)
        # A foreign key's field names its target column ("id"), a many-to-many's none.
        columns = ("pk" if by_pk else key, *self.field.label_lookups)
        sources = getattr(self.field, "option_sources", None)
        if not sources:
            return list(self.queryset.values_list(*columns))
        # The union of the sources, in the field's order (each ordering column is selected
        # under a name of its own, as ORDER BY of a UNION must name selected columns).
        order = {f"_order{i}": F(lookup) for i, lookup in enumerate(self.field.option_ordering)}
        first, *others = (
            source.order_by().annotate(**order).values_list(*columns, *order) for source in sources
        )
        return [row[: len(columns)] for row in first.union(*others).order_by(*order)]


def _indented(level, name):
    return "\u3000" * (level - 1) + name


class AreaChoiceField(forms.ModelChoiceField):
    """Areas indented by level so the tree reads in a plain select."""

    iterator = ValueChoices
    label_lookups = ("level", "name")

    def label_from_values(self, level, name):
        return _indented(level, name)

    def label_from_instance(self, obj):
        return _indented(obj.level, obj.name)


class _ByName:
    """Options labelled by name as ``str()`` labels organizations and people, read as plain
    values (``ValueChoices``)."""

    iterator = ValueChoices
    label_lookups = ("name",)

    def label_from_values(self, name):
        return name


class NamedChoiceField(_ByName, forms.ModelChoiceField):
    """An organization or a person, its options read as plain values."""


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids no table can hold before they reach the database: SQLite raises
    OverflowError (a 500) on an integer beyond 64 bits in an IN (...) list."""

    def clean(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            if str(pk).isdigit() and len(str(pk)) > 18:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super().clean(value)


class NamedMultipleChoiceField(_ByName, SafeModelMultipleChoiceField):
    """Several organizations or people, as ``NamedChoiceField`` offers one."""


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


def _bounded(queryset, user, within, keep):
    """What the user may choose inside ``within``, and the record's own values (``keep``)
    even where they lie outside, as the querysets the options are read from."""
    offered = queryset.visible_to(user)
    if within is not None:
        offered = offered.within(within)
    # The record's own values stay, even those the user may not choose themselves (a county
    # body hosting a village's meeting, edited by the town): the record's page names them.
    return (offered, queryset.filter(pk__in=keep)) if keep else (offered,)


def _limit(field, sources, ordering, related):
    """Accept what any of ``sources`` holds; read the options as their union
    (``ValueChoices``). Checking one posted value, an OR of the sources is an index lookup by
    id; listing every option, an OR across the join to the area would read the whole table
    (every organization of a province), where the union reads two indexes."""
    accepted = sources[0]
    for source in sources[1:]:
        accepted = accepted | source
    accepted = accepted.order_by(*ordering)
    # The related rows a chosen value's label or checks read (an organization's area).
    field.queryset = accepted.select_related(*related) if related else accepted
    field.option_sources = sources if len(sources) > 1 else None
    field.option_ordering = ordering


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
    them. Any other value outside is still refused."""
    for model, names, ordering, related in (
        (Area, areas, ("code",), ()),
        (Organization, organizations, ("area__code", "name"), ("area",)),
        (Person, people, ("area__code", "name"), ()),
    ):
        for name in names:
            sources = _bounded(model.objects, user, within, _current(form, name))
            _limit(form.fields[name], sources, ordering, related)


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
