"""Figures that need a scan of many rows, kept in the cache until the data changes.

The dashboard's counts and the report's tables read every meeting, proposal and project of
an area; at province scale that is seconds of work for numbers that change a few times an
hour. They are computed once per scope, stored under a key that carries the *data version*
and shown with the time they were computed ("统计于 09:12"), so staff know how fresh they are.

Any save or delete of a record these figures read (the signals below, wired in
``ConsultationsConfig.ready``) gives the data a new version, so the next page computes
afresh: a figure is never older than the last change. ``AGGREGATE_CACHE_SECONDS`` bounds
the age of figures for changes that bypass the signals (bulk loads, raw SQL).

Versions are kept per county as well as for the whole: a province's villages record
something every few seconds, and a county's figures must not be thrown away for a change
in another county. Figures bounded by an area (``cached(..., area=...)``) read the version
of that area's county; figures of everything read the version of everything, which every
change renews. A change whose county cannot be told renews every county's (the *epoch*).
"""

import functools
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asgiref.local import Local
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from organizations.scoping import county_code, sees_everything, user_area

VERSION_KEY = "aggregates:version"
EPOCH_KEY = "aggregates:epoch"
COUNTY_KEY = "aggregates:version:{}"
VALUE_KEY = "aggregates:value"


@dataclass(frozen=True)
class Figures:
    """Computed figures and when they were computed."""

    value: object
    computed_at: datetime


def _fresh():
    return uuid.uuid4().hex[:16]


def _county(area):
    code = area if isinstance(area, str) else area.code
    return county_code(code)


# The versions read during the current request: a list page reads its kept count and its
# area filter's options, each under the same version, for one round trip to the cache.
# asgiref's Local, as Django keeps the active language: per thread, and per request under
# ASGI, where one thread serves several.
_request = Local()


def _request_started(**_kwargs):
    _request.versions = {}


def _request_finished(**_kwargs):
    _request.versions = None


def keep_versions_per_request():
    """Read each version once per request (``ConsultationsConfig.ready`` calls this)."""
    from django.core.signals import request_finished, request_started

    request_started.connect(_request_started, dispatch_uid="aggregates-versions-start")
    request_finished.connect(_request_finished, dispatch_uid="aggregates-versions-end")


def version_keys(area=None):
    """The cache keys of the versions ``version(area)`` joins."""
    return [VERSION_KEY] if area is None else [EPOCH_KEY, COUNTY_KEY.format(_county(area))]


def version(area=None):
    """The version of the data that figures bounded by ``area`` (an area or its code) read;
    with no area, of all the data. Fresh versions where the cache holds none."""
    return versions(version_keys(area))


def versions(keys):
    """The versions kept under ``keys``, joined: read once per request, in one round trip
    to the cache, and fresh ones where the cache holds none."""
    seen = getattr(_request, "versions", None)
    if seen is not None and all(key in seen for key in keys):
        return ".".join(seen[key] for key in keys)
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, _fresh(), timeout=None)
        found.update(cache.get_many(missing))
    found = {key: found.get(key) or _fresh() for key in keys}
    if seen is not None:
        seen.update(found)
    return ".".join(found[key] for key in keys)


def _keys_of_change(counties):
    """The versions a change in ``counties`` (codes) renews: theirs and everything's; every
    county's (the epoch) when ``counties`` is None."""
    keys = [VERSION_KEY, *(COUNTY_KEY.format(c) for c in counties)] if counties else [VERSION_KEY]
    if counties is None:
        keys.append(EPOCH_KEY)
    return keys


def _renew_now(keys):
    fresh = {key: _fresh() for key in keys}
    cache.set_many(fresh, timeout=None)
    seen = getattr(_request, "versions", None)
    if seen is not None:
        seen.update(fresh)


def renew(keys):
    """New versions for ``keys``: now, for the rest of this request, and again at commit,
    so that values computed from the old rows in between are not kept."""
    _renew_now(keys)
    transaction.on_commit(lambda: _renew_now(keys))


