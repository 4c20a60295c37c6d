"""``manage.py seed_demo``: complete five-stage chains, realistic proportions, idempotence."""

import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Sum
from django.test import override_settings
from django.utils import timezone

from consultations.models import (
    ATTENDANCE_FIELDS,
    Evaluation,
    FundingSource,
    Meeting,
    MeetingFormat,
    Outcome,
    Project,
    ProjectStatus,
    Proposal,
    ProposalStatus,
    ProposalStatusChange,
)
from devtools.demo import texts
from devtools.demo.bulk import ROUND_VILLAGES, village_code
from organizations.models import (
    Area,
    AreaLevel,
    Organization,
    OrganizationKind,
    Person,
    PersonCategory,
    User,
)

S = ProposalStatus
MODELS = [m for m in apps.get_models() if m._meta.app_label in ("organizations", "consultations")]


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts():
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker):
    """Seed once for the module, inside a transaction rolled back when the module is done;
    each test runs in a savepoint within it, so tests still cannot see one another's writes."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        yield seed()
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_seeded_once, db):
    return _seeded_once


def test_the_showcase_chain_runs_from_meeting_to_published_outcome(seeded):
    proposal = Proposal.objects.filter(
        meeting__area__code="421221101201001",
        title="硬化孙家湾通湾公路",
        project__outcome__is_published=True,
    ).first()
    meeting, project = proposal.meeting, proposal.project
    outcome = project.outcome

    assert meeting.area.full_name == "高铁岭镇陆水村孙家"
    assert meeting.format == MeetingFormat.COURTYARD
    assert meeting.agenda and meeting.minutes
    assert proposal.status == S.ADOPTED and proposal.decided_on is not None
    history = list(proposal.status_changes.values_list("to_status", flat=True))
    assert history == [S.RAISED, S.DELIBERATING, S.ADOPTED]
    assert project.status == ProjectStatus.COMPLETED
    assert project.progress == 100 and project.actual_end is not None
    assert project.funding_lines.values("source").distinct().count() >= 2
    assert project.updates.filter(progress=100).exists()
    stewardship = project.stewardships.get()
    assert stewardship.log_entries.exists()
    evaluation = project.evaluations.exclude(satisfied=0).first()
    assert evaluation.satisfaction_rate is not None
    assert outcome.is_published and outcome.disclosed_on >= project.actual_end


def test_most_published_outcomes_close_a_complete_chain(seeded):
    complete = (
        Outcome.objects.published()
        .filter(
            project__status=ProjectStatus.COMPLETED,
            project__proposals__status=S.ADOPTED,
            project__stewardships__log_entries__isnull=False,
            project__evaluations__isnull=False,
            project__updates__progress=100,
        )
        .annotate(sources=Count("project__funding_lines__source", distinct=True))
        .filter(sources__gte=2)
        .distinct()
    )
    assert complete.count() >= 10


def test_not_every_proposal_is_adopted(seeded):
    by_status = dict(Proposal.objects.values_list("status").annotate(n=Count("id")))
    total = sum(by_status.values())

    assert 150 <= total <= 500
    assert 0.4 <= by_status[S.ADOPTED] / total <= 0.7
    assert by_status[S.REJECTED] >= 10
    assert not Proposal.objects.filter(status=S.REJECTED, rejection_reason="").exists()
    assert by_status[S.REFERRED] >= 10
    assert by_status[S.RAISED] + by_status[S.DELIBERATING] >= 5
    referred = Proposal.objects.filter(status=S.REFERRED)
    assert referred.filter(replied_at__isnull=False).exclude(feedback="").exists()
    assert referred.filter(replied_at__isnull=True).exists()
    assert Proposal.objects.referral_overdue(timezone.localdate()).exists()
    assert Proposal.objects.adopted_without_project().exists()


def test_projects_are_at_every_stage_and_some_are_overdue(seeded):
    by_status = dict(Project.objects.values_list("status").annotate(n=Count("id")))
    today = timezone.localdate()

    assert by_status[ProjectStatus.COMPLETED] > by_status[ProjectStatus.IN_PROGRESS] > 0
    assert Project.objects.overdue(today).exists()
    assert Project.objects.completed_without_evaluation().exists()
    assert Outcome.objects.filter(is_published=False).exists()
    assert Outcome.objects.published().count() > Outcome.objects.filter(is_published=False).count()
    labour = Project.objects.filter(funding_lines__source=FundingSource.LABOUR)
    assert labour.exists()


def test_meetings_use_every_format_and_some_are_still_to_come(seeded):
    formats = set(Meeting.objects.values_list("format", flat=True))

    assert formats == set(MeetingFormat.values)
    upcoming = Meeting.objects.upcoming(timezone.now())
    assert upcoming.exists()
    assert not Proposal.objects.filter(meeting__in=upcoming).exists()


def test_attendance_by_category_never_exceeds_the_total(seeded):
    held = Meeting.objects.filter(starts_at__lt=timezone.now())
    by_category = held.annotate(counted=sum((F(f) for f in ATTENDANCE_FIELDS.values()), start=0))

    assert held.filter(attendance_total__gt=0).count() == held.count()
    assert not by_category.filter(counted__gt=F("attendance_total")).exists()
    assert held.aggregate(n=Sum("attendance_non_party_intellectual"))["n"] > 0


def test_votes_never_exceed_voters_present(seeded):
    voted = Proposal.objects.filter(votes_for__isnull=False)

    assert voted.exists()
    assert not voted.filter(
        votes_present__lt=F("votes_for") + F("votes_against") + F("votes_abstain")
    ).exists()


def test_territory_organizations_and_people(seeded):
    towns = Area.objects.filter(level=AreaLevel.TOWN).values_list("code", "name")
    assert ("421221101", "高铁岭镇") in towns
    assert {name for _, name in towns} == {
        "鱼岳镇",
        "高铁岭镇",
        "官桥镇",
        "新街镇",
        "渡普镇",
        "潘家湾镇",
        "陆溪镇",
        "簰洲湾镇",
    }
    assert Area.objects.get(code="421221101201").name == "陆水村"
    assert Area.objects.get(code="421221101201001").name == "孙家"
    assert set(Organization.objects.values_list("kind", flat=True)) == set(OrganizationKind.values)
    branches = Organization.objects.filter(
        kind__in=[OrganizationKind.INTELLECTUALS_BRANCH, OrganizationKind.NEW_CLASS_BRANCH]
    )
    assert branches.count() == 18
    assert Organization.objects.get(kind=OrganizationKind.INNOVATION_BASE, area__name="孙家")
    assert set(Person.objects.values_list("category", flat=True)) == set(PersonCategory.values)
    with_phone = Person.objects.exclude(phone="").count()
    assert 0 < with_phone < Person.objects.count() / 2


def test_demo_accounts_have_their_roles_areas_and_password(seeded):
    expected = {
        "admin": (None, None),
        "county": ("county_staff", "421221"),
        "town": ("town_staff", "421221101"),
        "village": ("village_committee", "421221101201"),
    }
    for username, (group, area_code) in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password("wuhgong-demo")
        assert list(user.groups.values_list("name", flat=True)) == ([group] if group else [])
        assert (user.area.code if user.area else None) == area_code
        assert user.is_staff == user.is_superuser == (username == "admin")
    village2 = User.objects.get(username="village2")
    assert village2.check_password("wuhgong-demo")
    assert village2.groups.get().name == "village_committee"
    assert village2.area.level == AreaLevel.VILLAGE and village2.area.parent.code == "421221101"
    assert village2.area.code != "421221101201"
    assert "wuhgong-demo" in seeded and "village2" in seeded


def test_every_proposal_history_ends_in_its_status(seeded):
    last = {}
    for proposal_id, status in ProposalStatusChange.objects.order_by(
        "proposal_id", "changed_at", "id"
    ).values_list("proposal_id", "to_status"):
        last[proposal_id] = status

    assert last == dict(Proposal.objects.values_list("id", "status"))


def test_running_twice_changes_no_count(seeded):
    before = counts()

    output = seed()

    assert counts() == before
    assert "already present" in output


def test_scale_two_roughly_doubles_the_matters_and_is_idempotent(seeded):
    """--scale N adds N − 1 bulk rounds; running it again adds nothing (see bulk.py)."""
    normal = counts()

    seed("--scale", "2")
    scaled = counts()
    seed("--scale", "2")

    assert counts() == scaled
    for name in ("Meeting", "Proposal", "Project", "FundingLine", "Evaluation", "Outcome"):
        assert 1.6 <= scaled[name] / normal[name] <= 2.6, name
    round_villages = Area.objects.filter(code__in=[village_code(1, j) for j in range(10)])
    assert round_villages.count() == ROUND_VILLAGES
    bulk = Proposal.objects.filter(meeting__area__in=round_villages)
    assert not bulk.filter(status__in=[S.ADOPTED, S.REJECTED], decided_on__isnull=True).exists()
    assert bulk.filter(status=S.REJECTED).exclude(rejection_reason="").exists()
    completed = Project.objects.filter(area__in=round_villages, status=ProjectStatus.COMPLETED)
    assert completed.exists()
    assert not completed.exclude(progress=100).exists()
    assert Evaluation.objects.filter(project__area__in=round_villages).exists()
    last = dict(
        ProposalStatusChange.objects.filter(proposal__in=bulk)
        .order_by("changed_at", "id")
        .values_list("proposal_id", "to_status")
    )
    assert last == dict(bulk.values_list("id", "status"))


def test_every_buildable_matter_has_what_its_chain_needs():
    for text in texts.MATTERS:
        assert text.rejections and text.reply and text.comments, text.key
        if text.project:
            assert text.updates and text.logs and text.duties and text.rules, text.key
            assert len(set(text.funding)) >= 2, text.key


def test_scale_must_be_positive(db):
    with pytest.raises(CommandError):
        seed("--scale", "0")
