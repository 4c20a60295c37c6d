"""The home dashboard: counts per stage in the user's area, and what needs attention."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultations import services
from consultations.models import ProjectStatus, ProposalStatus
from core import cache as figures
from tests.factories import (
    EvaluationFactory,
    MeetingFactory,
    OrganizationFactory,
    OutcomeFactory,
    ProjectFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def completed_project(area, **kwargs):
    return ProjectFactory(
        area=area,
        status=ProjectStatus.COMPLETED,
        progress=100,
        actual_start=dt.date(2024, 3, 1),
        actual_end=dt.date(2024, 6, 1),
        **kwargs,
    )


def build_matters(village, n):
    """n of every kind of thing the dashboard flags, in one village."""
    today = timezone.localdate()
    unit = OrganizationFactory(area=village)
    for _ in range(n):
        meeting = MeetingFactory(area=village)
        ProposalFactory(meeting=meeting, title="待决议题")
        ProposalFactory(
            meeting=meeting,
            title="逾期转办",
            status=ProposalStatus.REFERRED,
            referred_to=unit,
            referral_due_on=today - dt.timedelta(days=3),
        )
        ProjectFactory(
            area=village,
            title="逾期项目",
            status=ProjectStatus.IN_PROGRESS,
            planned_end=today - dt.timedelta(days=1),
        )
        completed_project(village, title="待评项目")
        EvaluationFactory(project=completed_project(village, title="待公示项目"))


def test_dashboard_flags_what_needs_attention(client, village_committee, village):
    build_matters(village, 1)
    client.force_login(village_committee)
    response = client.get(reverse("dashboard"))
    body = response.content.decode()
    attention = {item["title"]: item for item in response.context["attention"]}
    assert [p.title for p in attention["Proposals waiting for a decision"]["rows"]] == ["待决议题"]
    assert [
        p.title for p in attention["Referrals past their due date without a reply"]["rows"]
    ] == ["逾期转办"]
    assert [p.title for p in attention["Projects past their planned end"]["rows"]] == ["逾期项目"]
    assert [p.title for p in attention["Completed projects without an evaluation"]["rows"]] == [
        "待评项目"
    ]
    assert [
        p.title for p in attention["Evaluated projects without a published outcome"]["rows"]
    ] == ["待公示项目"]
    # Each item links to where it is fixed.
    proposal = attention["Proposals waiting for a decision"]["rows"][0]
    assert reverse("matter_detail", args=[proposal.pk]) in body


def test_published_outcome_clears_the_flag(client, village_committee, village):
    project = completed_project(village, title="已公示项目")
    EvaluationFactory(project=project)
    OutcomeFactory(project=project, is_published=True, disclosed_on=dt.date(2024, 7, 1))
    client.force_login(village_committee)
    attention = {i["title"]: i for i in client.get(reverse("dashboard")).context["attention"]}
    assert attention["Evaluated projects without a published outcome"]["count"] == 0


def test_dashboard_counts_only_the_users_area(client, village_committee, village, other_village):
    MeetingFactory.create_batch(2, area=village)
    MeetingFactory.create_batch(5, area=other_village)
    client.force_login(village_committee)
    stages = client.get(reverse("dashboard")).context["stages"]
    assert dict(stages[0]["figures"])["Meetings"] == 2


def test_dashboard_queries_do_not_grow_with_rows(client, county_staff, village):
    build_matters(village, 1)
    client.force_login(county_staff)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("dashboard")).status_code == 200
        return len(ctx.captured_queries)

    small = queries()
    build_matters(village, 10)
    # Factories write past the site's write paths: say what changed, as each of them does.
    figures.changed(village)
    # session, user, area; 7 stage counts; 5 attention lists × (rows + count)
    assert queries() == small


def _dashboard_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


def test_figures_are_kept_until_the_data_change_and_say_when_computed(
    client, county_staff, village
):
    build_matters(village, 2)
    client.force_login(county_staff)
    first, computing = _dashboard_queries(client)
    again, cached = _dashboard_queries(client)
    # session and user (with their area) only: the counts and lists come from the cache.
    assert cached == 2 < computing
    assert again.context["stages"] == first.context["stages"]
    assert "Computed at" in again.content.decode()
    assert again.context["computed_at"] == first.context["computed_at"]

    # Recorded through the service every form and import uses, which renews the figures.
    services.save_meeting(meeting=MeetingFactory.build(area=village), actor=county_staff)
    after, recomputed = _dashboard_queries(client)
    assert recomputed == computing
    assert dict(after.context["stages"][0]["figures"])["Meetings"] == 3


def test_cached_figures_are_not_shared_between_areas(
    client, village_committee, other_town_staff, village
):
    MeetingFactory.create_batch(2, area=village)
    client.force_login(village_committee)
    assert dict(client.get(reverse("dashboard")).context["stages"][0]["figures"])["Meetings"] == 2
    client.force_login(other_town_staff)
    assert dict(client.get(reverse("dashboard")).context["stages"][0]["figures"])["Meetings"] == 0
