"""Importing meetings and proposals from xlsx: round trip with the export, no duplicates,
all or nothing, and every bad workbook refused with a clear message and nothing imported."""

import datetime as dt
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from consultations import importing
from consultations.models import (
    ATTENDANCE_FIELDS,
    Meeting,
    MeetingFormat,
    Proposal,
    ProposalStatus,
    ProposalStatusChange,
)
from consultations.resources import MeetingResource, ProposalResource
from organizations.models import Area, AreaLevel
from tests.factories import (
    MeetingFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

MEETING = {
    "area": "421221101201",
    "area_name": "陆水村",
    "format": "屋场会",
    "title": "修路议事",
    "place": "孙家湾禾场",
    "starts_at": "2024-10-31 19:30",
    "attendance_total": 30,
    "attendance_party_member": 5,
    "attendance_villager": 20,
    "agenda": "通组路硬化",
    "summary_is_public": "否",
}
PROPOSAL = {
    "meeting_area": "421221101201",
    "meeting_area_name": "陆水村",
    "meeting_starts_at": "2024-10-31 19:30",
    "meeting": "修路议事",
    "title": "硬化孙家湾通组路",
    "category": "道路交通",
    "status": "已采纳",
    "decided_on": "2024-11-02",
    "votes_present": 30,
    "votes_for": 26,
    "votes_against": 1,
    "votes_abstain": 3,
}


def headers_of(resource_class):
    with translation.override("zh-hans"):
        resource = resource_class()
        return resource.headers(), list(resource.Meta.fields)


def xlsx(meetings=(), proposals=None, *, meeting_headers=None):
    """A workbook like the template: a “会议” sheet and, when given, a “建议” sheet. Rows are
    dicts by field name; ``meeting_headers`` replaces the meetings sheet's header row."""
    book = Workbook()
    book.remove(book.active)
    sheets = [("会议", MeetingResource, meetings, meeting_headers)]
    if proposals is not None:
        sheets.append(("建议", ProposalResource, proposals, None))
    for title, resource_class, rows, custom in sheets:
        sheet = book.create_sheet(title)
        headers, names = headers_of(resource_class)
        sheet.append(custom or headers)
        for row in rows:
            sheet.append([row.get(name) for name in names])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def upload(client, data, name="会议.xlsx"):
    return client.post(reverse("meeting_import"), {"workbook": SimpleUploadedFile(name, data)})


def problems(response):
    """The problems listed on the preview, or the upload form's error."""
    if "report" in response.context:
        return [str(problem) for problem in response.context["report"].problems]
    return list(response.context["form"].errors.get("workbook", []))


def confirm(client, response):
    token = response.context["token"]
    assert token, problems(response)
    return client.post(reverse("meeting_import_confirm"), {"token": token})


def import_ok(client, data):
    preview = upload(client, data)
    assert preview.status_code == 200
    assert problems(preview) == []
    response = confirm(client, preview)
    assert response.status_code == 302, problems(response)
    assert response["Location"] == reverse("meeting_list")
    return preview


# --- round trip ---------------------------------------------------------------------------


MEETING_FIELDS = [
    "area_id",
    "format",
    "title",
    "place",
    "host_organization_id",
    "moderator_id",
    "attendance_total",
    *ATTENDANCE_FIELDS.values(),
    "agenda",
    "minutes",
    "summary_is_public",
]
PROPOSAL_FIELDS = [
    "title",
    "category",
    "description",
    "raised_by_id",
    "status",
    "decided_on",
    "votes_present",
    "votes_for",
    "votes_against",
    "votes_abstain",
    "rejection_reason",
    "referred_to_id",
    "referral_due_on",
    "reply",
    "feedback",
]


def to_second(moment):
    return moment and timezone.localtime(moment).replace(microsecond=0)


def snapshot():
    """Every field the workbook carries, of every meeting and proposal, keyed by meeting."""
    meetings = {}
    for meeting in Meeting.objects.prefetch_related("attending_organizations"):
        key = (meeting.area_id, to_second(meeting.starts_at), meeting.title)
        meetings[key] = {
            **{name: getattr(meeting, name) for name in MEETING_FIELDS},
            "attending": sorted(org.pk for org in meeting.attending_organizations.all()),
            "proposals": sorted(
                (
                    *(getattr(p, name) for name in PROPOSAL_FIELDS),
                    to_second(p.replied_at),
                    to_second(p.feedback_at),
                )
                for p in meeting.proposals.all()
            ),
        }
    return meetings


@pytest.fixture
def rich_records(village, hamlet, town):
    """Meetings with every field filled and proposals in every status."""
    council = OrganizationFactory(area=village, name="陆水村村民理事会")
    volunteers = OrganizationFactory(area=hamlet, name="孙家志愿服务队")
    town_office = OrganizationFactory(area=town, name="高铁岭镇交通办")
    chair = PersonFactory(area=village, name="李主任", phone="13812345678")
    villager = PersonFactory(area=hamlet, name="孙大爷")
    first = MeetingFactory(
        area=hamlet,
        format=MeetingFormat.EVENING_TALK,
        title="孙家湾夜话",
        place="孙家湾禾场",
        starts_at=timezone.make_aware(dt.datetime(2024, 10, 31, 19, 30, 15, 123456)),
        host_organization=council,
        moderator=chair,
        attendance_total=40,
        attendance_party_member=6,
        attendance_non_party_intellectual=2,
        attendance_new_social_class=1,
        attendance_democratic_party=1,
        attendance_non_partisan=1,
        attendance_village_worthy=3,
        attendance_villager=26,
        agenda="一、通组路\n二、路灯",
        minutes="=会议记录，以等号开头",
        summary_is_public=True,
    )
    first.attending_organizations.set([council, volunteers])
    second = MeetingFactory(
        area=village,
        title="村民代表会",
        attendance_total=32,
        starts_at=timezone.make_aware(dt.datetime(2024, 11, 1, 9, 0)),
    )
    ProposalFactory(meeting=first, title="修通组路", raised_by=villager)
    ProposalFactory(meeting=first, title="装路灯", status=ProposalStatus.DELIBERATING)
    ProposalFactory(
        meeting=first,
        title="建文化广场",
        status=ProposalStatus.ADOPTED,
        decided_on=dt.date(2024, 11, 2),
        votes_present=40,
        votes_for=35,
        votes_against=2,
        votes_abstain=3,
    )
    ProposalFactory(
        meeting=second,
        title="修鱼塘",
        status=ProposalStatus.REJECTED,
        decided_on=dt.date(2024, 11, 5),
        rejection_reason="资金不足，明年再议",
    )
    ProposalFactory(
        meeting=second,
        title="河道清淤",
        status=ProposalStatus.REFERRED,
        referred_to=town_office,
        referral_due_on=dt.date(2024, 12, 31),
        reply="已列入明年计划",
        replied_at=timezone.make_aware(dt.datetime(2024, 12, 1, 10, 0)),
        feedback="满意",
        feedback_at=timezone.make_aware(dt.datetime(2024, 12, 3, 9, 0)),
    )


def export_workbook(client):
    response = client.get(reverse("meeting_export_xlsx"))
    return b"".join(response.streaming_content)


def sheet_values(data):
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: list(sheet.values) for sheet in book.worksheets}


