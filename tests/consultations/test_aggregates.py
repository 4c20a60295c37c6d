"""The cache of costly figures: kept while the data stands still, recomputed after a change."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.test.utils import CaptureQueriesContext

from consultations import aggregates
from consultations.models import Meeting
from organizations.models import Area, AreaLevel

from ..factories import EvaluationFactory, MeetingFactory, OrganizationFactory, ProposalFactory


def _count_meetings():
    return Meeting.objects.count()


@pytest.mark.django_db
def test_figures_are_kept_until_a_record_changes(village):
    MeetingFactory(area=village)
    first = aggregates.cached("meetings", "all", _count_meetings)
    assert first.value == 1

    # Unchanged data: the stored figures, computing nothing.
    again = aggregates.cached("meetings", "all", lambda: pytest.fail("recomputed"))
    assert again == first

    MeetingFactory(area=village)
    fresh = aggregates.cached("meetings", "all", _count_meetings)
    assert fresh.value == 2
    assert fresh.computed_at >= first.computed_at


@pytest.mark.django_db
def test_an_update_and_a_delete_also_count_as_changes(village):
    meeting = MeetingFactory(area=village)
    aggregates.cached("titles", "all", lambda: "old")
    meeting.title = "新标题"
    meeting.save()
    assert aggregates.cached("titles", "all", lambda: "after save").value == "after save"
    ProposalFactory(meeting=MeetingFactory(area=village)).delete()
    assert aggregates.cached("titles", "all", lambda: "after delete").value == "after delete"


@pytest.mark.django_db
def test_scopes_are_kept_apart(village):
    assert aggregates.cached("n", "area:1", lambda: 1).value == 1
    assert aggregates.cached("n", "area:2", lambda: 2).value == 2
    assert aggregates.cached("n", "area:1", lambda: 3).value == 1


@pytest.mark.django_db(transaction=True)
def test_figures_computed_inside_the_changing_transaction_are_dropped_at_commit(village):
    with transaction.atomic():
        MeetingFactory(area=village)
        # Another request could compute from the old rows now and store them under the
        # version of the moment; the commit must leave that entry behind.
        aggregates.cached("meetings", "all", lambda: "from old rows")
    assert aggregates.cached("meetings", "all", _count_meetings).value == 1


@pytest.mark.django_db
def test_values_stored_by_another_release_are_not_used(monkeypatch):
    assert aggregates.cached("n", "all", lambda: "old code").value == "old code"
    monkeypatch.setattr(aggregates, "release", lambda: "another release")
    assert aggregates.cached("n", "all", lambda: "new code").value == "new code"


@pytest.fixture
def other_county_village(db):
    county = Area.objects.create(code="421222", name="通城县", level=AreaLevel.COUNTY)
    town = Area.objects.create(code="421222100", name="隽水镇", level=AreaLevel.TOWN, parent=county)
    return Area.objects.create(
        code="421222100201", name="城东村", level=AreaLevel.VILLAGE, parent=town
    )


@pytest.mark.django_db
def test_a_change_in_one_county_keeps_the_figures_of_another(village, other_county_village):
    here = aggregates.cached("n", "here", lambda: "here", area=village.parent)
    there = aggregates.cached("n", "there", lambda: "there", area=other_county_village)
    everything = aggregates.cached("n", "all", lambda: "all")

    MeetingFactory(area=village)

    # The county of the new meeting and the figures of everything are computed afresh...
    assert aggregates.cached("n", "here", lambda: "new", area=village.parent).value == "new"
    assert aggregates.cached("n", "all", lambda: "new").value == "new"
    # ...those of another county are not: nothing they read has changed.
    assert aggregates.cached("n", "there", lambda: "new", area=other_county_village) == there
    assert here.value == "here" and everything.value == "all"


@pytest.mark.django_db
def test_records_reached_through_their_meeting_or_subject_renew_their_county(
    village, other_county_village
):
    meeting = MeetingFactory(area=village)
    proposal = ProposalFactory(meeting=meeting)
    for change in (
        lambda: proposal.save(),
        lambda: EvaluationFactory(meeting=meeting, project=None),
        lambda: meeting.attending_organizations.add(OrganizationFactory(area=village)),
    ):
        aggregates.cached("n", "here", lambda: "old", area=village)
        aggregates.cached("n", "there", lambda: "kept", area=other_county_village)
        change()
        assert aggregates.cached("n", "here", lambda: "new", area=village).value == "new"
        assert aggregates.cached("n", "there", lambda: "x", area=other_county_village).value == (
            "kept"
        )


@pytest.mark.django_db
def test_a_meeting_moved_to_another_county_renews_both(village, other_county_village):
    meeting = MeetingFactory(area=village)
    aggregates.cached("n", "here", lambda: "old", area=village)
    aggregates.cached("n", "there", lambda: "old", area=other_county_village)
    meeting.area = other_county_village
    meeting.save()
    assert aggregates.cached("n", "here", lambda: "new", area=village).value == "new"
    assert aggregates.cached("n", "there", lambda: "new", area=other_county_village).value == "new"


@pytest.mark.django_db
def test_a_deleted_record_renews_the_county_it_was_in(village, other_county_village):
    proposal = ProposalFactory(meeting=MeetingFactory(area=village))
    aggregates.cached("n", "here", lambda: "old", area=village)
    aggregates.cached("n", "there", lambda: "kept", area=other_county_village)
    proposal.delete()
    assert aggregates.cached("n", "here", lambda: "new", area=village).value == "new"
    assert aggregates.cached("n", "there", lambda: "x", area=other_county_village).value == "kept"


@pytest.mark.django_db
def test_a_change_whose_county_is_unknown_renews_every_county(village, monkeypatch):
    aggregates.cached("n", "here", lambda: "old", area=village)
    monkeypatch.setattr(aggregates, "_counties_of", lambda model, pk: None)
    MeetingFactory(area=village)
    assert aggregates.cached("n", "here", lambda: "new", area=village).value == "new"


@pytest.mark.django_db
def test_a_request_reads_each_version_once_and_sees_its_own_changes(village, monkeypatch):
    aggregates.version(village)  # the cache holds the versions
    reads = []
    get_many = aggregates.cache.get_many
    monkeypatch.setattr(
        aggregates.cache, "get_many", lambda keys: reads.append(keys) or get_many(keys)
    )
    # As Django's test client does: the real handlers would close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_started.send(sender=None)
    try:
        first = aggregates.version(village)
        assert aggregates.version(village) == first
        assert len(reads) == 1
        MeetingFactory(area=village)  # renews the county's version, in this request too
        assert aggregates.version(village) != first
        assert len(reads) == 1
    finally:
        request_finished.send(sender=None)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    # Outside a request every read asks the cache.
    aggregates.version(village)
    aggregates.version(village)
    assert len(reads) == 3


@pytest.mark.django_db
def test_a_new_record_holding_its_area_is_placed_without_asking_the_database(village):
    meeting = MeetingFactory(area=village)
    aggregates.cached("n", "here", lambda: "old", area=village)
    with CaptureQueriesContext(connection) as captured:
        ProposalFactory(meeting=meeting, raised_by=None)
    # The proposal holds its meeting, which holds its area: no query reads an area's code.
    assert not [q["sql"] for q in captured if '"organizations_area"."code"' in q["sql"]]
    assert aggregates.cached("n", "here", lambda: "new", area=village).value == "new"


@pytest.mark.django_db
def test_attendance_changed_from_the_organizations_side_renews_the_meetings_county(
    village, other_county_village
):
    meeting = MeetingFactory(area=village)
    organization = OrganizationFactory(area=other_county_village)
    aggregates.cached("n", "here", lambda: "old", area=village)
    aggregates.cached("n", "there", lambda: "old", area=other_county_village)
    organization.attended_meetings.add(meeting)
    assert aggregates.cached("n", "here", lambda: "new", area=village).value == "new"
    assert aggregates.cached("n", "there", lambda: "new", area=other_county_village).value == "new"


def test_a_restore_renews_every_figure(village, other_county_village):
    # After import_backup (pg_restore writes without model signals), nothing kept is used.
    before = [
        aggregates.version(),
        aggregates.version(village),
        aggregates.version(other_county_village),
    ]
    aggregates.renew_everything()
    after = [
        aggregates.version(),
        aggregates.version(village),
        aggregates.version(other_county_village),
    ]
    assert all(old != new for old, new in zip(before, after, strict=True))
