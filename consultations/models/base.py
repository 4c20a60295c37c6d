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

    ``save()`` keeps it: read from ``county_source`` (the area, or the meeting a proposal
    was raised at) when that is new, changed or already at hand; rows written in bulk set
    it themselves, and a check constraint refuses a row without it.
    """

    county_code = models.CharField(
        _("county code"), max_length=COUNTY_CODE_LENGTH, default="", editable=False
    )
    # The foreign key the county is read from.
    county_source = None

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        field = self._meta.get_field(self.county_source)
        before = self.__dict__.get("county_code")
        source_id = getattr(self, field.attname)
        if (
            not before
            or field.is_cached(self)
            or source_id != getattr(self, "_county_source_id", None)
        ):
            self.county_code = self.county_of_source()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "county_code"}
        adding = self._state.adding
        super().save(*args, **kwargs)
        self._county_source_id = source_id
        if not adding and before != self.county_code:
            self.county_changed()

    @classmethod
    def county_code_is_set(cls, name):
        """The constraint for a model's Meta: every row carries its county's code."""
        return models.CheckConstraint(
            name=name, condition=Exact(Length("county_code"), COUNTY_CODE_LENGTH)
        )

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        attname = cls._meta.get_field(cls.county_source).attname
        instance._county_source_id = instance.__dict__.get(attname)
        return instance

    def county_of_source(self):
        """The county's code read from ``county_source`` (a query when it is not loaded)."""
        raise NotImplementedError

    def county_changed(self):
        """The record moved to another county: what copies its county follows."""


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
