"""In a real browser: a county staff member signs in and logs a 屋场会."""

import pytest

from consultations.models import Meeting
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_county_staff_logs_a_courtyard_meeting(
    page, live_server, county_staff, village, screenshot
):
    sign_in(page, live_server, "county", "wuhgong-test")
    screenshot("dashboard")
    page.click("nav a[href='/meetings/']")
    page.click("a[href='/meetings/new/']")
    page.select_option("#id_format", "courtyard")
    page.fill("#id_title", "孙家湾屋场会：通湾公路硬化")
    page.select_option("#id_area", str(village.pk))
    page.fill("#id_place", "孙家湾文化广场")
    page.fill("#id_starts_at", "2024-10-31T19:30")
    page.fill("#id_attendance_total", "42")
    page.fill("#id_attendance_party_member", "6")
    page.fill("#id_attendance_villager", "30")
    page.fill("#id_minutes", "群众一致同意硬化通湾公路。")
    screenshot("meeting-form")
    page.click("main form button[type=submit]")
    page.wait_for_selector("h1:has-text('孙家湾屋场会')")
    screenshot("meeting-detail")
    meeting = Meeting.objects.get()
    assert meeting.attendance_total == 42
    assert "群众一致同意硬化通湾公路。" in page.content()
