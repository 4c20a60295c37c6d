"""共评 in a spreadsheet: the columns of evaluations.

One row per evaluation: what was evaluated (a project, a meeting, or a handling unit's reply
to a proposal), where, by whom, the tallies and the satisfaction rate the database computes
from them.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from consultations.models import Evaluation
from core.columns import NUMBER, TEXT, Column, Columns, field, fields

# What the columns about the subject read of it: its project's, its meeting's, or the
# proposal's (whose reply is evaluated), in that order of preference.
SUBJECT = ("project_id", "meeting_id")
OF_SUBJECT = {
    "title": ("project__title", "meeting__title", "proposal__title"),
    "code": ("project__area__code", "meeting__area__code", "proposal__meeting__area__code"),
    "name": ("project__area__name", "meeting__area__name", "proposal__meeting__area__name"),
}


def pick(project_id, meeting_id, of_project, of_meeting, of_proposal):
    return of_project if project_id else of_meeting if meeting_id else of_proposal


def of_subject(name, header, what):
    return Column(name, header, [*SUBJECT, *OF_SUBJECT[what]], pick, TEXT)


class SubjectKind(Column):
    KINDS = (_("project"), _("meeting"), _("reply to proposal"))

    def __init__(self):
        super().__init__("subject_kind", _("kind of subject"), SUBJECT, kind=TEXT)

    def prepare(self):
        kinds = [str(kind) for kind in self.KINDS]
        return lambda project_id, meeting_id: pick(project_id, meeting_id, *kinds)


def rate(value):
    # Rounded to one decimal by the database already (satisfaction_rate_expression).
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))


EVALUATION_COLUMNS = Columns(
    Evaluation,
    [
        of_subject("area", _("division code"), "code"),
        of_subject("area_name", _("area"), "name"),
        SubjectKind(),
        of_subject("subject", _("subject title"), "title"),
        *fields(Evaluation, "evaluator", "evaluated_on"),
        *fields(Evaluation, "satisfied", "basically_satisfied", "dissatisfied"),
        Column(
            "satisfaction_rate", _("satisfaction rate (%)"), "satisfaction_rate_pct", rate, NUMBER
        ),
        field(Evaluation, "score"),
        field(Evaluation, "comments"),
    ],
    annotate=lambda evaluations: evaluations.with_satisfaction_rate(),
)
