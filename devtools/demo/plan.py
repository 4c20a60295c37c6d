"""The story of each demo meeting and matter, decided before anything is written.

``plan_meeting`` draws what happens at a meeting and to every proposal raised there, down to
the published outcome: dates, votes, money, progress, ballots. The plans are plain data, and
two writers turn them into rows: ``chains`` through the lifecycle services (normal scale) and
``bulk`` with batched inserts (``--scale``). Both therefore tell the same kind of story in the
same proportions, and every plan respects the database's rules by construction (decisions
have dates, votes never exceed those present, completed projects are at 100% with an end).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from consultations.models import EvaluatorKind, MeetingFormat, ProposalStatus

from . import texts
from .cast import hamlet_label
from .numbers import (
    at,
    attendance,
    ballots,
    decide,
    fill_values,
    funding_amounts,
    pick_matters,
    split_votes,
)

S = ProposalStatus
days = dt.timedelta
FORCED_DECISION = {"published": "adopted", "rejected": "rejected", "referred": "referred"}
PROJECT_EVALUATORS = (
    EvaluatorKind.VILLAGERS_ASSEMBLY,
    EvaluatorKind.BENEFICIARIES,
    EvaluatorKind.VILLAGER_REPRESENTATIVES,
    EvaluatorKind.VILLAGER_COUNCIL,
)
COMPLETION_NOTE = "工程完工，经村民代表现场验收合格。"
SUSPENSION_NOTE = "受汛期和资金到位影响暂停施工，待条件具备后复工。"
TOWN_REVIEW = "验收合格，群众参与度高，资料齐全。"


@dataclass
class EvaluationPlan:
    evaluator: str
    on: dt.date
    satisfied: int = 0
    basically: int = 0
    dissatisfied: int = 0
    score: Decimal | None = None
    comments: str = ""


@dataclass
class ProjectPlan:
    title: str
    description: str
    budget: int
    planned_start: dt.date
    planned_end: dt.date
    created_on: dt.date
    led_by_council: bool
    updates: list = field(default_factory=list)  # (reported on, progress, description)
    completed_on: dt.date | None = None
    suspended_on: dt.date | None = None
    funding: list = field(default_factory=list)  # (source, planned, received, note)
    # 共管, 共评, 共享 once completed:
    stewardship_on: dt.date | None = None
    steward: str = ""  # council, volunteers, party_branch or person
    duties: str = ""
    rules_kind: str = ""
    rules: str = ""
    logs: list = field(default_factory=list)  # (kind, date, note, action)
    evaluations: list[EvaluationPlan] = field(default_factory=list)
    outcome_on: dt.date | None = None
    outcome_title: str = ""
    outcome_summary: str = ""
    beneficiary_households: int = 0
    beneficiary_people: int = 0
    disclosed_on: dt.date | None = None

    @property
    def final_description(self):
        return f"{self.description}\n{SUSPENSION_NOTE}" if self.suspended_on else self.description

    @property
    def progress(self):
        return self.updates[-1][1] if self.updates else 0

    @property
    def last_event(self):
        return self.suspended_on or (self.updates[-1][0] if self.updates else self.created_on)


@dataclass
class ChainPlan:
    """One proposal and everything that follows from it."""

    text: texts.MatterText
    values: dict
    raised_at: dt.datetime
    status: str = S.RAISED
    deliberated_at: dt.datetime | None = None
    decided_on: dt.date | None = None
    decided_at: dt.datetime | None = None
    votes: dict = field(default_factory=dict)
    reason: str = ""
    unit: str = ""  # referral: a department key, or "town"
    due_on: dt.date | None = None
    replied_at: dt.datetime | None = None
    feedback_at: dt.datetime | None = None
    feedback: str = ""
    reply_evaluation: EvaluationPlan | None = None
    project: ProjectPlan | None = None

    def say(self, template):
        return template.format_map(self.values)

    @property
    def title(self):
        return self.say(self.text.proposal)

    @property
    def last_event(self):
        return self.feedback_at or self.replied_at or self.decided_at or self.deliberated_at


@dataclass
class MeetingPlan:
    format: str
    starts_at: dt.datetime
    title: str
    place: str
    agenda: str
    attendance: dict
    summary_is_public: bool
    chains: list[ChainPlan]
    evaluation: EvaluationPlan | None = None

    @property
    def upcoming(self):
        return not self.attendance

    def minutes(self, moderator, unit_names):
        """The record of what this meeting itself decided; later decisions come afterwards."""
        day = timezone.localdate(self.starts_at)
        parts = [
            texts.MINUTES_OPENING.format(
                moderator=moderator, total=self.attendance["attendance_total"]
            )
        ]
        for chain in self.chains:
            outcome = "pending"
            if chain.decided_on == day:
                outcome = {S.ADOPTED: "adopted", S.REJECTED: "rejected"}.get(
                    chain.status, "referred"
                )
                if outcome == "adopted" and chain.votes:
                    outcome = "adopted_vote"
            parts.append(
                texts.MINUTES_ITEM[outcome].format(
                    title=chain.title,
                    reason=chain.reason,
                    unit=unit_names.get(chain.unit, ""),
                    **chain.votes,
                )
            )
        parts.append(texts.MINUTES_CLOSING)
        return "\n".join(parts)


def plan_meeting(rng, *, village, hamlet, fmt, day, hour, today, matters=None, fates=()):
    """A meeting in ``village`` (a name), at ``hamlet`` (a name or None) for 屋场会/夜话."""
    at_hamlet = hamlet and fmt in (MeetingFormat.COURTYARD, MeetingFormat.EVENING_TALK)
    place = hamlet_label(hamlet) if at_hamlet else village
    family = at_hamlet and hamlet.endswith("家")
    starts_at = at(day, hour, rng.choice((0, 30)))
    matters = matters or pick_matters(rng)
    words = {
        "place": place,
        "village": village,
        "surname": hamlet[0] if family else rng.choice("王李张刘陈杨黄周吴"),
        "topic": matters[0].topic,
        "month": day.month,
    }
    upcoming = day > today
    plan = MeetingPlan(
        format=fmt,
        starts_at=starts_at,
        title=texts.MEETING_TITLES[fmt].format_map(words),
        place=rng.choice(texts.MEETING_PLACES[fmt]).format_map(words),
        agenda=_agenda(matters, upcoming),
        attendance={} if upcoming else attendance(rng, fmt),
        summary_is_public=upcoming or rng.random() < 0.7,
        chains=[],
    )
    if upcoming:
        return plan
    fates = list(fates) + [None] * len(matters)
    for text, fate in zip(matters, fates, strict=False):
        plan.chains.append(
            plan_chain(rng, text, fill_values(rng, village, place, today), plan, today, fate)
        )
    if rng.random() < 0.08:
        total = plan.attendance["attendance_total"]
        s, b, d = ballots(rng, rng.randint(min(8, total), total))
        comments = rng.choice(texts.MEETING_EVALUATION_COMMENTS)
        plan.evaluation = EvaluationPlan(
            EvaluatorKind.VILLAGER_REPRESENTATIVES, day, s, b, d, comments=comments
        )
    return plan


def _agenda(matters, upcoming):
    if upcoming:
        return texts.UPCOMING_AGENDA.format(topic=matters[0].topic)
    numerals = "一二三四五六"
    lines = [texts.AGENDA_OPENING]
    lines += [f"{numerals[i + 1]}、议{m.topic}" for i, m in enumerate(matters)]
    lines.append(f"{numerals[len(matters) + 1]}、{texts.AGENDA_CLOSING}")
    return "\n".join(lines)


def plan_chain(rng, text, values, meeting, today, fate=None):
    """Raised → deliberated → adopted / rejected / referred, and for adopted matters the
    project; ``fate`` "published" forces the full chain to a published outcome."""
    start = meeting.starts_at
    chain = ChainPlan(text=text, values=values, raised_at=start + days(minutes=rng.randint(10, 40)))
    age = (today - timezone.localdate(start)).days
    if fate is None and ((age < 30 and rng.random() < 0.4) or rng.random() < 0.03):
        return chain  # raised, not yet taken up
    chain.deliberated_at = chain.raised_at + days(minutes=rng.randint(5, 30))
    chain.status = S.DELIBERATING
    if fate is None and age < 30 and rng.random() < 0.5:
        return chain
    decision = decide(rng) if fate is None else FORCED_DECISION[fate]
    if decision == "parked":
        return chain  # left for the next meeting
    same_day = rng.random() < 0.65
    chain.decided_on = min(
        timezone.localdate(start) + days(0 if same_day else rng.randint(3, 20)), today
    )
    chain.decided_at = (
        chain.deliberated_at if same_day else at(chain.decided_on, 20, rng.randint(0, 59))
    )
    total = meeting.attendance["attendance_total"]
    if decision == "adopted":
        chain.status = S.ADOPTED
        chain.votes = {} if rng.random() < 0.35 else split_votes(rng, total, carried=True)
        if text.project:
            chain.project = plan_project(rng, chain, today, fate)
    elif decision == "rejected":
        chain.status = S.REJECTED
        chain.votes = {} if rng.random() < 0.35 else split_votes(rng, total, carried=False)
        chain.reason = chain.say(rng.choice(text.rejections))
    else:
        _plan_referral(rng, chain, today)
    return chain


def _plan_referral(rng, chain, today):
    chain.status = S.REFERRED
    chain.unit = chain.text.referral
    chain.due_on = chain.decided_on + days(rng.choice((15, 20, 30)))
    replied_on = chain.decided_on + days(rng.randint(5, 40))
    if replied_on >= today or rng.random() < 0.3:
        return  # awaiting the reply; overdue once the due date has passed
    chain.replied_at = at(replied_on, 16, rng.randint(0, 59))
    feedback_on = replied_on + days(rng.randint(1, 10))
    if feedback_on >= today or rng.random() < 0.35:
        return
    chain.feedback_at = at(feedback_on, 19, rng.randint(0, 59))
    chain.feedback = rng.choice(texts.REPLY_FEEDBACK)
    if rng.random() < 0.4:
        s, b, d = ballots(rng, rng.randint(8, 20))
        comments = chain.say(rng.choice(chain.text.comments)) if chain.text.comments else ""
        chain.reply_evaluation = EvaluationPlan(
            EvaluatorKind.VILLAGER_REPRESENTATIVES, feedback_on, s, b, d, comments=comments
        )


def plan_project(rng, chain, today, fate=None):
    """共建 for an adopted matter; None while the project is still being prepared."""
    text, decided_on = chain.text, chain.decided_on
    if fate is None and ((today - decided_on).days < 10 or rng.random() < 0.08):
        return None
    budget = round(rng.uniform(*text.budget), -3)
    planned_start = decided_on + days(rng.randint(7, 30))
    project = ProjectPlan(
        title=chain.say(text.project),
        description=chain.say(text.project_description),
        budget=budget,
        planned_start=planned_start,
        planned_end=planned_start + days(rng.randint(25, 60) + budget // 5000),
        created_on=min(decided_on + days(rng.randint(1, 5)), today),
        led_by_council=rng.random() < 0.3,
    )
    households = chain.values["households"]
    if planned_start >= today:
        project.funding = funding_amounts(
            rng, text.funding, budget, households, share_done=0, completed=False
        )
        return project
    actual_start = min(planned_start + days(rng.randint(0, 10)), today - days(1))
    roll = 0.0 if fate else rng.random()
    stalled = roll >= 0.9
    lateness = rng.randint(0, 12) if roll < 0.68 else rng.randint(20, 90)
    expected_end = max(project.planned_end + days(lateness), actual_start + days(7))
    completed = not stalled and expected_end < today
    span = (expected_end - actual_start).days
    done = 1.0 if completed else min(0.95, (today - actual_start).days / span)
    if stalled:
        done = min(done, rng.uniform(0.2, 0.6))
    steps = len(text.updates)
    for i, description in enumerate(text.updates):
        share = (i + 1) / (steps + 1)
        if share > done and i > 0:
            break
        share = min(share, done)
        reported = min(actual_start + days(round(span * share)), today - days(1))
        progress = max(5, min(95, round(share * 100) + rng.randint(-5, 5)))
        project.updates.append((reported, progress, chain.say(description)))
    if completed:
        project.updates.append((expected_end, 100, COMPLETION_NOTE))
        project.completed_on = expected_end
    elif stalled and rng.random() < 0.3:
        project.suspended_on = min(project.updates[-1][0] + days(rng.randint(3, 15)), today)
    project.funding = funding_amounts(
        rng, text.funding, budget, households, share_done=done, completed=completed
    )
    if completed:
        _plan_after_completion(rng, chain, project, today, fate)
    return project


def _plan_after_completion(rng, chain, project, today, fate):
    """共管 for what was built, then 共评 and 共享 once villagers have used it a while."""
    text, end = chain.text, project.completed_on
    start = end + days(rng.randint(1, 10))
    if start >= today:
        return
    project.stewardship_on, project.steward = start, text.steward
    project.duties, project.rules_kind, project.rules = (
        chain.say(text.duties),
        text.rules_kind,
        chain.say(text.rules),
    )
    months = (today - start).days // 30
    for i in range(min(4, max(1, months))):
        kind, note, action = text.logs[i % len(text.logs)]
        logged_on = min(start + days(20 + 30 * i), today)
        project.logs.append((kind, logged_on, chain.say(note), action))

    if (today - end).days < 20 or (fate is None and rng.random() >= 0.85):
        return  # completed, not evaluated yet
    evaluated_on = min(end + days(rng.randint(15, 45)), today)
    households = chain.values["households"]
    s, b, d = ballots(rng, rng.randint(max(10, households // 3), max(12, households)))
    comments = chain.say(rng.choice(text.comments))
    evaluator = rng.choice(PROJECT_EVALUATORS)
    project.evaluations.append(EvaluationPlan(evaluator, evaluated_on, s, b, d, comments=comments))
    if rng.random() < 0.25:
        score = Decimal(f"{rng.uniform(82, 98):.1f}")
        project.evaluations.append(
            EvaluationPlan(
                EvaluatorKind.TOWN_STAFF, evaluated_on, score=score, comments=TOWN_REVIEW
            )
        )
    if fate is None and rng.random() >= 0.88:
        return  # evaluated; the outcome is not written up yet
    project.outcome_on = min(evaluated_on + days(rng.randint(1, 4)), today)
    project.outcome_title = chain.say(text.outcome)
    project.outcome_summary = chain.say(text.summary)
    project.beneficiary_households = households
    project.beneficiary_people = round(households * rng.uniform(2.6, 3.8))
    disclosed_on = project.outcome_on + days(rng.randint(1, 8))
    if disclosed_on <= today and (fate or rng.random() < 0.85):
        project.disclosed_on = disclosed_on
