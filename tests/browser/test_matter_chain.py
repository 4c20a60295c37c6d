"""End to end in a real browser: one matter through all five stages, then its file.

Signed in as county staff, the test logs a 屋场会 with Chinese text and attendance, raises a
proposal, adopts it with votes, starts a project with two funding sources, reports progress to
100%, enters an evaluation tally, publishes the outcome, and finds every fact on the matter page.
"""

import pytest
from django.utils import timezone

from consultations.models import (
    Outcome,
    Project,
    ProjectStatus,
    Proposal,
    ProposalStatus,
)
from tests.browser.conftest import sign_in
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page):
    page.click("main form.stacked button[type=submit], main form.stacked input[type=submit]")
    page.wait_for_load_state()


def test_one_matter_through_five_stages(page, live_server, county_staff, village, screenshot):
    branch = OrganizationFactory(area=village, name="陆水村党支部", kind="party_branch")
    today = timezone.localdate().isoformat()
    sign_in(page, live_server, "county", "wuhgong-test")

    # 共谋: the meeting.
    page.goto(f"{live_server.url}/meetings/new/")
    page.select_option("#id_format", "courtyard")
    page.fill("#id_title", "孙家湾屋场会：通湾公路怎么修")
    page.select_option("#id_area", str(village.pk))
    page.fill("#id_place", "孙家湾文化广场")
    page.fill("#id_starts_at", "2024-10-08T19:30")
    page.fill("#id_attendance_total", "48")
    page.fill("#id_attendance_party_member", "7")
    page.fill("#id_attendance_non_party_intellectual", "2")
    page.fill("#id_attendance_village_worthy", "3")
    page.fill("#id_attendance_villager", "34")
    page.fill("#id_agenda", "一、通湾公路硬化\n二、筹资筹劳方案")
    page.fill("#id_minutes", "村民一致认为雨天出行难，愿意投工投劳。")
    submit(page)
    page.wait_for_selector("h1:has-text('孙家湾屋场会')")
    screenshot("meeting-detail")

    # 共谋: the proposal, raised at that meeting.
    page.click("a[href$='/proposals/new/']")
    page.fill("#id_title", "硬化孙家湾通湾公路1.2公里")
    page.select_option("#id_category", "roads")
    page.fill("#id_description", "雨天泥泞，孩子上学、老人就医不便。")
    submit(page)
    proposal = Proposal.objects.get()
    page.wait_for_url(f"**/matters/{proposal.pk}/")

    # 共谋: deliberation, then adoption with votes.
    page.click(f"a[href$='/proposals/{proposal.pk}/deliberate/']")
    submit(page)
    page.click(f"a[href$='/proposals/{proposal.pk}/adopt/']")
    page.fill("#id_decided_on", "2024-10-15")
    page.fill("#id_votes_present", "45")
    page.fill("#id_votes_for", "41")
    page.fill("#id_votes_against", "1")
    page.fill("#id_votes_abstain", "3")
    screenshot("proposal-adopt")
    submit(page)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ADOPTED

    # 共建: a project with two funding sources.
    page.click("a[href*='/projects/new/?proposal=']")
    page.fill("#id_title", "孙家湾通湾公路硬化工程")
    page.fill("#id_budget", "180000")
    page.fill("#id_planned_start", "2024-11-01")
    page.fill("#id_planned_end", "2025-01-31")
    page.select_option("#id_funding-0-source", "reward_subsidy")
    page.fill("#id_funding-0-planned", "120000")
    page.fill("#id_funding-0-received", "120000")
    page.select_option("#id_funding-1-source", "labour")
    page.fill("#id_funding-1-planned", "300")
    page.fill("#id_funding-1-received", "320")
    screenshot("project-form")
    submit(page)
    project = Project.objects.get()
    page.wait_for_url(f"**/projects/{project.pk}/")

    # 共建: progress to 100%, and completion.
    for percent, words in [(40, "路基平整完成"), (100, "混凝土浇筑完成，道路通车")]:
        page.click(f"a[href$='/projects/{project.pk}/progress/new/']")
        page.fill("#id_reported_on", today)
        page.fill("#id_progress", str(percent))
        page.fill("#id_description", words)
        if percent == 100:
            page.check("#id_complete")
        submit(page)
    project.refresh_from_db()
    assert (project.progress, project.status) == (100, ProjectStatus.COMPLETED)

    # 共管: who looks after the road, and a first inspection.
    page.click(f"a[href$='/projects/{project.pk}/stewardships/new/']")
    page.click("#id_organization-ts-control")
    page.locator("#id_organization-ts-control").press_sequentially("党支部")
    page.click(".ts-dropdown .option:has-text('陆水村党支部')")
    assert page.input_value("#id_organization") == str(branch.pk)
    page.fill("#id_duties", "每月巡查路面，雨后清理边沟。")
    page.fill("#id_started_on", today)
    submit(page)
    page.click("a[href$='/log/new/']")
    page.select_option("#id_kind", "inspection")
    page.fill("#id_logged_on", today)
    page.fill("#id_note", "路面完好，边沟畅通。")
    submit(page)

    # 共评: the paper ballot tally.
    page.click(f"a[href$='/projects/{project.pk}/evaluations/new/']")
    page.select_option("#id_evaluator", "villagers_assembly")
    page.fill("#id_evaluated_on", today)
    page.fill("#id_satisfied", "52")
    page.fill("#id_basically_satisfied", "6")
    page.fill("#id_dissatisfied", "2")
    submit(page)

    # 共享: the outcome, then its publication.
    page.click(f"a[href$='/projects/{project.pk}/outcome/']")
    page.fill("#id_title", "孙家湾通湾公路建成通车")
    page.fill("#id_summary", "硬化道路1.2公里，惠及孙家湾全体村民。")
    page.fill("#id_beneficiary_households", "86")
    page.fill("#id_beneficiary_people", "312")
    page.fill("#id_disclosed_on", today)
    submit(page)
    page.click(f"form[action$='/projects/{project.pk}/outcome/publish/'] button")
    page.wait_for_load_state()
    assert Outcome.objects.get().is_published
    screenshot("project-detail")

    # 一事一档: every fact on the matter page.
    page.goto(f"{live_server.url}/matters/{proposal.pk}/")
    screenshot("matter-page")
    text = page.inner_text("main")
    for fact in [
        "孙家湾屋场会：通湾公路怎么修",  # the meeting
        "硬化孙家湾通湾公路1.2公里",  # the proposal
        "41",  # votes for
        "孙家湾通湾公路硬化工程",  # the project
        "以奖代补",  # first funding source
        "120,000.00",
        "投工投劳",  # second funding source, in labour days
        "320",
        "混凝土浇筑完成，道路通车",  # progress history
        "每月巡查路面，雨后清理边沟。",  # stewardship
        "路面完好，边沟畅通。",  # its log
        "96.7%",  # satisfaction: (52 + 6) / 60
        "孙家湾通湾公路建成通车",  # the outcome
        "86",
        "312",
    ]:
        assert fact in text, fact
    assert "48" in page.inner_text("table.attendance")
    # Every stage of the chain is done, and the history names who moved it.
    assert page.locator(".timeline > li.done").count() == 5
    assert "county" in text
