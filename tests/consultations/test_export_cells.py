"""What every exported cell holds, for each model's columns (consultations.resources), through
the one path that writes CSV and xlsx (core.spreadsheets): text as typed, formulas kept from
running, labels in the request's language, local times, money to the fen, the subject of an
evaluation, empty cells; and the file's shape (records, line breaks in cells, no rows, a
slice), read in one statement however many chunks.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from consultations.models import (
    EvaluatorKind,
    FundingSource,
    Meeting,
    MeetingFormat,
    Project,
    ProjectStatus,
    Proposal,
    ProposalCategory,
    ProposalStatus,
)
from consultations.resources import (
    EVALUATION_COLUMNS,
    MEETING_COLUMNS,
    OUTCOME_COLUMNS,
    PROJECT_COLUMNS,
    PROPOSAL_COLUMNS,
)
from core import columns as core_columns
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
)

pytestmark = pytest.mark.django_db

# Text as people type or paste it, and what a CSV cell makes of it: anything a spreadsheet
# would run as a formula gets an apostrophe; quotes, commas and line breaks are csv.writer's.
AWKWARD = {
    "=SUM(A1:A3)": "'=SUM(A1:A3)",
    "+86 电话": "'+86 电话",
    "-减少": "'-减少",
    "@某人": "'@某人",
    "\t缩进": "'\t缩进",
    "\r回车在前": "'\r回车在前",
    '带"引号"和,逗号': '带"引号"和,逗号',
    "两行\n第二行": "两行\n第二行",
    "回车\r\n换行": "回车\r\n换行",
    " 前后空格 ": " 前后空格 ",
    "#N/A": "#N/A",
    "普通文字": "普通文字",
}


def local(*args):
    return timezone.make_aware(dt.datetime(*args))


def csv_of(columns, queryset):
    """(headers, rows as dicts by header) of the CSV written for ``queryset``."""
    response = spreadsheets.csv_response(columns, queryset, "export")
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    headers, *rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return headers, [dict(zip(headers, row, strict=True)) for row in rows]


def xlsx_of(columns, queryset):
    """(headers, rows as dicts by header) of the workbook's only sheet, and the sheet."""
    response = spreadsheets.xlsx_response([("sheet", columns, queryset)], "export")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    headers, *rows = sheet.iter_rows(values_only=True)
    return list(headers), [dict(zip(headers, row, strict=True)) for row in rows], sheet


@pytest.fixture
def english():
    with translation.override("en"):
        yield


# --- text -------------------------------------------------------------------------------------


def test_text_is_written_as_typed_and_never_runs_as_a_formula(village, english):
    for typed in AWKWARD:
        MeetingFactory(area=village, title=typed, agenda=typed, place="")
    meetings = Meeting.objects.order_by("id")
    headers, rows = csv_of(MEETING_COLUMNS, meetings)
    assert [row["Title"] for row in rows] == list(AWKWARD.values())
    assert [row["Agenda"] for row in rows] == list(AWKWARD.values())
    assert {row["Place"] for row in rows} == {""}
    headers, rows, sheet = xlsx_of(MEETING_COLUMNS, meetings)
    # XML reads a carriage return as a line break, whatever writes it.
    typed = [text.replace("\r\n", "\n").replace("\r", "\n") for text in AWKWARD]
    assert [row["Title"] for row in rows] == typed
    assert {row["Place"] for row in rows} == {None}  # empty text: an empty cell
    title = headers.index("Title") + 1
    assert {sheet.cell(row, title).data_type for row in range(2, 2 + len(AWKWARD))} == {"s"}


def test_workbook_leaves_out_characters_xml_cannot_carry(village, english):
    # Pasted from a word processor: a vertical tab, a form feed.
    MeetingFactory(area=village, title="第一段\x0b第二段\x0c")
    _headers, rows, _sheet = xlsx_of(MEETING_COLUMNS, Meeting.objects.all())
    assert rows[0]["Title"] == "第一段第二段"
    _headers, rows = csv_of(MEETING_COLUMNS, Meeting.objects.all())
    assert rows[0]["Title"] == "第一段\x0b第二段\x0c"