def test_export_then_import_into_an_emptied_database_reproduces_every_field(
    rich_records, county_staff
):
    client = signed_in(county_staff)
    before = snapshot()
    exported = export_workbook(client)
    ProposalStatusChange.objects.all().delete()
    Proposal.objects.all().delete()
    Meeting.objects.all().delete()

    preview = import_ok(client, exported)

    counts = {sheet.title: sheet.counts for sheet in preview.context["report"].sheets}
    assert counts["会议"]["new"] == 2 and counts["建议"]["new"] == 5
    assert snapshot() == before
    # Exported again, the workbook reads the same, cell for cell.
    assert sheet_values(export_workbook(client)) == sheet_values(exported)


def test_imported_records_keep_their_dates_and_start_their_history(rich_records, county_staff):
    client = signed_in(county_staff)
    exported = export_workbook(client)
    ProposalStatusChange.objects.all().delete()
    Proposal.objects.all().delete()
    Meeting.objects.all().delete()
    import_ok(client, exported)
    meeting = Meeting.objects.get(title="村民代表会")
    assert meeting.created_at == meeting.starts_at.replace(microsecond=0)
    assert meeting.created_by == county_staff
    rejected = Proposal.objects.get(title="修鱼塘")
    [change] = rejected.status_changes.all()
    assert (change.from_status, change.to_status) == ("", ProposalStatus.REJECTED)
    assert timezone.localdate(change.changed_at) == dt.date(2024, 11, 5)


