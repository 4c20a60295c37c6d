"""Who may see and change what: every staff URL, for each role, inside and outside its scope.

The matrix is built from the URL configuration itself, so a page added later without an
entry in OBJECT_OF_ROUTE fails here until someone says which record its address names.
"""

import datetime as dt
import io
import re
import zipfile

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from consultations.models import ProposalStatus
from tests.factories import (
    AttachmentFactory,
    EvaluationFactory,
    FundingLineFactory,
    MeetingFactory,
    MembershipFactory,
    OrganizationFactory,
    OutcomeFactory,
    PersonFactory,
    ProjectFactory,
    ProjectUpdateFactory,
    ProposalFactory,
    StewardshipFactory,
    StewardshipLogFactory,
)

pytestmark = pytest.mark.django_db

# Which record of a world each parametrised address names.
OBJECT_OF_ROUTE = {
    "area_detail": "area",
    "person_detail": "person",
    "person_edit": "person",
    "membership_create": "person",
    "membership_end": "membership",
    "organization_detail": "organization",
    "organization_edit": "organization",
    "meeting_detail": "meeting",
    "meeting_history": "meeting",
    "meeting_edit": "meeting",
    "meeting_minutes": "meeting",
    "attachment_file": "attachment",
    "proposal_create": "meeting",
    "proposal_deliberate": "raised",
    "proposal_adopt": "deliberating",
    "proposal_reject": "deliberating",
    "proposal_refer": "deliberating",
    "proposal_reply": "referred",
    "proposal_feedback": "referred",
    "project_detail": "project",
    "project_history": "project",
    "project_edit": "project",
    "progress_create": "project",
    "project_complete": "project",
    "progress_photo": "update",
    "stewardship_create": "project",
    "stewardship_edit": "stewardship",
    "stewardship_log_create": "stewardship",
    "project_evaluation_create": "project",
    "project_evaluation_edit": "evaluation",
    "outcome_edit": "project",
    "outcome_publish": "project",
    "outcome_unpublish": "project",
    "matter_detail": "proposal",
    "matter_history": "proposal",
}
# Addresses that carry no record, or a token instead of one.
UNSCOPED_ROUTES = {"login", "logout", "set_language", "healthz", "meeting_feed"}
# The public board (村务公开): open to anyone by design, and checked in tests/public/.
UNSCOPED_ROUTES |= {
    "public_index",
    "public_area",
    "public_print",
    "public_outcomes",
    "public_projects",
    "public_meetings",
    "public_matter",
    "public_meeting_photo",
    "public_progress_photo",
    "public_language",
    "sitemap",
}
XSS = '<script>alert("x")</script>'


def staff_routes():
    """(name, has a parameter) for every non-admin route."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin/"):
                    continue
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name not in UNSCOPED_ROUTES:
                yield pattern.name, "<" in prefix + str(pattern.pattern)

    return sorted(set(walk(get_resolver().url_patterns)))


def build_world(area, marker):
    """One of everything, in ``area``, every name and title carrying ``marker``."""
    unit = OrganizationFactory(area=area, name=f"{marker}村民理事会")
    person = PersonFactory(area=area, name=f"{marker}张三", phone="13812345678")
    meeting = MeetingFactory(area=area, title=f"{marker}屋场会", agenda=f"{marker}议程")
    photo = SimpleUploadedFile("p.jpg", b"\xff\xd8\xff\xe0 jpeg", content_type="image/jpeg")

    def proposal(status, **fields):
        return ProposalFactory(meeting=meeting, title=f"{marker}{status}", status=status, **fields)

    project = ProjectFactory(area=area, title=f"{marker}工程")
    stewardship = StewardshipFactory(project=project, organization=unit, duties=f"{marker}管护")
    world = {
        "area": area,
        "organization": unit,
        "person": person,
        "membership": MembershipFactory(person=person, organization=unit),
        "meeting": meeting,
        "attachment": AttachmentFactory(meeting=meeting, caption=f"{marker}照片"),
        "raised": proposal(ProposalStatus.RAISED),
        "deliberating": proposal(ProposalStatus.DELIBERATING),
        "referred": proposal(
            ProposalStatus.REFERRED, referred_to=unit, referral_due_on=dt.date(2024, 5, 1)
        ),
        "proposal": proposal(
            ProposalStatus.ADOPTED, decided_on=dt.date(2024, 2, 1), project=project
        ),
        "project": project,
        "update": ProjectUpdateFactory(project=project, photo=photo, description=f"{marker}进度"),
        "stewardship": stewardship,
        "evaluation": EvaluationFactory(project=project, comments=f"{marker}评价"),
    }
    FundingLineFactory(project=project, note=f"{marker}资金")
    StewardshipLogFactory(stewardship=stewardship, note=f"{marker}巡查")
    OutcomeFactory(project=project, title=f"{marker}成果")
    return world


def text_of(response):
    """A response's text: a page, a CSV, or the XML inside an xlsx workbook (exports stream)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(
                archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml")
            )
    return content.decode()


