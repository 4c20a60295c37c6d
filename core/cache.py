"""Figures that scan many rows, kept in the cache until the data they read change.

The dashboard's counts, the report's tables, the territory pages' counts and the public
board's totals read every meeting, proposal or project of an area: at province scale that
is far more work than the page around them, for numbers that change a few times an hour.
``cached`` keeps such a figure under a key that carries the *version* of the data it reads,
and says when it was computed, so a page can show how fresh it is.

Every write path (the services, the staff forms, the admin, the import, a restored backup)
calls ``changed`` with the areas it wrote in; nothing else renews a version, so a reader
finds every writer by searching for ``changed(``. Versions are kept per county, so that a
county's figures survive a change in another county: a figure bounded by an area reads its
county's version, a province-wide figure the version that every change renews.
``changed()`` without areas renews every county's (a restore, an admin bulk change).

``settings.RELEASE`` is part of every key: a deploy sets a new one, so that figures stored
by the old code (in a cache that outlives the restart) are not read by the new.
``AGGREGATE_CACHE_SECONDS`` bounds the age of a figure for changes made outside the site.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

# Every area code begins with the code of its county (the first six digits).
COUNTY_CODE_LENGTH = 6
EVERYTHING = "figures:version:all"
EPOCH = "figures:version:epoch"
COUNTY = "figures:version:county:{}"


@dataclass(frozen=True)
class Figures:
    """Computed figures and when they were computed."""

    value: object
    computed_at: datetime


def _code(area):
    return area if isinstance(area, str) else area.code


def _version_keys(area):
    if area is None:
        return [EVERYTHING]
    return [EPOCH, COUNTY.format(_code(area)[:COUNTY_CODE_LENGTH])]


def _versions(keys):
    found = cache.get_many(keys)
    for key in keys:
        if not found.get(key):
            # add() keeps a version another process set in between; read what won.
            cache.add(key, uuid.uuid4().hex, timeout=None)
            found[key] = cache.get(key) or uuid.uuid4().hex
    return ".".join(found[key] for key in keys)


def cached(name, scope, compute, *, area=None):
    """``compute()``'s value for ``scope`` (a string naming what it covers: the user's area,
    the filters, the day), from the cache while the data it reads have not changed.
    ``area``: the area the value reads nothing outside of; None for the whole province."""
    parts = "\x1f".join([settings.RELEASE, _versions(_version_keys(area)), name, str(scope)])
    # Hashed: scopes carry filters in any characters, which some caches refuse in keys.
    key = f"figures:value:{hashlib.sha256(parts.encode()).hexdigest()}"
    stored = cache.get(key)
    if stored is None:
        stored = Figures(value=compute(), computed_at=timezone.now())
        cache.set(key, stored, timeout=settings.AGGREGATE_CACHE_SECONDS)
    return stored


def changed(*areas):
    """Figures reading any of ``areas`` (areas or their codes) are stale, and so are the
    province-wide ones; with no area (or only None), every figure is. Renewed now, for the
    rest of this request, and again at commit: a figure computed in between from the old
    rows is not kept under the new version."""
    counties = sorted({_code(area)[:COUNTY_CODE_LENGTH] for area in areas if area is not None})
    keys = (
        [EVERYTHING, *(COUNTY.format(code) for code in counties)]
        if counties
        else [EVERYTHING, EPOCH]
    )

    def renew():
        cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)

    renew()
    transaction.on_commit(renew)