def test_importing_the_same_file_twice_creates_no_duplicates(rich_records, county_staff):
    client = signed_in(county_staff)
    exported = export_workbook(client)
    before = snapshot()
    preview = import_ok(client, exported)
    counts = {sheet.title: sheet.counts for sheet in preview.context["report"].sheets}
    assert counts["会议"] == {"new": 0, "update": 0, "skip": 2, "problem": 0}
    assert counts["建议"] == {"new": 0, "update": 0, "skip": 5, "problem": 0}
    import_ok(client, exported)
    assert (Meeting.objects.count(), Proposal.objects.count()) == (2, 5)
    assert snapshot() == before


def test_a_changed_row_updates_the_recorded_meeting(village, village_committee):
    client = signed_in(village_committee)
    import_ok(client, xlsx([MEETING]))
    preview = import_ok(client, xlsx([{**MEETING, "place": "村委会会议室"}]))
    assert preview.context["report"].sheets[0].counts["update"] == 1
    assert Meeting.objects.get().place == "村委会会议室"


def test_the_same_meeting_twice_in_one_file_is_recorded_once(village, village_committee):
    client = signed_in(village_committee)
    preview = import_ok(client, xlsx([MEETING, {**MEETING, "place": "村委会会议室"}]))
    assert preview.context["report"].sheets[0].counts == {
        "new": 1,
        "update": 1,
        "skip": 0,
        "problem": 0,
    }
    assert Meeting.objects.get().place == "村委会会议室"


def test_a_workbook_exported_in_english_imports_in_chinese(rich_records, county_staff):
    client = signed_in(county_staff)
    response = client.get(reverse("meeting_export_xlsx"), HTTP_ACCEPT_LANGUAGE="en")
    exported = b"".join(response.streaming_content)
    assert "Meetings" in load_workbook(io.BytesIO(exported)).sheetnames
    before = snapshot()
    ProposalStatusChange.objects.all().delete()
    Proposal.objects.all().delete()
    Meeting.objects.all().delete()
    import_ok(client, exported)
    assert snapshot() == before


def test_a_workbook_of_proposals_alone_adds_them_to_recorded_meetings(village, village_committee):
    client = signed_in(village_committee)
    import_ok(client, xlsx([MEETING]))
    book = Workbook()
    sheet = book.active
    sheet.title = "建议"
    headers, names = headers_of(ProposalResource)
    sheet.append(headers)
    sheet.append([PROPOSAL.get(name) for name in names])
    data = io.BytesIO()
    book.save(data)
    import_ok(client, data.getvalue())
    assert Proposal.objects.get().meeting == Meeting.objects.get()


def test_odd_cells_are_problems_not_errors(village, village_committee):
    odd = {
        **MEETING,
        "title": dt.datetime(2024, 1, 1),
        "attendance_total": 12.5,
        "attendance_villager": True,
        "summary_is_public": "也许",
        "starts_at": 45000,
    }
    listed = problems(upload(signed_in(village_committee), xlsx([odd])))
    columns = sorted(p.split("“")[1].split("”")[0] for p in listed)
    assert columns == ["公开会议概要", "参会总人数", "名称", "开始时间", "群众"]
    assert Meeting.objects.count() == 0


def test_village_found_by_name_when_the_code_is_empty(village, village_committee):
    import_ok(signed_in(village_committee), xlsx([{**MEETING, "area": None}]))
    assert Meeting.objects.get().area == village


def test_the_template_downloads_and_its_example_imports(village, village_committee):
    client = signed_in(village_committee)
    response = client.get(reverse("meeting_import_template"))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[:2] == ["会议", "建议"]
    assert [c.value for c in book["会议"][1]][:4] == ["区划代码", "区域", "会议形式", "名称"]
    assert book["会议"]["A2"].value == village.code
    import_ok(client, data)
    assert Proposal.objects.get().meeting == Meeting.objects.get()