def test_csv_records_end_with_crlf_and_keep_line_breaks_inside_cells(village):
    MeetingFactory(area=village, title="两行\n第二行")
    MeetingFactory(area=village, title="回车\r\n换行")
    MeetingFactory(area=village, title="一行")
    response = spreadsheets.csv_response(MEETING_COLUMNS, Meeting.objects.all(), "export")
    data = b"".join(response.streaming_content)
    assert data.count(b"\r\n") == 1 + 3 + 1  # the header, the records, one inside a cell
    assert data.count(b"\n") == 1 + 3 + 2


# --- each model's cells ---------------------------------------------------------------------


def test_meeting_cells(village, english):
    units = [OrganizationFactory(area=village, name=name) for name in ("阿队", "Z队", "=理事会")]
    moderator = PersonFactory(area=village, name="张三", phone="13812345678")
    with_seconds = MeetingFactory(
        area=village,
        format=MeetingFormat.EVENING_TALK,
        title="夜话",
        starts_at=local(2024, 10, 31, 19, 30, 5, 123456),
        host_organization=units[0],
        moderator=moderator,
        attendance_total=12,
        attendance_party_member=2,
        attendance_villager=10,
        summary_is_public=True,
    )
    with_seconds.attending_organizations.set(units)
    MeetingFactory(area=village, title="屋场会", starts_at=local(2024, 11, 1, 8, 0))
    meetings = Meeting.objects.order_by("starts_at")
    _headers, (first, second) = csv_of(MEETING_COLUMNS, meetings)
    assert first == {
        **first,
        "Division code": "421221101201",
        "Area": "陆水村",
        "Format": "Village evening talk",
        "Title": "夜话",
        "Start time": "2024-10-31 19:30:05",  # local time; microseconds dropped
        "Host organization": "阿队",
        "Moderator": "张三",
        # In code point order, the cell neutralised as a whole.
        "Attending organizations": "'=理事会；Z队；阿队",
        "Total attendance": "12",
        "CPC members": "2",
        "Villagers": "10",
        "Non-partisans": "0",
        "Summary is public": "yes",
    }
    assert second["Start time"] == "2024-11-01 08:00"
    assert second["Host organization"] == second["Moderator"] == ""
    assert second["Attending organizations"] == ""
    assert second["Summary is public"] == "no"
    assert "13812345678" not in repr([first, second])
    _headers, (first, second), _sheet = xlsx_of(MEETING_COLUMNS, meetings)
    assert first["Start time"] == dt.datetime(2024, 10, 31, 19, 30, 5)
    assert first["Total attendance"] == 12
    assert first["Attending organizations"] == "=理事会；Z队；阿队"
    assert second["Host organization"] is None


def test_labels_and_headers_follow_the_language(village):
    MeetingFactory(area=village, format=MeetingFormat.COURTYARD, summary_is_public=False)
    for language, expected in [
        ("zh-hans", {"会议形式": "屋场会", "公开会议概要": "否"}),
        ("en", {"Format": "Courtyard meeting", "Summary is public": "no"}),
    ]:
        with translation.override(language):
            _headers, [row] = csv_of(MEETING_COLUMNS, Meeting.objects.all())
        assert {header: row[header] for header in expected} == expected


def test_proposal_cells(village, english):
    unit = OrganizationFactory(area=village, name="县交通运输局")
    meeting = MeetingFactory(area=village, title="修路议事", starts_at=local(2024, 10, 31, 19, 30))
    project = ProjectFactory(area=village, title="通湾公路")
    ProposalFactory(
        meeting=meeting,
        title="硬化通组路",
        category=ProposalCategory.ROADS,
        raised_by=PersonFactory(area=village, name="李四", phone="13912345678"),
        status=ProposalStatus.ADOPTED,
        decided_on=dt.date(2024, 11, 2),
        votes_present=30,
        votes_for=26,
        votes_against=1,
        votes_abstain=3,
        project=project,
    )
    ProposalFactory(
        meeting=meeting,
        title="请县里修桥",
        status=ProposalStatus.REFERRED,
        referred_to=unit,
        referral_due_on=dt.date(2024, 12, 31),
        reply="已列入明年计划",
        replied_at=local(2024, 12, 20, 10, 0),
    )
    _headers, (adopted, referred) = csv_of(PROPOSAL_COLUMNS, Proposal.objects.order_by("id"))
    assert adopted == {
        **adopted,
        "Meeting division code": "421221101201",
        "Meeting area": "陆水村",
        "Meeting start time": "2024-10-31 19:30",
        "Meeting title": "修路议事",
        "Proposal title": "硬化通组路",
        "Category": "Roads and transport",
        "Raised by": "李四",
        "Status": "Adopted",
        "Decided on": "2024-11-02",
        "Voters present": "30",
        "Votes for": "26",
        "Handling unit": "",
        "Replied at": "",
        "Carried out by project": "通湾公路",
    }
    assert referred == {
        **referred,
        "Status": "Referred to a handling unit",
        "Raised by": "",
        "Decided on": "",
        "Voters present": "",
        "Handling unit": "县交通运输局",
        "Reply due on": "2024-12-31",
        "Reply": "已列入明年计划",
        "Replied at": "2024-12-20 10:00",
        "Carried out by project": "",
    }
    assert "13912345678" not in repr([adopted, referred])


