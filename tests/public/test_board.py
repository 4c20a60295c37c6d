"""村务公开: anonymous visitors see what staff published, and nothing else."""

import re

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations import services
from tests.factories import (
    EvaluationFactory,
    FundingLineFactory,
    MeetingFactory,
    OutcomeFactory,
    ProjectFactory,
    ProposalFactory,
)

from .conftest import ID_NUMBER, PERSON_NAME, PHONE
from .crawling import assert_nothing_leaks, crawl

pytestmark = pytest.mark.django_db

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def page(url, client=None):
    response = (client or Client()).get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def board_url(area):
    return reverse("public_area", args=[area.code])


def matter_url(proposal):
    return reverse("public_matter", args=[proposal.pk])


def test_anonymous_home_page_leads_to_the_public_board_with_a_staff_sign_in_link(db):
    response = Client().get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("public_index")
    body = page(reverse("public_index"))
    assert f'href="{reverse("login")}"' in body


def test_signed_in_staff_still_get_their_dashboard_at_home(client, village_committee):
    client.force_login(village_committee)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert "consultations/dashboard.html" in [t.name for t in response.templates]


def test_staff_pages_still_require_sign_in(board):
    for url in [
        reverse("meeting_list"),
        reverse("project_detail", args=[board.road.pk]),
        reverse("matter_detail", args=[board.road_matter.pk]),
        reverse("progress_photo", args=[board.public_photo_update.pk]),
        reverse("attachment_file", args=[board.public_photo.pk]),
    ]:
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_county_town_and_village_pages_lead_down_to_the_village(board, county, town):
    assert board_url(county) in page(reverse("public_index"))
    assert board_url(town) in page(board_url(county))
    town_page = page(board_url(town))
    assert board_url(board.village) in town_page
    # The town lists the village with how much it has published.
    assert "陆水村" in town_page


def test_village_board_shows_only_what_staff_published(board):
    body = page(board_url(board.village))
    assert "孙家实践创新基地" in body  # the village's feature
    # published outcomes, public projects, public meeting summaries
    for shown in [
        "孙家通湾公路建成通车",
        "当家塘蓄水恢复",
        "孙家通湾公路硬化工程",
        "陆水村灌溉渠维修",
        "孙家屋场会：议通湾公路",
        "陆水村群众说事厅：议路灯",
    ]:
        assert shown in body, shown
    # drafts, projects kept off the board, private meeting summaries
    assert "秘密" not in body
    assert matter_url(board.road_matter) in body


def test_village_board_says_who_paid_and_how_satisfied_people_are(board):
    body = page(board_url(board.village))
    # The road: government 60,000; collective 20,000; villagers 28,000 + donors 12,000
    # = 40,000 and 320 labour days; 48 of 50 ballots satisfied.
    assert "120,000" in body  # received in yuan on the road (the canal has none)
    assert "60,000" in body
    assert "40,000" in body
    assert "320" in body
    assert "96.0%" in body
    # The pond's project is not public: its ballots count in the village's rate, its money
    # does not show: (48 + 9) / (50 + 10).
    assert "95.0%" in body


def test_matter_page_shows_the_five_stages_without_personal_data(board):
    body = page(matter_url(board.road_matter))
    for stage in ["决策共谋", "发展共建", "建设共管", "效果共评", "成果共享"]:
        assert stage in body, stage
    assert "硬化孙家通湾公路" in body
    assert "修孙家错车道" in body  # the other proposal the project carries out
    assert "陆水村村民理事会" in body  # organizations may be named
    assert "2024年7月1日" in body  # the disclosure date
    assert reverse("public_progress_photo", args=[board.public_photo_update.pk]) in body
    assert reverse("public_progress_photo", args=[board.private_photo_update.pk]) not in body
    for personal in [PERSON_NAME, PHONE, ID_NUMBER, "county"]:
        assert personal not in body, personal


def test_matter_with_a_published_outcome_but_no_public_project_hides_the_project(board):
    body = page(matter_url(board.pond_matter))
    assert "当家塘蓄水恢复" in body
    assert "秘密" not in body
    assert reverse("public_progress_photo", args=[board.pond_update.pk]) not in body


@pytest.mark.parametrize(
    "url",
    [
        lambda b: matter_url(b.lights_matter),  # project off the board, outcome a draft
        lambda b: matter_url(b.raised),  # no project yet
        lambda b: reverse("public_matter", args=[10**30]),  # no such record
        lambda b: reverse("public_meeting_photo", args=[b.private_photo.pk]),
        lambda b: reverse("public_meeting_photo", args=[b.sign_in_sheet.pk]),
        lambda b: reverse("public_meeting_photo", args=[b.secret_meeting_photo.pk]),
        lambda b: reverse("public_progress_photo", args=[b.private_photo_update.pk]),
        lambda b: reverse("public_progress_photo", args=[b.pond_update.pk]),
        lambda b: "/public/" + b.hamlet.code + "/",  # hamlets have no board
        lambda b: "/public/421221999/",  # no such town
        lambda b: reverse("public_outcomes", args=[b.village.code]) + "?page=99",
    ],
)
def test_guessed_addresses_of_what_is_not_published_answer_404(board, url):
    assert Client().get(url(board)).status_code == 404