def test_the_preview_imports_nothing_until_confirmed(village, village_committee):
    client = signed_in(village_committee)
    preview = upload(client, xlsx([MEETING], [PROPOSAL]))
    assert preview.context["report"].ok
    assert "修路议事" in preview.content.decode()
    assert (Meeting.objects.count(), Proposal.objects.count()) == (0, 0)
    confirm(client, preview)
    assert (Meeting.objects.count(), Proposal.objects.count()) == (1, 1)


# --- all or nothing, and the checks on confirm --------------------------------------------


def test_one_bad_row_keeps_every_row_out(village, village_committee):
    client = signed_in(village_committee)
    good = {**MEETING, "title": "好的一行"}
    bad = {**MEETING, "title": "坏的一行", "attendance_total": "三十"}
    response = upload(client, xlsx([good, bad]))
    assert problems(response) == ["第3行，“参会总人数”：请填写整数。"]
    assert response.context["token"] is None
    assert Meeting.objects.count() == 0


def test_a_proposal_breaking_a_database_rule_is_a_row_problem(village, village_committee):
    client = signed_in(village_committee)
    rejected = {**PROPOSAL, "status": "未采纳", "votes_for": None, "votes_against": None}
    response = upload(client, xlsx([MEETING], [rejected]))
    assert problems(response) == ["第2行，“未采纳理由”：未采纳的建议须说明理由。"]
    assert Meeting.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            {"votes_present": 20, "votes_for": 15, "votes_against": 6},
            "第2行，“到会表决人数”：票数多于到会人数。",
        ),
        ({"decided_on": None}, "第2行，“决策日期”：作出决策须填写决策日期。"),
        (
            {"status": "已转交承办单位", "decided_on": None, "votes_present": None},
            "第2行，“承办单位”：转办须指定承办单位和答复期限。",
        ),
    ],
)
def test_every_database_rule_on_proposals_is_a_row_problem_on_its_column(
    village, village_committee, changes, problem
):
    response = upload(signed_in(village_committee), xlsx([MEETING], [{**PROPOSAL, **changes}]))
    assert problems(response) == [problem]
    assert (Meeting.objects.count(), Proposal.objects.count()) == (0, 0)


def test_a_proposal_naming_a_missing_meeting_is_refused(village, village_committee):
    client = signed_in(village_committee)
    orphan = {**PROPOSAL, "meeting": "没有这个会"}
    [problem] = problems(upload(client, xlsx([MEETING], [orphan])))
    assert problem.startswith("第2行，“会议名称”：")
    assert "没有这个会" in problem
    assert Meeting.objects.count() == 0


def test_confirm_checks_again_and_imports_nothing_when_things_changed(village, village_committee):
    client = signed_in(village_committee)
    PersonFactory(area=village, name="王主任")
    preview = upload(client, xlsx([{**MEETING, "moderator": "王主任"}]))
    assert preview.context["report"].ok
    village.people.all().delete()  # the moderator is gone before the confirm
    response = confirm(client, preview)
    assert response.status_code == 409
    assert any("王主任" in p for p in problems(response))
    assert Meeting.objects.count() == 0


def test_a_forged_or_foreign_token_imports_nothing(village, village_committee, county_staff):
    preview = upload(signed_in(village_committee), xlsx([MEETING]))
    token = preview.context["token"]
    other = signed_in(county_staff)
    for forged in [token, token[:-3] + "abc", "x"]:
        response = other.post(reverse("meeting_import_confirm"), {"token": forged})
        assert response.status_code == 302
        assert response["Location"] == reverse("meeting_import")
    assert Meeting.objects.count() == 0


def test_a_confirmed_import_cannot_be_replayed(village, village_committee):
    client = signed_in(village_committee)
    preview = upload(client, xlsx([MEETING]))
    confirm(client, preview)
    again = confirm(client, preview)
    assert again["Location"] == reverse("meeting_import")
    assert Meeting.objects.count() == 1


# --- bad workbooks: a clear message, nothing imported ---------------------------------------


def bad(**changes):
    return xlsx([{**MEETING, **changes}])


