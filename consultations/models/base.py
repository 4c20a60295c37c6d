"""Pieces shared by every stage's models."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Versioned
from organizations.scoping import ScopedQuerySet


class InAreaQuerySet(ScopedQuerySet):
    """Records that carry an ``area`` foreign key."""


class Timestamped(Versioned):
    """Creation and change times, who created the record, and an edit version.

    ``created_at`` defaults to now but may be set, so imported and historical records keep
    their real dates. ``version`` goes up by one on every save; an edit form carries the
    version it was opened at, and ``concurrency.check_version`` refuses a save when someone
    else has saved in between (no silent lost update).
    """

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True


def _random_name(folder, filename):
    # Only the extension survives: file names often carry people's names.
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"{folder}/{uuid.uuid4().hex}{suffix}"


def attachment_upload_path(instance, filename):
    return _random_name("attachments", filename)


def update_photo_upload_path(instance, filename):
    return _random_name("progress", filename)
