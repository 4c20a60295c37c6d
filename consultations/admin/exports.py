"""Exports in the admin: the changelist's Export button and the "export selected" action.

django-import-export supplies the pages (choose CSV or xlsx, and the columns); the rows come
from the admin's own queryset, which ``core.admin`` scopes to the user, and are written
by consultations.spreadsheets with the Resources of the staff pages' exports: the same
columns, streamed, with no phone numbers.
"""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext
from import_export.admin import ExportActionMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm

from consultations.spreadsheets import TooManyRows, csv_response, xlsx_response
from organizations.choices import as_id


class SpreadsheetExportAdmin(ExportActionMixin):
    """Put first in the bases, with ``resource_classes = [TheResource]``."""

    export_formats = [XLSX, CSV]
    # Every column, always: the same file as the staff pages' export.
    export_form_class = ExportForm
    # The change form keeps its own template (history, edit versions); exporting one
    # record is what the changelist's action does.
    show_change_form_export = False

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def get_valid_export_item_pks(self, request):
        # The rows an "export selected" may name: those posted that the user may see. (The
        # library's default lists every row of the table, in and out of scope.)
        posted = [pk for pk in map(as_id, request.POST.getlist("export_items")) if pk is not None]
        return self.get_queryset(request).filter(pk__in=posted).values_list("pk", flat=True)

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        if not self.has_export_permission(request):
            raise PermissionDenied
        resource_class = self.choose_export_resource_class(export_form, request)
        resource = resource_class(user=request.user)
        selected = self.get_export_resource_fields_from_form(export_form)
        name = self.model._meta.verbose_name_plural
        day = timezone.localdate().isoformat()
        names = {
            "filename": f"{name}-{day}",
            "ascii_name": f"{self.model._meta.model_name}-{day}",
        }
        if isinstance(file_format, CSV):
            return csv_response(resource, queryset, selected=selected, **names)
        try:
            return xlsx_response([(str(name), resource, queryset)], selected=selected, **names)
        except TooManyRows as error:
            # The library's export page shows a ValueError as a message above its form.
            raise ValueError(
                gettext(
                    "Too many rows for one Excel sheet (at most 1,048,575). Narrow the "
                    "filters or export CSV instead."
                )
            ) from error
