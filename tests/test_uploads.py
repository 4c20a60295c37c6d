"""Uploads are judged by their bytes, not their names, and served only through scoped views."""

import html
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse
from PIL import Image

from consultations.models import ATTENDANCE_FIELDS, Attachment, Meeting, MeetingFormat
from core.uploads import MAX_UPLOAD_BYTES, validate_photo, validate_upload
from tests.factories import AttachmentFactory, MeetingFactory, ProjectFactory
from tests.upload_files import image_bytes, pdf_bytes

HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(1)</script></svg>"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 200
ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 200

PROGRAM = "This file is a program or script under another name; it was refused."
MARKUP = "This file is a web page or an SVG drawing, which can carry scripts"
WRONG_NAME = "Only images (JPG, PNG, GIF, WebP) and PDF files can be attached."
DAMAGED_IMAGE = "The image is damaged or incomplete and cannot be opened."
DAMAGED_PDF = "The PDF file is damaged or incomplete (its end is missing)."
NOT_IMAGE_OR_PDF = "The file's content is not an image or a PDF, whatever its name says."


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def upload(name, data, content_type="application/octet-stream"):
    # The browser's claimed content type is deliberately wrong-or-right at random in real
    # life; the validator must not care.
    return SimpleUploadedFile(name, data, content_type=content_type)


def refusal(name, data, validator=validate_upload):
    with pytest.raises(ValidationError) as caught:
        validator(upload(name, data, "image/jpeg"))
    return caught.value


def truncated_jpeg():
    data = image_bytes("JPEG", size=(64, 64))
    return data[: len(data) // 2]


def corrupt_png():
    data = bytearray(image_bytes("PNG", size=(32, 32)))
    data[60:80] = b"\x00" * 20  # inside the image data chunk: the checksum no longer holds
    return bytes(data)


# The validator on its own ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("photo.jpg", "JPEG"),
        ("photo.JPEG", "JPEG"),
        ("scan.png", "PNG"),
        ("a.gif", "GIF"),
        ("a.webp", "WEBP"),
    ],
)
def test_real_images_are_accepted_whatever_the_browser_claims(name, fmt):
    accepted = validate_upload(upload(name, image_bytes(fmt), "application/octet-stream"))
    # The content type the rest of the request sees is the detected one.
    assert accepted.content_type == Image.MIME[fmt]


def test_real_pdf_is_accepted():
    assert validate_upload(upload("minutes.pdf", pdf_bytes())).content_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.jpg", EXE, PROGRAM),
        ("minutes.pdf", EXE, PROGRAM),
        ("photo.png", ELF, PROGRAM),
        ("photo.jpg", b"#!/bin/sh\nrm -rf /\n", PROGRAM),
        ("minutes.pdf", HTML_PAGE, MARKUP),
        ("minutes.pdf", b"\xef\xbb\xbf  \n<html><script>x</script>", MARKUP),
        ("drawing.png", SVG, MARKUP),
        ("drawing.svg", SVG, WRONG_NAME),
        ("setup.exe", EXE, WRONG_NAME),
        ("photo", image_bytes(), WRONG_NAME),
        ("notes.jpg", "会议纪要".encode(), NOT_IMAGE_OR_PDF),
        ("archive.pdf", b"PK\x03\x04" + b"\0" * 100, NOT_IMAGE_OR_PDF),
        ("photo.jpg", truncated_jpeg(), DAMAGED_IMAGE),
        ("photo.png", corrupt_png(), DAMAGED_IMAGE),
        ("photo.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", DAMAGED_IMAGE),
        ("minutes.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\n", DAMAGED_PDF),
    ],
)
def test_file_that_is_not_what_it_claims_is_refused(name, data, message):
    assert message in refusal(name, data).messages[0]


def test_image_named_as_another_kind_is_refused():
    error = refusal("photo.jpg", image_bytes("PNG"))
    assert error.code == "file_mismatch"
    assert error.messages == [
        "The file is a PNG image but its name ends in “.jpg”; name it for what it is."
    ]


