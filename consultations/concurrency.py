"""No lost updates: an edit is saved only over the version its form was opened at."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class EditConflict(ValidationError):
    """Someone saved the record after this form was opened. ``changes`` lists
    (field label, value now stored) for every field that differs from what the form showed."""

    def __init__(self, changes, current_version):
        self.changes = changes
        self.current_version = current_version
        names = "、".join(label for label, _value in changes) or _("the record")
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
    changes = []
    for name in fields:
        field = model._meta.get_field(name)
        if field.many_to_many:
            continue
        # The history tells what the form was opened with; fall back to naming the field.
        shown = _value_at_version(instance, int(submitted_version), field.attname)
        if shown is _UNKNOWN or shown != getattr(current, field.attname):
            display = getattr(current, f"get_{name}_display", None)
            now = display() if display else getattr(current, name)
            changes.append((str(field.verbose_name), "" if now is None else now))
    raise EditConflict(changes, current.version)


_UNKNOWN = object()


def _value_at_version(instance, version, name):
    history = getattr(type(instance), "history", None)
    if history is None:
        return _UNKNOWN
    record = (
        history.model.objects.filter(id=instance.pk, version=version)
        .order_by("-history_date")
        .first()
    )
    return _UNKNOWN if record is None else getattr(record, name, _UNKNOWN)


class VersionedFormMixin(forms.Form):
    """A model form that remembers the version it was opened at (a hidden field)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    conflict = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def version_is_current(self):
        """Inside the saving transaction: True if nobody saved since the form was opened.

        Otherwise the conflict goes on the form, and the hidden version moves to the stored
        one, so that saving again after review is a deliberate overwrite.
        """
        if self.instance.pk is None:
            return True
        try:
            check_version(
                self.instance,
                self.cleaned_data.get("version"),
                fields=[name for name in self._meta.fields if name != "version"],
            )
        except EditConflict as conflict:
            self.conflict = conflict
            self.add_error(None, conflict)
            self.data = self.data.copy()
            self.data[self.add_prefix("version")] = conflict.current_version
            return False
        return True
