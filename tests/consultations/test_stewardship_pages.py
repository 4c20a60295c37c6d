"""共管 stewardship pages: who looks after a project, under which rules, and the duty log.

Scope (404 for another village's project and records) is tested with every project page in
test_project_pages.py.
"""

import datetime as dt

import pytest
from django.urls import reverse

from consultations.models import LogKind, RulesKind, Stewardship, StewardshipLog
from tests.factories import (
    OrganizationFactory,
    PersonFactory,
    ProjectFactory,
    StewardshipFactory,
    StewardshipLogFactory,
)
from tests.pickers import offers_name, picker_offers

from .projects_support import HUGE, LONG, _english, _frozen_now, count_queries, text  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def vc_client(client, village_committee):
    client.force_login(village_committee)
    return client


@pytest.fixture
def project(village):
    return ProjectFactory(
        area=village,
        title="孙家湾当家塘清淤",
        progress=100,
        status="completed",
        actual_start=dt.date(2024, 3, 1),
        actual_end=dt.date(2024, 6, 30),
    )


@pytest.fixture
def council(village):
    return OrganizationFactory(area=village, name="孙家湾村民理事会")


def stewardship_data(**overrides):
    data = {
        "organization": "",
        "person": "",
        "duties": "汛期每日查看水位和塘埂。",
        "rules_kind": RulesKind.VILLAGE_COMPACT,
        "rules": "禁止往塘内倾倒垃圾。",
        "started_on": "2024-07-01",
        "ended_on": "",
    }
    data.update(overrides)
    return data


def test_new_stewardship_starts_on_the_projects_completion_day(vc_client, project, council):
    response = vc_client.get(reverse("stewardship_create", args=[project.pk]))
    assert response.status_code == 200
    assert 'value="2024-06-30"' in text(response)
    assert offers_name(vc_client, text(response), "organization", "孙家湾村民理事会")


def test_stewardship_by_an_organization_is_recorded(vc_client, village_committee, project, council):
    response = vc_client.post(
        reverse("stewardship_create", args=[project.pk]),
        stewardship_data(organization=council.pk),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("project_detail", args=[project.pk]) + "#stewardship"
    stewardship = Stewardship.objects.get()
    assert (stewardship.project, stewardship.organization) == (project, council)
    assert stewardship.rules_kind == RulesKind.VILLAGE_COMPACT
    assert stewardship.created_by == village_committee


def test_stewardship_by_a_named_person_is_recorded_and_shown(vc_client, project, village):
    person = PersonFactory(area=village, name="孙德明")
    vc_client.post(
        reverse("stewardship_create", args=[project.pk]), stewardship_data(person=person.pk)
    )
    assert Stewardship.objects.get().person == person
    page = text(vc_client.get(reverse("project_detail", args=[project.pk])))
    assert "孙德明" in page and "禁止往塘内倾倒垃圾。" in page and "Village compact" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "Name an organization or a person in charge."),
        ({"organization": "COUNCIL", "ended_on": "2024-06-01"}, "The end date cannot be before"),
        ({"organization": "COUNCIL", "duties": ""}, "This field is required."),
        ({"organization": "COUNCIL", "started_on": "七月"}, "Enter a valid date."),
        ({"organization": "COUNCIL", "rules_kind": "secret"}, "Select a valid choice."),
        ({"organization": HUGE}, "Select a valid choice."),
        ({"organization": "COUNCIL", "person": "abc"}, "Select a valid choice."),
    ],
)
def test_bad_stewardship_input_is_refused_without_saving(
    vc_client, project, council, overrides, message
):
    data = stewardship_data(**overrides)
    if data["organization"] == "COUNCIL":
        data["organization"] = council.pk
    response = vc_client.post(reverse("stewardship_create", args=[project.pk]), data)
    assert response.status_code == 200
    assert message in text(response)
    assert "汛期每日查看水位和塘埂。" in text(response) or not data["duties"]
    assert not Stewardship.objects.exists()


def test_stewardship_refuses_another_villages_organization_and_person(
    vc_client, project, other_village
):
    data = stewardship_data(
        organization=OrganizationFactory(area=other_village).pk,
        person=PersonFactory(area=other_village).pk,
    )
    response = vc_client.post(reverse("stewardship_create", args=[project.pk]), data)
    assert text(response).count("Select a valid choice.") == 2
    assert not Stewardship.objects.exists()


