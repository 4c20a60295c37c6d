"""The admin's "History" button for the audited stages, bound by the same scope as the rest."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's change list of a record, with who, when and what changed.

    Put before ``wuhgong.admin.ModelAdmin`` in the bases, so that the scoped ``get_queryset``
    still decides which records exist for the user.
    """

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
