"""Scale mode: ``seed_demo --scale N`` adds N − 1 rounds of generated matters for load tests.

A round is ten generated villages (each with its party branch, committee, council and three
people) and sixteen meetings per village, about as many as the normal demo has, with the
same planned stories (``plan``) written straight to the tables with ``bulk_create``: no
services, one INSERT per 5,000 rows, and a transaction per chunk of rounds, so memory stays
bounded by the chunk whatever N is. Statuses are consistent with the database rules because
the plans are (decided proposals have dates, completed projects are at 100% with an end…).

Generated villages live in load-test towns (压测N镇, codes 421221200 upwards, outside the
real towns' range), village ``j`` of round ``r`` at a code computed from ``r`` and ``j``. A
round exists exactly when its first village does (each chunk commits atomically), which is
how a second run finds the rounds it still has to add. Not backdated: ``created_at`` of
bulk rows is the time of the run, since bulk inserts cannot override ``auto_now_add``.
"""

import random
import time
from dataclasses import dataclass, field

from django.db import reset_queries, transaction

from consultations.models import (
    Evaluation,
    FundingLine,
    Meeting,
    Outcome,
    Project,
    ProjectStatus,
    ProjectUpdate,
    Proposal,
    ProposalStatus,
    ProposalStatusChange,
    Stewardship,
    StewardshipLog,
)
from organizations.models import Area, AreaLevel, Organization, OrganizationKind, Person
from organizations.scoping import county_code

from . import texts
from .cast import person_name, rng_for
from .cast_data import SURNAMES
from .numbers import meeting_day, meeting_hour, pick_format
from .plan import plan_meeting

S = ProposalStatus
ROUND_VILLAGES = 10
MEETINGS_PER_VILLAGE = 16
UPCOMING_SHARE = 0.06
ROUNDS_PER_CHUNK = 30  # about 4,800 meetings and 60,000 rows per transaction
BATCH_SIZE = 5000
FIRST_LOAD_TOWN = 200
LOAD_TOWNS = 800  # town codes 200–999
VILLAGES_PER_TOWN = 1000
# Beyond this the load-test code range (towns 200–999, villages 000–999) is full.
MAX_SCALE = 1 + LOAD_TOWNS * VILLAGES_PER_TOWN // ROUND_VILLAGES
VILLAGE_ENDINGS = "湾岭畈桥港湖洲垸咀堤岗冲店铺坪山庙塘墩"
AttendingOrganization = Meeting.attending_organizations.through


def village_code(round_no, index):
    """The code of village ``index`` (0–9) of round ``round_no`` (1, 2, …)."""
    n = (round_no - 1) * ROUND_VILLAGES + index
    town = FIRST_LOAD_TOWN + n // VILLAGES_PER_TOWN
    return f"421221{town:03d}{n % VILLAGES_PER_TOWN:03d}"


def missing_rounds(scale):
    """Rounds 1 … scale − 1 whose villages are not in the database yet."""
    wanted = {village_code(r, 0): r for r in range(1, scale)}
    present = set()
    codes = list(wanted)
    for i in range(0, len(codes), BATCH_SIZE):
        batch = codes[i : i + BATCH_SIZE]
        present.update(Area.objects.filter(code__in=batch).values_list("code", flat=True))
    return sorted(r for code, r in wanted.items() if code not in present)


def extend_to(scale, cast, *, today, progress=None):
    """Add the missing rounds for ``scale``; return (rounds added, rows inserted, seconds)."""
    rounds = missing_rounds(scale)
    started = time.monotonic()
    rows = 0
    for i in range(0, len(rounds), ROUNDS_PER_CHUNK):
        chunk = rounds[i : i + ROUNDS_PER_CHUNK]
        with transaction.atomic():
            rows += ChunkWriter(cast, today).write(chunk)
        # With DEBUG on, Django keeps every query's SQL; bulk INSERTs would pile up.
        reset_queries()
        if progress:
            elapsed = time.monotonic() - started
            progress(
                f"rounds {chunk[0]}–{chunk[-1]}: {rows:,} rows in {elapsed:.0f} s "
                f"({rows / elapsed:,.0f} rows/s)"
            )
    return len(rounds), rows, time.monotonic() - started


