"""In a real browser: the meeting form's moderator is found by typing part of a name (Tom
Select asking the scoped JSON view), under the Content-Security-Policy."""

import pytest

from consultations.models import Meeting
from organizations.models import PersonCategory
from tests.browser.conftest import sign_in
from tests.browser.test_content_security_policy import _collect_policy_violations
from tests.factories import MeetingFactory, OrganizationFactory, PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_moderator_is_picked_by_typing_part_of_a_name(
    page, live_server, county_staff, village, other_village, screenshot
):
    chosen = PersonFactory(area=village, name="孙建国", category=PersonCategory.VILLAGE_WORTHY)
    PersonFactory(area=other_village, name="孙建国", category=PersonCategory.VILLAGER)
    PersonFactory.create_batch(5, area=village)
    violations = _collect_policy_violations(page)
    sign_in(page, live_server, "county", "wuhgong-test")
    page.goto(f"{live_server.url}/meetings/new/")
    page.select_option("#id_format", "courtyard")
    page.fill("#id_title", "孙家湾屋场会")
    page.select_option("#id_area", str(village.pk))
    page.fill("#id_place", "孙家湾文化广场")
    page.fill("#id_starts_at", "2024-10-31T19:30")
    page.fill("#id_attendance_total", "40")
    page.fill("#id_attendance_villager", "30")
    # The namesakes differ by village and category.
    page.click("#id_moderator-ts-control")
    page.locator("#id_moderator-ts-control").press_sequentially("建国")
    page.wait_for_selector(".ts-dropdown .option:has-text('孙建国 · 白湖村 · 群众')")
    screenshot("meeting-form-picker")
    page.click(".ts-dropdown .option:has-text('孙建国 · 陆水村 · 乡贤')")
    assert page.input_value("#id_moderator") == str(chosen.pk)
    page.click("main form button[type=submit]")
    page.wait_for_selector("h1:has-text('孙家湾屋场会')")
    assert Meeting.objects.get().moderator == chosen
    assert violations == []


def test_saving_an_edit_keeps_the_chosen_organizations(page, live_server, county_staff, village):
    host = OrganizationFactory(area=village, name="陆水村党支部")
    other = OrganizationFactory(area=village, name="陆水村志愿服务队")
    meeting = MeetingFactory(area=village, host_organization=host, title="旧标题")
    meeting.attending_organizations.add(host, other)
    violations = _collect_policy_violations(page)
    sign_in(page, live_server, "county", "wuhgong-test")
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/edit/")
    # The chosen values show in the pickers, as their labels.
    page.wait_for_selector(".ts-control .item:has-text('陆水村志愿服务队')")
    page.fill("#id_title", "新标题")
    page.click("main form button[type=submit]")
    page.wait_for_selector("h1:has-text('新标题')")
    meeting.refresh_from_db()
    assert meeting.host_organization == host
    assert set(meeting.attending_organizations.all()) == {host, other}
    assert violations == []
