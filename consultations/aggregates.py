"""Figures that need a scan of many rows, kept in the cache until the data changes.

The dashboard's counts and the report's tables read every meeting, proposal and project of
an area; at province scale that is seconds of work for numbers that change a few times an
hour. They are computed once per scope, stored under a key that carries the *data version*
and shown with the time they were computed ("统计于 09:12"), so staff know how fresh they are.

Any save or delete of a record these figures read (the signals below, wired in
``ConsultationsConfig.ready``) gives the data a new version, so the next page computes
afresh: a figure is never older than the last change. ``AGGREGATE_CACHE_SECONDS`` bounds
the age of figures for changes that bypass the signals (bulk loads, raw SQL).
"""

import functools
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from organizations.scoping import sees_everything

VERSION_KEY = "aggregates:version"
VALUE_KEY = "aggregates:value"


@dataclass(frozen=True)
class Figures:
    """Computed figures and when they were computed."""

    value: object
    computed_at: datetime


def version():
    """The data's current version; a fresh one when the cache holds none."""
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex[:16], timeout=None)
        current = cache.get(VERSION_KEY) or uuid.uuid4().hex[:16]
    return current


def _bump():
    cache.set(VERSION_KEY, uuid.uuid4().hex[:16], timeout=None)


def data_changed(**_signal_kwargs):
    """Figures computed before now are stale: bumped now, for the rest of this request, and
    again at commit, so figures computed from the old rows in between are not kept."""
    _bump()
    transaction.on_commit(_bump)


@functools.cache
def release():
    """A fingerprint of the code that computes and reads the figures, read once per process:
    values stored by an older release (in a cache that outlives a restart, such as Redis)
    may have another shape, and are not used."""
    digest = hashlib.sha256()
    for app in ("consultations", "organizations"):
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py")):
            if "migrations" not in path.parts:
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def user_scope(user):
    """What a user sees, as part of a scope: everything, their area's subtree, or nothing."""
    if sees_everything(user):
        return "all"
    area_id = getattr(user, "area_id", None) if user.is_authenticated else None
    return f"area-{area_id}" if area_id is not None else "none"


def count_keeper(request, name, filters):
    """A ``ListPaginator(keep_count=...)`` for the list ``name`` filtered by the bound form
    ``filters``: its count kept per user scope and the filters the form applied (less the
    order) until the data change, so that paging through a list of a province counts it
    once. Per day too: a filter may depend on the date (overdue projects).

    Keyed by what the form applied, not by the query string: a form may drop a value it
    refuses (or, for some lists, every filter when one is refused), and the same address
    must not name two different sets of rows."""
    applied = sorted(
        (key, str(getattr(value, "pk", value)))
        for key, value in applied_filters(filters).items()
        if key not in UNCOUNTED and value not in (None, "")
    )
    scope = f"{user_scope(request.user)}:{timezone.localdate()}:{applied!r}"
    return lambda compute: cached(f"list-count:{name}", scope, compute).value


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


def cached(name, scope, compute):
    """``compute()``'s value for ``scope`` (a string naming what it covers: the user's area,
    the filters), from the cache while the data has not changed since."""
    # Hashed: scopes carry filters in any characters, which some caches refuse in keys.
    parts = "\x1f".join([release(), version(), name, str(scope)])
    key = f"{VALUE_KEY}:{hashlib.sha256(parts.encode()).hexdigest()}"
    stored = cache.get(key)
    if stored is None:
        stored = Figures(value=compute(), computed_at=timezone.now())
        cache.set(key, stored, timeout=settings.AGGREGATE_CACHE_SECONDS)
    return stored


def watch(*models):
    """Connect ``data_changed`` to every save and delete of ``models``."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in models:
        post_save.connect(data_changed, sender=model, dispatch_uid=f"aggregates-{model._meta}")
        post_delete.connect(data_changed, sender=model, dispatch_uid=f"aggregates-d-{model._meta}")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                data_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"aggregates-m-{model._meta}-{field.name}",
            )