def test_project_cells_give_the_funding_per_source(village, english):
    lead = OrganizationFactory(area=village, name="村民理事会")
    funded = ProjectFactory(
        area=village,
        title="通湾公路",
        lead_organization=lead,
        budget=Decimal("1234.5"),
        actual_start=dt.date(2024, 4, 1),
        progress=40,
        status=ProjectStatus.IN_PROGRESS,
        is_public=True,
    )
    for source, planned, received in [
        (FundingSource.REWARD_SUBSIDY, "300.3", "99.9"),
        (FundingSource.LABOUR, "120", "95.5"),
        (FundingSource.DONATIONS, "0", "0"),
    ]:
        FundingLineFactory(
            project=funded, source=source, planned=Decimal(planned), received=Decimal(received)
        )
    ProjectFactory(area=village, title="没有资金的项目", is_public=False)
    projects = Project.objects.order_by("id")
    _headers, (first, second) = csv_of(PROJECT_COLUMNS, projects)
    assert first == {
        **first,
        "Title": "通湾公路",
        "Lead organization": "村民理事会",
        "Budget (yuan)": "1234.50",
        "Planned start": "2024-03-01",
        "Actual start": "2024-04-01",
        "Actual end": "",
        "Progress (%)": "40",
        "Status": "In progress",
        "Public on the village board": "yes",
        "Reward instead of subsidy, planned": "300.30",
        "Reward instead of subsidy, received": "99.90",
        "Labour given (days), planned": "120.00",
        "Labour given (days), received": "95.50",
        "Village worthy and social donations, received": "0.00",
        "Raised by villagers, planned": "",
    }
    funding = [header for header in first if ", planned" in header or ", received" in header]
    assert len(funding) == 2 * len(FundingSource)
    assert {second[header] for header in funding} == {""}
    assert second["Lead organization"] == ""
    assert second["Public on the village board"] == "no"
    _headers, (first, second), _sheet = xlsx_of(PROJECT_COLUMNS, projects)
    assert first["Reward instead of subsidy, planned"] == 300.3
    assert first["Planned start"] == dt.datetime(2024, 3, 1)
    assert second["Reward instead of subsidy, planned"] is None


def test_evaluation_cells_name_the_subject_of_each_kind(village, other_village, english):
    meeting = MeetingFactory(area=other_village, title="评议会")
    proposal = ProposalFactory(meeting=meeting, title="修桥的答复")
    EvaluationFactory(
        project=ProjectFactory(area=village, title="通湾公路"),
        evaluator=EvaluatorKind.BENEFICIARIES,
        evaluated_on=dt.date(2024, 9, 1),
        satisfied=40,
        basically_satisfied=8,
        dissatisfied=2,
        score=Decimal("87.5"),
        comments="=满意",
    )
    EvaluationFactory(project=None, meeting=meeting, satisfied=2, basically_satisfied=0)
    EvaluationFactory(
        project=None,
        proposal=proposal,
        satisfied=0,
        basically_satisfied=0,
        dissatisfied=0,
        score=Decimal("60"),
    )
    evaluations = EVALUATION_COLUMNS.model.objects.order_by("id")
    _headers, (of_project, of_meeting, of_reply) = csv_of(EVALUATION_COLUMNS, evaluations)
    assert of_project == {
        "Division code": "421221101201",
        "Area": "陆水村",
        "Kind of subject": "project",
        "Subject title": "通湾公路",
        "Evaluated by": "Beneficiary households",
        "Evaluated on": "2024-09-01",
        "Satisfied": "40",
        "Basically satisfied": "8",
        "Dissatisfied": "2",
        "Satisfaction rate (%)": "96.0",
        "Score": "87.50",
        "Comments": "'=满意",
    }
    assert [
        of_meeting[h] for h in ("Division code", "Area", "Kind of subject", "Subject title")
    ] == [
        "421221101202",
        "白湖村",
        "meeting",
        "评议会",
    ]
    assert of_meeting["Satisfaction rate (%)"] == "50.0"
    assert of_meeting["Score"] == ""
    assert [of_reply[h] for h in ("Division code", "Kind of subject", "Subject title")] == [
        "421221101202",
        "reply to proposal",
        "修桥的答复",
    ]
    assert of_reply["Satisfaction rate (%)"] == ""  # no ballots: no rate
    with translation.override("zh-hans"):
        _headers, rows = csv_of(EVALUATION_COLUMNS, evaluations)
    assert [row["评价对象类型"] for row in rows] == ["项目", "会议", "建议答复"]


