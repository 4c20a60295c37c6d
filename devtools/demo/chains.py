"""The normal-scale demo: planned matters written through ``consultations.services``.

Every proposal is raised, deliberated and decided by the service functions the application
uses, so each one carries a real ``ProposalStatusChange`` history, and projects move by
``record_progress``/``complete_project``. The services stamp "now" on what they record;
``Backdates`` moves those stamps to the planned dates once everything exists, so lists and
timelines read as a year and a half of work rather than one afternoon.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from consultations import services
from consultations.models import (
    Evaluation,
    FundingLine,
    Meeting,
    MeetingFormat,
    Outcome,
    Project,
    ProjectStatus,
    ProposalStatus,
    ProposalStatusChange,
    Stewardship,
    StewardshipLog,
)

from . import texts
from .numbers import at, meeting_day, meeting_hour, pick_format
from .plan import plan_meeting

S = ProposalStatus
PAST_MEETINGS = 150
UPCOMING_MEETINGS = 10
AT_HAMLET = (MeetingFormat.COURTYARD, MeetingFormat.EVENING_TALK)

# Villages whose demo accounts sign in get more meetings, so their pages are full.
VILLAGE_WEIGHT = {"421221101201": 8, "421221101202": 5}
TOWN_WEIGHT = {"421221101": 2}


class Backdates:
    """Timestamps to set once everything exists: services and auto_now write "now"."""

    def __init__(self):
        self.rows = defaultdict(dict)
        self.status_times = {}

    def set(self, obj, **fields):
        self.rows[type(obj)].setdefault(obj.pk, {}).update(fields)

    def status(self, proposal, to_status, when):
        self.status_times[(proposal.pk, to_status)] = when

    def apply(self):
        for model, by_pk in self.rows.items():
            groups = defaultdict(list)
            for pk, values in by_pk.items():
                groups[tuple(sorted(values))].append(model(pk=pk, **values))
            for names, objs in groups.items():
                model.objects.bulk_update(objs, list(names), batch_size=500)
        changes = ProposalStatusChange.objects.filter(
            proposal_id__in={pk for pk, _ in self.status_times}
        ).only("pk", "proposal_id", "to_status")
        moved = []
        for change in changes:
            when = self.status_times.get((change.proposal_id, change.to_status))
            if when is not None:
                change.changed_at = when
                moved.append(change)
        ProposalStatusChange.objects.bulk_update(moved, ["changed_at"], batch_size=500)


class ChainBuilder:
    def __init__(self, cast, *, today, rng):
        self.cast = cast
        self.today = today
        self.rng = rng
        self.later = Backdates()

    def build(self, showcase=()):
        """``showcase``: (village code, hamlet, format, days ago, matter key, fate) rows."""
        plans = [self._showcase(*row) for row in showcase] + list(self._random())
        plans.sort(key=lambda p: p[2].starts_at)
        for vc, hamlet, plan in plans:
            self._meeting(vc, hamlet, plan)
        self.later.apply()

    def _plan(self, vc, hamlet, fmt, day, **kwargs):
        hour = meeting_hour(self.rng, fmt)
        plan = plan_meeting(
            self.rng,
            village=vc.area.name,
            hamlet=hamlet.name if hamlet else None,
            fmt=fmt,
            day=day,
            hour=hour,
            today=self.today,
            **kwargs,
        )
        return vc, hamlet if fmt in AT_HAMLET else None, plan

    def _showcase(self, village_code, hamlet_name, fmt, days_ago, key, fate):
        vc = next(v for v in self.cast.villages if v.area.code == village_code)
        hamlet = next(h for h in vc.hamlets if h.name == hamlet_name)
        text = next(t for t in texts.MATTERS if t.key == key)
        day = self.today - dt.timedelta(days=days_ago)
        return self._plan(vc, hamlet, fmt, day, matters=[text], fates=[fate])

    def _random(self):
        rng = self.rng
        weights = [
            VILLAGE_WEIGHT.get(vc.area.code, TOWN_WEIGHT.get(vc.town.code, 1))
            * (0.4 if vc.area.name.endswith("社区") else 1)
            for vc in self.cast.villages
        ]
        for i in range(PAST_MEETINGS + UPCOMING_MEETINGS):
            vc = rng.choices(self.cast.villages, weights)[0]
            day = meeting_day(rng, self.today, upcoming=i >= PAST_MEETINGS)
            hamlet = rng.choice(vc.hamlets) if vc.hamlets else None
            yield self._plan(vc, hamlet, pick_format(rng), day)

    # -- 共谋 ----------------------------------------------------------------------------

    def _meeting(self, vc, hamlet, plan):
        rng, actor = self.rng, self.cast.actor_for(vc.area)
        joint = plan.format == MeetingFormat.JOINT_TALK
        if joint:
            moderator = vc.anyone(rng, "non_party_intellectual", "new_social_class")
        else:
            moderator = (vc.people.get("party_member") or [None])[0]
        meeting = Meeting(
            format=plan.format,
            title=plan.title,
            area=hamlet or vc.area,
            place=plan.place,
            starts_at=plan.starts_at,
            host_organization=vc.party_branch if joint else vc.committee,
            moderator=moderator,
            agenda=plan.agenda,
            summary_is_public=plan.summary_is_public,
            created_by=actor,
            **plan.attendance,
        )
        services.save_meeting(meeting=meeting, actor=actor)
        orgs = [vc.committee, vc.party_branch] + (vc.branches if joint else [])
        if hamlet:
            orgs += [vc.council] + [b for b in vc.bases if b.area_id == hamlet.pk]
        meeting.attending_organizations.set(orgs)
        if plan.upcoming:
            created = timezone.now() - dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 9))
            self.later.set(meeting, created_at=created, updated_at=created)
            return
        recorded = plan.starts_at + dt.timedelta(hours=2, minutes=rng.randint(0, 50))
        units = self._units(vc)
        minutes = plan.minutes(moderator.name if moderator else "村党支部书记", units)
        self.later.set(meeting, created_at=recorded, updated_at=recorded, minutes=minutes)
        for chain in plan.chains:
            self._proposal(meeting, vc, chain, actor, units)
        if plan.evaluation:
            self._evaluation(actor, plan.evaluation, recorded, meeting=meeting)

    def _units(self, vc):
        units = {key: org.name for key, org in self.cast.departments.items()}
        units["town"] = self.cast.town_governments[vc.town.code].name
        return units

    def _unit(self, vc, key):
        return (
            self.cast.town_governments[vc.town.code]
            if key == "town"
            else self.cast.departments[key]
        )

    def _evaluation(self, actor, plan, when, **subject):
        evaluation = Evaluation.objects.create(
            evaluator=plan.evaluator,
            evaluated_on=plan.on,
            satisfied=plan.satisfied,
            basically_satisfied=plan.basically,
            dissatisfied=plan.dissatisfied,
            score=plan.score,
            comments=plan.comments,
            created_by=actor,
            **subject,
        )
        self.later.set(evaluation, created_at=when, updated_at=when)

    def _proposal(self, meeting, vc, chain, actor, units):
        text = chain.text
        raised_by = texts.RAISED_BY.get(text.key, ("villager", "village_worthy", "party_member"))
        proposal = services.raise_proposal(
            meeting=meeting,
            title=chain.title,
            category=text.category,
            description=chain.say(text.description),
            raised_by=vc.anyone(self.rng, *raised_by),
            actor=actor,
        )
        self.later.status(proposal, S.RAISED, chain.raised_at)
        self.later.set(proposal, created_at=chain.raised_at, updated_at=chain.raised_at)
        if chain.deliberated_at is None:
            return
        services.start_deliberation(proposal=proposal, actor=actor)
        self.later.status(proposal, S.DELIBERATING, chain.deliberated_at)
        self.later.set(proposal, updated_at=chain.deliberated_at)
        if chain.status == S.DELIBERATING:
            return
        self.later.status(proposal, chain.status, chain.decided_at)
        self.later.set(proposal, updated_at=chain.last_event)
        if chain.status == S.ADOPTED:
            proposal = services.adopt_proposal(
                proposal=proposal, actor=actor, decided_on=chain.decided_on, **chain.votes
            )
            if chain.project:
                self._project(vc, chain.project, proposal, actor)
        elif chain.status == S.REJECTED:
            services.reject_proposal(
                proposal=proposal,
                actor=actor,
                decided_on=chain.decided_on,
                reason=chain.reason,
                **chain.votes,
            )
        else:
            self._referral(vc, chain, proposal, actor, units)

    def _referral(self, vc, chain, proposal, actor, units):
        unit = self._unit(vc, chain.unit)
        proposal = services.refer_proposal(
            proposal=proposal,
            actor=actor,
            handling_unit=unit,
            due_on=chain.due_on,
            note=f"请{unit.name}于{chain.due_on:%Y年%m月%d日}前答复。",
        )
        if chain.replied_at is None:
            return
        reply = chain.say(chain.text.reply)
        proposal = services.record_reply(
            proposal=proposal, actor=actor, reply=reply, replied_at=chain.replied_at
        )
        if chain.feedback_at is None:
            return
        services.record_feedback(proposal=proposal, actor=actor, feedback=chain.feedback)
        self.later.set(proposal, feedback_at=chain.feedback_at)
        if chain.reply_evaluation:
            self._evaluation(actor, chain.reply_evaluation, chain.feedback_at, proposal=proposal)

    # -- 共建 共管 共评 共享 --------------------------------------------------------------

    def _project(self, vc, plan, proposal, actor):
        project = services.start_project(
            proposals=[proposal],
            title=plan.title,
            actor=actor,
            description=plan.description,
            lead_organization=vc.council if plan.led_by_council else vc.committee,
            budget=Decimal(plan.budget),
            planned_start=plan.planned_start,
            planned_end=plan.planned_end,
            # Villages put their projects on the public board; a suspended one waits.
            is_public=not plan.suspended_on,
        )
        created = at(plan.created_on, 10, self.rng.randint(0, 59))
        for reported_on, progress, description in plan.updates:
            update = services.record_progress(
                project=project,
                actor=actor,
                reported_on=reported_on,
                progress=progress,
                description=description,
            )
            self.later.set(update, recorded_at=at(reported_on, 18, self.rng.randint(0, 59)))
        if plan.completed_on:
            services.complete_project(project=project, actor=actor, actual_end=plan.completed_on)
        if plan.suspended_on:
            # There is no service for suspending a project yet; a direct write stands in.
            Project.objects.filter(pk=project.pk).update(
                status=ProjectStatus.SUSPENDED, description=plan.final_description
            )
        self.later.set(project, created_at=created, updated_at=at(plan.last_event, 18))
        FundingLine.objects.bulk_create(
            FundingLine(project=project, source=s, planned=p, received=r, note=n)
            for s, p, r, n in plan.funding
        )
        if plan.stewardship_on:
            self._stewardship(vc, plan, project, actor)
        for evaluation in plan.evaluations:
            self._evaluation(actor, evaluation, at(evaluation.on, 17), project=project)
        if plan.outcome_on:
            self._outcome(plan, project, actor)

    def _stewardship(self, vc, plan, project, actor):
        organization = {
            "council": vc.council,
            "volunteers": vc.volunteers or vc.council,
            "party_branch": vc.party_branch,
        }.get(plan.steward)
        person = None
        if organization is None:
            person = vc.anyone(self.rng, "village_worthy", "party_member", "villager")
        stewardship = Stewardship.objects.create(
            project=project,
            organization=organization,
            person=person,
            duties=plan.duties or texts.STEWARD_PERSON_DUTY,
            rules_kind=plan.rules_kind,
            rules=plan.rules,
            started_on=plan.stewardship_on,
            created_by=actor,
        )
        when = at(plan.stewardship_on, 10)
        self.later.set(stewardship, created_at=when, updated_at=when)
        StewardshipLog.objects.bulk_create(
            StewardshipLog(
                stewardship=stewardship,
                kind=kind,
                logged_on=logged_on,
                note=note,
                issue_found=bool(action),
                action_taken=action,
                recorded_by=actor,
            )
            for kind, logged_on, note, action in plan.logs
        )

    def _outcome(self, plan, project, actor):
        outcome = Outcome.objects.create(
            project=project,
            title=plan.outcome_title,
            summary=plan.outcome_summary,
            beneficiary_households=plan.beneficiary_households,
            beneficiary_people=plan.beneficiary_people,
            created_by=actor,
        )
        written = at(plan.outcome_on, 15)
        self.later.set(outcome, created_at=written, updated_at=written)
        if plan.disclosed_on:
            services.publish_outcome(outcome=outcome, actor=actor, disclosed_on=plan.disclosed_on)
            self.later.set(outcome, updated_at=at(plan.disclosed_on, 9))
