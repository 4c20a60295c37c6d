"""Names of the report's rows that are not choices of a model: shared by page and workbook."""

from django.utils.translation import gettext_lazy as _

FUNNEL_STAGES = {
    "raised": _("Raised"),
    "decided": _("Decided (adopted or not)"),
    "project": _("Carried out by a project"),
    "stewardship": _("Under stewardship"),
    "evaluation": _("Evaluated"),
    "outcome": _("Outcome published"),
}
FIVE_STAGES = {
    "raised": "",
    "decided": _("Decide together"),
    "project": _("Build together"),
    "stewardship": _("Manage together"),
    "evaluation": _("Evaluate together"),
    "outcome": _("Share the outcome"),
}
PROGRESS_BUCKETS = {
    "not_started": _("Not started (0%)"),
    "under_half": _("1–49%"),
    "over_half": _("50–99%"),
    "finished": _("Finished (100%)"),
}
TARGET_STATUS = {
    "met": _("Met"),
    "behind": _("Behind"),
    "no_data": _("No data"),
}
NOT_BROKEN_DOWN = _("Not broken down by category")