def test_one_byte_over_the_limit_is_refused_and_the_limit_is_stated():
    error = refusal("big.jpg", b"\xff\xd8\xff" + b"\0" * (MAX_UPLOAD_BYTES - 2))
    assert error.code == "file_size"
    assert "the limit is 10.0\xa0MB" in error.messages[0]


def test_exactly_the_limit_is_not_refused_for_its_size():
    # Padding after a JPEG's end marker is ignored by decoders: a real image of exactly
    # the limit passes.
    data = image_bytes()
    validate_upload(upload("big.jpg", data + b"\0" * (MAX_UPLOAD_BYTES - len(data))))


def test_image_of_too_many_pixels_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr("core.uploads.MAX_IMAGE_PIXELS", 100)
    error = refusal("photo.png", image_bytes("PNG", size=(20, 20)))
    assert error.code == "image_size"


def test_progress_photo_must_be_an_image_even_when_named_like_one():
    error = refusal("photo.jpg", pdf_bytes(), validator=validate_photo)
    assert error.code == "file_type"
    assert error.messages == ["The file is a PDF document, which cannot be used here."]


# Through the meeting form -----------------------------------------------------------------


def meeting_post(village, **overrides):
    data = {
        "format": MeetingFormat.COURTYARD,
        "title": "孙家湾屋场会",
        "area": village.pk,
        "place": "孙家湾文化广场",
        "starts_at": "2024-10-31 19:30",
        "attendance_total": "30",
        **dict.fromkeys(ATTENDANCE_FIELDS.values(), "0"),
        "attachments-TOTAL_FORMS": "2",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "20",
    }
    data.update(overrides)
    return data


def with_files(*files):
    data = {}
    for index, file in enumerate(files):
        data[f"attachments-{index}-kind"] = "photo"
        data[f"attachments-{index}-file"] = file
    return data


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.jpg", EXE, PROGRAM),
        ("minutes.pdf", HTML_PAGE, MARKUP),
        ("drawing.svg", SVG, WRONG_NAME),
        ("photo.png", SVG, MARKUP),
        ("photo.jpg", truncated_jpeg(), DAMAGED_IMAGE),
        ("big.jpg", b"\xff\xd8\xff" + b"\0" * (MAX_UPLOAD_BYTES - 2), "the limit is 10.0"),
    ],
)
def test_bad_attachment_refuses_the_whole_meeting_without_error_page(
    client, county_staff, village, settings, name, data, message
):
    client.force_login(county_staff)
    good = upload("ok.png", image_bytes("PNG"), "image/png")
    response = client.post(
        reverse("meeting_create"), meeting_post(village, **with_files(good, upload(name, data)))
    )
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    # Neither the meeting nor the good file beside the bad one was kept.
    assert not Meeting.objects.exists() and not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_bad_attachment_on_edit_leaves_the_meeting_as_it_was(client, county_staff, village):
    meeting = MeetingFactory(area=village, title="原标题")
    client.force_login(county_staff)
    data = meeting_post(
        village,
        title="改过的标题",
        version=meeting.version,
        **with_files(upload("photo.jpg", EXE)),
    )
    response = client.post(reverse("meeting_edit", args=[meeting.pk]), data)
    assert response.status_code == 200
    assert PROGRAM in html.unescape(response.content.decode())
    meeting.refresh_from_db()
    assert meeting.title == "原标题"
    assert not meeting.attachments.exists()