def test_outcome_cells(village, english):
    project = ProjectFactory(area=village, title="通湾公路")
    OutcomeFactory(
        project=project,
        title="路通了",
        summary="硬化道路1.2公里。",
        beneficiary_households=86,
        beneficiary_people=310,
        is_published=True,
        disclosed_on=dt.date(2024, 12, 1),
    )
    _headers, [row] = csv_of(OUTCOME_COLUMNS, OUTCOME_COLUMNS.model.objects.all())
    assert row == {
        "Division code": "421221101201",
        "Area": "陆水村",
        "Project": "通湾公路",
        "Title": "路通了",
        "What was delivered": "硬化道路1.2公里。",
        "Households benefiting": "86",
        "People benefiting": "310",
        "Disclosure date": "2024-12-01",
        "Published": "yes",
    }


# --- the file's rows --------------------------------------------------------------------------


EVERY = [MEETING_COLUMNS, PROPOSAL_COLUMNS, PROJECT_COLUMNS, EVALUATION_COLUMNS, OUTCOME_COLUMNS]
NAMES = [columns.model.__name__ for columns in EVERY]


@pytest.mark.parametrize("columns", EVERY, ids=NAMES)
def test_no_rows_at_all_is_the_header_alone(columns):
    # none(), as a user who may see nothing gets: no query, and a file with its header.
    with CaptureQueriesContext(connection) as queries:
        response = spreadsheets.csv_response(columns, columns.model.objects.none(), "export")
        data = b"".join(response.streaming_content)
    assert data.count(b"\r\n") == 1
    assert data.decode("utf-8-sig").startswith(",".join(columns.headers()))
    assert queries.captured_queries == []


@pytest.mark.parametrize("columns", [MEETING_COLUMNS, PROJECT_COLUMNS], ids=["Meeting", "Project"])
def test_a_slice_of_the_rows_keeps_their_own_aggregated_cells(village, columns, english):
    # A to-many column (attending organizations, funding) is aggregated per row: a slice of
    # the rows exports those rows, each with its own.
    unit = OrganizationFactory(area=village, name="志愿队")
    for i in range(6):
        MeetingFactory(area=village, title=f"会{i}").attending_organizations.set([unit] * (i % 2))
        FundingLineFactory(project=ProjectFactory(area=village, title=f"项目{i}"))
    queryset = columns.model.objects.order_by("-id")[:4]
    _headers, rows = csv_of(columns, queryset)
    assert [row["Title"] for row in rows] == [obj.title for obj in queryset]
    if columns is MEETING_COLUMNS:
        assert [row["Attending organizations"] for row in rows] == ["志愿队", "", "志愿队", ""]
    else:
        assert {row["Reward instead of subsidy, planned"] for row in rows} == {"50000.00"}


@pytest.mark.parametrize("columns", EVERY, ids=NAMES)
def test_rows_are_read_in_one_statement_chunk_by_chunk(village, columns, monkeypatch):
    monkeypatch.setattr(core_columns, "CHUNK_SIZE", 2)
    for _ in range(5):
        project = ProjectFactory(area=village)
        FundingLineFactory(project=project)
        EvaluationFactory(project=project)
        OutcomeFactory(project=project)
        ProposalFactory(meeting=MeetingFactory(area=village))
    with CaptureQueriesContext(connection) as queries:
        _headers, rows = csv_of(columns, columns.model.objects.order_by("id"))
    assert len(rows) == 5
    assert len(queries.captured_queries) == 1
