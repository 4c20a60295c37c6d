"""The report pages and workbook: every figure against a small fixture computed by hand.

The fixture (October 2024, Beijing time) in numbers, which the tests below refer to:

Areas: 嘉鱼县 > 高铁岭镇 > 陆水村 (> 孙家), 白湖村; 嘉鱼县 > 官桥镇 > 官桥村.
Meetings held in October:
  M1 陆水村 courtyard  1 Oct 07:30 (30 Sep in UTC)  30 = party 5 + villagers 20 (+5 not broken down)
  M2 孙家   evening    15 Oct                        20 = party 4 + worthies 6 + villagers 10
  M3 白湖村 courtyard  20 Oct                        10 = villagers 10
  M4 官桥村 hall       31 Oct 23:30 (still October)  40 = party 10 + intellectuals 2
                                                         + new class 3 + villagers 25
Outside October: M5 陆水村 1 Nov 00:30 (31 Oct in UTC), M6 陆水村 30 Sep 23:59.
Proposals raised in October (at M1-M4): P1 adopted 3 Oct → J1; P2 rejected 11 Oct; P3 raised;
  P4 adopted 19 Oct, no project; P5 referred, due 25 Oct, no reply; P6 adopted 21 Oct → J2;
  P7 under deliberation. Raised at M6 (September): P8 adopted 5 Oct → J3; P10 referred, due
  10 Oct, replied 5 Nov; P11 referred, due 10 Oct, replied 9 Oct.
Projects at work in October: J1 陆水村 5-28 Oct completed; J2 白湖村 from 22 Oct, 40%;
  J3 陆水村 6-25 Oct completed; J6 官桥村 suspended at 60%. Not at work: J4 (planned for
  December), J5 (completed in September).
"""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consultations.admin.targets import TargetForm
from consultations.models import (
    FundingSource,
    MeetingFormat,
    ProjectStatus,
    ProposalStatus,
    Target,
    TargetMetric,
)
from consultations.reports import Period, Scope, build_report
from core import cache as figures
from organizations.models import Area, AreaLevel
from tests.factories import (
    EvaluationFactory,
    FundingLineFactory,
    MeetingFactory,
    OrganizationFactory,
    OutcomeFactory,
    ProjectFactory,
    ProposalFactory,
    StewardshipFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

OCTOBER = Period.month(2024, 10)
D = dt.date
TODAY = D(2025, 1, 15)


def at(month, day, hour=9, minute=0):
    return timezone.make_aware(dt.datetime(2024, month, day, hour, minute))


@pytest.fixture
def guanqiao_village(other_town):
    return Area.objects.create(
        code="421221102201", name="官桥村", level=AreaLevel.VILLAGE, parent=other_town
    )


@pytest.fixture
def world(county, town, village, hamlet, other_village, other_town, guanqiao_village):
    S = FundingSource
    unit = OrganizationFactory(area=town, name="镇交通办")
    m1 = MeetingFactory(
        area=village, format=MeetingFormat.COURTYARD, starts_at=at(10, 1, 7, 30),
        attendance_total=30, attendance_party_member=5, attendance_villager=20,
    )  # fmt: skip
    m2 = MeetingFactory(
        area=hamlet, format=MeetingFormat.EVENING_TALK, starts_at=at(10, 15, 19),
        attendance_total=20, attendance_party_member=4, attendance_village_worthy=6,
        attendance_villager=10,
    )  # fmt: skip
    m3 = MeetingFactory(
        area=other_village, format=MeetingFormat.COURTYARD, starts_at=at(10, 20),
        attendance_total=10, attendance_party_member=0, attendance_villager=10,
    )  # fmt: skip
    m4 = MeetingFactory(
        area=guanqiao_village, format=MeetingFormat.AFFAIRS_HALL, starts_at=at(10, 31, 23, 30),
        attendance_total=40, attendance_party_member=10, attendance_non_party_intellectual=2,
        attendance_new_social_class=3, attendance_villager=25,
    )  # fmt: skip
    MeetingFactory(area=village, starts_at=at(11, 1, 0, 30), attendance_total=50)  # M5
    m6 = MeetingFactory(area=village, starts_at=at(9, 30, 23, 59))

    j1 = ProjectFactory(
        area=village, actual_start=D(2024, 10, 5), actual_end=D(2024, 10, 28), progress=100,
        status=ProjectStatus.COMPLETED,
    )  # fmt: skip
    j2 = ProjectFactory(
        area=other_village, actual_start=D(2024, 10, 22), progress=40,
        status=ProjectStatus.IN_PROGRESS,
    )  # fmt: skip
    j3 = ProjectFactory(
        area=village, actual_start=D(2024, 10, 6), actual_end=D(2024, 10, 25), progress=100,
        status=ProjectStatus.COMPLETED,
    )  # fmt: skip
    ProjectFactory(  # J4: planned for December
        area=guanqiao_village, planned_start=D(2024, 12, 1), planned_end=D(2024, 12, 31)
    )
    j5 = ProjectFactory(
        area=village, actual_start=D(2024, 8, 1), actual_end=D(2024, 9, 20), progress=100,
        status=ProjectStatus.COMPLETED,
    )  # fmt: skip
    j6 = ProjectFactory(
        area=guanqiao_village, actual_start=D(2024, 8, 1), progress=60,
        status=ProjectStatus.SUSPENDED,
    )  # fmt: skip

    def proposal(meeting, status, **fields):
        return ProposalFactory(meeting=meeting, status=status, **fields)

    adopted, rejected, referred = (
        ProposalStatus.ADOPTED,
        ProposalStatus.REJECTED,
        ProposalStatus.REFERRED,
    )
    proposal(m1, adopted, decided_on=D(2024, 10, 3), project=j1)  # P1
    proposal(m1, rejected, decided_on=D(2024, 10, 11), rejection_reason="资金不足")  # P2
    proposal(m1, ProposalStatus.RAISED)  # P3
    proposal(m2, adopted, decided_on=D(2024, 10, 19))  # P4
    proposal(m2, referred, referred_to=unit, referral_due_on=D(2024, 10, 25))  # P5
    proposal(m3, adopted, decided_on=D(2024, 10, 21), project=j2)  # P6
    p7 = proposal(m4, ProposalStatus.DELIBERATING)  # P7
    proposal(m6, adopted, decided_on=D(2024, 10, 5), project=j3)  # P8
    proposal(m6, referred, referred_to=unit, referral_due_on=D(2024, 10, 10),
             reply="已办", replied_at=at(11, 5))  # P10  # fmt: skip
    proposal(m6, referred, referred_to=unit, referral_due_on=D(2024, 10, 10),
             reply="已办", replied_at=at(10, 9))  # P11  # fmt: skip

    StewardshipFactory(project=j1, organization=unit)
    StewardshipFactory(project=j2, organization=unit)
    OutcomeFactory(project=j1, is_published=True, disclosed_on=D(2024, 10, 30),
                   beneficiary_households=86, beneficiary_people=310)  # fmt: skip
    OutcomeFactory(project=j2, is_published=False, disclosed_on=D(2024, 10, 15))
    OutcomeFactory(project=j3, is_published=True, disclosed_on=D(2024, 11, 3))

    EvaluationFactory(project=j1, evaluated_on=D(2024, 10, 29),
                      satisfied=40, basically_satisfied=8, dissatisfied=2)  # E1  # fmt: skip
    EvaluationFactory(project=None, meeting=m3, evaluated_on=D(2024, 10, 21),
                      satisfied=5, basically_satisfied=0, dissatisfied=5)  # E2  # fmt: skip
    EvaluationFactory(project=None, proposal=p7, evaluated_on=D(2024, 10, 31),
                      satisfied=18, basically_satisfied=0, dissatisfied=2)  # E3  # fmt: skip
    EvaluationFactory(project=j1, evaluated_on=D(2024, 11, 2))  # E4, November
    EvaluationFactory(project=None, meeting=m1, evaluated_on=D(2024, 10, 30), score=80,
                      satisfied=0, basically_satisfied=0, dissatisfied=0)  # E5  # fmt: skip

    for project, source, planned, received in [
        (j1, S.VILLAGERS_RAISED, 10000, 8000),
        (j1, S.LABOUR, 20, 10),  # days
        (j1, S.REWARD_SUBSIDY, 30000, 20000),
        (j1, S.VILLAGE_COLLECTIVE, 5000, 5000),
        (j2, S.MATERIALS, 2000, 1000),
        (j2, S.DONATIONS, 3000, 3000),
        (j2, S.DEPARTMENT_FUNDS, 10000, 0),
        (j6, S.TOWN_VILLAGE_SUBSIDY, 5000, 5000),
        (j5, S.VILLAGERS_RAISED, 99999, 99999),  # J5 is not at work in October
    ]:
        FundingLineFactory(project=project, source=source, planned=planned, received=received)

    year = {"period_start": D(2024, 1, 1), "period_end": D(2024, 12, 31)}
    M = TargetMetric
    targets = {
        "T1": Target.objects.create(area=town, metric=M.MEETINGS_PER_VILLAGE_MONTH, value=1,
                                    meeting_format=MeetingFormat.COURTYARD, **year),
        "T2": Target.objects.create(area=county, metric=M.MEETINGS_PER_VILLAGE_MONTH, value=2,
                                    period_start=D(2024, 10, 1), period_end=D(2024, 12, 31)),
        "T3": Target.objects.create(area=county, metric=M.SATISFACTION_RATE, value=90, **year),
        "T4": Target.objects.create(area=village, metric=M.ADOPTION_RATE, value=50, **year),
        "T5": Target.objects.create(area=other_town, metric=M.ADOPTION_RATE, value=50, **year),
        "T6": Target.objects.create(area=village, metric=M.ADOPTED_STARTED_WITHIN_DAYS,
                                    value=10, **year),
        "T7": Target.objects.create(area=town, metric=M.VILLAGER_FUNDING_SHARE, value=40, **year),
        "T8": Target.objects.create(area=county, metric=M.SATISFACTION_RATE, value=90,
                                    period_start=D(2023, 1, 1), period_end=D(2023, 12, 31)),
    }  # fmt: skip
    return {"targets": targets, "j1": j1}


def report_for(user, area, period=OCTOBER, yuan=Decimal(150), **kwargs):
    scope = Scope(user=user, area=area, period=period, labour_day_yuan=yuan, today=TODAY)
    return build_report(scope, **kwargs)


# --- meetings and attendance -----------------------------------------------------------


def test_meetings_by_month_and_format_count_beijing_days(world, admin_user, county):
    m = report_for(admin_user, county).meetings
    # M1-M4: M1 at 07:30 on 1 Oct and M4 at 23:30 on 31 Oct are October in Beijing; M5
    # (00:30 on 1 Nov) and M6 (23:59 on 30 Sep) are not, whatever UTC says.
    assert m["count"] == 4
    assert m["by_month"] == [{"month": D(2024, 10, 1), "count": 4}]
    assert {row["format"]: row["count"] for row in m["by_format"]} == {
        "courtyard": 2,  # M1, M3
        "evening_talk": 1,  # M2
        "affairs_hall": 1,  # M4
        "joint_talk": 0,
        "other": 0,
    }


def test_attendance_by_category_and_share(world, admin_user, county):
    m = report_for(admin_user, county).meetings
    assert m["attendance"] == 100  # 30 + 20 + 10 + 40
    assert m["per_meeting"] == 25.0  # 100 / 4
    by_label = {str(row["label"]): (row["count"], row["share"]) for row in m["by_category"]}
    assert by_label["中共党员"] == (19, 19.0)  # 5 + 4 + 0 + 10 of 100
    assert by_label["党外知识分子"] == (2, 2.0)
    assert by_label["新的社会阶层人士"] == (3, 3.0)
    assert by_label["乡贤"] == (6, 6.0)
    assert by_label["群众"] == (65, 65.0)  # 20 + 10 + 10 + 25
    assert by_label["民主党派成员"] == (0, 0.0)
    assert (m["not_broken_down"], m["not_broken_down_share"]) == (5, 5.0)  # M1: 30 - 25


def test_meetings_per_month_over_a_quarter_list_every_month(world, admin_user, county):
    m = report_for(admin_user, county, Period.quarter(2024, 4)).meetings
    # October M1-M4, November M5, December none.
    assert [row["count"] for row in m["by_month"]] == [4, 1, 0]


# --- proposals, medians, referrals, funnel ---------------------------------------------


def test_proposals_by_status_and_adoption_rate(world, admin_user, county):
    p = report_for(admin_user, county).proposals
    assert p["raised"] == 7  # P1-P7, raised at October's meetings
    assert {row["status"]: row["count"] for row in p["by_status"]} == {
        "raised": 1,
        "deliberating": 1,
        "adopted": 3,  # P1, P4, P6
        "rejected": 1,
        "referred": 1,
    }
    assert (p["adopted"], p["decided"]) == (3, 4)
    assert p["adoption_rate"] == 75.0  # 3 / (3 + 1); the referral is no decision


def test_median_days_to_decision_odd_count(world, admin_user, county):
    p = report_for(admin_user, county).proposals
    # Decided in October: P1 2 days (1 Oct Beijing, not 30 Sep UTC, to 3 Oct), P2 10,
    # P4 4, P6 1, P8 5 (its meeting was in September) → 1 2 4 5 10 → 4.
    assert p["median_days_to_decision"] == 4.0


def test_median_days_to_decision_even_count(world, admin_user, village):
    p = report_for(admin_user, village).proposals
    # In 陆水村: P1 2, P2 10, P4 4, P8 5 → 2 4 5 10 → (4 + 5) / 2.
    assert p["median_days_to_decision"] == 4.5


def test_median_days_from_decision_to_completion(world, admin_user, county):
    p = report_for(admin_user, county).proposals
    # Completed in October: J1 28 Oct - P1 3 Oct = 25; J3 25 Oct - P8 5 Oct = 20 → 22.5.
    assert p["median_days_to_completion"] == 22.5


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], None), ([7], 7.0), ([9, 1, 5], 5.0), ([10, 1, 4, 3], 3.5), ([2, 2, 8, 8], 5.0)],
)
def test_median_on_odd_and_even_counts(admin_user, village, values, expected):
    meeting = MeetingFactory(area=village, starts_at=at(10, 1))
    for days in values:
        ProposalFactory(
            meeting=meeting,
            status=ProposalStatus.ADOPTED,
            decided_on=D(2024, 10, 1) + dt.timedelta(days=days),
        )
    proposals = report_for(admin_user, village).proposals
    assert proposals["median_days_to_decision"] == expected