@dataclass
class LoadVillage:
    """A generated village and the rows its matters point at."""

    area: Area
    rng: random.Random
    government: Organization  # its town's, for referrals to the town
    unit_names: dict
    party_branch: Organization | None = None
    committee: Organization | None = None
    council: Organization | None = None
    people: list = field(default_factory=list)  # a party member, a worthy, a villager


class ChunkWriter:
    def __init__(self, cast, today):
        self.cast = cast
        self.today = today
        self.actor = cast.users["county"]
        self.rows = 0

    def insert(self, model, rows):
        """bulk_create from any iterable, BATCH_SIZE rows at a time.

        Primary keys come back on the objects (PostgreSQL, and SQLite 3.35 or later), which
        the rows inserted next refer to.
        """
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH_SIZE:
                model.objects.bulk_create(batch)
                self.rows += len(batch)
                batch = []
        if batch:
            model.objects.bulk_create(batch)
            self.rows += len(batch)

    def write(self, rounds):
        villages = self._villages(rounds)
        meetings = self._meetings(villages)
        self.insert(
            AttendingOrganization,
            (
                AttendingOrganization(meeting_id=m.pk, organization_id=org.pk)
                for m, _plan, v in meetings
                for org in (v.committee, v.party_branch)
            ),
        )
        self.insert(
            Evaluation,
            (self._evaluation(p.evaluation, meeting=m) for m, p, _ in meetings if p.evaluation),
        )
        proposals = self._proposals(meetings)
        self.insert(ProposalStatusChange, self._history(proposals))
        self._after_decisions(proposals)
        return self.rows

    # -- villages and their people -------------------------------------------------------

    def _towns(self, codes):
        county = self.cast.county
        towns = {a.code: a for a in Area.objects.filter(code__in=codes)}
        missing = [
            Area(
                code=c,
                name=f"压测{int(c[6:]) - FIRST_LOAD_TOWN + 1}镇",
                level=AreaLevel.TOWN,
                parent=county,
            )
            for c in sorted(set(codes) - set(towns))
        ]
        self.insert(Area, missing)
        self.insert(
            Organization,
            (
                Organization(kind=OrganizationKind.OTHER, name=f"{t.name}人民政府", area=t)
                for t in missing
            ),
        )
        towns.update((t.code, t) for t in missing)
        governments = Organization.objects.filter(
            area__in=towns.values(), kind=OrganizationKind.OTHER
        )
        return towns, {g.area_id: g for g in governments}

    def _villages(self, rounds):
        codes = [village_code(r, j) for r in rounds for j in range(ROUND_VILLAGES)]
        towns, governments = self._towns([c[:9] for c in codes])
        villages = []
        for code in codes:
            rng = rng_for(f"load-village:{code}")
            name = (
                rng.choice(SURNAMES) + rng.choice(("家", "")) + rng.choice(VILLAGE_ENDINGS) + "村"
            )
            town = towns[code[:9]]
            area = Area(code=code, name=name, level=AreaLevel.VILLAGE, parent=town)
            government = governments[town.pk]
            names = {key: org.name for key, org in self.cast.departments.items()}
            names["town"] = government.name
            villages.append(LoadVillage(area, rng, government, names))
        self.insert(Area, (v.area for v in villages))
        bodies = []
        for v in villages:
            area, name = v.area, v.area.name
            v.party_branch = Organization(
                kind=OrganizationKind.PARTY_BRANCH, name=f"{name}党支部", area=area
            )
            v.committee = Organization(
                kind=OrganizationKind.VILLAGE_COMMITTEE, name=f"{name}村民委员会", area=area
            )
            v.council = Organization(
                kind=OrganizationKind.VILLAGER_COUNCIL, name=f"{name}村民理事会", area=area
            )
            bodies += [v.party_branch, v.committee, v.council]
        self.insert(Organization, bodies)
        people = []
        for v in villages:
            rng = v.rng
            v.people = [
                Person(name=person_name(rng), category=category, area=v.area)
                for category in ("party_member", "village_worthy", "villager")
            ]
            people += v.people
        self.insert(Person, people)
        return villages

    # -- 共谋 ----------------------------------------------------------------------------

    def _meetings(self, villages):
        today = self.today
        planned = []
        for v in villages:
            rng = v.rng
            for _ in range(MEETINGS_PER_VILLAGE):
                fmt = pick_format(rng)
                plan = plan_meeting(
                    rng,
                    village=v.area.name,
                    hamlet=None,
                    fmt=fmt,
                    day=meeting_day(rng, today, upcoming=rng.random() < UPCOMING_SHARE),
                    hour=meeting_hour(rng, fmt),
                    today=today,
                )
                planned.append((self._meeting(v, plan), plan, v))
        self.insert(Meeting, (m for m, _, _ in planned))
        return planned

    def _meeting(self, v, plan):
        moderator = v.people[0]
        minutes = "" if plan.upcoming else plan.minutes(moderator.name, v.unit_names)
        return Meeting(
            format=plan.format,
            title=plan.title,
            area=v.area,
            county_code=county_code(v.area.code),
            place=plan.place,
            starts_at=plan.starts_at,
            host_organization=v.committee,
            moderator=moderator,
            agenda=plan.agenda,
            minutes=minutes,
            summary_is_public=plan.summary_is_public,
            created_by=self.actor,
            **plan.attendance,
        )

    def _unit(self, v, key):
        return v.government if key == "town" else self.cast.departments[key]

    def _proposals(self, meetings):
        chains = [(m, chain, v) for m, plan, v in meetings for chain in plan.chains]
        projects = [
            (self._project(v, chain.project), chain) for _m, chain, v in chains if chain.project
        ]
        self.insert(Project, (p for p, _ in projects))
        project_of = {id(chain): project for project, chain in projects}
        proposals = []
        for meeting, chain, v in chains:
            text = chain.text
            proposal = Proposal(
                meeting=meeting,
                county_code=meeting.county_code,
                raised_by=v.rng.choice(v.people),
                category=text.category,
                title=chain.title,
                description=chain.say(text.description),
                status=chain.status,
                decided_on=chain.decided_on,
                rejection_reason=chain.reason,
                project=project_of.get(id(chain)),
                created_by=self.actor,
                **chain.votes,
            )
            if chain.status == S.REFERRED:
                proposal.referred_to = self._unit(v, chain.unit)
                proposal.referral_due_on = chain.due_on
                if chain.replied_at:
                    proposal.reply = chain.say(text.reply)
                    proposal.replied_at = chain.replied_at
                proposal.feedback, proposal.feedback_at = chain.feedback, chain.feedback_at
            proposals.append((proposal, chain, v))
        self.insert(Proposal, (p for p, _, _ in proposals))
        return proposals

    def _history(self, proposals):
        for proposal, chain, _v in proposals:
            steps = [("", S.RAISED, chain.raised_at)]
            if chain.deliberated_at:
                steps.append((S.RAISED, S.DELIBERATING, chain.deliberated_at))
            if chain.decided_at:
                steps.append((S.DELIBERATING, chain.status, chain.decided_at))
            for before, after, when in steps:
                yield ProposalStatusChange(
                    proposal_id=proposal.pk,
                    from_status=before,
                    to_status=after,
                    changed_at=when,
                    changed_by=self.actor,
                )

    def _evaluation(self, plan, **subject):
        return Evaluation(
            evaluator=plan.evaluator,
            evaluated_on=plan.on,
            satisfied=plan.satisfied,
            basically_satisfied=plan.basically,
            dissatisfied=plan.dissatisfied,
            score=plan.score,
            comments=plan.comments,
            created_by=self.actor,
            **subject,
        )

    # -- 共建 共管 共评 共享 --------------------------------------------------------------

    def _project(self, v, plan):
        if plan.completed_on:
            status = ProjectStatus.COMPLETED
        elif plan.suspended_on:
            status = ProjectStatus.SUSPENDED
        elif plan.updates:
            status = ProjectStatus.IN_PROGRESS
        else:
            status = ProjectStatus.PLANNED
        return Project(
            title=plan.title,
            area=v.area,
            description=plan.final_description,
            lead_organization=v.council if plan.led_by_council else v.committee,
            budget=plan.budget,
            planned_start=plan.planned_start,
            planned_end=plan.planned_end,
            actual_start=plan.updates[0][0] if plan.updates else None,
            actual_end=plan.completed_on,
            progress=plan.progress,
            status=status,
            # Villages put their projects on the public board; a suspended one waits.
            is_public=not plan.suspended_on,
            created_by=self.actor,
        )

    def _after_decisions(self, proposals):
        projects = [(p.project, chain.project, v) for p, chain, v in proposals if p.project]
        self.insert(
            FundingLine,
            (
                FundingLine(project=project, source=s, planned=amount, received=r, note=n)
                for project, plan, _ in projects
                for s, amount, r, n in plan.funding
            ),
        )
        self.insert(
            ProjectUpdate,
            (
                ProjectUpdate(
                    project=project,
                    reported_on=day,
                    progress=progress,
                    description=text,
                    recorded_by=self.actor,
                )
                for project, plan, _ in projects
                for day, progress, text in plan.updates
            ),
        )
        stewardships = [
            (self._stewardship(project, plan, v), plan)
            for project, plan, v in projects
            if plan.stewardship_on
        ]
        self.insert(Stewardship, (s for s, _ in stewardships))
        self.insert(
            StewardshipLog,
            (
                StewardshipLog(
                    stewardship=stewardship,
                    kind=kind,
                    logged_on=day,
                    note=note,
                    issue_found=bool(action),
                    action_taken=action,
                    recorded_by=self.actor,
                )
                for stewardship, plan in stewardships
                for kind, day, note, action in plan.logs
            ),
        )
        self.insert(Evaluation, self._later_evaluations(proposals, projects))
        self.insert(
            Outcome,
            (
                Outcome(
                    project=project,
                    title=plan.outcome_title,
                    summary=plan.outcome_summary,
                    beneficiary_households=plan.beneficiary_households,
                    beneficiary_people=plan.beneficiary_people,
                    disclosed_on=plan.disclosed_on,
                    is_published=plan.disclosed_on is not None,
                    created_by=self.actor,
                )
                for project, plan, _ in projects
                if plan.outcome_on
            ),
        )

    def _later_evaluations(self, proposals, projects):
        for proposal, chain, _v in proposals:
            if chain.reply_evaluation:
                yield self._evaluation(chain.reply_evaluation, proposal=proposal)
        for project, plan, _v in projects:
            for evaluation in plan.evaluations:
                yield self._evaluation(evaluation, project=project)

    def _stewardship(self, project, plan, v):
        organization = {"council": v.council, "party_branch": v.party_branch}.get(plan.steward)
        if plan.steward == "volunteers":
            organization = v.council  # generated villages have no volunteer team
        return Stewardship(
            project=project,
            organization=organization,
            person=None if organization else v.people[1],
            duties=plan.duties or texts.STEWARD_PERSON_DUTY,
            rules_kind=plan.rules_kind,
            rules=plan.rules,
            started_on=plan.stewardship_on,
            created_by=self.actor,
        )