def url_of(name, world):
    key = OBJECT_OF_ROUTE[name]
    record = world[key]
    return reverse(name, args=[record.code if key == "area" else record.pk])


def snapshot():
    """Row counts of every table and every record's version: what a refused POST must keep."""
    counts = {model._meta.label: model._default_manager.count() for model in apps.get_models()}
    versions = {
        model._meta.label: sorted(model._default_manager.values_list("pk", "version"))
        for model in apps.get_models()
        if any(field.name == "version" for field in model._meta.fields)
        and not model._meta.label.split(".")[1].startswith("Historical")
    }
    return counts, versions


def test_every_parametrised_route_names_its_record():
    missing = [
        name for name, has_param in staff_routes() if has_param and name not in OBJECT_OF_ROUTE
    ]
    assert missing == []


@pytest.fixture
def worlds(village, other_village):
    return build_world(village, "甲村"), build_world(other_village, "乙村")


def test_village_committee_cannot_reach_another_village_by_any_url(worlds, village_committee):
    _mine, theirs = worlds
    client = Client()
    client.force_login(village_committee)
    before = snapshot()
    for name, has_param in staff_routes():
        if not has_param:
            continue
        url = url_of(name, theirs)
        assert client.get(url).status_code in (404, 405), f"GET {name}"
        assert client.post(url, {"title": "篡改", "reason": "篡改"}).status_code == 404, (
            f"POST {name}"
        )
    assert snapshot() == before


def test_village_committee_reaches_every_page_of_its_own_village(worlds, village_committee):
    mine, _theirs = worlds
    client = Client()
    client.force_login(village_committee)
    for name, has_param in staff_routes():
        url = url_of(name, mine) if has_param else reverse(name)
        status = client.get(url).status_code
        # 302: a step the record's state does not allow sends the user back with a message;
        # 405: an action that only takes POST.
        assert status in (200, 302, 405), f"GET {name}: {status}"


def test_no_page_shows_another_villages_names(worlds, village_committee):
    mine, _theirs = worlds
    client = Client()
    client.force_login(village_committee)
    for name, has_param in staff_routes():
        url = url_of(name, mine) if has_param else reverse(name)
        response = client.get(url)
        if response.status_code != 200 or response.get("Content-Type", "").startswith("image"):
            continue
        body = text_of(response)
        assert "乙村" not in body and "白湖村" not in body, name


@pytest.mark.parametrize(
    ("user_fixture", "sees_mine", "sees_theirs"),
    [
        ("county_staff", True, True),
        ("town_staff", True, True),
        ("village_committee", True, False),
        ("other_town_staff", False, False),
        ("admin_user", True, True),
    ],
)
def test_role_scope_matrix_on_detail_pages(request, worlds, user_fixture, sees_mine, sees_theirs):
    mine, theirs = worlds
    client = Client()
    client.force_login(request.getfixturevalue(user_fixture))
    for name in [
        "meeting_detail",
        "matter_detail",
        "project_detail",
        "person_detail",
        "organization_detail",
        "area_detail",
    ]:
        assert (client.get(url_of(name, mine)).status_code == 200) is sees_mine, name
        assert (client.get(url_of(name, theirs)).status_code == 200) is sees_theirs, name


def test_lists_count_only_what_the_user_may_see(worlds, village_committee, county_staff):
    client = Client()
    client.force_login(village_committee)
    for name in [
        "meeting_list",
        "proposal_list",
        "project_list",
        "person_list",
        "organization_list",
    ]:
        body = client.get(reverse(name)).content.decode()
        assert "甲村" in body and "乙村" not in body, name
    client.force_login(county_staff)
    assert "乙村" in client.get(reverse("meeting_list")).content.decode()


def test_admin_is_closed_to_role_accounts(worlds, village_committee):
    client = Client()
    client.force_login(village_committee)
    response = client.get(reverse("admin:consultations_meeting_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_stored_script_is_shown_escaped_on_every_page(village, county_staff):
    world = build_world(village, XSS)
    client = Client()
    client.force_login(county_staff)
    seen = 0
    for name, has_param in staff_routes():
        url = url_of(name, world) if has_param else reverse(name)
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        body = response.content.decode()
        assert XSS not in body, name
        seen += body.count("&lt;script&gt;alert(")
    assert seen > 20  # the payload really was rendered, escaped, across the pages


def test_masked_phone_in_lists_full_phone_only_on_the_persons_page(worlds, village_committee):
    mine, _theirs = worlds
    client = Client()
    client.force_login(village_committee)
    assert "13812345678" not in client.get(reverse("person_list")).content.decode()
    assert "138****5678" in client.get(reverse("person_list")).content.decode()
    detail = client.get(url_of("person_detail", mine)).content.decode()
    assert "13812345678" in detail
    for name in ["organization_detail", "meeting_detail", "area_detail"]:
        assert not re.search(r"1[3-9]\d{9}", client.get(url_of(name, mine)).content.decode())