def test_overdue_referrals_as_of_the_periods_last_day(world, admin_user, county):
    p = report_for(admin_user, county).proposals
    # P5 (due 25 Oct, no reply) and P10 (due 10 Oct, replied 5 Nov) were overdue on 31 Oct;
    # P11 replied before its due date.
    assert p["overdue_referrals"] == 2
    assert p["overdue_as_of"] == D(2024, 10, 31)


def test_five_stage_funnel_of_the_matters_raised(world, admin_user, county):
    funnel = report_for(admin_user, county).proposals["funnel"]
    assert [(row["stage"], row["count"]) for row in funnel] == [
        ("raised", 7),
        ("decided", 4),  # P1 P2 P4 P6
        ("project", 2),  # P1 → J1, P6 → J2
        ("stewardship", 2),  # J1, J2
        ("evaluation", 1),  # J1 (E1, E4)
        ("outcome", 1),  # J1 published; J2's outcome is not
    ]
    assert [round(row["share"], 1) for row in funnel] == [100.0, 57.1, 28.6, 28.6, 14.3, 14.3]


# --- projects and funding --------------------------------------------------------------


def test_projects_at_work_by_status_and_progress(world, admin_user, county):
    pr = report_for(admin_user, county).projects
    assert pr["count"] == 4  # J1 J2 J3 J6; not J4 (December) nor J5 (September)
    assert {row["status"]: row["count"] for row in pr["by_status"]} == {
        "planned": 0,
        "in_progress": 1,
        "suspended": 1,
        "completed": 2,
    }
    assert pr["completed_in_period"] == 2  # J1, J3
    assert pr["completion_rate"] == 50.0  # 2 / 4
    assert pr["average_progress"] == 75.0  # (100 + 40 + 100 + 60) / 4
    assert [row["count"] for row in pr["progress_buckets"]] == [0, 1, 1, 2]