def test_real_images_and_pdf_are_stored_and_served_with_their_detected_type(
    client, county_staff, village
):
    client.force_login(county_staff)
    files = with_files(
        # The browser's claimed types are wrong on purpose: the server does not trust them.
        upload("现场 孙建国.JPG", image_bytes("JPEG"), "application/octet-stream"),
        upload("会议纪要.pdf", pdf_bytes(), "image/png"),
    )
    response = client.post(reverse("meeting_create"), meeting_post(village, **files))
    assert response.status_code == 302
    jpeg, pdf = Attachment.objects.order_by("file")
    if not jpeg.file.name.endswith(".jpg"):
        jpeg, pdf = pdf, jpeg
    assert "孙建国" not in jpeg.file.name and "会议纪要" not in pdf.file.name

    served = client.get(reverse("attachment_file", args=[jpeg.pk]))
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("inline")
    assert b"".join(served.streaming_content) == image_bytes("JPEG")

    served = client.get(reverse("attachment_file", args=[pdf.pk]))
    assert served["Content-Type"] == "application/pdf"
    assert served["X-Content-Type-Options"] == "nosniff"


def test_meeting_form_states_the_size_limit(client, county_staff):
    client.force_login(county_staff)
    page = client.get(reverse("meeting_create")).content.decode()
    assert "An image (JPG, PNG, GIF or WebP) or a PDF file, up to 10.0\xa0MB." in page
    assert 'accept="image/jpeg,image/png,image/gif,image/webp,application/pdf"' in page


def test_file_stored_before_content_checks_is_only_offered_as_opaque_download(
    client, county_staff, village
):
    # A page saved as .jpg by an older version must never be rendered by the browser.
    attachment = AttachmentFactory(
        meeting=MeetingFactory(area=village), file=ContentFile(HTML_PAGE, name="old.jpg")
    )
    client.force_login(county_staff)
    served = client.get(reverse("attachment_file", args=[attachment.pk]))
    assert served.status_code == 200
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].startswith("attachment")
    assert served["X-Content-Type-Options"] == "nosniff"


# Progress photos and the admin ------------------------------------------------------------


def test_executable_renamed_as_progress_photo_is_refused(client, village_committee, village):
    project = ProjectFactory(area=village)
    client.force_login(village_committee)
    response = client.post(
        reverse("progress_create", args=[project.pk]),
        {
            "reported_on": "2024-10-31",
            "progress": "40",
            "description": "路基完成。",
            "photo": upload("现场.jpg", EXE, "image/jpeg"),
        },
    )
    assert response.status_code == 200
    assert PROGRAM in html.unescape(response.content.decode())
    assert not project.updates.exists()


def test_admin_upload_is_checked_by_content_too(client, admin_user, village):
    meeting = MeetingFactory(area=village)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:consultations_attachment_add"),
        {"meeting": meeting.pk, "kind": "photo", "file": upload("photo.jpg", EXE), "caption": ""},
    )
    assert response.status_code == 200
    assert PROGRAM in html.unescape(response.content.decode())
    assert not Attachment.objects.exists()


# Nothing is served from a public path -----------------------------------------------------


def test_media_files_have_no_public_url(client, county_staff, village, settings):
    attachment = AttachmentFactory(
        meeting=MeetingFactory(area=village), file=ContentFile(image_bytes(), name="p.jpg")
    )
    path = "/" + settings.MEDIA_URL.strip("/") + "/" + attachment.file.name
    with pytest.raises(Resolver404):
        resolve(path)
    client.force_login(county_staff)
    assert client.get(path).status_code == 404
    # The only way to the bytes is the scoped view.
    assert client.get(reverse("attachment_file", args=[attachment.pk])).status_code == 200


def test_attachment_outside_scope_is_404(client, village_committee, other_village):
    attachment = AttachmentFactory(
        meeting=MeetingFactory(area=other_village),
        file=ContentFile(image_bytes(), name="p.jpg"),
    )
    client.force_login(village_committee)
    assert client.get(reverse("attachment_file", args=[attachment.pk])).status_code == 404


def test_validator_leaves_the_file_readable_from_the_start():
    data = image_bytes("PNG")
    file = upload("p.png", data)
    validate_upload(file)
    assert file.read() == data
    assert isinstance(file.file, io.BytesIO)
