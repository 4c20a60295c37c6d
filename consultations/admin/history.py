"""The audited stages' admin: the "History" button, bound by the same scope as the rest, and
change forms that refuse to overwrite a save made since they were opened."""

from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from core.concurrency import VersionedFormMixin


class VersionCheckedForm(VersionedFormMixin):
    """Mixed into an admin change form: the version check runs with validation, inside the
    transaction the admin saves in, so a refusal shows as a form error with the input kept."""

    def clean(self):
        cleaned = super().clean()
        self.version_is_current()
        return cleaned


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's change list of a record, with who, when and what changed.

    Put before ``core.admin.ModelAdmin`` in the bases, so that the scoped ``get_queryset``
    still decides which records exist for the user.
    """

    # -- no lost updates (records with an edit version) -----------------------------------

    def _versioned(self, obj):
        return obj is not None and hasattr(obj, "version")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if self._versioned(obj):
            base = kwargs.get("form", self.form)
            kwargs["form"] = type(f"VersionChecked{base.__name__}", (VersionCheckedForm, base), {})
        return super().get_form(request, obj, change=change, **kwargs)

    def get_exclude(self, request, obj=None):
        # ``version`` is the form's own hidden field, not the model's (which is not editable).
        excluded = super().get_exclude(request, obj)
        return [*(excluded or ()), "version"] if self._versioned(obj) else excluded

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._versioned(obj) or "version" in flatten_fieldsets(fieldsets):
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": [*options["fields"], "version"]}), *rest]

    # -- history -----------------------------------------------------------------------------

    def _in_scope_or_404(self, request, object_id):
        # The library falls back to the last historical row when the record is not in the
        # admin's queryset: that would show another area's history, and deleted records.
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        # Reverting would bring back an old edit version as well, letting a form opened
        # before the revert overwrite it unnoticed; an old version is for reading only.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True