def test_funding_by_source_planned_and_received(world, admin_user, county):
    by_source = {row["source"]: row for row in report_for(admin_user, county).projects["by_source"]}
    assert (by_source["reward_subsidy"]["planned"], by_source["reward_subsidy"]["received"]) == (
        Decimal("30000.00"),
        Decimal("20000.00"),
    )
    assert round(by_source["reward_subsidy"]["received_share"], 1) == 66.7  # 20000 / 30000
    assert by_source["labour"]["received"] == Decimal("10")  # days
    assert by_source["department_funds"]["received_share"] == 0.0  # 0 of 10000
    # J5's 99999 is not counted: J5 was done in September.
    assert by_source["villagers_raised"]["planned"] == Decimal("10000.00")


def test_villagers_against_government_money(world, admin_user, county):
    f = report_for(admin_user, county).projects["funding"]
    # Received: villagers 8000 + 10 days × 150 + 1000 + 3000 = 13500;
    # government 20000 + 0 + 5000 = 25000; the collective's 5000 counts in neither.
    assert f["villagers_received"] == Decimal("13500.00")
    assert f["government_received"] == Decimal("25000.00")
    assert f["collective_received"] == Decimal("5000.00")
    assert f["labour_value_received"] == Decimal("1500.00")
    assert f["leverage_received"] == pytest.approx(0.54)  # 13500 / 25000
    assert f["villager_share_received"] == pytest.approx(13500 / 38500 * 100)  # 35.06%
    # Planned: villagers 10000 + 20 × 150 + 2000 + 3000 = 18000; government 45000.
    assert f["villagers_planned"] == Decimal("18000.00")
    assert f["leverage_planned"] == pytest.approx(0.4)


