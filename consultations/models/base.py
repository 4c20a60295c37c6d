"""Pieces shared by every stage's models."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Versioned
from organizations.scoping import COUNTY_CODE_LENGTH, ScopedQuerySet


class InAreaQuerySet(ScopedQuerySet):
    """Records that carry an ``area`` foreign key."""


class InCounty(models.Model):
    """A copy of the code of the county the record lies in, so that a county's records are
    one index range in date order (``ScopedQuerySet.county_code_lookup``): county staff's
    lists and counts, the most common reads at province scale, need no join to the areas.

    The services that save a meeting or a proposal set it (``services.save_meeting``,
    ``raise_proposal``, ``save_proposal``); rows written in bulk set it themselves, and a
    check constraint refuses a row without it.
    """

    county_code = models.CharField(
        _("county code"), max_length=COUNTY_CODE_LENGTH, default="", editable=False
    )

    class Meta:
        abstract = True

    @classmethod
    def county_code_is_set(cls, name):
        """The constraint for a model's Meta: every row carries its county's code."""
        return models.CheckConstraint(
            name=name, condition=Exact(Length("county_code"), COUNTY_CODE_LENGTH)
        )


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
