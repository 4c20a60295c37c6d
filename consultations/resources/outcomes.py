"""共享 in a spreadsheet: the columns of outcomes.

One row per outcome: what its project delivered, for how many, and whether and when it was
disclosed.
"""

from django.utils.translation import gettext_lazy as _

from consultations.models import Outcome
from core.columns import Columns, field, fields, text

OUTCOME_COLUMNS = Columns(
    Outcome,
    [
        text("area", _("division code"), "project__area__code"),
        text("area_name", _("area"), "project__area__name"),
        field(Outcome, "project", "project__title"),
        *fields(Outcome, "title", "summary", "beneficiary_households", "beneficiary_people"),
        *fields(Outcome, "disclosed_on", "is_published"),
    ],
)
