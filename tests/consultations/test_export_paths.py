"""The fast export paths write what the Resources render, cell for cell.

Exports read plain values (``values_list``) instead of model instances, and on PostgreSQL
the database writes the CSV itself (``COPY … TO STDOUT``). The reference is the Resource's
own rendering of each instance (``row_renderer``, the path exports took before) passed
through ``csv_text`` and ``csv.writer``: the same rows, the same native values for xlsx, and
the same CSV bytes, with text made to be awkward (formula starts, quotes, commas, line
breaks, empty and missing values, seconds and no seconds, every choice).
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from consultations import spreadsheets
from consultations.models import (
    Evaluation,
    EvaluatorKind,
    FundingSource,
    Meeting,
    MeetingFormat,
    Outcome,
    Project,
    ProjectStatus,
    Proposal,
    ProposalCategory,
    ProposalStatus,
)
from consultations.resources import (
    EvaluationResource,
    MeetingResource,
    OutcomeResource,
    ProjectResource,
    ProposalResource,
)
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

AWKWARD = [
    "=SUM(A1:A3)",
    "+86 电话",
    "-减少",
    "@某人",
    "\t缩进",
    '带"引号"和,逗号',
    "两行\n第二行",
    "回车\r\n换行",
    "",
    " 前后空格 ",
    "普通文字",
]


def local(*args):
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def awkward(village, other_village):
    """Records of every stage, each with awkward text and some values missing."""
    names = ("志愿队", "Z队", "=理事会", "阿队")
    units = [OrganizationFactory(area=village, name=name) for name in names]
    people = [PersonFactory(area=village, name=name) for name in ("张三", "-李四")]
    formats = list(MeetingFormat)
    categories = list(ProposalCategory)
    for i, text in enumerate(AWKWARD):
        area = village if i % 2 else other_village
        meeting = MeetingFactory(
            area=area,
            format=formats[i % len(formats)],
            title=text or "无题",
            place=text,
            agenda=text,
            minutes=AWKWARD[-1 - i],
            starts_at=local(2024, 1 + i % 12, 1 + i, 19, 30, 5 * (i % 3), 123456 * (i % 2)),
            host_organization=units[i % len(units)] if i % 3 else None,
            moderator=people[i % 2] if i % 4 else None,
            summary_is_public=bool(i % 2),
        )
        meeting.attending_organizations.set(units[: i % (len(units) + 1)])
        project = ProjectFactory(
            area=area,
            title=text or "无题工程",
            description=text,
            lead_organization=units[i % len(units)] if i % 2 else None,
            budget=Decimal("1234.5") * i,
            actual_start=dt.date(2024, 4, 1) if i % 3 else None,
            status=list(ProjectStatus)[i % 2],
            is_public=bool(i % 3),
        )
        for j, source in enumerate(list(FundingSource)[: i % 4]):
            FundingLineFactory(
                project=project,
                source=source,
                planned=Decimal("100.10") * (j + 1),
                received=Decimal("0.00") if j % 2 else Decimal("99.9"),
            )
        decided = i % 3 == 0
        proposal = ProposalFactory(
            meeting=meeting,
            title=text or "无题建议",
            description=AWKWARD[-1 - i],
            category=categories[i % len(categories)],
            raised_by=people[i % 2] if i % 2 else None,
            status=ProposalStatus.ADOPTED if decided else ProposalStatus.RAISED,
            decided_on=dt.date(2024, 2, 1 + i) if decided else None,
            votes_present=30 if decided else None,
            votes_for=20 if decided else None,
            project=project if decided else None,
        )
        subject = [{"project": project}, {"project": None, "meeting": meeting}]
        subject.append({"project": None, "proposal": proposal})
        EvaluationFactory(
            **subject[i % 3],
            evaluator=list(EvaluatorKind)[i % len(EvaluatorKind)],
            satisfied=i,
            basically_satisfied=i % 3,
            dissatisfied=2 if i % 2 else 0,
            score=Decimal("87.5") if i % 2 == 0 else None,  # no ballots at all for i = 0
            comments=text,
        )
        OutcomeFactory(
            project=project,
            title=text or "无题成果",
            summary=AWKWARD[-1 - i],
            beneficiary_households=i,
            is_published=bool(i % 2),
            disclosed_on=dt.date(2024, 10, 1 + i) if i % 2 else None,
        )


EXPORTS = [
    (Meeting, MeetingResource, ("-starts_at", "-id")),
    (Proposal, ProposalResource, ("meeting__starts_at", "meeting_id", "created_at", "id")),
    (Project, ProjectResource, ("-created_at", "-id")),
    (Evaluation, EvaluationResource, ("-evaluated_on", "-id")),
    (Outcome, OutcomeResource, ("project__area__code", "-disclosed_on", "-id")),
]
IDS = [model.__name__ for model, _resource, _order in EXPORTS]


def reference_rows(resource, queryset, selected=None):
    """Each instance rendered by the Resource (import-export's fields and dehydrate_*)."""
    render = resource.row_renderer(selected)
    return [render(obj) for obj in resource.prepare_export(queryset)]


def reference_csv(resource, queryset, selected=None):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(resource.headers(selected))
    for row in reference_rows(resource, queryset, selected):
        writer.writerow([spreadsheets.csv_text(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def served_csv(resource, queryset, selected=None):
    response = spreadsheets.csv_response(resource, queryset, "export", selected=selected)
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("model", "resource_class", "order"), EXPORTS, ids=IDS)
def test_rows_read_as_values_are_the_rows_the_resource_renders(
    awkward, admin_user, model, resource_class, order, language
):
    with translation.override(language):
        resource = resource_class(user=admin_user)
        queryset = model.objects.order_by(*order)
        fast = list(spreadsheets.rows_of(resource, queryset))
        assert fast == reference_rows(resource, queryset)
    assert len(fast) == len(AWKWARD)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("model", "resource_class", "order"), EXPORTS, ids=IDS)
def test_csv_is_byte_for_byte_what_the_resource_renders(
    awkward, admin_user, model, resource_class, order, language
):
    with translation.override(language):
        resource = resource_class(user=admin_user)
        queryset = model.objects.order_by(*order)
        served = served_csv(resource, queryset)
        assert served == reference_csv(resource, queryset)
    assert served.count(b"'=") >= 1  # formulas neutralised, in both paths


def test_csv_of_selected_columns_matches_too(awkward, admin_user):
    # The admin's export form may leave columns out.
    resource = MeetingResource(user=admin_user)
    queryset = Meeting.objects.order_by("-starts_at", "-id")
    selected = ["title", "starts_at", "attending_organizations", "summary_is_public"]
    served = served_csv(resource, queryset, selected)
    assert served == reference_csv(resource, queryset, selected)
    assert served.splitlines()[0].decode("utf-8-sig").split(",") == resource.headers(selected)


@pytest.mark.parametrize(
    ("model", "resource_class", "order"), [EXPORTS[0], EXPORTS[2]], ids=["Meeting", "Project"]
)
def test_csv_of_the_first_rows_aggregates_theirs(awkward, admin_user, model, resource_class, order):
    # A to-many column (attending organizations, funding) is aggregated in a grouped
    # subquery of its own on PostgreSQL; a slice of the rows must limit it to theirs.
    resource = resource_class(user=admin_user)
    queryset = model.objects.order_by(*order)[:4]
    served = served_csv(resource, queryset)
    assert served == reference_csv(resource, queryset)
    rows = list(csv.reader(io.StringIO(served.decode("utf-8-sig"), newline="")))
    assert len(rows) == 1 + 4
    if connection.vendor == "postgresql":
        statement, _params, settings = spreadsheets.copy_statement(resource, queryset)
        assert settings["max_parallel_workers_per_gather"] == "0"
        # Grouped inside the joined subquery only: the rows themselves are not.
        assert statement.count("GROUP BY") == 1
        assert "GROUP BY" not in statement.split(f"{spreadsheets.PER_ROW} ON")[1]


@pytest.mark.parametrize(("model", "resource_class", "order"), EXPORTS, ids=IDS)
def test_csv_of_no_rows_at_all_is_the_header(admin_user, model, resource_class, order):
    # none() (a user who may see nothing) compiles to no SQL: the header alone.
    resource = resource_class(user=admin_user)
    served = served_csv(resource, model.objects.none().order_by(*order))
    assert served == reference_csv(resource, model.objects.none())
    assert served.count(b"\r\n") == 1


def test_postgresql_writes_the_csv_itself_in_one_statement(awkward, admin_user):
    resource = ProposalResource(user=admin_user)
    queryset = Proposal.objects.order_by("id")
    with CaptureQueriesContext(connection) as queries:
        served_csv(resource, queryset)
    statements = [q["sql"] for q in queries.captured_queries]
    if connection.vendor == "postgresql":
        # In a transaction of its own (a savepoint inside the test's), without JIT, joins
        # reordered among more tables; parallel workers allowed (no to-many column).
        reads = [sql for sql in statements if "SAVEPOINT" not in sql]
        assert reads[0] == spreadsheets.settings_statement(spreadsheets.EXPORT_SETTINGS)
        assert "set_config('jit', 'off', true)" in reads[0]
        assert len(reads) == 2
        assert reads[1].startswith("COPY (SELECT")
    else:
        assert len(statements) == 1  # one SELECT of plain values, read in chunks
        assert "COPY" not in statements[0]


def test_csv_records_end_with_crlf_and_keep_line_breaks_inside_cells(awkward, admin_user):
    resource = MeetingResource(user=admin_user)
    served = served_csv(resource, Meeting.objects.order_by("id"), ["title", "agenda"])
    rows = list(csv.reader(io.StringIO(served.decode("utf-8-sig"), newline="")))
    assert len(rows) == 1 + len(AWKWARD)
    assert ["两行\n第二行", "两行\n第二行"] in rows
    assert ["回车\r\n换行", "回车\r\n换行"] in rows
    assert served.count(b"\r\n") == 1 + len(AWKWARD) + 2  # the records, and two in cells