def meeting_headers(replace=None, drop=None, add=None):
    headers, _names = headers_of(MeetingResource)
    headers = [replace.get(h, h) if replace else h for h in headers]
    if drop:
        headers = [h for h in headers if h != drop]
    return [*headers, *([add] if add else [])]


BAD_WORKBOOKS = {
    "unknown column": (
        lambda: xlsx([MEETING], meeting_headers=meeting_headers(add="备注栏")),
        "无法识别的列“备注栏”：请改为模板中的列名，或删除该列。",
    ),
    "misspelt column": (
        lambda: xlsx(
            [MEETING], meeting_headers=meeting_headers(replace={"参会总人数": "参加人数"})
        ),
        ["无法识别的列“参加人数”：请改为模板中的列名，或删除该列。", "缺少以下列：参会总人数。"],
    ),
    "missing column": (
        lambda: xlsx([MEETING], meeting_headers=meeting_headers(drop="开始时间")),
        "缺少以下列：开始时间。",
    ),
    "bad date": (
        lambda: bad(starts_at="十月底的一个晚上"),
        "第2行，“开始时间”：请填写日期和时间，如2024-10-31 19:30。",
    ),
    "impossible date": (
        lambda: bad(starts_at="2024-02-30 19:30"),
        "第2行，“开始时间”：请填写日期和时间，如2024-10-31 19:30。",
    ),
    "negative count": (
        lambda: bad(attendance_villager=-3),
        "第2行，“群众”：确保该值大于或等于0。",
    ),
    "attendance above total": (
        lambda: bad(attendance_total=10),
        "第2行，“参会总人数”：各类别人数之和为25，超过了总人数10。",
    ),
    "unknown format": (
        lambda: bad(format="茶话会"),
        "第2行，“会议形式”：“茶话会”不在可选项中：屋场会、村湾夜话、群众说事厅、"
        "党员+新阶层+党外知识分子说事、其他。",
    ),
    "unknown village": (
        lambda: bad(area="421221101299", area_name=None),
        "第2行，“区划代码”：没有区划代码为421221101299的区域。",
    ),
    "unknown village name": (
        lambda: bad(area=None, area_name="桃花村"),
        "第2行，“区划代码”：没有名为桃花村的区域。",
    ),
    "village outside the user's scope": (
        lambda: bad(area="421221101202", area_name="白湖村"),
        "第2行，“区划代码”：白湖村（421221101202）不在您的管辖区域内，不能导入。",
    ),
    "village name outside the user's scope": (
        lambda: bad(area=None, area_name="白湖村"),
        "第2行，“区划代码”：白湖村不在您的管辖区域内，不能导入。",
    ),
    "code and name disagree": (
        lambda: bad(area_name="白湖村"),
        "第2行，“区划代码”：区划代码421221101201对应的是陆水村，而不是白湖村。",
    ),
    "no rows": (lambda: xlsx([]), "工作簿只有表头，没有可导入的数据行。"),
}


@pytest.mark.parametrize("case", BAD_WORKBOOKS)
def test_bad_workbook_is_refused_with_a_clear_message(
    village, other_village, village_committee, case
):
    make, message = BAD_WORKBOOKS[case]
    response = upload(signed_in(village_committee), make())
    assert problems(response) == (message if isinstance(message, list) else [message])
    assert response.context["token"] is None
    assert Meeting.objects.count() == 0


def test_ambiguous_village_name_asks_for_the_code(town, village, county_staff):
    Area.objects.create(code="421221101203", name="陆水村", level=AreaLevel.VILLAGE, parent=town)
    response = upload(signed_in(county_staff), bad(area=None))
    assert problems(response) == [
        "第2行，“区划代码”：您的管辖范围内有多个名为陆水村的区域，请填写区划代码。"
    ]
    assert Meeting.objects.count() == 0


def test_every_problem_of_every_row_is_listed(village, village_committee):
    rows = [
        {**MEETING, "title": "一", "starts_at": "明天"},
        {**MEETING, "title": "二", "attendance_total": -1, "format": "开会"},
    ]
    listed = problems(upload(signed_in(village_committee), xlsx(rows)))
    assert len(listed) == 3
    assert listed[0].startswith("第2行，“开始时间”")
    assert {p.split("，")[1].split("：")[0] for p in listed[1:]} == {"“参会总人数”", "“会议形式”"}


