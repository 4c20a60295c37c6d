"""Exports in the admin: the changelist's two export links (the rows as filtered) and the
"export selected" actions.

Through the admin's public hooks only: the actions receive the selected rows of the admin's
own queryset, and the links open a view added by ``get_urls`` that reads the changelist's
queryset (``get_changelist_instance``), so both are scoped to the user as the changelist is
(``core.admin``). The files are those of the staff pages' exports: the same columns,
streamed, with no phone numbers.
"""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.spreadsheets import TooManyRows, csv_response, xlsx_response

CSV = "csv"
XLSX = "xlsx"
TOO_MANY_ROWS = _(
    "Too many rows for one Excel sheet (at most 1,048,575). Narrow the filters or export "
    "CSV instead."
)


class SpreadsheetExportAdmin:
    """Put before ``core.admin.ModelAdmin`` in the bases, with ``export_columns`` set to
    the model's columns (consultations.resources). An admin with actions of its own lists
    these too: ``actions = [..., *SpreadsheetExportAdmin.actions]``.
    """

    export_columns = None
    actions = ["export_selected_xlsx", "export_selected_csv"]
    change_list_template = "admin/consultations/change_list_export.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_export"
        export = self.admin_site.admin_view(self.export_view)
        # Before the model admin's own, whose "<object id>/" would take "export/csv/".
        return [path("export/<str:fmt>/", export, name=name), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        # The export links carry the changelist's filters, search and order (not its page).
        query = request.GET.copy()
        for name in (PAGE_VAR, ERROR_FLAG):
            query.pop(name, None)
        suffix = f"?{query.urlencode()}" if query else ""
        links = {fmt: self.admin_url("export", fmt) + suffix for fmt in (XLSX, CSV)}
        context = {**(extra_context or {}), "export_links": links}
        return super().changelist_view(request, extra_context=context)

    def export_view(self, request, fmt):
        """The changelist's rows, as filtered, searched and ordered there."""
        if fmt not in (CSV, XLSX):
            raise Http404
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            # As the changelist answers filters it cannot apply.
            return HttpResponseRedirect(self.admin_url("changelist") + f"?{ERROR_FLAG}=1")
        response = self.export_response(request, changelist.get_queryset(request), fmt)
        if response is None:  # back to the changelist as it was, with the message
            query = request.GET.urlencode()
            back = self.admin_url("changelist") + (f"?{query}" if query else "")
            return HttpResponseRedirect(back)
        return response

    @admin.action(
        description=_("Export selected %(verbose_name_plural)s as Excel (.xlsx)"),
        permissions=["view"],
    )
    def export_selected_xlsx(self, request, queryset):
        return self.export_response(request, queryset, XLSX)

    @admin.action(
        description=_("Export selected %(verbose_name_plural)s as CSV"), permissions=["view"]
    )
    def export_selected_csv(self, request, queryset):
        return self.export_response(request, queryset, CSV)

    def export_response(self, request, queryset, fmt):
        """The file of ``queryset``; None, with a message, when it does not fit in Excel."""
        columns = self.export_columns
        name = self.opts.verbose_name_plural
        day = timezone.localdate().isoformat()
        names = {"filename": f"{name}-{day}", "ascii_name": f"{self.opts.model_name}-{day}"}
        if fmt == CSV:
            return csv_response(columns, queryset, **names)
        try:
            return xlsx_response([(str(name), columns, queryset)], **names)
        except TooManyRows:
            self.message_user(request, TOO_MANY_ROWS, level=messages.ERROR)
            return None

    def admin_url(self, view, *args):
        name = f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_{view}"
        return reverse(name, args=args, current_app=self.admin_site.name)
