"""Records along the chain cannot be deleted while anything depends on them, and deleting is
for administrators only."""

import datetime as dt
import html

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from consultations.models import Meeting, Project, Proposal, ProposalStatus
from organizations.models import Area, Organization, Person
from organizations.roles import COUNTY_STAFF

from .factories import (
    AttachmentFactory,
    EvaluationFactory,
    MeetingFactory,
    OrganizationFactory,
    OutcomeFactory,
    PersonFactory,
    ProjectFactory,
    ProposalFactory,
    StewardshipFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def text(response):
    return html.unescape(response.content.decode())


def delete_url(obj):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk])


# Each case: the record to delete, made with something that depends on it.
def meeting_with_proposal(village):
    meeting = MeetingFactory(area=village)
    ProposalFactory(meeting=meeting, title="硬化通湾公路")
    return meeting


def proposal_carried_out_by_project(village):
    project = ProjectFactory(area=village)
    ProposalFactory(
        meeting=MeetingFactory(area=village),
        project=project,
        status=ProposalStatus.ADOPTED,
        decided_on=dt.date(2024, 3, 1),
    )
    return project


def project_with_outcome(village):
    return OutcomeFactory(project=ProjectFactory(area=village)).project


def project_with_evaluation(village):
    return EvaluationFactory(project=ProjectFactory(area=village)).project


def project_with_stewardship(village):
    return StewardshipFactory(
        project=ProjectFactory(area=village), organization=OrganizationFactory(area=village)
    ).project


def proposal_with_evaluation(village):
    proposal = ProposalFactory(meeting=MeetingFactory(area=village))
    EvaluationFactory(project=None, proposal=proposal)
    return proposal


def organization_hosting_meeting(village):
    organization = OrganizationFactory(area=village)
    MeetingFactory(area=village, host_organization=organization)
    return organization


def person_moderating_meeting(village):
    person = PersonFactory(area=village)
    MeetingFactory(area=village, moderator=person)
    return person


def area_with_meeting(village):
    MeetingFactory(area=village)
    return village


PROTECTED_CASES = [
    meeting_with_proposal,
    proposal_carried_out_by_project,
    project_with_outcome,
    project_with_evaluation,
    project_with_stewardship,
    proposal_with_evaluation,
    organization_hosting_meeting,
    person_moderating_meeting,
    area_with_meeting,
]


@pytest.mark.parametrize("make", PROTECTED_CASES, ids=lambda f: f.__name__)
def test_superuser_cannot_delete_a_record_something_depends_on(client, admin_user, village, make):
    obj = make(village)
    model = type(obj)
    client.force_login(admin_user)

    page = client.get(delete_url(obj))
    assert page.status_code == 200
    assert f"Cannot delete {model._meta.verbose_name}" in text(page)
    assert "would require deleting the following protected related objects" in text(page)

    # Posting the confirmation anyway changes nothing.
    response = client.post(delete_url(obj), {"post": "yes"})
    assert response.status_code == 200
    assert model.objects.filter(pk=obj.pk).exists()


def test_protected_page_names_what_depends_on_the_meeting(client, admin_user, village):
    meeting = meeting_with_proposal(village)
    client.force_login(admin_user)
    assert "硬化通湾公路" in text(client.get(delete_url(meeting)))


def test_bulk_delete_of_a_protected_meeting_deletes_none(client, admin_user, village):
    protected = meeting_with_proposal(village)
    free = MeetingFactory(area=village)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:consultations_meeting_changelist"),
        {"action": "delete_selected", "_selected_action": [protected.pk, free.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert "Cannot delete meeting" in text(response)
    assert Meeting.objects.filter(pk__in=[protected.pk, free.pk]).count() == 2


def test_superuser_can_delete_a_meeting_nothing_depends_on(client, admin_user, village):
    meeting = MeetingFactory(area=village)
    AttachmentFactory(meeting=meeting)  # part of the meeting, not a dependant
    client.force_login(admin_user)
    response = client.post(delete_url(meeting), {"post": "yes"})
    assert response.status_code == 302
    assert not Meeting.objects.filter(pk=meeting.pk).exists()
    # The audit history keeps the deletion and who made it.
    deleted = Meeting.history.get(id=meeting.pk, history_type="-")
    assert deleted.history_user == admin_user and deleted.title == meeting.title


@pytest.fixture
def clerk(county):
    """A county staff member let into the admin and granted every model permission there is
    on meetings and proposals, delete included."""
    user = UserFactory(username="clerk", is_staff=True, area=county)
    user.groups.add(Group.objects.get_or_create(name=COUNTY_STAFF)[0])
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="consultations", content_type__model__in=["meeting", "proposal"]
        )
    )
    assert user.has_perm("consultations.delete_meeting")
    return user


def test_staff_member_with_delete_permission_still_cannot_delete(client, clerk, village):
    meeting = MeetingFactory(area=village)
    client.force_login(clerk)
    # The clerk does reach the meeting in the admin...
    assert client.get(reverse("admin:consultations_meeting_change", args=[meeting.pk])).status_code
    assert client.get(delete_url(meeting)).status_code == 403
    assert client.post(delete_url(meeting), {"post": "yes"}).status_code == 403
    response = client.post(
        reverse("admin:consultations_meeting_changelist"),
        {"action": "delete_selected", "_selected_action": [meeting.pk], "post": "yes"},
    )
    assert Meeting.objects.filter(pk=meeting.pk).exists()
    assert response.status_code in (200, 302)


def test_admin_offers_staff_no_delete_link_or_action(client, clerk, village):
    meeting = MeetingFactory(area=village)
    client.force_login(clerk)
    change = client.get(reverse("admin:consultations_meeting_change", args=[meeting.pk]))
    assert change.status_code == 200
    assert delete_url(meeting) not in change.content.decode()
    changelist = client.get(reverse("admin:consultations_meeting_changelist"))
    assert changelist.status_code == 200
    assert 'value="delete_selected"' not in changelist.content.decode()


@pytest.mark.parametrize(
    "model", [Meeting, Proposal, Project, Area, Organization, Person], ids=lambda m: m.__name__
)
def test_every_admin_refuses_deletion_to_non_superusers(rf, clerk, model):
    from django.contrib import admin

    request = rf.get("/")
    request.user = clerk
    model_admin = admin.site.get_model_admin(model)
    assert not model_admin.has_delete_permission(request)
    request.user = UserFactory(username="root", is_staff=True, is_superuser=True, area=None)
    assert model_admin.has_delete_permission(request)


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.name or ""


def test_staff_pages_have_no_delete_views():
    routes = list(_routes(get_resolver().url_patterns))
    assert routes, "the URL conf was not walked"
    assert [r for r in routes if "delete" in r[0].lower() or "delete" in r[1].lower()] == []