def _area_lookups(model):
    """The paths from a row of ``model`` to its areas' codes (``ScopedQuerySet``), if any:
    to its own copy of its county's code where it keeps one (the shortest path, and on the
    row itself), and to the areas of the records whose pages show it from another county
    (``shown_in_lookups``: a proposal on its project's page)."""
    queryset = model._default_manager.all()
    county = getattr(queryset, "county_code_lookup", None)
    if not county:
        return getattr(queryset, "area_code_lookups", None)
    return (county, *getattr(queryset, "shown_in_lookups", ()))


def _counties_of(model, pk, *more):
    """The counties stored records belong to (an evaluation through its subject, a proposal
    through its meeting...), read with one query; None when the model says nothing of it."""
    lookups = _area_lookups(model)
    if not lookups or pk is None:
        return None
    rows = model._default_manager.filter(pk__in=[pk, *more]).values_list(*lookups)
    return {_county(code) for row in rows for code in row if code}


def _changed(counties):
    """Figures of ``counties`` computed before now are stale (``renew``)."""
    renew(_keys_of_change(counties))


def renew_everything():
    """Every figure (and kept page) computed before now is stale: after a restore replaced
    the data wholesale."""
    _changed(None)


def _before_change(sender, instance, **kwargs):
    """Where a record lay before it is changed or deleted: a meeting moved to another
    county changes the figures of both."""
    if not instance._state.adding and instance.pk is not None:
        instance._aggregate_counties = _counties_of(sender, instance.pk)


def _counties_in_memory(instance):
    """The counties of a record just saved, read from the related rows it already holds
    (a meeting saved by its form holds its area): None when a hop is not loaded, and the
    database is asked instead. Django forgets a held row when its id is changed."""
    lookups = _area_lookups(type(instance))
    if not lookups:
        return None
    codes = set()
    for lookup in lookups:
        *hops, column = lookup.split("__")
        row = instance
        for hop in hops:
            field = row._meta.get_field(hop)
            if getattr(row, field.attname) is None:
                row = None
                break
            if not field.is_cached(row):
                return None
            row = getattr(row, hop)
        if row is not None:
            codes.add(_county(getattr(row, column)))
    return codes


def _after_save(sender, instance, **kwargs):
    before = getattr(instance, "_aggregate_counties", set())
    after = _counties_in_memory(instance)
    if after is None:
        after = _counties_of(sender, instance.pk)
    _changed(None if before is None or after is None else before | after)


def _after_delete(sender, instance, **kwargs):
    _changed(getattr(instance, "_aggregate_counties", None))


def _relation_changed(sender, instance, action, model, pk_set, **kwargs):
    """A many-to-many change touches the record and the records added or removed (a
    meeting's attending organizations, changed from either side)."""
    if action.startswith("post_"):
        counties = _counties_of(type(instance), instance.pk)
        if counties is not None and pk_set:
            others = _counties_of(model, *pk_set)
            counties = None if others is None else counties | others
        _changed(counties)


# What the kept values are made by: the code, and, for kept pages, the templates and the
# translations that render them.
_RELEASE_FILES = (
    "consultations/**/*.py",
    "organizations/**/*.py",
    "wuhgong/**/*.py",
    "templates/**/*.html",
    "locale/*/LC_MESSAGES/django.mo",
)


def fingerprint(patterns):
    """A hash of the project's files matching ``patterns`` (globs under BASE_DIR), less
    migrations: what a cache key carries so that a new release keeps nothing of the old."""
    digest = hashlib.sha256()
    for pattern in patterns:
        for path in sorted(Path(settings.BASE_DIR).glob(pattern)):
            if "migrations" not in path.parts:
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@functools.cache
def release():
    """A fingerprint of the code, templates and translations that compute and render the
    kept values, read once per process: values stored by an older release (in a cache that
    outlives a restart, such as Redis) may have another shape, or show an older page, and
    are not used."""
    return fingerprint(_RELEASE_FILES)


def user_scope(user):
    """What a user sees, as part of a scope: everything, their area's subtree, or nothing."""
    if sees_everything(user):
        return "all"
    area_id = getattr(user, "area_id", None) if user.is_authenticated else None
    return f"area-{area_id}" if area_id is not None else "none"


def user_bound(user):
    """The area that bounds what a user sees (``cached(..., area=...)``), None for everything."""
    return None if sees_everything(user) or not user.is_authenticated else user_area(user)


