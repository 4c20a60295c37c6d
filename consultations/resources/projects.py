"""共建 in a spreadsheet: the columns of projects, with their funding.

One row per project; its funding lines are summed per source into two columns each
(planned, received), in the same query as the project's row.
"""

from django.db.models import Q, Sum
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consultations.models import FundingSource, Project
from core.columns import Columns, decimal, field, fields, text


def _funding_header(label, which):
    def header():
        if which == "planned":
            return gettext("%(source)s, planned") % {"source": label}
        return gettext("%(source)s, received") % {"source": label}

    return lazy(header, str)()


FUNDING = [(source, which) for source in FundingSource for which in ("planned", "received")]


def with_funding(projects):
    return projects.annotate(
        **{
            f"funding_{source.value}_{which}": Sum(
                f"funding_lines__{which}", filter=Q(funding_lines__source=source.value)
            )
            for source, which in FUNDING
        }
    )


PROJECT_COLUMNS = Columns(
    Project,
    [
        text("area", _("division code"), "area__code"),
        text("area_name", _("area"), "area__name"),
        *fields(Project, "title", "description"),
        field(Project, "lead_organization", "lead_organization__name"),
        *fields(Project, "budget", "planned_start", "planned_end", "actual_start", "actual_end"),
        *fields(Project, "progress", "status", "is_public"),
        *[
            decimal(
                f"funding_{source.value}_{which}",
                _funding_header(source.label, which),
                f"funding_{source.value}_{which}",
            )
            for source, which in FUNDING
        ],
    ],
    annotate=with_funding,
)
