"""The main list filters are served by indexes on PostgreSQL (EXPLAIN of the ORM's queries).

A county of the province generator (devtools.demo.scale) gives a few thousand rows,
then ANALYZE. On tables this small the planner may rightly prefer reading the whole table,
so each EXPLAIN runs with ``SET LOCAL enable_seqscan = off``: the question is whether an
index *can* serve the filter, not whether it pays at this size (at province scale it must).
"""

import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from consultations.models import (
    Evaluation,
    Meeting,
    MeetingFormat,
    Outcome,
    Proposal,
    ProposalStatus,
)
from core.pagination import ListPaginator
from devtools.demo import scale
from organizations.models import Area

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's; CI runs it there"
)


@pytest.fixture
def province(db):
    spec = scale.Spec(meetings=3000, villages_per_county=25)
    scale.seed_province(spec, today=timezone.localdate(), vacuum=False)
    with connection.cursor() as cursor:
        for model in scale.MODELS:
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return Area.objects.get(code=scale.county_code(1))


def plan_of(queryset, *, discourage_seqscan=True):
    """(index names used, tables read whole) in the plan of ``queryset``."""
    if discourage_seqscan:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
    plan = queryset.explain(format="json")
    indexes, seq_scans = set(), set()

    def walk(node):
        if "Index Name" in node:
            indexes.add(node["Index Name"])
        if node.get("Node Type") == "Seq Scan":
            seq_scans.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(json.loads(plan)[0]["Plan"])
    return indexes, seq_scans


def first_page(queryset):
    return queryset[:25]


def test_area_subtree_uses_the_code_prefix_index_and_the_meeting_area_index(province):
    # A town (below a county, whose rows are read by their county code, next test).
    # Unordered: which rows, not in which order (ordered by start, the planner may walk the
    # start index instead and check each row's area, which the other tests cover).
    town = Area.objects.filter(parent=province).first()
    indexes, seq_scans = plan_of(Meeting.objects.within(town).order_by())
    assert indexes & {
        "meeting_area_start_idx",
        "meeting_county_start_idx",
        "consultations_meeting_area_id_58f6f544",
    }
    assert not seq_scans
    # The areas side of that join: with seq scans off the planner may still prefer walking
    # the (tiny) area table's primary key, so the prefix match is checked on its own query.
    indexes, seq_scans = plan_of(Area.objects.subtree(town).values("pk"))
    assert any(name.startswith("organizations_area_code") for name in indexes), indexes
    assert not seq_scans


@pytest.mark.parametrize(
    ("model", "order", "index"),
    [
        (Meeting, ("-starts_at", "-id"), "meeting_county_start_idx"),
        (Proposal, ("-created_at", "-id"), "proposal_county_created_idx"),
    ],
    ids=["meetings", "proposals"],
)
def test_a_countys_newest_page_is_one_range_of_its_county_index(province, model, order, index):
    # County staff's list: the county's rows in list order from the index on (county code,
    # date, id), nothing sorted and no join to the areas (the province's newest rows are not
    # walked to find the county's).
    queryset = model.objects.within(province).order_by(*order)
    assert queryset.count() > 25
    nodes = _node_types(first_page(queryset))
    assert nodes[0][0] == "Limit"
    assert {name for _type, name in nodes} == {None, index}
    assert not {kind for kind, _name in nodes} & {"Sort", "Incremental Sort", "Seq Scan"}


def test_date_range_on_start_uses_the_start_index(province):
    start = timezone.now() - dt.timedelta(days=400)
    queryset = Meeting.objects.held_between(start, start + dt.timedelta(days=31))
    indexes, seq_scans = plan_of(first_page(queryset.order_by("-starts_at", "-id")))
    assert "meeting_start_idx" in indexes
    assert not seq_scans


def test_meeting_format_uses_the_format_and_start_index(province):
    queryset = Meeting.objects.filter(format=MeetingFormat.JOINT_TALK).order_by("-starts_at")
    indexes, seq_scans = plan_of(first_page(queryset))
    assert "meeting_format_start_idx" in indexes
    assert not seq_scans


def test_proposal_status_uses_the_status_index(province):
    queryset = Proposal.objects.with_status(ProposalStatus.REFERRED).order_by("-created_at")
    indexes, seq_scans = plan_of(first_page(queryset))
    assert "proposal_status_created_idx" in indexes
    assert not seq_scans


