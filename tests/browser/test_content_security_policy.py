"""In a real browser: the Content-Security-Policy (no inline script or style) breaks nothing.

Chromium reports every refused script, style or image on the console; a page that needed
something inline would report it here.
"""

import pytest

from tests.browser.conftest import sign_in
from tests.factories import MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _collect_policy_violations(page):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


def test_staff_pages_and_admin_work_under_the_content_security_policy(
    page, live_server, admin_user, village
):
    meeting = MeetingFactory(area=village)
    violations = _collect_policy_violations(page)
    sign_in(page, live_server, "admin", "wuhgong-test")
    for path in (
        "/",
        "/meetings/",
        "/meetings/new/",
        f"/meetings/{meeting.pk}/",
        "/admin/",
        "/admin/consultations/meeting/?format=courtyard",
        f"/admin/consultations/meeting/{meeting.pk}/change/",
        "/admin/organizations/user/add/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response.ok, path
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]

    # The admin's scripts do run: its add form opens an autocomplete (select2, fetched
    # over XHR) and the date shortcut fills today's date.
    page.goto(f"{live_server.url}/admin/consultations/meeting/add/")
    page.click("#id_area + .select2 .select2-selection")
    page.wait_for_selector(".select2-results__option:has-text('陆水村')")
    page.click(".select2-results__option:has-text('陆水村')")
    assert page.input_value("#id_area") == str(village.pk)
    page.click(".datetimeshortcuts a >> nth=0")
    assert page.input_value("#id_starts_at_0")
    assert violations == []
