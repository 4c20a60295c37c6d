"""The five stages (五共), one module per stage family.

共谋 decide together: meetings.py (Meeting, Attachment, Proposal, ProposalStatusChange)
共建 build together: projects.py (Project, FundingLine, ProjectUpdate)
共管 manage together: stewardship.py (Stewardship, StewardshipLog)
共评 evaluate together: evaluations.py (Evaluation)
共享 share the outcome: outcomes.py (Outcome)
The work plan the reports measure against: targets.py (Target)
"""

from .evaluations import Evaluation, EvaluatorKind
from .meetings import (
    ATTENDANCE_FIELDS,
    Attachment,
    AttachmentKind,
    Meeting,
    MeetingFormat,
    Proposal,
    ProposalCategory,
    ProposalStatus,
    ProposalStatusChange,
)
from .outcomes import Outcome
from .projects import FundingLine, FundingSource, Project, ProjectStatus, ProjectUpdate
from .stewardship import LogKind, RulesKind, Stewardship, StewardshipLog
from .targets import Target, TargetMetric

__all__ = [
    "ATTENDANCE_FIELDS",
    "Attachment",
    "AttachmentKind",
    "Evaluation",
    "EvaluatorKind",
    "FundingLine",
    "FundingSource",
    "LogKind",
    "Meeting",
    "MeetingFormat",
    "Outcome",
    "Project",
    "ProjectStatus",
    "ProjectUpdate",
    "Proposal",
    "ProposalCategory",
    "ProposalStatus",
    "ProposalStatusChange",
    "RulesKind",
    "Stewardship",
    "StewardshipLog",
    "Target",
    "TargetMetric",
]