def test_labour_day_rate_can_be_changed_for_one_report(world, admin_user, county):
    f = report_for(admin_user, county, yuan=Decimal(200)).projects["funding"]
    # 8000 + 10 × 200 + 1000 + 3000 = 14000
    assert f["villagers_received"] == Decimal("14000.00")
    assert f["leverage_received"] == pytest.approx(0.56)


# --- satisfaction and beneficiaries ----------------------------------------------------


def test_satisfaction_sums_tallies_rather_than_averaging_rates(world, admin_user, county):
    s = report_for(admin_user, county).satisfaction
    # E1 48 of 50, E2 5 of 10, E3 18 of 20, E5 a score without ballots; E4 is November.
    assert (s["evaluations"], s["ballots"]) == (4, 80)
    assert s["rate"] == pytest.approx(88.75)  # 71 / 80, not the mean of rates (78.7)


def test_satisfaction_per_town_and_village(world, admin_user, county):
    levels = {
        lv["level"]: lv["rows"] for lv in report_for(admin_user, county).satisfaction["by_level"]
    }
    towns = {row["name"]: (row["ballots"], row["rate"]) for row in levels[AreaLevel.TOWN]}
    assert towns == {"高铁岭镇": (60, pytest.approx(53 / 60 * 100)), "官桥镇": (20, 90.0)}
    villages = {row["name"]: (row["ballots"], row["rate"]) for row in levels[AreaLevel.VILLAGE]}
    assert villages == {"陆水村": (50, 96.0), "白湖村": (10, 50.0), "官桥村": (20, 90.0)}