def test_long_duties_and_rules_are_kept_whole(vc_client, project, council):
    response = vc_client.post(
        reverse("stewardship_create", args=[project.pk]),
        stewardship_data(organization=council.pk, duties=LONG, rules=LONG),
    )
    assert response.status_code == 302
    assert len(Stewardship.objects.get().rules) == len(LONG)


def test_stewardship_is_edited(vc_client, project, council, village):
    stewardship = StewardshipFactory(project=project, organization=council)
    person = PersonFactory(area=village)
    response = vc_client.post(
        reverse("stewardship_edit", args=[stewardship.pk]),
        stewardship_data(organization=council.pk, person=person.pk, ended_on="2025-06-30"),
    )
    assert response.status_code == 302
    stewardship.refresh_from_db()
    assert stewardship.person == person
    assert stewardship.ended_on == dt.date(2025, 6, 30)


def log_data(**overrides):
    data = {
        "kind": LogKind.INSPECTION,
        "logged_on": "2024-10-30",
        "note": "塘埂东侧有渗水。",
        "issue_found": "on",
        "action_taken": "已用黏土封堵。",
    }
    data.update(overrides)
    return data


def test_log_entry_is_recorded_and_shown_on_the_project(vc_client, village_committee, project):
    stewardship = StewardshipFactory(project=project)
    url = reverse("stewardship_log_create", args=[stewardship.pk])
    assert 'value="2024-10-31"' in text(vc_client.get(url))
    response = vc_client.post(url, log_data())
    assert response.status_code == 302
    entry = StewardshipLog.objects.get()
    assert (entry.stewardship, entry.issue_found, entry.recorded_by) == (
        stewardship,
        True,
        village_committee,
    )
    page = text(vc_client.get(reverse("project_detail", args=[project.pk])))
    assert "塘埂东侧有渗水。" in page and "已用黏土封堵。" in page and "Inspection" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": "party"}, "Select a valid choice."),
        ({"kind": ""}, "This field is required."),
        ({"logged_on": "2024-02-30"}, "Enter a valid date."),
        ({"note": ""}, "This field is required."),
    ],
)
def test_bad_log_input_is_refused_without_saving(vc_client, project, overrides, message):
    stewardship = StewardshipFactory(project=project)
    response = vc_client.post(
        reverse("stewardship_log_create", args=[stewardship.pk]), log_data(**overrides)
    )
    assert response.status_code == 200
    assert message in text(response)
    assert not StewardshipLog.objects.exists()


def test_stewardship_form_queries_do_not_grow_with_choices(vc_client, project, village):
    stewardship = StewardshipFactory(project=project, organization=None, person=PersonFactory())
    urls = [
        reverse("stewardship_create", args=[project.pk]),
        reverse("stewardship_edit", args=[stewardship.pk]),
        reverse("stewardship_log_create", args=[stewardship.pk]),
    ]
    small = [count_queries(vc_client, url) for url in urls]
    OrganizationFactory.create_batch(10, area=village)
    PersonFactory.create_batch(10, area=village)
    StewardshipLogFactory.create_batch(10, stewardship=stewardship)
    # create: session, user with their area, the project (the pickers read nothing: none is
    # chosen). edit: session, user with their area, the stewardship with project,
    # organization and person, the person chosen with their area.
    # log: session, user with their area, the stewardship with project, organization, person.
    assert [count_queries(vc_client, url) for url in urls] == small == [3, 4, 3]


def test_superuser_stewardship_offers_the_projects_county_and_saves(
    client, admin_user, project, council, elsewhere
):
    client.force_login(admin_user)
    url = reverse("stewardship_create", args=[project.pk])
    body = client.get(url).content.decode()
    assert offers_name(client, body, "organization", council.name) and "外县" not in body
    assert picker_offers(client, body, "organization", "外县") == []
    refused = client.post(url, stewardship_data(organization=elsewhere.organizations.get().pk))
    assert "Select a valid choice" in refused.context["form"].errors["organization"][0]
    assert not Stewardship.objects.exists()
    response = client.post(url, stewardship_data(organization=council.pk))
    assert response.status_code == 302
    stewardship = Stewardship.objects.get()
    assert stewardship.organization == council
    edit = reverse("stewardship_edit", args=[stewardship.pk])
    assert "外县" not in client.get(edit).content.decode()
    small = count_queries(client, edit)
    OrganizationFactory.create_batch(5, area=elsewhere)
    PersonFactory.create_batch(5, area=elsewhere)
    # session, user, the stewardship with its project's area, the county, the organization
    # chosen with its area (the pickers read no other).
    assert count_queries(client, edit) == small == 5
