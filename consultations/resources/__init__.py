"""The five stages in a spreadsheet: each exported model's columns, defined once, by stage.

- ``meetings``: ``MEETING_COLUMNS`` and ``PROPOSAL_COLUMNS`` (共谋), and the meeting import
  that reads them back (``MeetingResource``, ``ProposalResource``);
- ``projects``: ``PROJECT_COLUMNS``, with the funding per source (共建);
- ``evaluations``: ``EVALUATION_COLUMNS`` (共评);
- ``outcomes``: ``OUTCOME_COLUMNS`` (共享);
- ``widgets`` and ``base``: how the import reads a cell, and its Resources' machinery.

The staff lists' exports and the admin's write these columns with ``core.spreadsheets``;
``core.columns`` says what a column is.
"""

from .evaluations import EVALUATION_COLUMNS
from .meetings import MEETING_COLUMNS, PROPOSAL_COLUMNS, MeetingResource, ProposalResource
from .outcomes import OUTCOME_COLUMNS
from .projects import PROJECT_COLUMNS

__all__ = [
    "EVALUATION_COLUMNS",
    "MEETING_COLUMNS",
    "OUTCOME_COLUMNS",
    "PROJECT_COLUMNS",
    "PROPOSAL_COLUMNS",
    "MeetingResource",
    "ProposalResource",
]
