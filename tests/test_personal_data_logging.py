"""Phone and ID numbers never reach a log line or an error report."""

import io
import logging

import pytest
from django.core import mail
from django.http import HttpResponse
from django.urls import path

from organizations.logging import PersonalDataFilter, mask_personal_data

PHONE = "13812345678"
ID_NUMBER = "42122119800101123X"


def explode(request):
    # A view that fails while holding personal data in its locals and its error message.
    phone = request.POST.get("phone") or request.GET.get("q")
    note = request.POST.get("note", "")
    raise RuntimeError(f"could not save {phone} ({note})")


def quiet(request):
    return HttpResponse("ok")


urlpatterns = [path("explode/", explode), path("quiet/", quiet)]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (PHONE, "138****5678"),
        (f"联系电话{PHONE}，请回电", "联系电话138****5678，请回电"),
        ("+86 138 1234 5678", "+86 138****5678"),
        ("8613912345678", "86139****5678"),
        ("138-1234-5678", "138****5678"),
        (ID_NUMBER, "421221********123X"),
        ("身份证号421221198001011234。", "身份证号421221********1234。"),
        ("座机0715-6321234", "座机0715-****234"),
        ("q=13812345678&page=2", "q=138****5678&page=2"),
    ],
)
def test_phone_and_id_numbers_are_masked(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "1730000000000",  # a timestamp in milliseconds
        "12345678901",  # not a mobile prefix
        "4212211980010112345",  # 19 digits: not an ID number
        "金额 120000.00 元",
        "2024-10-31 19:30",
        "0.12345678",
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_personal_data(text) == text


def test_record_message_arguments_and_traceback_are_masked(caplog):
    caplog.handler.addFilter(PersonalDataFilter())
    logger = logging.getLogger("wuhgong.tests.personal_data")
    try:
        raise ValueError(f"duplicate phone {PHONE}")
    except ValueError:
        logger.exception("Saving %s with ID %s failed", PHONE, ID_NUMBER)
    (record,) = caplog.records
    assert record.getMessage() == "Saving 138****5678 with ID 421221********123X failed"
    assert PHONE not in caplog.text and ID_NUMBER not in caplog.text
    assert "duplicate phone 138****5678" in caplog.text


def test_argument_objects_are_masked_as_text(caplog):
    class Person:
        def __str__(self):
            return f"孙建国 {PHONE}"

    caplog.handler.addFilter(PersonalDataFilter())
    logging.getLogger("wuhgong.tests.personal_data").warning("Person %s", Person())
    assert caplog.records[0].getMessage() == "Person 孙建国 138****5678"


@pytest.fixture
def console():
    """What the configured console handler writes, in memory."""
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_configured_console_handler_masks_every_logger(console):
    logging.getLogger("some.library").error("called %s", PHONE)
    logging.getLogger("django.security").error("ID %s", ID_NUMBER)
    assert "called 138****5678" in console.getvalue()
    assert "ID 421221********123X" in console.getvalue()
    assert PHONE not in console.getvalue() and ID_NUMBER not in console.getvalue()


def test_request_and_server_loggers_carry_the_filter():
    for name in ("django.request", "django.server"):
        filters = logging.getLogger(name).filters
        assert any(isinstance(f, PersonalDataFilter) for f in filters), name


@pytest.mark.urls("tests.test_personal_data_logging")
def test_failing_request_with_a_phone_in_post_leaks_it_nowhere(
    client, county_staff, settings, console
):
    settings.ADMINS = [("运维", "ops@example.com")]
    client.raise_request_exception = False
    client.force_login(county_staff)
    response = client.post(
        "/explode/?q=13912345678",
        {"phone": PHONE, "note": f"身份证{ID_NUMBER}", "password": "s3cret-pass"},
    )
    assert response.status_code == 500

    logged = console.getvalue()
    assert "Internal Server Error: /explode/" in logged
    assert "could not save 138****5678" in logged
    assert PHONE not in logged and ID_NUMBER not in logged

    # The administrators' error mail: subject, POST, GET, locals and traceback.
    (report,) = mail.outbox
    text = report.subject + report.body + "".join(a[0] for a in report.alternatives)
    assert "RuntimeError" in text
    for secret in (PHONE, ID_NUMBER, "13912345678", "s3cret-pass"):
        assert secret not in text
    assert "phone = '********************'" in report.body


@pytest.mark.urls("tests.test_personal_data_logging")
def test_debug_error_page_masks_personal_data_too(client, county_staff, settings):
    settings.DEBUG = True
    client.raise_request_exception = False
    client.force_login(county_staff)
    response = client.post("/explode/", {"phone": PHONE, "note": ID_NUMBER})
    assert response.status_code == 500
    page = response.content.decode()
    assert "RuntimeError" in page
    assert PHONE not in page and ID_NUMBER not in page


def test_server_log_line_masks_the_query_string():
    (handler,) = [
        h for h in logging.getLogger("django.server").handlers if h.get_name() == "django.server"
    ]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logging.getLogger("django.server").info(
            '"%s" %s %s', f"GET /people/?q={PHONE} HTTP/1.1", 200, 1234
        )
    finally:
        handler.setStream(previous)
    assert "q=138****5678" in stream.getvalue() and PHONE not in stream.getvalue()
