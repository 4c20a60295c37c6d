"""Exports to CSV and xlsx: Chinese headers, BOM, scope, list filters, no phones, streaming
with a fixed number of queries, and the admin's export action and button."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consultations.models import (
    FundingSource,
    Meeting,
    MeetingFormat,
    ProposalStatus,
)
from core import spreadsheets
from tests.factories import (
    EvaluationFactory,
    FundingLineFactory,
    MeetingFactory,
    OrganizationFactory,
    OutcomeFactory,
    PersonFactory,
    ProjectFactory,
    ProposalFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

PHONE = re.compile(r"1[3-9]\d{9}")
ALL_EXPORTS = ["meeting", "proposal", "project", "evaluation", "outcome"]


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def body(response):
    return b"".join(response.streaming_content)


def csv_rows(response):
    """(headers, rows) of a CSV export, after checking its BOM and type."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    data = body(response)
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM, for Excel"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return rows[0], rows[1:]


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == spreadsheets.XLSX_CONTENT_TYPE
    return load_workbook(io.BytesIO(body(response)))


def sheet_rows(sheet):
    rows = list(sheet.iter_rows(values_only=True))
    return list(rows[0]), [list(row) for row in rows[1:]]


def column(headers, rows, header):
    index = headers.index(header)
    return [row[index] for row in rows]


@pytest.fixture
def two_villages(village, other_village):
    """One record of each stage in each village; names carry the village's name."""
    for area, name in [(village, "陆水村"), (other_village, "白湖村")]:
        person = PersonFactory(area=area, name=f"{name}张三", phone="13812345678")
        meeting = MeetingFactory(area=area, title=f"{name}屋场会", moderator=person)
        ProposalFactory(meeting=meeting, title=f"{name}修路", raised_by=person)
        project = ProjectFactory(area=area, title=f"{name}工程")
        FundingLineFactory(project=project)
        EvaluationFactory(project=project, comments=f"{name}评价")
        OutcomeFactory(project=project, title=f"{name}成果")


# --- format ---------------------------------------------------------------------------------


def test_csv_export_has_bom_and_chinese_headers(two_villages, village_committee):
    headers, rows = csv_rows(signed_in(village_committee).get(reverse("meeting_export_csv")))
    assert headers[:4] == ["区划代码", "区域", "会议形式", "名称"]
    assert "参会总人数" in headers and "群众" in headers
    assert rows[0][:4] == ["421221101201", "陆水村", "屋场会", "陆水村屋场会"]


def test_download_is_named_in_chinese_with_an_ascii_fallback(two_villages, village_committee):
    response = signed_in(village_committee).get(reverse("meeting_export_csv"))
    disposition = response["Content-Disposition"]
    today = timezone.localdate().isoformat()
    assert f'filename="meetings-{today}.csv"' in disposition
    assert "filename*=UTF-8''%E4%BC%9A%E8%AE%AE" in disposition  # 会议


def test_headers_follow_the_language_of_the_request(two_villages, village_committee):
    client = signed_in(village_committee)
    response = client.get(reverse("meeting_export_csv"), HTTP_ACCEPT_LANGUAGE="en")
    headers, rows = csv_rows(response)
    assert headers[:4] == ["Division code", "Area", "Format", "Title"]
    assert rows[0][2] == "Courtyard meeting"


def test_meeting_workbook_opens_with_openpyxl_with_native_dates_and_a_proposals_sheet(
    village, village_committee
):
    moment = timezone.make_aware(dt.datetime(2024, 10, 31, 19, 30))
    meeting = MeetingFactory(area=village, title="修路议事", starts_at=moment)
    ProposalFactory(meeting=meeting, title="硬化通组路")
    book = workbook(signed_in(village_committee).get(reverse("meeting_export_xlsx")))
    assert book.sheetnames == ["会议", "建议"]
    headers, rows = sheet_rows(book["会议"])
    assert column(headers, rows, "开始时间") == [dt.datetime(2024, 10, 31, 19, 30)]
    assert column(headers, rows, "参会总人数") == [30]
    headers, rows = sheet_rows(book["建议"])
    assert column(headers, rows, "会议名称") == ["修路议事"]
    assert column(headers, rows, "建议名称") == ["硬化通组路"]


