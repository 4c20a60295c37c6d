"""Staff choose what the public board shows: the flags on the project, progress and meeting
forms, shown back on the staff pages, and the board following at once."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from consultations import services
from consultations.models import Attachment, Meeting, MeetingFormat, ProjectUpdate, ProposalStatus
from tests.factories import MeetingFactory, ProjectFactory, ProposalFactory
from tests.upload_files import image_bytes, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    # Messages are asserted in their English source text.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def staff(client, county_staff):
    client.force_login(county_staff)
    return client


@pytest.fixture
def project(village):
    project = ProjectFactory(area=village, title="陆水村灌溉渠维修", is_public=True)
    ProposalFactory(
        meeting=MeetingFactory(area=village),
        status=ProposalStatus.ADOPTED,
        decided_on=dt.date(2024, 2, 1),
        project=project,
    )
    return project


def jpeg(name="现场.jpg"):
    return SimpleUploadedFile(name, image_bytes(), content_type="image/jpeg")


def board(village):
    return Client().get(reverse("public_area", args=[village.code])).content.decode()


def test_project_form_offers_the_public_flag_and_the_detail_page_shows_it(staff, project):
    form = staff.get(reverse("project_edit", args=[project.pk])).content.decode()
    assert 'name="is_public"' in form
    detail = staff.get(reverse("project_detail", args=[project.pk])).content.decode()
    assert "public on the village board" in detail and "Public" in detail


def test_progress_photo_marked_public_shows_on_the_board(staff, project, village):
    response = staff.post(
        reverse("progress_create", args=[project.pk]),
        {
            "reported_on": "2024-05-01",
            "progress": "30",
            "description": "渠道清淤完成。",
            "photo": jpeg(),
            "photo_is_public": "on",
        },
    )
    assert response.status_code == 302
    update = ProjectUpdate.objects.get()
    assert update.photo_is_public
    detail = staff.get(reverse("project_detail", args=[project.pk])).content.decode()
    assert "photo on the public board" in detail
    matter = project.proposals.get()
    public = Client().get(reverse("public_matter", args=[matter.pk])).content.decode()
    photo_url = reverse("public_progress_photo", args=[update.pk])
    assert photo_url in public
    assert Client().get(photo_url)["Content-Type"] == "image/jpeg"
    assert "30%" in board(village)


def test_progress_photo_not_marked_stays_off_the_board(staff, project):
    staff.post(
        reverse("progress_create", args=[project.pk]),
        {"reported_on": "2024-05-01", "progress": "30", "description": "清淤。", "photo": jpeg()},
    )
    update = ProjectUpdate.objects.get()
    assert not update.photo_is_public
    url = reverse("public_progress_photo", args=[update.pk])
    assert Client().get(url).status_code == 404


def test_public_photo_box_without_a_photo_is_refused_next_to_the_box(staff, project):
    response = staff.post(
        reverse("progress_create", args=[project.pk]),
        {
            "reported_on": "2024-05-01",
            "progress": "30",
            "description": "清淤。",
            "photo_is_public": "on",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["photo_is_public"] == [
        "Choose a photo to show on the public board."
    ]
    assert not ProjectUpdate.objects.exists()


def test_service_keeps_no_public_flag_without_a_photo(project, county_staff):
    update = services.record_progress(
        project=project,
        actor=county_staff,
        reported_on=dt.date(2024, 5, 1),
        progress=20,
        description="开工。",
        photo_is_public=True,
    )
    assert not update.photo_is_public


def meeting_post(village, **attachment):
    data = {
        "format": MeetingFormat.COURTYARD,
        "title": "孙家屋场会",
        "area": village.pk,
        "starts_at": "2024-10-31 19:30",
        "attendance_total": "10",
        **{
            f"attendance_{name}": "0"
            for name in [
                "party_member",
                "non_party_intellectual",
                "new_social_class",
                "democratic_party",
                "non_partisan",
                "village_worthy",
                "villager",
            ]
        },
        "agenda": "一、议路灯",
        "summary_is_public": "on",
        "attachments-TOTAL_FORMS": "1",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "20",
    }
    data.update({f"attachments-0-{key}": value for key, value in attachment.items()})
    return data


def test_a_sign_in_sheet_cannot_be_made_public(staff, village):
    sheet = SimpleUploadedFile("签到表.pdf", pdf_bytes(), content_type="application/pdf")
    response = staff.post(
        reverse("meeting_create"),
        meeting_post(village, kind="sign_in_sheet", file=sheet, is_public="on"),
    )
    assert response.status_code == 200
    subform = response.context["attachments"].forms[0]
    assert subform.errors["is_public"] == ["Only photos can be shown on the public board."]
    assert not Meeting.objects.exists() and not Attachment.objects.exists()


def test_a_meeting_photo_marked_public_shows_on_the_board(staff, village):
    response = staff.post(
        reverse("meeting_create"), meeting_post(village, kind="photo", file=jpeg(), is_public="on")
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.is_public
    detail = staff.get(response["Location"]).content.decode()
    assert "show on the public board" in detail
    photo_url = reverse("public_meeting_photo", args=[attachment.pk])
    assert photo_url in board(village)
    assert Client().get(photo_url).status_code == 200