def list_keepers(request, name, filters):
    """``ListPaginator``'s keepers for the list ``name`` filtered by the bound form
    ``filters``, per user scope and the filters the form applied (less the order), until
    the data change: its count (``keep_count``), so that paging through a list of a
    province counts it once, and where its deep pages begin (``keep_marks``). Per day too:
    a filter may depend on the date (overdue projects).

    Keyed by what the form applied, not by the query string: a form may drop a value it
    refuses (or, for some lists, every filter when one is refused), and the same address
    must not name two different sets of rows."""
    scope = f"{user_scope(request.user)}:{timezone.localdate()}:{filter_key(filters)!r}"
    area = user_bound(request.user)
    return {
        "keep_count": lambda compute: cached(f"list-count:{name}", scope, compute, area=area).value,
        "keep_marks": PageMarks(name, scope, area),
    }


class PageMarks:
    """Where the deep pages of a list begin (``ListPaginator(keep_marks=...)``): the sort key
    of a page's first row, per order, kept in the cache until the data change."""

    def __init__(self, name, scope, area):
        self.name, self.scope, self.area = name, scope, area

    def _key(self, order, number):
        return value_key(f"page-mark:{self.name}", f"{self.scope}:{order!r}:{number}", self.area)

    def get(self, order, numbers):
        """{page number: its first row's sort key} for those of ``numbers`` kept."""
        keys = {self._key(order, number): number for number in numbers}
        return {keys[key]: mark for key, mark in cache.get_many(list(keys)).items()}

    def set(self, order, marks):
        cache.set_many(
            {self._key(order, number): key for number, key in marks.items()},
            timeout=settings.AGGREGATE_CACHE_SECONDS,
        )


def filter_key(filters):
    """What the bound form ``filters`` applied, as part of a cache scope: (name, value) in
    order, ids for records, without the order of the rows (``UNCOUNTED``)."""
    return sorted(
        (key, str(getattr(value, "pk", value)))
        for key, value in applied_filters(filters).items()
        if key not in UNCOUNTED and value not in (None, "")
    )


def applied_filters(form):
    """The values a list's filter form filters by: the fields that validated when the form
    keeps those (``valid_data``), otherwise all of them or, when one is refused, none."""
    if not form.is_bound:
        return {}
    valid_data = getattr(form, "valid_data", None)
    if valid_data is not None:
        return valid_data
    return form.cleaned_data if form.is_valid() else {}


# Filter fields that change the order of a list, not its rows.
UNCOUNTED = frozenset({"sort"})


def cached(name, scope, compute, *, area=None):
    """``compute()``'s value for ``scope`` (a string naming what it covers: the user's area,
    the filters), from the cache while the data has not changed since. ``area``: the area
    the value reads nothing outside of, whose county's changes alone make it stale."""
    key = value_key(name, scope, area)
    stored = cache.get(key)
    if stored is None:
        stored = Figures(value=compute(), computed_at=timezone.now())
        cache.set(key, stored, timeout=settings.AGGREGATE_CACHE_SECONDS)
    return stored


def value_key(name, scope, area=None):
    """The cache key of a value named ``name`` for ``scope``, under the current version of
    the data bounded by ``area`` (``cached``)."""
    # Hashed: scopes carry filters in any characters, which some caches refuse in keys.
    parts = "\x1f".join([release(), version(area), name, str(scope)])
    return f"{VALUE_KEY}:{hashlib.sha256(parts.encode()).hexdigest()}"


def watch(*models):
    """Renew the versions of the counties a record of ``models`` lies in, on every save and
    delete (and change of its many-to-many relations)."""
    from django.db.models.signals import (
        m2m_changed,
        post_delete,
        post_save,
        pre_delete,
        pre_save,
    )

    for model in models:
        uid = f"aggregates-{model._meta}"
        pre_save.connect(_before_change, sender=model, dispatch_uid=f"{uid}-before")
        pre_delete.connect(_before_change, sender=model, dispatch_uid=f"{uid}-before-d")
        post_save.connect(_after_save, sender=model, dispatch_uid=uid)
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}-d")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _relation_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"{uid}-m-{field.name}",
            )
