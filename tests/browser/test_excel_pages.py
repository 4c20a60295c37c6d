"""In a real browser: exporting from the meeting list, importing a workbook through its
preview, and the admin's export link and action, all under the Content-Security-Policy."""

import pytest

from consultations.models import Meeting
from tests.browser.conftest import sign_in
from tests.browser.test_content_security_policy import _collect_policy_violations
from tests.consultations.test_import import MEETING, PROPOSAL, xlsx
from tests.factories import MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_import_a_workbook_through_its_preview(
    page, live_server, village, village_committee, screenshot, tmp_path
):
    violations = _collect_policy_violations(page)
    MeetingFactory(area=village, title="已有的屋场会")
    sign_in(page, live_server, "village", "wuhgong-test")
    page.goto(f"{live_server.url}/meetings/")
    screenshot("meeting-list-with-exports")
    with page.expect_download() as download:
        page.click("a[href^='/meetings/export.csv']")
    assert download.value.suggested_filename.endswith(".csv")

    page.click("text=从Excel导入")
    page.wait_for_url(f"{live_server.url}/meetings/import/")
    screenshot("meeting-import")

    bad = tmp_path / "有错误.xlsx"
    bad.write_bytes(xlsx([{**MEETING, "attendance_total": 10, "starts_at": "十月底"}]))
    page.set_input_files("#id_workbook", str(bad))
    page.click("main form button[type=submit]")
    page.wait_for_selector(".form-errors li")
    assert "第2行，“开始时间”" in page.inner_text(".form-errors")
    screenshot("meeting-import-problems")

    good = tmp_path / "会议.xlsx"
    good.write_bytes(xlsx([MEETING], [PROPOSAL]))
    page.set_input_files("#id_workbook", str(good))
    page.click("main form button[type=submit]")
    page.wait_for_selector(".notice.ok")
    screenshot("meeting-import-preview")
    assert Meeting.objects.filter(title="修路议事").count() == 0

    page.click("form[action$='/import/confirm/'] button")
    page.wait_for_url(f"{live_server.url}/meetings/")
    assert "导入完成" in page.inner_text(".messages")
    assert Meeting.objects.filter(title="修路议事").count() == 1
    assert violations == []


def test_admin_exports_work_under_the_policy(page, live_server, admin_user, village):
    violations = _collect_policy_violations(page)
    MeetingFactory(area=village, title="管理端导出")
    MeetingFactory(area=village, title="另一次会议")
    sign_in(page, live_server, "admin", "wuhgong-test")
    page.goto(f"{live_server.url}/admin/consultations/meeting/?q=管理端")
    with page.expect_download() as download:
        page.click(".object-tools a.export_link[href*='/export/csv/']")
    content = download.value.path().read_bytes().decode("utf-8-sig")
    assert "管理端导出" in content
    assert "另一次会议" not in content  # the changelist's search
    page.check("#action-toggle")
    page.select_option("select[name=action]", "export_selected_xlsx")
    with page.expect_download() as download:
        page.click("button[name=index]")
    assert download.value.suggested_filename.endswith(".xlsx")
    assert violations == []
