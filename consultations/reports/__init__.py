"""Reports on the 五共 work for an area and a period: figures (queries.py, targets.py),
charts (charts.py) and the workbook for upward reporting (workbook.py)."""

from dataclasses import dataclass

from .periods import Period, PeriodKind
from .queries import (
    Scope,
    meeting_figures,
    outcome_figures,
    project_figures,
    proposal_figures,
    ranking,
    satisfaction_figures,
)
from .targets import target_figures


@dataclass
class Report:
    scope: Scope
    meetings: dict
    proposals: dict
    projects: dict
    satisfaction: dict
    outcomes: dict
    ranking: list
    targets: list

    @property
    def area(self):
        return self.scope.area

    @property
    def period(self):
        return self.scope.period


def build_report(scope: Scope, *, rank_by: str = "meetings_per_village") -> Report:
    """Every figure of the report for ``scope``, in a fixed number of queries."""
    return Report(
        scope=scope,
        meetings=meeting_figures(scope),
        proposals=proposal_figures(scope),
        projects=project_figures(scope),
        satisfaction=satisfaction_figures(scope),
        outcomes=outcome_figures(scope),
        ranking=ranking(scope, rank_by),
        targets=target_figures(scope),
    )


__all__ = ["Period", "PeriodKind", "Report", "Scope", "build_report"]
