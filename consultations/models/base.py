"""Pieces shared by every stage's models."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.scoping import ScopedQuerySet


class InAreaQuerySet(ScopedQuerySet):
    """Records that carry an ``area`` foreign key."""


class Timestamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
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
