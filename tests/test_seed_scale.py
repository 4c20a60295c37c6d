"""``manage.py seed_scale``: a province written with COPY, consistent, proportional, resumable."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q

from consultations.models import (
    Evaluation,
    FundingLine,
    Meeting,
    Outcome,
    Project,
    ProjectStatus,
    Proposal,
    ProposalStatus,
)
from devtools.demo import scale
from organizations.models import Area, AreaLevel

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="seed_scale writes with PostgreSQL's COPY"
)


def seed(*args):
    out = io.StringIO()
    call_command("seed_scale", "--no-vacuum", "--jobs", "1", *args, stdout=out)
    return out.getvalue()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="checks the refusal elsewhere")
def test_refuses_other_databases_with_a_clear_message(db):
    with pytest.raises(CommandError, match="PostgreSQL's COPY"):
        seed("--meetings", "40")
    assert not Meeting.objects.exists()


def test_counties_split_the_villages_and_meetings_exactly():
    spec = scale.Spec(meetings=1_000_000)
    assert (spec.villages, spec.counties) == (25_000, 100)
    assert sum(spec.meetings_in(i) for i in range(spec.counties)) == 1_000_000
    odd = scale.Spec(meetings=1234, villages_per_county=10, meetings_per_village=40)
    assert odd.counties == 4
    assert [odd.meetings_in(i) for i in range(4)] == [400, 400, 400, 34]


def test_county_codes_stay_in_the_made_up_province_and_never_repeat():
    codes = [scale.county_code(i) for i in range(scale.MAX_COUNTIES)]
    assert len(set(codes)) == len(codes)
    assert all(len(code) == 6 and code.startswith("99") for code in codes)


@on_postgresql
def test_writes_a_proportional_province_that_keeps_every_rule(db):
    output = seed("--meetings", "2000", "--villages-per-county", "20")
    assert "Counties added: 3" in output
    assert Meeting.objects.count() == 2000
    assert Proposal.objects.count() == 4000
    assert Project.objects.count() == 600
    assert FundingLine.objects.count() == 3 * 600
    assert Outcome.objects.count() == 600
    assert Evaluation.objects.count() == 2000
    # Division codes nest: each area's code extends its parent's, one level down.
    assert (
        not Area.objects.filter(code__startswith="99")
        .exclude(level=AreaLevel.COUNTY)
        .exclude(code__startswith=F("parent__code"), level=F("parent__level") + 1)
        .exists()
    )
    assert not Area.objects.filter(code__startswith="421221").exists()
    # Only adopted proposals are carried out, each project by one proposal.
    assert (
        not Proposal.objects.filter(project__isnull=False)
        .exclude(status=ProposalStatus.ADOPTED)
        .exists()
    )
    assert not Project.objects.annotate(n=Count("proposals")).exclude(n=1).exists()
    # Every status is there, and every project stage.
    assert set(Proposal.objects.values_list("status", flat=True)) == set(ProposalStatus.values)
    assert set(Project.objects.values_list("status", flat=True)) == set(ProjectStatus.values)
    published = Outcome.objects.filter(is_published=True)
    assert published.exists()
    assert not published.exclude(project__status=ProjectStatus.COMPLETED).exists()
    # A meeting's proposals were raised in its own village.
    assert not Proposal.objects.exclude(raised_by__area=F("meeting__area")).exists()
    assert not Evaluation.objects.filter(
        Q(satisfied=0) & Q(basically_satisfied=0) & Q(dissatisfied=0)
    ).exists()


@on_postgresql
def test_a_second_run_adds_only_missing_counties(db):
    seed("--meetings", "400", "--villages-per-county", "5")
    first = Meeting.objects.count()
    assert "nothing added" in seed("--meetings", "400", "--villages-per-county", "5")
    assert Meeting.objects.count() == first == 400
    seed("--meetings", "800", "--villages-per-county", "5")
    assert Meeting.objects.count() == 800
    assert Area.objects.filter(level=AreaLevel.COUNTY).count() == 4
