"""共享 outcome pages: what a project delivered and for whom, and its publication (公示).

Scope (404 for another village's project, publish and unpublish included) is tested with
every project page in test_project_pages.py.
"""

import datetime as dt

import pytest
from django.urls import reverse

from consultations.models import Outcome
from tests.factories import OutcomeFactory, ProjectFactory

from .projects_support import (  # noqa: F401
    HUGE,
    LONG,
    TODAY,
    _english,
    _frozen_now,
    count_queries,
    text,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def vc_client(client, village_committee):
    client.force_login(village_committee)
    return client


@pytest.fixture
def project(village):
    return ProjectFactory(area=village, title="孙家湾通湾公路硬化")


def outcome_data(**overrides):
    data = {
        "title": "孙家湾通湾公路通车",
        "summary": "硬化道路1.2公里，86户群众出行不再走泥巴路。",
        "beneficiary_households": "86",
        "beneficiary_people": "310",
        "disclosed_on": "",
    }
    data.update(overrides)
    return data


def test_new_outcome_borrows_the_projects_title(vc_client, project):
    response = vc_client.get(reverse("outcome_edit", args=[project.pk]))
    assert response.status_code == 200
    assert 'value="孙家湾通湾公路硬化"' in text(response)


def test_outcome_is_recorded_unpublished(vc_client, village_committee, project):
    response = vc_client.post(reverse("outcome_edit", args=[project.pk]), outcome_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("project_detail", args=[project.pk]) + "#outcome"
    outcome = Outcome.objects.get()
    assert (outcome.project, outcome.created_by) == (project, village_committee)
    assert (outcome.beneficiary_households, outcome.beneficiary_people) == (86, 310)
    assert not outcome.is_published


def test_the_same_page_edits_the_existing_outcome(vc_client, project):
    OutcomeFactory(project=project)
    response = vc_client.post(
        reverse("outcome_edit", args=[project.pk]), outcome_data(beneficiary_people="320")
    )
    assert response.status_code == 302
    assert Outcome.objects.get().beneficiary_people == 320


def test_publish_discloses_today_and_unpublish_withdraws(vc_client, project):
    outcome = OutcomeFactory(project=project, disclosed_on=None)
    response = vc_client.post(reverse("outcome_publish", args=[project.pk]))
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert outcome.is_published and outcome.disclosed_on == TODAY
    page = text(vc_client.get(reverse("project_detail", args=[project.pk])))
    assert "Published" in page and "Not published" not in page
    assert f'action="{reverse("outcome_unpublish", args=[project.pk])}"' in page

    vc_client.post(reverse("outcome_unpublish", args=[project.pk]))
    outcome.refresh_from_db()
    assert not outcome.is_published and outcome.disclosed_on == TODAY


def test_publish_keeps_a_disclosure_date_already_set(vc_client, project):
    outcome = OutcomeFactory(project=project, disclosed_on=dt.date(2024, 10, 25))
    vc_client.post(reverse("outcome_publish", args=[project.pk]))
    outcome.refresh_from_db()
    assert outcome.is_published and outcome.disclosed_on == dt.date(2024, 10, 25)


@pytest.mark.parametrize("name", ["outcome_publish", "outcome_unpublish"])
def test_publication_changes_only_by_post(vc_client, project, name):
    OutcomeFactory(project=project)
    assert vc_client.get(reverse(name, args=[project.pk])).status_code == 405
    assert not Outcome.objects.get().is_published


def test_publishing_without_an_outcome_is_404(vc_client, project):
    assert vc_client.post(reverse("outcome_publish", args=[project.pk])).status_code == 404


def test_a_published_outcome_keeps_its_disclosure_date(vc_client, project):
    OutcomeFactory(project=project, is_published=True, disclosed_on=dt.date(2024, 10, 1))
    response = vc_client.post(reverse("outcome_edit", args=[project.pk]), outcome_data())
    assert response.status_code == 200
    assert "A published outcome needs its disclosure date; unpublish it first." in text(response)
    assert Outcome.objects.get().disclosed_on == dt.date(2024, 10, 1)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"title": LONG}, "Ensure this value has at most 200 characters"),
        ({"summary": ""}, "This field is required."),
        ({"beneficiary_households": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"beneficiary_people": HUGE}, "Ensure this value is less than or equal to"),
        ({"beneficiary_households": "八十六"}, "Enter a whole number."),
        ({"beneficiary_people": "80"}, "Fewer people than households"),
        ({"disclosed_on": "2024/02/30"}, "Enter a valid date."),
    ],
)
def test_bad_outcome_input_is_refused_without_saving(vc_client, project, overrides, message):
    response = vc_client.post(reverse("outcome_edit", args=[project.pk]), outcome_data(**overrides))
    assert response.status_code == 200
    assert message in text(response)
    assert not Outcome.objects.exists()


def test_outcome_form_queries_do_not_grow(vc_client, project, village):
    url = reverse("outcome_edit", args=[project.pk])
    small = count_queries(vc_client, url)
    OutcomeFactory(project=project)
    ProjectFactory.create_batch(10, area=village)
    # session, user with their area, the project with its area and outcome.
    assert count_queries(vc_client, url) == small == 3