def test_text_that_looks_like_a_formula_stays_text(village, village_committee):
    MeetingFactory(area=village, title='=HYPERLINK("http://x")', agenda="+1-2")
    client = signed_in(village_committee)
    headers, rows = csv_rows(client.get(reverse("meeting_export_csv")))
    assert column(headers, rows, "名称") == ['\'=HYPERLINK("http://x")']
    book = workbook(client.get(reverse("meeting_export_xlsx")))
    cell = book["会议"]["D2"]
    assert cell.value == '=HYPERLINK("http://x")'
    assert cell.data_type == "s"  # a string, not a formula Excel would run


# --- scope, filters, personal data ----------------------------------------------------------


@pytest.mark.parametrize("what", ALL_EXPORTS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_village_committee_exports_only_its_own_village(two_villages, village_committee, what, fmt):
    response = signed_in(village_committee).get(reverse(f"{what}_export_{fmt}"))
    if fmt == "csv":
        text = body(response).decode("utf-8-sig")
    else:
        book = workbook(response)
        text = repr([list(sheet.values) for sheet in book.worksheets])
    assert "陆水村" in text
    assert "白湖村" not in text


@pytest.mark.parametrize("what", ALL_EXPORTS)
def test_town_staff_export_covers_the_town_and_no_other(two_villages, other_town, town_staff, what):
    elsewhere = VillageFactory(parent=other_town, name="官桥村")
    MeetingFactory(area=elsewhere, title="官桥村屋场会")
    ProjectFactory(area=elsewhere, title="官桥村工程")
    text = body(signed_in(town_staff).get(reverse(f"{what}_export_csv"))).decode("utf-8-sig")
    assert "陆水村" in text and "白湖村" in text
    assert "官桥村" not in text


@pytest.mark.parametrize("what", ALL_EXPORTS)
def test_no_export_contains_a_phone_number(two_villages, county_staff, what):
    client = signed_in(county_staff)
    csv_text = body(client.get(reverse(f"{what}_export_csv"))).decode("utf-8-sig")
    assert "张三" in csv_text or what not in ("meeting", "proposal")
    assert not PHONE.search(csv_text)
    book = workbook(client.get(reverse(f"{what}_export_xlsx")))
    assert not PHONE.search(repr([list(sheet.values) for sheet in book.worksheets]))


def test_meeting_export_respects_the_list_filters(village, other_village, county_staff):
    october = timezone.make_aware(dt.datetime(2024, 10, 10, 19, 0))
    MeetingFactory(area=village, title="十月屋场会", starts_at=october)
    MeetingFactory(
        area=village, title="十月夜话", starts_at=october, format=MeetingFormat.EVENING_TALK
    )
    MeetingFactory(area=village, title="三月屋场会", starts_at=october.replace(month=3))
    MeetingFactory(area=other_village, title="白湖十月", starts_at=october)
    query = {"area": village.pk, "format": "courtyard", "start": "2024-10-01", "end": "2024-10-31"}
    headers, rows = csv_rows(signed_in(county_staff).get(reverse("meeting_export_csv"), query))
    assert column(headers, rows, "名称") == ["十月屋场会"]
    # The list page shows the same meetings for the same query string.
    page = signed_in(county_staff).get(reverse("meeting_list"), query)
    assert list(page.context["meetings"]) == list(Meeting.objects.filter(title="十月屋场会"))


def test_meeting_list_links_to_exports_carrying_its_filters(village, county_staff):
    page = signed_in(county_staff).get(reverse("meeting_list"), {"format": "courtyard"})
    html = page.content.decode()
    assert f"{reverse('meeting_export_xlsx')}?format=courtyard" in html
    assert f"{reverse('meeting_export_csv')}?format=courtyard" in html
    assert reverse("meeting_import") in html


def test_proposal_export_respects_the_status_filter(village, county_staff):
    meeting = MeetingFactory(area=village)
    ProposalFactory(meeting=meeting, title="还在议")
    ProposalFactory(
        meeting=meeting,
        title="已否决",
        status=ProposalStatus.REJECTED,
        decided_on=dt.date(2024, 11, 1),
        rejection_reason="资金不足",
    )
    client = signed_in(county_staff)
    headers, rows = csv_rows(client.get(reverse("proposal_export_csv"), {"status": "rejected"}))
    assert column(headers, rows, "建议名称") == ["已否决"]
    assert column(headers, rows, "未采纳理由") == ["资金不足"]
    assert column(headers, rows, "决策日期") == ["2024-11-01"]
    html = client.get(reverse("proposal_list"), {"status": "rejected"}).content.decode()
    assert f"{reverse('proposal_export_csv')}?status=rejected" in html


def test_project_export_has_planned_and_received_per_funding_source(village, county_staff):
    project = ProjectFactory(area=village, title="通湾公路")
    FundingLineFactory(
        project=project,
        source=FundingSource.REWARD_SUBSIDY,
        planned=Decimal("50000"),
        received=Decimal("30000"),
    )
    FundingLineFactory(
        project=project,
        source=FundingSource.LABOUR,
        planned=Decimal("120"),
        received=Decimal("95.5"),
    )
    ProjectFactory(area=village, title="没有资金的项目", status="planned")
    client = signed_in(county_staff)
    headers, rows = csv_rows(client.get(reverse("project_export_csv"), {"q": "公路"}))
    assert column(headers, rows, "名称") == ["通湾公路"]
    assert column(headers, rows, "以奖代补（计划）") == ["50000.00"]
    assert column(headers, rows, "以奖代补（到位）") == ["30000.00"]
    assert column(headers, rows, "投工投劳（工日）（到位）") == ["95.50"]
    assert column(headers, rows, "群众自筹（计划）") == [""]
    book = workbook(client.get(reverse("project_export_xlsx")))
    headers, rows = sheet_rows(book["项目"])
    assert sorted(column(headers, rows, "以奖代补（计划）"), key=str) == [50000, None]


def test_evaluation_export_names_the_subject_and_computes_the_rate(
    village, other_village, county_staff
):
    project = ProjectFactory(area=village, title="通湾公路")
    EvaluationFactory(
        project=project,
        evaluated_on=dt.date(2024, 9, 1),
        satisfied=40,
        basically_satisfied=8,
        dissatisfied=2,
    )
    EvaluationFactory(project=ProjectFactory(area=other_village), evaluated_on=dt.date(2023, 9, 1))
    query = {"area": village.pk, "start": "2024-01-01"}
    headers, rows = csv_rows(signed_in(county_staff).get(reverse("evaluation_export_csv"), query))
    assert len(rows) == 1
    assert column(headers, rows, "区域") == ["陆水村"]
    assert column(headers, rows, "评价对象名称") == ["通湾公路"]
    assert column(headers, rows, "满意率（%）") == ["96.0"]


def test_outcome_export_lists_beneficiaries(village, county_staff):
    OutcomeFactory(
        project=ProjectFactory(area=village),
        title="路通了",
        beneficiary_households=86,
        is_published=True,
        disclosed_on=dt.date(2024, 12, 1),
    )
    headers, rows = csv_rows(signed_in(county_staff).get(reverse("outcome_export_csv")))
    assert column(headers, rows, "名称") == ["路通了"]
    assert column(headers, rows, "受益户数") == ["86"]
    assert column(headers, rows, "已公示") == ["是"]


def test_a_workbook_too_big_for_excel_sends_the_user_back(village, county_staff, monkeypatch):
    monkeypatch.setattr(spreadsheets, "XLSX_MAX_ROWS", 2)
    MeetingFactory.create_batch(3, area=village)
    response = signed_in(county_staff).get(reverse("meeting_export_xlsx"), {"format": "courtyard"})
    assert response.status_code == 302
    assert response["Location"] == reverse("meeting_list") + "?format=courtyard"
    [message] = get_messages(response.wsgi_request)
    assert "CSV" in str(message)


# --- streaming: flat memory, fixed queries ----------------------------------------------------


def bulk_meetings(area, n, organizations=(), first=0):
    start = timezone.make_aware(dt.datetime(2020, 1, 1, 9, 0))
    meetings = Meeting.objects.bulk_create(
        Meeting(
            format=MeetingFormat.COURTYARD,
            title=f"第{i}次屋场会",
            area=area,
            county_code=area.code[:6],
            starts_at=start + dt.timedelta(hours=i),
            attendance_total=10,
            attendance_villager=i % 10,
        )
        for i in range(first, first + n)
    )
    through = Meeting.attending_organizations.through
    through.objects.bulk_create(
        through(meeting_id=meeting.pk, organization_id=org.pk)
        for meeting in meetings[::2]
        for org in organizations
    )
    return meetings


def exported(client, url):
    """(statements run while the whole response is produced, CSV rows). The savepoints of
    the test's own transaction are not counted."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        data = body(response)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    return statements, rows


def reading(statements, table):
    """The statements that read the exported table."""
    return [sql for sql in statements if f'"{table}"' in sql]


# The statements that read no exported rows: the session, the user (and the user's area).
def overhead(statements, table):
    return [sql for sql in statements if f'"{table}"' not in sql]


def test_csv_export_runs_the_same_queries_for_10_and_5000_rows(village, county_staff):
    units = [OrganizationFactory(area=village, name=n) for n in ("理事会", "志愿队")]
    client = signed_in(county_staff)
    url = reverse("meeting_export_csv")
    bulk_meetings(village, 10, units)
    few, rows = exported(client, url)
    assert len(rows) == 1 + 10
    bulk_meetings(village, 4990, units, first=10)
    many, rows = exported(client, url)
    assert len(rows) == 1 + 5000
    # The session, the user (and the user's area, for the scope), then one query for every
    # row: meetings with their area, host and moderator joined and the attending
    # organizations' names aggregated per meeting.
    assert len(few) == len(many)
    assert len(reading(many, "consultations_meeting")) == 1
    assert len(overhead(many, "consultations_meeting")) <= 3
    headers, data = rows[0], rows[1:]
    by_title = {row[headers.index("名称")]: row for row in data}
    assert by_title["第0次屋场会"][headers.index("参会组织")] == "志愿队；理事会"
    assert by_title["第1次屋场会"][headers.index("参会组织")] == ""
    assert len(by_title) == 5000
    assert by_title["第4999次屋场会"][headers.index("群众")] == "9"
    assert by_title["第4999次屋场会"][headers.index("开始时间")] == "2020-07-27 16:00"


@pytest.mark.parametrize("what", ["proposal", "project", "evaluation", "outcome"])
def test_every_csv_export_runs_a_fixed_number_of_queries(village, county_staff, what):
    def add(n):
        for _ in range(n):
            project = ProjectFactory(area=village)
            FundingLineFactory(project=project)
            EvaluationFactory(project=project)
            OutcomeFactory(project=project)
            ProposalFactory(meeting=MeetingFactory(area=village), raised_by=PersonFactory())

    client = signed_in(county_staff)
    url = reverse(f"{what}_export_csv")
    add(2)
    few, rows = exported(client, url)
    add(8)
    many, more_rows = exported(client, url)
    assert (len(rows), len(more_rows)) == (3, 11)
    # The session, the user (and the user's area), and the rows in one query (relations
    # joined, funding summed per project in the same query).
    table = f"consultations_{what}"
    assert len(few) == len(many)
    assert len(reading(many, table)) == 1
    assert len(overhead(many, table)) <= 3


# --- the admin ------------------------------------------------------------------------------


def admin_export(client, model, fmt="csv", **query):
    """The changelist's export link, with the changelist's query string."""
    return client.get(reverse(f"admin:consultations_{model}_export", args=[fmt]), query)


def admin_action(client, model, action, selected):
    return client.post(
        reverse(f"admin:consultations_{model}_changelist"),
        {"action": action, "_selected_action": selected},
    )


def test_superuser_exports_selected_meetings_from_the_admin_action(two_villages, admin_user):
    client = signed_in(admin_user)
    chosen = Meeting.objects.get(title="白湖村屋场会")
    headers, rows = csv_rows(admin_action(client, "meeting", "export_selected_csv", [chosen.pk]))
    assert headers[0] == "区划代码"
    assert column(headers, rows, "名称") == ["白湖村屋场会"]
    response = admin_action(client, "meeting", "export_selected_xlsx", [chosen.pk])
    headers, rows = sheet_rows(workbook(response).active)
    assert column(headers, rows, "名称") == ["白湖村屋场会"]


def test_superuser_changelist_export_as_xlsx_has_every_meeting(two_villages, admin_user):
    response = admin_export(signed_in(admin_user), "meeting", "xlsx")
    headers, rows = sheet_rows(workbook(response).active)
    assert sorted(column(headers, rows, "名称")) == ["白湖村屋场会", "陆水村屋场会"]


def test_changelist_links_to_its_exports_with_its_filters(two_villages, admin_user, village):
    client = signed_in(admin_user)
    query = {"area": village.code, "q": "屋场会", "o": "2", "p": "1"}
    page = client.get(reverse("admin:consultations_meeting_changelist"), query)
    html = page.content.decode()
    url = reverse("admin:consultations_meeting_export", args=["csv"])
    [link] = re.findall(rf'href="({re.escape(url)}[^"]*)"', html)
    assert "p=" not in link  # the filters, search and order; not the page
    assert f"area={village.code}" in link and "o=2" in link
    headers, rows = csv_rows(client.get(link.replace("&amp;", "&")))
    assert column(headers, rows, "名称") == ["陆水村屋场会"]
    assert 'value="export_selected_xlsx"' in html and 'value="export_selected_csv"' in html


def test_changelist_export_with_filters_the_changelist_refuses(two_villages, admin_user):
    response = admin_export(signed_in(admin_user), "meeting", no_such_field="1")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:consultations_meeting_changelist") + "?e=1"


def test_admin_export_of_an_unknown_format_is_not_found(admin_user):
    assert admin_export(signed_in(admin_user), "meeting", "pdf").status_code == 404


def test_admin_workbook_too_big_for_excel_says_so(village, admin_user, monkeypatch):
    monkeypatch.setattr(spreadsheets, "XLSX_MAX_ROWS", 2)
    meetings = MeetingFactory.create_batch(3, area=village)
    client = signed_in(admin_user)
    response = admin_export(client, "meeting", "xlsx", format="courtyard")
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("admin:consultations_meeting_changelist") + "?format=courtyard"
    )
    [message] = get_messages(response.wsgi_request)
    assert "CSV" in str(message)
    response = admin_action(client, "meeting", "export_selected_xlsx", [m.pk for m in meetings])
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:consultations_meeting_changelist")
    assert "CSV" in str(list(get_messages(response.wsgi_request))[-1])


@pytest.fixture
def village_admin(village_committee):
    """A village's staff member with admin access to meetings and projects."""
    village_committee.is_staff = True
    village_committee.save()
    for codename in [
        "view_meeting",
        "view_project",
        "view_evaluation",
        "view_outcome",
        "view_proposal",
    ]:
        village_committee.user_permissions.add(Permission.objects.get(codename=codename))
    return village_committee


@pytest.mark.parametrize("model", ["meeting", "proposal", "project", "evaluation", "outcome"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_staff_admin_export_is_scoped_to_their_area(two_villages, village_admin, model, fmt):
    response = admin_export(signed_in(village_admin), model, fmt)
    if fmt == "csv":
        text = body(response).decode("utf-8-sig")
    else:
        text = repr([list(sheet.values) for sheet in workbook(response).worksheets])
    assert "陆水村" in text
    assert "白湖村" not in text
    assert not PHONE.search(text)


@pytest.mark.parametrize("model", ["meeting", "proposal", "project", "evaluation", "outcome"])
def test_staff_admin_export_action_ignores_records_outside_their_area(
    two_villages, village_admin, model
):
    Model = apps.get_model("consultations", model)
    every = list(Model.objects.values_list("pk", flat=True))
    client = signed_in(village_admin)
    response = admin_action(client, model, "export_selected_csv", every)
    text = body(response).decode("utf-8-sig")
    assert "陆水村" in text
    assert "白湖村" not in text


def test_admin_export_needs_the_right_to_view(two_villages, village_admin):
    village_admin.user_permissions.remove(Permission.objects.get(codename="view_meeting"))
    assert admin_export(signed_in(village_admin), "meeting").status_code == 403


@pytest.mark.parametrize("what", ALL_EXPORTS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_junk_filters_are_dropped_not_errors(two_villages, village_committee, what, fmt):
    junk = {
        "area": "999999999999999999999",
        "start": "2024-99-99",
        "end": "昨天",
        "format": "<b>",
        "status": "x",
        "sort": "password",
        "overdue": "maybe",
        "q": "a" * 500,
    }
    response = signed_in(village_committee).get(reverse(f"{what}_export_{fmt}"), junk)
    assert response.status_code == 200
    body(response)
