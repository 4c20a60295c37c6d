"""Admin for the five stages (五共), one module per stage family, as in consultations.models.

Importing the modules registers their admin classes.
"""

from . import evaluations, meetings, outcomes, projects, stewardship, targets

__all__ = ["evaluations", "meetings", "outcomes", "projects", "stewardship", "targets"]