def test_beneficiaries_of_outcomes_published_in_the_period(world, admin_user, county):
    o = report_for(admin_user, county).outcomes
    # J1's only: J2's is unpublished, J3's was published in November.
    assert o == {"outcomes": 1, "households": 86, "people": 310}


# --- ranking ---------------------------------------------------------------------------


def test_town_ranking_one_brand_per_town(world, admin_user, county):
    rows = report_for(admin_user, county).ranking
    assert [row["name"] for row in rows] == ["高铁岭镇", "官桥镇"]  # 1.5 and 1.0 per village
    gtl, gq = rows
    assert (gtl["meeting_count"], gtl["village_count"], gtl["meetings_per_village"]) == (3, 2, 1.5)
    assert gtl["adoption_rate"] == 75.0  # P1 P4 P6 of P1 P2 P4 P6
    assert gtl["completion_rate"] == pytest.approx(200 / 3)  # J1 J3 of J1 J2 J3
    assert gtl["satisfaction_rate"] == pytest.approx(53 / 60 * 100)
    # J1 and J2: villagers 13500 against government 20000.
    assert gtl["villager_share"] == pytest.approx(13500 / 33500 * 100)
    assert (gq["meeting_count"], gq["meetings_per_village"]) == (1, 1.0)
    assert gq["adoption_rate"] is None  # nothing decided: a dash, not an error
    assert (gq["completion_rate"], gq["satisfaction_rate"], gq["villager_share"]) == (
        0.0,
        90.0,
        0.0,
    )


def test_ranking_order_can_be_chosen_and_missing_figures_come_last(world, admin_user, county):
    by_satisfaction = report_for(admin_user, county, rank_by="satisfaction_rate").ranking
    assert [row["name"] for row in by_satisfaction] == ["官桥镇", "高铁岭镇"]  # 90 > 88.3
    by_adoption = report_for(admin_user, county, rank_by="adoption_rate").ranking
    assert [(row["name"], row["rank"]) for row in by_adoption] == [
        ("高铁岭镇", 1),
        ("官桥镇", None),
    ]


# --- targets ---------------------------------------------------------------------------


def _targets(report):
    return {t.pk: t for t in report.targets}


def test_targets_overlapping_the_period_beside_their_actuals(world, admin_user, county):
    t = world["targets"]
    targets = _targets(report_for(admin_user, county))
    assert t["T8"].pk not in targets  # 2023
    # T1: a courtyard meeting per village: 陆水村 M1, 白湖村 M3 → met, average 1.
    assert (targets[t["T1"].pk].status, targets[t["T1"].pk].actual) == ("met", 1.0)
    # T3: satisfaction 88.75% against 90%.
    assert (targets[t["T3"].pk].status, targets[t["T3"].pk].actual) == ("behind", 88.75)
    # T4: 陆水村 adopted P1 P4 of P1 P2 P4 → 66.7% ≥ 50%.
    assert targets[t["T4"].pk].status == "met"
    assert targets[t["T4"].pk].actual == pytest.approx(200 / 3)
    # T5: nothing decided in 官桥镇.
    assert (targets[t["T5"].pk].status, targets[t["T5"].pk].actual) == ("no_data", None)
    # T7: 高铁岭镇 villagers' share 40.3% ≥ 40%.
    assert targets[t["T7"].pk].status == "met"


def test_meeting_target_flags_the_villages_behind(world, admin_user, county):
    t2 = _targets(report_for(admin_user, county))[world["targets"]["T2"].pk]
    # Two meetings per village: 陆水村 M1 M2 (hamlet 孙家 counts for it), 白湖村 M3 only,
    # 官桥村 M4 only.
    assert (t2.status, t2.villages, t2.villages_behind) == ("behind", 3, 2)
    assert t2.actual == pytest.approx(4 / 3)  # four meetings, three villages, one month
    assert [(v["village_name"], v["n"]) for v in t2.behind_villages] == [
        ("白湖村", 1),
        ("官桥村", 1),
    ]


def test_target_set_above_is_measured_in_the_reports_area(world, admin_user, town, village):
    t2_id = world["targets"]["T2"].pk
    in_town = _targets(report_for(admin_user, town))[t2_id]
    assert (in_town.status, in_town.actual, in_town.measured_here) == ("behind", 1.5, False)
    assert [v["village_name"] for v in in_town.behind_villages] == ["白湖村"]
    in_village = _targets(report_for(admin_user, village))[t2_id]
    assert (in_village.status, in_village.actual) == ("met", 2.0)
    assert in_village.behind_villages == []


