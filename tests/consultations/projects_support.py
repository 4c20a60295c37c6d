"""Helpers shared by the tests of the 共建 共管 共评 共享 project pages."""

import datetime as dt
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations.models import ProposalStatus
from tests.factories import MeetingFactory, ProposalFactory

NOW = dt.datetime(2024, 10, 31, 1, 30, tzinfo=dt.UTC)  # 09:30 on 31 October in Shanghai
TODAY = dt.date(2024, 10, 31)
HUGE = str(10**20)
LONG = "长" * 100_000


@pytest.fixture(autouse=True)
def _english(settings):
    # Messages are asserted in their English source text.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def adopted(area, **kwargs):
    """An adopted proposal of a meeting in ``area``, not yet carried out by a project."""
    return ProposalFactory(
        meeting=MeetingFactory(area=area),
        status=ProposalStatus.ADOPTED,
        decided_on=dt.date(2024, 3, 1),
        **kwargs,
    )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def text(response):
    """The page as a reader sees it: entities such as &#x27; turned back into characters."""
    return html.unescape(response.content.decode())


def management(prefix, total, initial=0, max_num=8):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": str(max_num),
    }