UNREADABLE = {
    "text file named .xlsx": ("title,date\n修路,2024-10-31\n".encode(), "meetings.xlsx"),
    "PDF renamed .xlsx": (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n", "meetings.xlsx"),
    "old .xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "meetings.xlsx"),
    "zip that is no workbook": (None, "meetings.xlsx"),
    "text file": (b"title,date\n", "meetings.txt"),
    "empty file": (b"", "meetings.xlsx"),
}
NOT_XLSX = "无论文件名如何，该文件都不是Excel工作簿（.xlsx）。请将表格另存为.xlsx后再上传。"
UNREADABLE_MESSAGES = {
    "text file named .xlsx": NOT_XLSX,
    "PDF renamed .xlsx": NOT_XLSX,
    "old .xls": (
        "这是旧版Excel文件（.xls）。请用Excel或WPS打开，另存为Excel工作簿（.xlsx）后再上传。"
    ),
    "zip that is no workbook": NOT_XLSX,
    "text file": "只能导入Excel工作簿（.xlsx）。",
    "empty file": "所提交的是空文件。",
}


def a_zip():
    import zipfile

    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return data.getvalue()


@pytest.mark.parametrize("case", UNREADABLE)
def test_a_file_that_is_not_a_workbook_is_refused(village, village_committee, case):
    content, name = UNREADABLE[case]
    response = upload(
        signed_in(village_committee), content if content is not None else a_zip(), name
    )
    assert response.status_code == 400
    assert problems(response) == [UNREADABLE_MESSAGES[case]]
    assert Meeting.objects.count() == 0


def test_a_damaged_workbook_is_refused(village, village_committee):
    data = bytearray(xlsx([MEETING]))
    data[len(data) // 2 : len(data) // 2 + 200] = b"\0" * 200
    response = upload(signed_in(village_committee), bytes(data))
    assert response.status_code == 400
    [message] = problems(response)
    assert "损坏" in message or "不是Excel工作簿" in message
    assert Meeting.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(village, village_committee, monkeypatch):
    monkeypatch.setattr(importing, "MAX_UPLOAD_BYTES", 1000)
    monkeypatch.setattr("consultations.forms.imports.MAX_UPLOAD_BYTES", 1000)
    response = upload(signed_in(village_committee), xlsx([MEETING] * 50))
    assert response.status_code == 400
    [message] = problems(response)
    assert message.startswith("文件大小为") and "上限" in message
    assert Meeting.objects.count() == 0


def test_a_50000_row_workbook_is_refused_quickly_naming_the_limit(village, village_committee):
    headers, names = headers_of(MeetingResource)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("会议")
    sheet.append(headers)
    row = [MEETING.get(name) for name in names]
    for _ in range(50_000):
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    started = time.monotonic()
    response = upload(signed_in(village_committee), data.getvalue())
    assert time.monotonic() - started < 15
    assert response.status_code == 400
    assert problems(response) == [
        "工作表“会议”超过5,000行；每次最多导入5,000行（请拆分文件，例如按年度拆分）。"
    ]
    assert Meeting.objects.count() == 0


# --- pages ----------------------------------------------------------------------------------


def test_import_pages_link_the_template_and_refuse_get_on_confirm(village, village_committee):
    client = signed_in(village_committee)
    page = client.get(reverse("meeting_import"))
    assert page.status_code == 200
    assert reverse("meeting_import_template") in page.content.decode()
    assert client.get(reverse("meeting_import_confirm")).status_code == 405


def test_preview_escapes_what_the_file_says(village, village_committee):
    script = '<script>alert("x")</script>'
    response = upload(signed_in(village_committee), bad(title=script, format=script))
    html = response.content.decode()
    assert script not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("resource_class", [MeetingResource, ProposalResource])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_import_reads_every_column_the_export_writes(resource_class, language):
    # A workbook exported from the site imports as it is: one field per exported column,
    # under the same header, in the same order.
    with translation.override(language):
        resource = resource_class()
        columns = resource.columns
        assert sorted(resource.fields) == sorted(columns.names)
        assert resource.headers() == columns.headers()
        assert [field.column_name for field in resource.get_import_fields()] == columns.headers()
