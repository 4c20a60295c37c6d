"""Who changed what, and when: the recent audit history of a record for its page.

django-simple-history keeps one row per saved version. A page shows the latest changes with
the values before and after, computed here in Python from rows fetched in one query per
history table, however long the history grows: the previous version of each row comes along
in the same query (SQL window functions), and related records named in a change are looked
up afterwards with one query per related model.
"""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.db import models
from django.db.models import F, Window
from django.db.models.functions import Lag
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _

from core.templatetags.wuhgong import amount, money

LIMIT = 20
# Bookkeeping that changes with every save, or never after creation: not worth a line.
HIDDEN_FIELDS = frozenset({"id", "version", "created_at", "created_by", "updated_at"})
TEXT_LIMIT = 120
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
# Which of a record's own fields tell it apart from its siblings on a combined history.
NAMING_FIELDS = {
    "fundingline": ("source",),
    "stewardship": ("organization", "person"),
    "evaluation": ("evaluator", "evaluated_on"),
}
PREVIOUS = "previous_"


def recent_changes(*sources, user, limit=LIMIT, name_records=False):
    """The latest ``limit`` changes of ``sources``, newest first, as plain dicts.

    A source is a record that keeps history (``meeting``) or a queryset of historical rows
    (``FundingLine.history.filter(project_id=project.pk)``). Each dict holds ``time``,
    ``user`` (a name, or None when no user was known), ``action`` ("created", "changed" or
    "deleted"), ``record`` (what the row is, with ``name_records``; else "") and ``changes``:
    (field label, before, after) as the pages show values. Saves that changed nothing shown
    (only the edit version) are left out. Related records outside ``user``'s scope (a
    project once linked to another village's proposal) are not named.
    """
    rows = []
    for source in sources:
        history = _history_of(source)
        naming = _naming_relations(history.model) if name_records else ()
        rows.extend(_latest(history, limit, naming))
    rows.sort(key=lambda row: (row.history_date, row.history_id), reverse=True)
    deltas = [(row, _delta(row)) for row in rows]
    # Saves that only moved the version (a project saved for its funding lines) say nothing.
    deltas = [(row, delta) for row, delta in deltas if delta is None or delta][:limit]
    names = _RelatedNames(user)
    for _row, delta in deltas:
        for field, before, after in delta or ():
            names.want(field, before)
            names.want(field, after)
    return [
        {
            "time": row.history_date,
            "user": _user_name(row.history_user),
            "action": ACTIONS.get(row.history_type, "changed"),
            "record": _record_name(row, names) if name_records else "",
            "changes": [
                (
                    capfirst(field.verbose_name),
                    display(field, before, names),
                    display(field, after, names),
                )
                for field, before, after in delta or ()
            ],
        }
        for row, delta in deltas
    ]


def _history_of(source):
    if isinstance(source, models.Model):
        return source.history.all()
    return source


def _latest(history, limit, related=()):
    """The latest rows of a history, each with its previous version's values alongside.

    One window function finds each row's previous version; the previous versions of the
    changes are then read in a second query. (One window per field would do it in one query,
    but compiling a window per field costs a page more than the second query.)
    """
    model = history.model
    rows = list(
        history.select_related("history_user", *related)
        .annotate(
            **{
                f"{PREVIOUS}history_id": Window(
                    Lag("history_id"),
                    partition_by=[F("id")],
                    order_by=[F("history_date").asc(), F("history_id").asc()],
                )
            }
        )
        .order_by("-history_date", "-history_id")[: limit + 1]
    )
    shown = _shown_fields(model)
    wanted = [
        getattr(row, f"{PREVIOUS}history_id")
        for row in rows
        if row.history_type == "~" and getattr(row, f"{PREVIOUS}history_id") is not None
    ]
    # Read even when there is nothing to read (ids start at 1), so that a page's number of
    # queries does not depend on whether its records were ever edited.
    previous = {
        version.history_id: version
        for version in model._default_manager.filter(history_id__in=[0, *wanted]).only(
            "history_id", *(field.attname for field in shown)
        )
    }
    for row in rows:
        version = previous.get(getattr(row, f"{PREVIOUS}history_id"))
        for field in shown:
            value = getattr(version, field.attname) if version is not None else None
            setattr(row, PREVIOUS + field.attname, value)
    return rows


def _shown_fields(history_model):
    return [
        field
        for field in history_model.tracked_fields
        if field.editable and not field.many_to_many and field.name not in HIDDEN_FIELDS
    ]


def _delta(row):
    """[(field, before, after)] for a change; [] when nothing shown changed; None when the
    row is a creation or deletion, or its previous version was never recorded."""
    if row.history_type != "~" or getattr(row, f"{PREVIOUS}history_id") is None:
        return None
    model = type(row)
    shown = _shown_fields(model)
    previous = model(
        **{field.attname: getattr(row, PREVIOUS + field.attname) for field in shown},
    )
    delta = row.diff_against(
        previous,
        included_fields=[field.name for field in shown],
        foreign_keys_are_objs=False,
    )
    order = {field.name: index for index, field in enumerate(shown)}
    return [
        (model._meta.get_field(change.field), change.old, change.new)
        for change in sorted(delta.changes, key=lambda change: order[change.field])
    ]


class _RelatedNames:
    """Names of related records the user may see, looked up with one query per model."""

    def __init__(self, user):
        self.user = user
        self.wanted = defaultdict(set)
        self.found = None

    def want(self, field, value):
        if field.many_to_one and value is not None:
            self.wanted[field.related_model].add(value)

    def name(self, field, value):
        if self.found is None:
            self.found = {
                model: {obj.pk: str(obj) for obj in self._visible(model).filter(pk__in=ids)}
                for model, ids in self.wanted.items()
            }
        name = self.found.get(field.related_model, {}).get(value)
        # Deleted since, or out of scope: the history does not say which.
        return name if name is not None else _("(not available)")

    def _visible(self, model):
        queryset = model._default_manager.all()
        if hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(self.user)
        return queryset


def display(field, value, names=None, *, text_limit=TEXT_LIMIT):
    """A stored value as the pages show it: choice labels, names, grouped amounts, dates;
    long texts cut to ``text_limit`` characters (None keeps them whole)."""
    if value is None or value == "":
        return "—"
    if field.many_to_one:
        return names.name(field, value) if names is not None else f"#{value}"
    if field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, int):
        return amount(value)
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    text = str(value)
    return Truncator(text).chars(text_limit) if text_limit else text


def _naming_fields(history_model):
    names = NAMING_FIELDS.get(history_model.instance_type._meta.model_name, ())
    return [history_model._meta.get_field(name) for name in names]


def _naming_relations(history_model):
    # Joined in the history query itself (they are nullable, so a record deleted since
    # leaves the row in place): naming a row then costs nothing more.
    return [field.name for field in _naming_fields(history_model) if field.many_to_one]


def _record_name(row, names):
    kind = capfirst(row.instance_type._meta.verbose_name)
    for field in _naming_fields(type(row)):
        value = field.value_from_object(row)
        if value in (None, ""):
            continue
        if field.many_to_one:
            related = getattr(row, field.name)
            if related is None:
                continue
            return f"{kind}：{related}"
        return f"{kind}：{display(field, value, names)}"
    return kind


def _user_name(user):
    if user is None:
        return None
    return user.get_full_name() or user.get_username()