def test_public_photos_are_images_sent_with_their_type_and_nosniff(board):
    for url in [
        reverse("public_meeting_photo", args=[board.public_photo.pk]),
        reverse("public_progress_photo", args=[board.public_photo_update.pk]),
    ]:
        response = Client().get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "public" in response["Cache-Control"]
        assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")


def test_a_public_flag_on_a_file_that_is_not_an_image_serves_nothing(board):
    board.public_photo.file.save("x.jpg", ContentFile(b"%PDF-1.4 %%EOF"))
    url = reverse("public_meeting_photo", args=[board.public_photo.pk])
    assert Client().get(url).status_code == 404


def test_pages_carry_public_cache_headers_and_answer_304_when_unchanged(board):
    client = Client()
    url = board_url(board.village)
    response = client.get(url)
    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=300"}
    assert "Accept-Language" in response["Vary"]
    etag = response["ETag"]
    assert etag
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag


def test_public_pages_set_no_cookie_and_show_no_staff_navigation(board, village_committee):
    client = Client()
    client.force_login(village_committee)
    response = client.get(board_url(board.village))
    body = response.content.decode()
    assert "csrftoken" not in response.cookies
    assert 'class="nav"' not in body
    assert reverse("meeting_list") not in body
    assert reverse("logout") not in body  # no user menu either


def test_unpublishing_removes_the_outcome_and_its_totals_at_once(board, county_staff):
    url = board_url(board.village)
    assert "孙家通湾公路建成通车" in page(url)
    published = Client().get(url).context["outcome_totals"]["count"]
    assert published >= 1

    services.unpublish_outcome(outcome=board.road_outcome, actor=county_staff)
    assert "孙家通湾公路建成通车" not in page(url)
    # The totals are kept figures: the service renewed them.
    assert Client().get(url).context["outcome_totals"]["count"] == published - 1
    # The matter is still published (its project is public), without the outcome.
    assert "孙家通湾公路建成通车" not in page(matter_url(board.road_matter))

    services.publish_outcome(outcome=board.road_outcome, actor=county_staff)
    assert "孙家通湾公路建成通车" in page(url)


DATABASE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "wuhgong_cache",
    }
}


def _cache_entries():
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM wuhgong_cache")
        return cursor.fetchone()[0]


@override_settings(CACHES=DATABASE_CACHE)
def test_made_up_query_strings_neither_fill_the_cache_nor_echo_in_the_page(board):
    url = board_url(board.village)
    page(url)
    entries = _cache_entries()
    for made_up in ("?page=7&utm=%3Cb%3E", "?page=0001", "?x=1", "?page=%201"):
        body = page(url + made_up)
        assert "utm" not in body and "%3Cb%3E" not in body
    # The board's totals are kept per area, whatever the address says.
    assert _cache_entries() == entries