def test_meeting_target_over_a_year_needs_a_meeting_every_month(world, admin_user, town):
    t1 = _targets(report_for(admin_user, town, Period.year(2024)))[world["targets"]["T1"].pk]
    # Twelve courtyard meetings per village in 2024: 陆水村 held M1 M5 M6, 白湖村 M3.
    assert t1.months == 12
    assert t1.status == "behind"
    assert [(v["village_name"], v["n"]) for v in t1.behind_villages] == [
        ("陆水村", 3),
        ("白湖村", 1),
    ]


def test_adopted_proposals_started_within_n_days(world, admin_user, village):
    t6 = _targets(report_for(admin_user, village))[world["targets"]["T6"].pk]
    # Adopted in October in 陆水村: P1 (J1 started 2 days later), P8 (J3, 1 day), P4 (no
    # project; 31 Oct - 19 Oct = 12 days by the period's end) → longest 12 > 10.
    assert (t6.status, t6.actual, t6.adopted, t6.late) == ("behind", 12.0, 3, 1)
    met = Target.objects.filter(pk=world["targets"]["T6"].pk)
    met.update(value=12)
    assert _targets(report_for(admin_user, village))[world["targets"]["T6"].pk].status == "met"


# --- empty periods and division by zero ------------------------------------------------


def test_empty_period_counts_nothing_and_divides_by_nothing(world, admin_user, county):
    report = report_for(admin_user, county, Period.month(2023, 1))
    assert report.meetings["count"] == 0
    assert report.meetings["per_meeting"] is None
    assert all(row["share"] is None for row in report.meetings["by_category"])
    assert report.proposals["adoption_rate"] is None
    assert report.proposals["median_days_to_decision"] is None
    assert report.proposals["funnel"][0] == {"stage": "raised", "count": 0, "share": None}
    assert report.projects["completion_rate"] is None
    assert report.projects["funding"]["leverage_received"] is None
    assert report.satisfaction["rate"] is None
    assert report.outcomes == {"outcomes": 0, "households": 0, "people": 0}
    assert all(row["meetings_per_village"] == 0 for row in report.ranking)


