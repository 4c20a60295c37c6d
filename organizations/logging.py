"""Personal data never reaches the logs or error reports.

Phone numbers and resident ID numbers fall under the Personal Information Protection Law.
They can reach a log line in many ways: a search query in a request line, a form value in a
validation message, a database error quoting a row. Rather than trusting every call site,
every log record and every error report is masked on its way out:

- ``PersonalDataFilter`` (a ``logging.Filter``) rewrites a record's message, arguments,
  traceback and stack text; ``settings.LOGGING`` attaches it to every handler and to the
  ``django.request`` and ``django.server`` loggers.
- ``PersonalDataReporterFilter`` (Django's ``DEFAULT_EXCEPTION_REPORTER_FILTER``) hides POST
  fields named like personal data or secrets in every error report, for every view, without
  each view having to be marked with ``sensitive_post_parameters``.
- ``PersonalDataExceptionReporter`` (``DEFAULT_EXCEPTION_REPORTER``) masks whatever is left
  in the finished report: GET parameters, the URL, local variables in the traceback.
"""

import logging
import re

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

# Digits on either side mean a longer number (an id, a timestamp), not a phone.
_MOBILE = re.compile(
    r"(?<![\d])(?P<prefix>(?:\+|00)?86[-\s]?)?"
    r"(?P<head>1[3-9]\d)[-\s]?(?P<middle>\d{4})[-\s]?(?P<tail>\d{4})(?![\d])"
)
_LANDLINE = re.compile(r"(?<![\d.])(?P<area>0\d{2,3})(?P<sep>-?)(?P<number>\d{7,8})(?![\d])")
# 18-character resident ID: 6-digit address code, 8-digit birth date, 3-digit sequence,
# check character (a digit or X).
_ID_NUMBER = re.compile(r"(?<![\dA-Za-z])(?P<area>\d{6})\d{8}(?P<tail>\d{3}[\dXx])(?![\dA-Za-z])")


def mask_personal_data(text):
    """``text`` with mobile numbers as 138****5678, landlines as 0715-****567 and ID numbers
    as 421221********123X: enough to tell records apart, not enough to call or identify."""
    if not text:
        return text
    text = _ID_NUMBER.sub(lambda m: f"{m['area']}********{m['tail']}", text)
    text = _MOBILE.sub(lambda m: f"{m['prefix'] or ''}{m['head']}****{m['tail']}", text)
    return _LANDLINE.sub(
        lambda m: f"{m['area']}{m['sep']}{'*' * (len(m['number']) - 3)}{m['number'][-3:]}",
        text,
    )


class PersonalDataFilter(logging.Filter):
    """Masks personal data in every record it sees; never drops a record."""

    _formatter = logging.Formatter()

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what we can, masked
            message = f"{record.msg} {record.args!r}"
        # The message is fixed here, already formatted: arguments could be any object whose
        # str() carries a phone number, so none is kept for a handler to format later.
        record.msg = mask_personal_data(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    """Error reports hide settings and POST fields that name secrets or personal data."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL|DSN", flags=re.I
    )
    hidden_post_parameters = re.compile(
        "phone|mobile|tel|id_number|id_card|password|passwd|secret|token", flags=re.I
    )

    def get_post_parameters(self, request):
        if request is None:
            return {}
        cleansed = super().get_post_parameters(request).copy()
        for key in cleansed:
            if self.hidden_post_parameters.search(key):
                cleansed[key] = self.cleansed_substitute
            else:
                cleansed.setlist(
                    key, [mask_personal_data(value) for value in cleansed.getlist(key)]
                )
        return cleansed


class PersonalDataExceptionReporter(ExceptionReporter):
    """The technical error page and the administrators' error mail, masked as a whole."""

    def get_traceback_html(self):
        return mask_personal_data(super().get_traceback_html())

    def get_traceback_text(self):
        return mask_personal_data(super().get_traceback_text())
