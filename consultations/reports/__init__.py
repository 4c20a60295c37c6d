"""Reports on the 五共 work for an area and a period: figures (queries.py, targets.py),
charts (charts.py) and the workbook for upward reporting (workbook.py).

``compute_figures`` reads the database and returns plain values (numbers, dates, strings);
``cached_report`` keeps them in the cache (core.cache) until any record they
read is saved or deleted, and says when they were computed; ``build_report`` computes them
afresh. Both return a ``Report`` whose rows carry the labels of the language in use.
"""

from dataclasses import dataclass
from datetime import datetime

from consultations.models import FundingSource as S
from consultations.models import MeetingFormat, ProjectStatus, ProposalStatus
from core import cache as figures
from organizations.models import PersonCategory

from .periods import Period, PeriodKind
from .queries import Scope, meeting_figures, project_figures, proposal_figures
from .rankings import (
    evaluation_groups,
    outcome_figures,
    ranked,
    ranking_figures,
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
    computed_at: datetime | None = None

    @property
    def area(self):
        return self.scope.area

    @property
    def period(self):
        return self.scope.period


def compute_figures(scope: Scope) -> dict:
    """Every figure of the report for ``scope``, in a fixed number of queries, as plain
    values that can be pickled into the cache."""
    groups = evaluation_groups(scope)
    return {
        "meetings": meeting_figures(scope),
        "proposals": proposal_figures(scope),
        "projects": project_figures(scope),
        "satisfaction": satisfaction_figures(scope, groups),
        "outcomes": outcome_figures(scope),
        "ranking": ranking_figures(scope, groups),
        "targets": target_figures(scope),
    }


def _labelled(rows, key, choices):
    return [{**row, "label": choices(row[key]).label} for row in rows]


def _report(scope, figures, rank_by, computed_at=None):
    """The figures with the labels of the language in use and the ranking in order."""
    meetings, proposals, projects = figures["meetings"], figures["proposals"], figures["projects"]
    return Report(
        scope=scope,
        meetings={
            **meetings,
            "by_format": _labelled(meetings["by_format"], "format", MeetingFormat),
            "by_category": _labelled(meetings["by_category"], "category", PersonCategory),
        },
        proposals={
            **proposals,
            "by_status": _labelled(proposals["by_status"], "status", ProposalStatus),
        },
        projects={
            **projects,
            "by_status": _labelled(projects["by_status"], "status", ProjectStatus),
            "by_source": _labelled(projects["by_source"], "source", S),
        },
        satisfaction=figures["satisfaction"],
        outcomes=figures["outcomes"],
        ranking=ranked(figures["ranking"], rank_by),
        targets=figures["targets"],
        computed_at=computed_at,
    )


def build_report(scope: Scope, *, rank_by: str = "meetings_per_village") -> Report:
    """Every figure of the report for ``scope``, computed now."""
    return _report(scope, compute_figures(scope), rank_by)


# Part of the cache key: raise it when the figures' shape changes, so that a deploy never
# reads figures stored by the code before it.
FIGURES_VERSION = 1


def cached_report(scope: Scope, *, rank_by: str = "meetings_per_village") -> Report:
    """The report for ``scope`` from the cache while no record it reads has changed since it
    was computed (``computed_at`` says when); the ranking's order needs no new figures."""
    name = f"report-v{FIGURES_VERSION}"
    stored = figures.cached(name, scope.key, lambda: compute_figures(scope), area=scope.area)
    return _report(scope, stored.value, rank_by, computed_at=stored.computed_at)


__all__ = ["Period", "PeriodKind", "Report", "Scope", "build_report", "cached_report"]