def test_empty_period_page_shows_dashes(client, world, county_staff):
    client.force_login(county_staff)
    response = client.get(reverse("report"), {"period": "month", "month": "2023-01"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "—" in body
    assert "None" not in body and "nan" not in body


# --- the page --------------------------------------------------------------------------


def test_page_shows_the_figures_with_charts_and_tables(client, world, county_staff):
    client.force_login(county_staff)
    response = client.get(reverse("report"), {"month": "2024-10"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("<svg") >= 8
    assert "style=" not in body  # the CSP forbids inline styles, in SVG too
    assert "75.0%" in body  # adoption rate
    assert "88.8%" in body  # satisfaction 88.75
    assert "13,500.00" in body  # villagers gave
    assert 'href="?area=421221101&amp;period=month&amp;month=2024-10"' in body  # drill down


def test_page_accepts_chinese_months_and_dates(client, world, county_staff):
    client.force_login(county_staff)
    month = client.get(reverse("report"), {"month": "2024年10月"})
    assert month.context["report"].period == OCTOBER
    custom = client.get(
        reverse("report"),
        {"period": "custom", "start": "2024年10月1日", "end": "2024年10月31日"},
    )
    assert custom.context["report"].meetings["count"] == 4


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"month": "2024-13"}, "month"),
        ({"month": "x" * 5000}, "month"),
        ({"period": "year", "year": "99999"}, "year"),
        ({"period": "custom", "start": "2024-10-31", "end": "2024-10-01"}, "end"),
        ({"period": "custom", "start": "2000-01-01", "end": "2024-10-01"}, "end"),
        ({"period": "custom"}, "start"),
        ({"period": "bogus"}, "period"),
        ({"labour_day_yuan": "-1"}, "labour_day_yuan"),
        ({"rank_by": "evil"}, "rank_by"),
    ],
)
def test_bad_filters_are_reported_by_the_field(client, county, county_staff, params, field):
    client.force_login(county_staff)
    response = client.get(reverse("report"), params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert response.context["report"] is None
    workbook = client.get(reverse("report_workbook"), params)
    assert workbook.status_code == 302  # back to the page, which shows the errors


def test_default_report_is_the_users_area_this_month(client, world, village_committee, village):
    client.force_login(village_committee)
    report = client.get(reverse("report")).context["report"]
    assert report.area == village
    today = timezone.localdate()
    assert (report.period.start, report.period.end.month) == (today.replace(day=1), today.month)


# --- scope -----------------------------------------------------------------------------


def test_village_committee_sees_only_its_villages_figures(client, world, village_committee):
    client.force_login(village_committee)
    response = client.get(reverse("report"), {"month": "2024-10"})
    report = response.context["report"]
    assert report.meetings["count"] == 2  # M1, M2 (孙家); not 白湖村's M3
    assert report.meetings["attendance"] == 50
    assert report.ranking == []
    body = response.content.decode()
    assert "白湖村" not in body and "官桥" not in body


@pytest.mark.parametrize(
    ("user_fixture", "code"),
    [
        ("village_committee", "421221101202"),  # 白湖村, the neighbour
        ("village_committee", "421221101"),  # its own town
        ("village_committee", "421221"),  # the county
        ("other_town_staff", "421221101"),  # another town
        ("town_staff", "421221102"),
        ("town_staff", "999999999999"),  # no such area
        ("town_staff", "abc"),
    ],
)
def test_area_out_of_scope_is_not_found(request, client, world, user_fixture, code):
    client.force_login(request.getfixturevalue(user_fixture))
    assert client.get(reverse("report"), {"area": code}).status_code == 404
    assert client.get(reverse("report_workbook"), {"area": code}).status_code == 404


def test_town_staff_drill_down_into_a_village(client, world, town_staff):
    client.force_login(town_staff)
    response = client.get(reverse("report"), {"area": "421221101202", "month": "2024-10"})
    assert response.status_code == 200
    assert response.context["report"].meetings["count"] == 1  # M3


# --- queries ---------------------------------------------------------------------------


def _more_data(county, n):
    """n more villages, each with meetings, proposals, a project with funding, an
    evaluation, an outcome and a target."""
    town = Area.objects.get(code="421221101")
    for i in range(n):
        village = VillageFactory(parent=town)
        meeting = MeetingFactory(area=village, starts_at=at(10, 2 + i % 20))
        project = ProjectFactory(area=village, actual_start=D(2024, 10, 3))
        ProposalFactory(meeting=meeting, status=ProposalStatus.ADOPTED,
                        decided_on=D(2024, 10, 3), project=project)  # fmt: skip
        ProposalFactory(meeting=meeting)
        FundingLineFactory(project=project, source=FundingSource.DONATIONS)
        EvaluationFactory(project=project, evaluated_on=D(2024, 10, 20))
        OutcomeFactory(project=project, is_published=True, disclosed_on=D(2024, 10, 21))
        Target.objects.create(
            area=village,
            metric=TargetMetric.MEETINGS_PER_VILLAGE_MONTH,
            value=3,
            period_start=D(2024, 10, 1),
            period_end=D(2024, 10, 31),
        )
    # Factories write past the site's write paths: say what changed, as each of them does.
    figures.changed(county)


def _count(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


# The report's own queries: the evaluations (one UNION) and their places; meetings: totals,
# by month, by format; proposals: totals with the funnel and statuses, the days of those
# decided or completed in the period and the overdue referrals; projects: totals, villagers
# and government, by status, funding by source; the town and village names of the
# satisfaction tables; outcomes; the ranking: meetings, adoption, completion and villagers'
# share per town, and the towns; whether any target applies, the targets and the villages
# behind them. The page around them (session, user, the area filter and its options) makes
# the few others.
REPORT_QUERIES = 21


def test_report_page_queries_do_not_grow_with_the_data(client, world, county, county_staff):
    client.force_login(county_staff)
    url, params = reverse("report"), {"month": "2024-10"}
    _count(client, url, params)  # warm the per-process caches (content types)
    cached = _count(client, url, params)  # the figures from the cache
    cache.clear()
    computed = _count(client, url, params)
    _more_data(county, 12)  # a change: the next request computes afresh, then keeps them
    assert _count(client, url, params) == computed
    assert _count(client, url, params) == cached
    assert computed - cached == REPORT_QUERIES
    # session, user, the area filter's chosen area and its options
    assert cached <= 7


def test_workbook_queries_do_not_grow_with_the_data(client, world, county, county_staff):
    client.force_login(county_staff)
    url, params = reverse("report_workbook"), {"month": "2024-10"}
    _count(client, url, params)
    cached = _count(client, url, params)
    cache.clear()
    computed = _count(client, url, params)
    _more_data(county, 12)
    assert _count(client, url, params) == computed
    assert _count(client, url, params) == cached
    assert computed - cached == REPORT_QUERIES


# --- the workbook ----------------------------------------------------------------------


def _workbook(client, **params):
    response = client.get(reverse("report_workbook"), {"month": "2024-10", **params})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment;")
    return load_workbook(BytesIO(response.content)), response


def _rows(sheet):
    return {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)}


def test_workbook_holds_the_same_figures_as_the_page(client, world, county_staff):
    client.force_login(county_staff)
    page = client.get(reverse("report"), {"month": "2024-10"}).context["report"]
    book, _response = _workbook(client)
    assert book.sheetnames[:2] == ["封面", "概况"]
    summary = {label: values[0] for label, values in _rows(book["概况"]).items()}
    assert summary["召开会议次数"] == page.meetings["count"] == 4
    assert summary["采纳率"] == pytest.approx(page.proposals["adoption_rate"] / 100)  # 0.75
    assert summary["决定所需天数中位数（会议至决定）"] == 4
    assert summary["满意率"] == pytest.approx(0.8875)
    assert summary["群众投入（到位，元）"] == 13500
    assert summary["群众投入占比"] == pytest.approx(13500 / 38500)
    attendance = _rows(book["参会情况"])
    assert attendance["中共党员"] == (19, 0.19)
    ranking = list(book["排名"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[1], row[4]) for row in ranking] == [(1, "高铁岭镇", 3), (2, "官桥镇", 1)]
    assert ranking[1][7] == "—"  # 官桥镇's adoption rate: nothing to divide by
    targets = list(book["工作目标"].iter_rows(min_row=2, values_only=True))
    statuses = {(row[0], row[1]): row[5] for row in targets}
    assert statuses[("嘉鱼县", "满意率，%（不低于）")] == "落后"
    assert any("白湖村（1）" in (row[6] or "") for row in targets)


def test_workbook_is_formatted_for_upward_reporting(client, world, county_staff):
    client.force_login(county_staff)
    book, response = _workbook(client)
    cover = _rows(book["封面"])
    assert cover["地区"] == ("嘉鱼县",)
    assert cover["生成人"] == ("county",)
    assert "421221" in response["Content-Disposition"]
    summary = book["概况"]
    assert summary["A1"].font.bold and summary["B1"].font.bold
    assert summary.freeze_panes == "A2"
    funding = book["资金来源"]
    assert funding.freeze_panes == "A2"
    assert funding["C2"].number_format == "#,##0.00"  # yuan
    assert funding["E2"].number_format == "0.0%"
    labour_row = next(
        row for row in funding.iter_rows(min_row=2) if row[0].value == "投工投劳（工日）"
    )
    assert labour_row[2].number_format == "#,##0.0"  # days, not yuan
    assert funding.column_dimensions["A"].width >= 10


def test_workbook_is_in_chinese_whatever_the_users_language(client, world, county_staff):
    client.force_login(county_staff)
    client.cookies["django_language"] = "en"
    book, _response = _workbook(client)
    assert "概况" in book.sheetnames


def test_workbook_keeps_the_labour_day_rate_asked_for(client, world, county_staff):
    client.force_login(county_staff)
    book, _response = _workbook(client, labour_day_yuan="200")
    assert _rows(book["概况"])["群众投入（到位，元）"] == (14000,)
    assert _rows(book["封面"])["投工投劳每工日折价（元）"] == (200,)


# --- admin -----------------------------------------------------------------------------


def test_admin_index_links_to_the_reports(client, admin_user):
    client.force_login(admin_user)
    body = client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("report")}"' in body
    assert reverse("admin:consultations_target_changelist") in body


