"""共评 evaluation pages: a project's evaluation from the paper ballot tallies.

Scope (404 for another village's project and evaluations) is tested with every project page
in test_project_pages.py.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from consultations.models import Evaluation, EvaluatorKind
from tests.factories import EvaluationFactory, ProjectFactory

from .projects_support import HUGE, _english, _frozen_now, count_queries, text  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def vc_client(client, village_committee):
    client.force_login(village_committee)
    return client


@pytest.fixture
def project(village):
    return ProjectFactory(area=village, title="孙家湾通湾公路硬化")


def evaluation_data(**overrides):
    data = {
        "evaluator": EvaluatorKind.VILLAGERS_ASSEMBLY,
        "evaluated_on": "2024-10-30",
        "satisfied": "45",
        "basically_satisfied": "3",
        "dissatisfied": "2",
        "score": "",
        "comments": "路修好了，出行方便多了。",
    }
    data.update(overrides)
    return data


def test_evaluation_page_explains_the_tallies(vc_client, project):
    response = vc_client.get(reverse("project_evaluation_create", args=[project.pk]))
    assert response.status_code == 200
    assert "Count the paper ballots" in text(response)
    assert 'value="2024-10-31"' in text(response)


def test_evaluation_from_paper_tallies_shows_its_satisfaction_rate(
    vc_client, village_committee, project
):
    response = vc_client.post(
        reverse("project_evaluation_create", args=[project.pk]), evaluation_data()
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("project_detail", args=[project.pk]) + "#evaluations"
    evaluation = Evaluation.objects.get()
    assert (evaluation.project, evaluation.created_by) == (project, village_committee)
    assert (evaluation.satisfied, evaluation.basically_satisfied, evaluation.dissatisfied) == (
        45,
        3,
        2,
    )
    page = text(vc_client.get(reverse("project_detail", args=[project.pk])))
    assert "96.0%" in page  # (45 + 3) of 50
    assert "路修好了，出行方便多了。" in page


def test_all_zero_tallies_without_a_score_are_refused(vc_client, project):
    response = vc_client.post(
        reverse("project_evaluation_create", args=[project.pk]),
        evaluation_data(satisfied="0", basically_satisfied="0", dissatisfied="0"),
    )
    assert response.status_code == 200
    assert (
        "No ballots were counted and no score was given: enter the ballot tallies or a score."
        in text(response)
    )
    assert "路修好了，出行方便多了。" in text(response)
    assert not Evaluation.objects.exists()


def test_a_score_alone_is_enough_and_shows_no_rate(vc_client, project):
    response = vc_client.post(
        reverse("project_evaluation_create", args=[project.pk]),
        evaluation_data(
            evaluator=EvaluatorKind.THIRD_PARTY,
            satisfied="0",
            basically_satisfied="0",
            dissatisfied="0",
            score="88.5",
        ),
    )
    assert response.status_code == 302
    assert Evaluation.objects.get().score == Decimal("88.5")
    page = text(vc_client.get(reverse("project_detail", args=[project.pk])))
    assert "88.50" in page
    assert "<strong>—</strong>" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"score": "101"}, "The score is between 0 and 100."),
        ({"score": "-1"}, "The score is between 0 and 100."),
        ({"score": HUGE}, "Ensure that there are no more than 5 digits in total."),
        ({"score": "NaN"}, "Enter a number."),
        ({"satisfied": "-3"}, "Ensure this value is greater than or equal to 0."),
        ({"satisfied": HUGE}, "Ensure this value is less than or equal to"),
        ({"dissatisfied": "两"}, "Enter a whole number."),
        ({"satisfied": ""}, "This field is required."),
        ({"evaluator": "the_boss"}, "Select a valid choice."),
        ({"evaluated_on": "2024-10-32"}, "Enter a valid date."),
    ],
)
def test_bad_evaluation_input_is_refused_without_saving(vc_client, project, overrides, message):
    response = vc_client.post(
        reverse("project_evaluation_create", args=[project.pk]), evaluation_data(**overrides)
    )
    assert response.status_code == 200
    assert message in text(response)
    # A bad figure is named; "no ballots" is not claimed on top of it.
    assert "No ballots were counted" not in text(response)
    assert not Evaluation.objects.exists()


def test_chinese_dates_are_accepted(vc_client, project, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = vc_client.post(
        reverse("project_evaluation_create", args=[project.pk]),
        evaluation_data(evaluated_on="2024年9月5日"),
    )
    assert response.status_code == 302
    assert Evaluation.objects.get().evaluated_on == dt.date(2024, 9, 5)


def test_evaluation_is_edited(vc_client, project):
    evaluation = EvaluationFactory(project=project)
    response = vc_client.post(
        reverse("project_evaluation_edit", args=[evaluation.pk]),
        evaluation_data(dissatisfied="10"),
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.dissatisfied == 10
    assert evaluation.satisfaction_rate == Decimal("82.8")  # 48 of 58


def test_evaluation_of_a_meeting_is_not_edited_here(vc_client, village):
    from tests.factories import MeetingFactory

    evaluation = EvaluationFactory(project=None, meeting=MeetingFactory(area=village))
    assert (
        vc_client.get(reverse("project_evaluation_edit", args=[evaluation.pk])).status_code == 404
    )


def test_evaluation_form_queries_do_not_grow(vc_client, project):
    evaluation = EvaluationFactory(project=project)
    urls = [
        reverse("project_evaluation_create", args=[project.pk]),
        reverse("project_evaluation_edit", args=[evaluation.pk]),
    ]
    small = [count_queries(vc_client, url) for url in urls]
    EvaluationFactory.create_batch(10, project=project)
    # session, user with their area, the project (or the evaluation with its project).
    assert [count_queries(vc_client, url) for url in urls] == small == [3, 3]
