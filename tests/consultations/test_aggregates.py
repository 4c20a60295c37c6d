"""The cache of costly figures: kept while the data stands still, recomputed after a change."""

import pytest
from django.db import transaction

from consultations import aggregates
from consultations.models import Meeting

from ..factories import MeetingFactory, ProposalFactory


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