def test_admin_reaches_any_area(client, world, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("report"), {"area": "421221102", "month": "2024-10"})
    assert response.context["report"].meetings["count"] == 1  # M4


def test_target_admin_is_scoped_to_the_users_area(world, town_staff):
    request = RequestFactory().get("/")
    request.user = town_staff
    listed = set(admin_site.get_model_admin(Target).get_queryset(request))
    t = world["targets"]
    assert listed == {t["T1"], t["T4"], t["T6"], t["T7"]}  # the town's and its village's


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"area": "hamlet"}, "area"),
        (
            {"metric": TargetMetric.SATISFACTION_RATE, "meeting_format": "courtyard"},
            "meeting_format",
        ),
        ({"metric": TargetMetric.SATISFACTION_RATE, "value": "120"}, "value"),
        ({"period_end": "2023-01-01"}, "__all__"),
    ],
)
def test_target_form_refuses_what_the_reports_cannot_measure(hamlet, town, changes, field):
    data = {
        "area": town.pk,
        "metric": TargetMetric.MEETINGS_PER_VILLAGE_MONTH,
        "meeting_format": "",
        "value": "1",
        "period_start": "2024-01-01",
        "period_end": "2024-12-31",
        "note": "",
    }
    data.update(changes)
    if data["area"] == "hamlet":
        data["area"] = hamlet.pk
    form = TargetForm(data)
    assert not form.is_valid()
    assert field in form.errors


def test_target_admin_links_to_the_targets_report(client, world, admin_user):
    client.force_login(admin_user)
    body = client.get(reverse("admin:consultations_target_changelist")).content.decode()
    assert "/reports/?area=421221&amp;period=custom&amp;start=2024-10-01&amp;end=2024-12-31" in body


def test_chart_labels_are_escaped_markup():
    from consultations.reports.charts import bar_chart, column_chart, paired_bar_chart

    evil = '<script>alert("x")</script>'
    for svg in [
        bar_chart("c1", evil, [(evil, 1, evil)]),
        column_chart("c2", evil, [(evil, 1, evil)]),
        paired_bar_chart("c3", evil, [(evil, (1, 2), (evil, evil))], (evil, evil)),
    ]:
        assert "<script>" not in svg and "&lt;script&gt;" in svg
        assert svg.startswith('<svg class="chart') and "style=" not in svg
