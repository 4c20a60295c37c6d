"""村务公开: what the public board may show, and the server-side cache of its pages.

What is public is decided here, once, by the flags staff set: a project marked public on
the village board, a published outcome, a meeting whose summary is public, a photo marked
public under a public project or public meeting. Every public page and the sitemap build
their querysets from these functions, so a draft cannot appear through one page and not
another.

The cache: every rendered public page is stored under a key that carries the board's
*version*. Staff actions that change what the board shows call ``invalidate()``, which
gives the board a new version, so every page is rendered afresh on its next visit and the
old entries age out. One version for the whole board keeps this obviously correct (a
village's outcome also changes its town's and county's counts); publishing is rare enough
that re-rendering everything after it costs nothing worth saving.
"""

import functools
import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from organizations.models import AreaLevel

from . import aggregates
from .models import Attachment, AttachmentKind, Meeting, Outcome, Project, ProjectUpdate, Proposal

VERSION_KEY = "public-board:version"
PAGE_KEY = "public-board:page"


# -- what is public --------------------------------------------------------------------------


def public_projects():
    """Projects staff marked public on the village board."""
    return Project.objects.filter(is_public=True)


def published_outcomes():
    """Outcomes staff published (公示)."""
    return Outcome.objects.filter(is_published=True)


# A matter (one proposal's chain) is published when its project is public or its outcome is
# published: both need a project, so a matter still in 共谋 is never public.
MATTER_IS_PUBLISHED = Q(project__is_public=True) | Q(project__outcome__is_published=True)


def published_matters():
    """Proposals whose chain the public may follow (see MATTER_IS_PUBLISHED)."""
    return Proposal.objects.filter(MATTER_IS_PUBLISHED)


def published_projects():
    """Projects whose matter is published (public, or with a published outcome): their
    evaluations, stewardship and stage states may show, their details only when public."""
    return Project.objects.filter(Q(is_public=True) | Q(outcome__is_published=True))


def public_meetings():
    """Meetings whose summary (title, date, format, agenda) staff marked public."""
    return Meeting.objects.filter(summary_is_public=True)


def public_meeting_photos():
    """Meeting photos marked public, of meetings whose summary is public."""
    return Attachment.objects.filter(
        is_public=True, kind=AttachmentKind.PHOTO, meeting__summary_is_public=True
    )


def public_progress_photos():
    """Progress photos marked public, of projects that are public."""
    return ProjectUpdate.objects.filter(photo_is_public=True, project__is_public=True).exclude(
        photo=""
    )


def board_filter(area, lookup):
    """Records that appear on ``area``'s own board, reached through ``lookup`` (the area's
    code field, e.g. "project__area__code").

    A village's board holds what belongs to it and its hamlets (hamlets have no board); a
    town's or county's board holds what belongs to that level itself, such as a town road
    gathering several villages' proposals. Everything below a town shows on its own board.
    """
    if area.level >= AreaLevel.VILLAGE:
        return Q(**{f"{lookup}__startswith": area.code})
    return Q(**{lookup: area.code})


def board_code(code):
    """The code of the board that shows a record of the area with this code."""
    return code[:12] if len(code) > 12 else code


# -- the cache ------------------------------------------------------------------------------


def _new_version():
    return uuid.uuid4().hex[:16]


def version():
    """The board's current version; a fresh one when the cache has none (first use, or the
    cache was emptied), so pages stored before can never be taken for current ones."""
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, _new_version(), timeout=None)
        current = cache.get(VERSION_KEY) or _new_version()
    return current


def _bump():
    cache.set(VERSION_KEY, _new_version(), timeout=None)


def invalidate():
    """Call after any change to what the public board shows: its pages render afresh.

    Bumped now, so that the rest of this request already sees the change, and again when
    the transaction commits: a visitor who rendered the old rows in between must not keep
    them under the new version.
    """
    _bump()
    transaction.on_commit(_bump)


# What a page looks like besides its data: when a new release changes any of these, pages
# stored by the old one (in a cache that outlives the restart, such as Redis) are not used.
_RELEASE_FILES = [
    "consultations/public_board.py",
    "consultations/views/public.py",
    "templates/public/*.html",
    "locale/*/LC_MESSAGES/django.mo",
]


@functools.cache
def release():
    """A fingerprint of the code, templates and translations that render the public pages,
    read once per process."""
    return aggregates.fingerprint(_RELEASE_FILES)


def page_key(*, path, language, day):
    """The cache key of one public page: release, board version, language, date and path.

    The date is part of it because pages say which meetings are upcoming.
    """
    digest = hashlib.sha256(path.encode()).hexdigest()[:32]
    return f"{PAGE_KEY}:{release()}:{version()}:{language}:{day.isoformat()}:{digest}"


def page_timeout():
    """How long the server keeps a rendered page. Saves outside the pages that call
    ``invalidate()`` (the Django admin) show on the board after this long at most."""
    return settings.PUBLIC_BOARD_CACHE_SECONDS