def test_the_plan_reader_sees_a_sequential_scan_when_no_index_fits(province):
    """The checks above could not pass vacuously: the plan reader does report a table read
    whole, as a filter on an unindexed column is when sequential scans are allowed."""
    queryset = Meeting.objects.filter(place="村委会会议室")
    _indexes, seq_scans = plan_of(queryset, discourage_seqscan=False)
    assert seq_scans == {"consultations_meeting"}


def test_proposal_list_default_order_uses_the_newest_first_index(province):
    queryset = Proposal.objects.order_by("-created_at", "-id")
    indexes, seq_scans = plan_of(first_page(queryset))
    assert "proposal_created_idx" in indexes
    assert not seq_scans


def _node_types(queryset):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = json.loads(queryset.explain(format="json"))[0]["Plan"]
    found = []

    def walk(node):
        found.append((node.get("Node Type"), node.get("Index Name")))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return found


def test_a_deep_page_finds_its_ids_from_the_index_alone(province):
    # ListPaginator's deferred join (core/pagination.py): the ids of page 100 come from the
    # index on (starts_at, id), and only those 25 meetings are read whole. (Index-only once
    # VACUUM has set the visibility map, which a test's transaction cannot do.)
    ordered = Meeting.objects.select_related("area").order_by("-starts_at", "-id")
    page = ListPaginator(ordered, 25, count_cap=10).page(100)
    nodes = _node_types(page.object_list)
    indexes = {index for _type, index in nodes}
    # The ids from an index holding (starts_at, id): at province scale the ordering index
    # meeting_start_idx; on this small table the planner may take meeting_area_start_idx,
    # which holds them too, and sort. The rows by id.
    assert indexes & {"meeting_start_idx", "meeting_area_start_idx"}
    assert "consultations_meeting_pkey" in indexes
    assert ("Seq Scan", None) not in nodes


def test_a_status_filtered_proposal_list_walks_the_status_index_newest_first(province):
    queryset = Proposal.objects.filter(status=ProposalStatus.REFERRED).order_by(
        "-created_at", "-id"
    )
    indexes, seq_scans = plan_of(first_page(queryset))
    assert "proposal_status_created_idx" in indexes
    assert not seq_scans


@pytest.mark.parametrize(
    ("model", "index"),
    [(Evaluation, "evaluation_date_idx"), (Outcome, "outcome_disclosed_idx")],
    ids=["evaluations", "outcomes"],
)
def test_newest_first_lists_read_their_first_page_in_index_order(province, model, index):
    # The default order (latest evaluation day, latest disclosure first; then the id), as the
    # admin lists them: the page comes from the index in order, with nothing sorted (an
    # index on the date alone leaves each day's rows to sort by id).
    queryset = model.objects.order_by(*model._meta.ordering)
    assert queryset.count() > 25
    nodes = _node_types(first_page(queryset))
    assert nodes[0][0] == "Limit"
    assert nodes[1][0] in {"Index Scan", "Index Only Scan"}
    assert {name for _type, name in nodes} == {None, index}
    assert not {kind for kind, _name in nodes} & {"Sort", "Incremental Sort", "Seq Scan"}


def test_a_countys_proposals_awaiting_a_project_come_from_their_partial_index(province):
    # The new project form's choices: the county's adopted proposals no project carries out
    # yet, latest decision first, from the partial index in its order (not the county's
    # 20,000 proposals filtered and sorted, 27 ms at province scale).
    queryset = (
        Proposal.objects.within(province).adopted_without_project().order_by("-decided_on", "-id")
    )
    assert queryset.count() > 25
    nodes = _node_types(first_page(queryset))
    assert {name for _type, name in nodes} == {None, "proposal_awaiting_project_idx"}
    assert not {kind for kind, _name in nodes} & {"Sort", "Incremental Sort", "Seq Scan"}


def test_the_county_index_of_proposals_holds_their_status(province):
    # County staff's dashboard counts by status read that range alone (at province scale:
    # 7 ms, where ANDing it with the province's 255,000 undecided proposals of the status
    # index took 72). This small database holds too few counties for the planner to show
    # that choice; the index's definition shows what it can answer.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef('proposal_county_created_idx'::regclass)")
        definition = cursor.fetchone()[0]
    assert "(county_code, created_at, id) INCLUDE (status)" in definition


def test_a_countys_overdue_referrals_read_its_partial_index_alone(province):
    queryset = (
        Proposal.objects.within(province)
        .referral_overdue(timezone.localdate())
        .order_by()
        .values("pk")
    )
    assert queryset.exists()
    indexes, seq_scans = plan_of(queryset)
    assert indexes == {"proposal_county_referral_idx"}
    assert not seq_scans
