"""Pieces shared by every stage's admin."""

from django.contrib import messages
from django.db import models
from django.utils.translation import gettext_lazy as _

from consultations.services import LifecycleError
from core.uploads import validate_photo, validate_upload

# Timestamped rows: who recorded them and when is shown, never typed.
RECORD_FIELDS = ("created_by", "created_at", "updated_at")
RECORD_FIELDSET = (_("Record"), {"classes": ("collapse",), "fields": RECORD_FIELDS})

# Files uploaded in the admin pass the same content checks as the staff pages' (as
# ``formfield_overrides``; the defaults' admin widget is kept).
UPLOAD_CHECKS = {models.FileField: {"validators": [validate_upload]}}
PHOTO_CHECKS = {models.FileField: {"validators": [validate_photo]}}


def run_service_on_each(model_admin, request, queryset, step, done_message):
    """Apply a lifecycle service to each selected row, as an admin action.

    Rows the lifecycle refuses are reported one by one and the others still move: one
    proposal that is already decided should not hold back the rest of the selection.
    ``done_message`` is a callable taking the number of rows that moved.
    """
    done = 0
    for obj in queryset:
        try:
            step(obj)
        except LifecycleError as error:
            model_admin.message_user(
                request,
                _("“%(record)s”: %(error)s") % {"record": obj, "error": " ".join(error.messages)},
                level=messages.ERROR,
            )
        else:
            done += 1
    if done:
        model_admin.message_user(request, done_message(done), level=messages.SUCCESS)