@override_settings(CACHES=LOCMEM)
def test_staff_taking_a_project_off_the_board_removes_it_at_once(board, county_staff):
    url = board_url(board.village)
    matter = matter_url(board.canal_matter)
    assert "陆水村灌溉渠维修" in page(url)
    assert Client().get(matter).status_code == 200
    staff = Client()
    staff.force_login(county_staff)
    edit = reverse("project_edit", args=[board.canal.pk])
    form = staff.get(edit).context["form"]
    data = {
        **{k: v for k, v in form.initial.items() if v is not None and k != "is_public"},
        "area": board.canal.area.pk,
        "version": board.canal.version,
        "funding-TOTAL_FORMS": "0",
        "funding-INITIAL_FORMS": "0",
    }
    response = staff.post(edit, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "陆水村灌溉渠维修" not in page(url)
    assert Client().get(matter).status_code == 404


@override_settings(CACHES=LOCMEM)
def test_a_meeting_summary_made_private_leaves_the_board_at_once(board, county_staff):
    url = board_url(board.village)
    assert "陆水村群众说事厅：议路灯" in page(url)
    board.upcoming.summary_is_public = False
    board.upcoming.save()
    assert "陆水村群众说事厅：议路灯" not in page(url)


def test_print_page_is_the_notice_with_its_dates(board):
    body = page(reverse("public_print", args=[board.village.code]))
    assert "孙家通湾公路建成通车" in body
    assert "2024年7月1日" in body  # disclosure date
    assert "公示日期" in body or "Notice date" in body
    assert reverse("public_print", args=[board.village.code]) in page(board_url(board.village))


def test_section_pages_list_everything_published(board):
    body = page(reverse("public_outcomes", args=[board.village.code]))
    assert "孙家通湾公路建成通车" in body and "当家塘蓄水恢复" in body
    assert "秘密" not in body
    assert "陆水村灌溉渠维修" in page(reverse("public_projects", args=[board.village.code]))
    meetings = page(reverse("public_meetings", args=[board.village.code]))
    assert "孙家屋场会：议通湾公路" in meetings and "秘密" not in meetings


def test_sitemap_lists_public_pages_only(board):
    response = Client().get("/sitemap.xml")
    assert response.status_code == 200
    body = response.content.decode()
    locations = re.findall(r"<loc>http://testserver(.*?)</loc>", body)
    assert reverse("public_index") in locations
    assert board_url(board.village) in locations
    assert matter_url(board.road_matter) in locations
    assert matter_url(board.pond_matter) in locations
    assert matter_url(board.lights_matter) not in locations
    assert matter_url(board.raised) not in locations
    assert all(location.startswith("/public/") for location in locations)


def test_language_switch_is_a_plain_link_that_keeps_the_page(board):
    url = board_url(board.village)
    response = Client().get(reverse("public_language", args=["en"]) + f"?next={url}")
    assert response.status_code == 302
    assert response["Location"] == url
    assert response.cookies["django_language"].value == "en"
    client = Client()
    client.cookies["django_language"] = "en"
    assert "Outcomes published" in page(url, client)
    elsewhere = Client().get(
        reverse("public_language", args=["en"]) + "?next=https://evil.example/"
    )
    assert elsewhere["Location"] == reverse("public_index")
    assert Client().get(reverse("public_language", args=["xx"])).status_code == 404


def test_public_pages_refuse_writes(board):
    assert Client().post(board_url(board.village)).status_code == 405


def _grow(village, n):
    """n more of everything the board lists, in the village."""
    for i in range(n):
        project = ProjectFactory(area=village, title=f"项目{i}", is_public=True)
        FundingLineFactory(project=project)
        EvaluationFactory(project=project)
        OutcomeFactory(project=project, is_published=True, disclosed_on="2024-05-01")
        ProposalFactory(
            meeting=MeetingFactory(area=village, summary_is_public=True),
            status="adopted",
            decided_on="2024-01-01",
            project=project,
        )


def _board_queries(village):
    cache.clear()  # rendered afresh, not answered from the cache
    with CaptureQueriesContext(connection) as queries:
        page(board_url(village))
    return len(queries)


def test_village_board_renders_with_a_fixed_number_of_queries(board):
    # 1 the village with its town, county and feature; 2 published outcomes; 3 their totals;
    # 4 public projects with their money and ballots; 5 funding by source; 6 funding totals;
    # 7 satisfaction; 8 upcoming meetings; 9 past meetings; 10 the past meetings' photos.
    assert _board_queries(board.village) == 10
    _grow(board.village, 15)
    assert _board_queries(board.village) == 10


def _matter_queries(proposal):
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        page(matter_url(proposal))
    return len(queries)


def test_matter_page_renders_with_a_fixed_number_of_queries(board):
    # 1 the proposal with its meeting, project, area, outcome; 2 stewardships with their log
    # counts; 3 evaluations; 4 status steps; 5 other proposals of the project; 6 funding by
    # source; 7 funding totals; 8 progress updates.
    assert _matter_queries(board.road_matter) == 8
    for source in ["town_village_subsidy", "materials", "department_funds"]:
        EvaluationFactory(project=board.road)
        FundingLineFactory(project=board.road, source=source)
        ProposalFactory(
            meeting=board.meeting, status="adopted", decided_on="2024-01-01", project=board.road
        )
    assert _matter_queries(board.road_matter) == 8


def test_crawl_of_a_board_with_distinctive_personal_data_finds_none(board):
    pages = crawl()
    assert reverse("public_matter", args=[board.road_matter.pk]) in pages
    assert reverse("public_progress_photo", args=[board.public_photo_update.pk]) in pages
    assert reverse("public_meeting_photo", args=[board.public_photo.pk]) in pages
    assert_nothing_leaks(pages, names={PERSON_NAME, "county"})
    for body in pages.values():
        assert PHONE not in body and ID_NUMBER not in body and "秘密" not in body


@override_settings(CACHES=LOCMEM)
def test_an_admin_edit_reaches_the_board_at_once(board, admin_user):
    url = board_url(board.village)
    assert "陆水村灌溉渠维修" in page(url)
    admin = Client()
    admin.force_login(admin_user)
    change = reverse("admin:consultations_project_change", args=[board.canal.pk])
    context = admin.get(change).context
    data = {
        name: value
        for name, value in context["adminform"].form.initial.items()
        if value is not None
    }
    data["title"] = "陆水村灌溉渠维修（二期）"
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for i, subform in enumerate(formset.initial_forms):
            for name, value in subform.initial.items():
                if value is not None:
                    data[f"{formset.prefix}-{i}-{name}"] = value
    response = admin.post(change, data)
    assert response.status_code == 302
    assert "陆水村灌溉渠维修（二期）" in page(url)
