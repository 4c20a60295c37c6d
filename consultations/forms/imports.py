"""The meeting import's two steps: uploading a workbook, and confirming its preview."""

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consultations.importing import MAX_ROWS, MAX_UPLOAD_BYTES, WorkbookError, read_workbook

XLSX_ACCEPT = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _help_text():
    return gettext(
        "An Excel workbook (.xlsx) with the columns of the template, up to %(size)s and "
        "%(rows)s rows per sheet."
    ) % {"size": filesizeformat(MAX_UPLOAD_BYTES), "rows": f"{MAX_ROWS:,}"}


class WorkbookUploadForm(forms.Form):
    """Reads the workbook while validating, so that an unreadable file is refused here with
    its reason; ``book`` and ``content`` hold what was read."""

    workbook = forms.FileField(
        label=_("Workbook"),
        help_text=lazy(_help_text, str)(),
        widget=forms.ClearableFileInput(attrs={"accept": XLSX_ACCEPT}),
    )

    def clean_workbook(self):
        upload = self.cleaned_data["workbook"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is %(size)s; the limit is %(limit)s."),
                code="file_size",
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(MAX_UPLOAD_BYTES),
                },
            )
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(
                _("Only Excel workbooks (.xlsx) can be imported."), code="file_type"
            )
        content = upload.read()
        try:
            self.book = read_workbook(content)
        except WorkbookError as error:
            raise ValidationError(str(error), code="workbook") from error
        self.content = content
        return upload


class ConfirmImportForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=1000)
