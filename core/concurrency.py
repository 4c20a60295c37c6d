"""No lost updates: an edit is saved only over the version its form was opened at."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.history import display


class EditConflict(ValidationError):
    """Someone saved the record after this form was opened. ``changes`` lists
    (field label, value now stored) for every field that differs from what the form showed."""

    def __init__(self, changes, current_version):
        self.changes = changes
        self.current_version = current_version
        names = "、".join(str(label) for label, _value in changes) or _("the record")
        super().__init__(
            _(
                "Someone else saved this record while you were editing it (changed: %(fields)s). "
                "Your input is kept below; check it against the current values and save again."
            )
            % {"fields": names},
            code="edit_conflict",
        )


def check_version(instance, submitted_version, *, fields):
    """Lock the stored row and compare versions; raise EditConflict if it moved on.

    Call inside the transaction that saves. ``instance`` is the record as the form was
    opened (unsaved changes in memory are ignored: the stored row is read afresh).
    """
    model = type(instance)
    current = model.objects.select_for_update().get(pk=instance.pk)
    if submitted_version is None or int(submitted_version) == current.version:
        return current
    # The history tells what the form was opened with; without it every field is named.
    shown = _record_at_version(instance, int(submitted_version))
    changes = []
    for name in fields:
        field = model._meta.get_field(name)
        if field.many_to_many:
            continue
        now = getattr(current, field.attname)
        if shown is None or getattr(shown, field.attname, None) != now:
            changes.append((str(field.verbose_name), _stored_value(current, field)))
    raise EditConflict(changes, current.version)


def _record_at_version(instance, version):
    history = getattr(type(instance), "history", None)
    if history is None:
        return None
    return (
        history.model.objects.filter(id=instance.pk, version=version)
        .order_by("-history_date")
        .first()
    )


def _stored_value(current, field):
    value = getattr(current, field.attname)
    if field.many_to_one:
        # Named through the relation: the user may see what the record they edit points to.
        return "—" if value is None else str(getattr(current, field.name))
    return display(field, value, text_limit=None)


class VersionedFormMixin(forms.Form):
    """A model form that remembers the version it was opened at (a hidden field)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    conflict = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def conflict_fields(self):
        """The stored fields compared when telling what someone else changed: those the
        form edits (an admin form also lists the ones it only shows)."""
        return [name for name in self._meta.fields if name in self.fields and name != "version"]

    def related_changes(self):
        """(label, value now) for rows edited together with the record (a project's funding
        lines) that changed since the form was opened. Called with the record locked."""
        return []

    def version_is_current(self):
        """Inside the saving transaction: True if nobody saved since the form was opened.

        Otherwise the conflict goes on the form, and the hidden version moves to the stored
        one, so that saving again after review is a deliberate overwrite.
        """
        if self.instance.pk is None:
            return True
        try:
            current = check_version(
                self.instance, self.cleaned_data.get("version"), fields=self.conflict_fields()
            )
        except EditConflict as conflict:
            changes, version = list(conflict.changes), conflict.current_version
        else:
            changes, version = [], None
        related = self.related_changes()
        if version is None and not related:
            return True
        self.conflict = EditConflict(
            changes + related, current.version if version is None else version
        )
        self.add_error(None, self.conflict)
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = self.conflict.current_version
        return False


CONFLICT, INVALID, SAVED = "conflict", "invalid", "saved"


def save_if_current(form, *, user, after_save=None):
    """Save a versioned model form in one transaction, unless someone saved first.

    Returns (CONFLICT, None) with the conflict on the form, (INVALID, None), or
    (SAVED, record); a new record is stamped with its creator. The version is checked even
    when the input is invalid: what someone else saved meanwhile may be why it is invalid
    (publishing makes an empty disclosure date an error), and only the conflict says so.
    """
    valid = form.is_valid()
    is_new = form.instance.pk is None
    with transaction.atomic():
        if not form.version_is_current():
            return CONFLICT, None
        if not valid:
            return INVALID, None
        record = form.save(commit=False)
        if is_new:
            record.created_by = user
        record.save()
        form.save_m2m()
        if after_save is not None:
            after_save(record)
    return SAVED, record
