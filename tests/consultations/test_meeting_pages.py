"""共谋 meeting pages: list, detail, form, minutes, calendar and feed."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultations.models import Attachment, Meeting, MeetingFormat
from consultations.views import meetings as meeting_views
from organizations.models import Organization, Person
from tests.factories import (
    MeetingFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
    VillageFactory,
)
from tests.pickers import offers_name, picker_offers
from tests.upload_files import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    # Messages are asserted in their English source text.
    settings.LANGUAGE_CODE = "en"


def valid_post(village, **overrides):
    data = {
        "format": MeetingFormat.COURTYARD,
        "title": "孙家湾屋场会：通湾公路硬化",
        "area": village.pk,
        "place": "孙家湾文化广场",
        "starts_at": "2024-10-31 19:30",
        "attendance_total": "42",
        "attendance_party_member": "6",
        "attendance_non_party_intellectual": "2",
        "attendance_new_social_class": "1",
        "attendance_democratic_party": "0",
        "attendance_non_partisan": "0",
        "attendance_village_worthy": "3",
        "attendance_villager": "28",
        "agenda": "一、通湾公路硬化方案\n二、筹资筹劳",
        "minutes": "群众踊跃发言，一致同意硬化通湾公路。",
        "attachments-TOTAL_FORMS": "2",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "20",
    }
    data.update(overrides)
    return data


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_pages_require_sign_in(client, village):
    response = client.get(reverse("meeting_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_in_page_is_chinese_by_default(client, settings, db):
    settings.LANGUAGE_CODE = "zh-hans"
    response = client.get(reverse("login"))
    assert "登录" in response.content.decode()


def test_language_switch_turns_the_interface_english(client, village_committee, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(village_committee)
    assert "会议" in client.get(reverse("meeting_list")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Meetings" in client.get(reverse("meeting_list")).content.decode()


def test_list_shows_only_meetings_in_scope(client, village_committee, village, other_village):
    MeetingFactory(area=village, title="陆水村屋场会")
    MeetingFactory(area=other_village, title="白湖村夜话")
    client.force_login(village_committee)
    body = client.get(reverse("meeting_list")).content.decode()
    assert "陆水村屋场会" in body
    assert "白湖村夜话" not in body


def test_list_filters_by_format_text_and_dates(client, county_staff, village, hamlet):
    day = timezone.make_aware(dt.datetime(2024, 5, 10, 19, 0))
    MeetingFactory(area=hamlet, title="孙家夜话", format=MeetingFormat.EVENING_TALK, starts_at=day)
    MeetingFactory(
        area=village,
        title="陆水村屋场会",
        minutes="讨论自来水入户",
        starts_at=day - dt.timedelta(days=40),
    )
    client.force_login(county_staff)
    url = reverse("meeting_list")

    body = client.get(url, {"format": MeetingFormat.EVENING_TALK}).content.decode()
    assert "孙家夜话" in body and "陆水村屋场会" not in body

    body = client.get(url, {"q": "自来水"}).content.decode()
    assert "陆水村屋场会" in body and "孙家夜话" not in body

    body = client.get(url, {"start": "2024年5月10日", "end": "2024-05-10"}).content.decode()
    assert "孙家夜话" in body and "陆水村屋场会" not in body

    # Filtering a village includes its hamlets.
    body = client.get(url, {"area": village.pk}).content.decode()
    assert "孙家夜话" in body and "陆水村屋场会" in body


def test_list_ignores_forged_filters_instead_of_failing(client, county_staff, village):
    MeetingFactory(area=village, title="陆水村屋场会")
    client.force_login(county_staff)
    response = client.get(
        reverse("meeting_list"),
        {
            "format": "bogus",
            "start": "not a date",
            "area": "999999",
            "sort": "password",
            "page": "x",
        },
    )
    assert response.status_code == 200
    assert "陆水村屋场会" in response.content.decode()


def test_list_paginates_and_keeps_filters_in_page_links(client, county_staff, village):
    MeetingFactory.create_batch(30, area=village, format=MeetingFormat.COURTYARD)
    client.force_login(county_staff)
    body = client.get(reverse("meeting_list"), {"format": "courtyard"}).content.decode()
    assert "format=courtyard&amp;page=2" in body
    page2 = client.get(reverse("meeting_list"), {"format": "courtyard", "page": 2})
    assert len(page2.context["meetings"]) == 5


def test_list_queries_do_not_grow_with_rows(client, county_staff, village):
    MeetingFactory.create_batch(3, area=village)
    client.force_login(county_staff)
    small = count_queries(client, reverse("meeting_list"))
    MeetingFactory.create_batch(30, area=village)
    # session, user, user's area (header), filter areas, count, page of meetings with areas
    assert count_queries(client, reverse("meeting_list")) == small


def test_detail_shows_attendance_and_proposals(client, village_committee, village):
    meeting = MeetingFactory(area=village, attendance_total=40, attendance_village_worthy=3)
    ProposalFactory(meeting=meeting, title="修建村湾垃圾分类点")
    client.force_login(village_committee)
    body = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert meeting.title in body
    assert "修建村湾垃圾分类点" in body
    assert '<td>Village worthy</td><td class="num">3</td>' in body
    assert '<th class="num">40</th>' in body


def test_detail_of_another_village_is_404(client, village_committee, other_village):
    meeting = MeetingFactory(area=other_village)
    client.force_login(village_committee)
    for name in ["meeting_detail", "meeting_edit", "meeting_minutes"]:
        assert client.get(reverse(name, args=[meeting.pk])).status_code == 404
    response = client.post(reverse("meeting_edit", args=[meeting.pk]), valid_post(other_village))
    assert response.status_code == 404


def test_detail_queries_do_not_grow_with_proposals(client, county_staff, village):
    meeting = MeetingFactory(area=village)
    ProposalFactory.create_batch(2, meeting=meeting)
    meeting.attending_organizations.add(OrganizationFactory(area=village))
    client.force_login(county_staff)
    url = reverse("meeting_detail", args=[meeting.pk])
    small = count_queries(client, url)
    ProposalFactory.create_batch(20, meeting=meeting)
    meeting.attending_organizations.add(*OrganizationFactory.create_batch(5, area=village))
    # session, user, area, meeting with area/host/moderator, organizations, attachments, proposals
    assert count_queries(client, url) == small


def test_create_meeting_with_attendance_and_attachment(client, county_staff, village):
    host = OrganizationFactory(area=village, name="陆水村党支部")
    moderator = PersonFactory(area=village, name="孙建国")
    photo = SimpleUploadedFile("现场.jpg", image_bytes(), content_type="image/jpeg")
    client.force_login(county_staff)
    data = valid_post(
        village,
        host_organization=host.pk,
        moderator=moderator.pk,
        attending_organizations=[host.pk],
        **{
            "attachments-0-kind": "photo",
            "attachments-0-file": photo,
            "attachments-0-caption": "现场",
        },
    )
    response = client.post(reverse("meeting_create"), data)
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("meeting_detail", args=[meeting.pk])
    assert meeting.attendance_total == 42 and meeting.attendance_villager == 28
    assert meeting.starts_at == timezone.make_aware(dt.datetime(2024, 10, 31, 19, 30))
    assert meeting.created_by == county_staff
    assert list(meeting.attending_organizations.all()) == [host]
    attachment = Attachment.objects.get()
    # Stored under a random name: people's names in file names never reach the disk.
    assert "现场" not in attachment.file.name
    assert re.search(r"attachments/[0-9a-f]{32}\.jpg$", attachment.file.name)
    served = client.get(reverse("attachment_file", args=[attachment.pk]))
    assert served.status_code == 200


def test_chinese_date_is_accepted(client, county_staff, village):
    client.force_login(county_staff)
    client.post(reverse("meeting_create"), valid_post(village, starts_at="2024年10月31日 19:30"))
    assert Meeting.objects.get().starts_at.date() == dt.date(2024, 10, 31)


def test_attendance_above_total_is_refused_and_input_kept(client, county_staff, village):
    client.force_login(county_staff)
    response = client.post(
        reverse("meeting_create"),
        valid_post(village, attendance_total="10", title="保留我输入的标题"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "The categories add up to 40, more than the total of 10." in body
    assert "保留我输入的标题" in body
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"attendance_total": "-1"},
        {"attendance_total": str(10**20)},
        {"attendance_villager": "abc"},
        {"format": "forged"},
        {"area": "999999"},
        {"title": "长" * 100_000},
        {"starts_at": "2024-13-45 25:61"},
        {"title": ""},
        {"host_organization": "1 OR 1=1"},
    ],
)
def test_bad_input_is_refused_without_saving(client, county_staff, village, overrides):
    client.force_login(county_staff)
    response = client.post(reverse("meeting_create"), valid_post(village, **overrides))
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Meeting.objects.exists()


def test_missing_fields_are_refused(client, county_staff, village):
    client.force_login(county_staff)
    response = client.post(reverse("meeting_create"), {})
    assert response.status_code == 200
    assert not Meeting.objects.exists()


def test_area_outside_scope_cannot_be_chosen(client, village_committee, other_village):
    client.force_login(village_committee)
    response = client.post(reverse("meeting_create"), valid_post(other_village))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Meeting.objects.exists()


def test_executable_attachment_is_refused_and_meeting_not_saved(client, county_staff, village):
    client.force_login(county_staff)
    bad = SimpleUploadedFile("setup.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    data = valid_post(village, **{"attachments-0-kind": "document", "attachments-0-file": bad})
    response = client.post(reverse("meeting_create"), data)
    assert response.status_code == 200
    assert (
        "Only images (JPG, PNG, GIF, WebP) and PDF files can be attached."
        in response.content.decode()
    )
    assert not Meeting.objects.exists() and not Attachment.objects.exists()


def test_edit_meeting_keeps_history_of_fields(client, county_staff, village):
    meeting = MeetingFactory(area=village, title="旧标题")
    client.force_login(county_staff)
    response = client.post(
        reverse("meeting_edit", args=[meeting.pk]), valid_post(village, title="新标题")
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "新标题"


def test_minutes_print_view_has_signature_space(client, county_staff, village):
    meeting = MeetingFactory(area=village, minutes="同意硬化通湾公路。")
    client.force_login(county_staff)
    body = client.get(reverse("meeting_minutes", args=[meeting.pk])).content.decode()
    assert "同意硬化通湾公路。" in body
    assert "Moderator (signature)" in body
    assert 'class="site-header"' not in body


def test_calendar_lists_upcoming_meetings_only(client, village_committee, village):
    MeetingFactory(
        area=village, title="下周屋场会", starts_at=timezone.now() + dt.timedelta(days=7)
    )
    MeetingFactory(
        area=village, title="上月屋场会", starts_at=timezone.now() - dt.timedelta(days=30)
    )
    client.force_login(village_committee)
    body = client.get(reverse("meeting_calendar")).content.decode()
    assert "下周屋场会" in body and "上月屋场会" not in body


def test_calendar_shows_a_bounded_number_and_links_to_the_rest(
    client, village_committee, village, monkeypatch
):
    monkeypatch.setattr(meeting_views, "CALENDAR_LIMIT", 3)
    soon = timezone.now() + dt.timedelta(days=1)
    for n in range(5):
        MeetingFactory(area=village, title=f"第{n}场夜话", starts_at=soon + dt.timedelta(days=n))
    client.force_login(village_committee)
    response = client.get(reverse("meeting_calendar"))
    body = response.content.decode()
    assert [f"第{n}场夜话" in body for n in range(5)] == [True, True, True, False, False]
    more = response.context["more_url"]
    assert more.startswith(reverse("meeting_list") + "?")
    # The list, from the last day shown, holds the meetings the calendar left out.
    listed = client.get(more).content.decode()
    assert "第3场夜话" in listed and "第4场夜话" in listed
    assert "See the rest in the meeting list" in body


def test_ics_feed_is_valid_and_scoped(client, village_committee, village, other_village):
    starts = timezone.now() + dt.timedelta(days=3)
    MeetingFactory(area=village, title="陆水村夜话, 议题; 很长" * 5, starts_at=starts)
    MeetingFactory(area=other_village, title="白湖村屋场会", starts_at=starts)
    client.force_login(village_committee)
    feed_url = client.get(reverse("meeting_calendar")).context["feed_url"]
    client.logout()
    response = client.get(feed_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    assert "陆水村夜话\\, 议题\\; 很长" in unfolded
    assert "白湖村屋场会" not in unfolded
    assert unfolded.count("BEGIN:VEVENT") == 1


def test_ics_feed_with_forged_token_is_404(client, db):
    assert client.get(reverse("meeting_feed", args=["forged-token"])).status_code == 404


@pytest.mark.parametrize("field", ["attending_organizations", "host_organization", "moderator"])
def test_ids_beyond_any_table_are_refused_not_crashing(client, county_staff, village, field):
    client.force_login(county_staff)
    response = client.post(reverse("meeting_create"), valid_post(village, **{field: str(10**20)}))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Meeting.objects.exists()


def test_forged_form_count_builds_no_more_than_the_limit(client, county_staff, village):
    client.force_login(county_staff)
    data = valid_post(village, **{"attachments-TOTAL_FORMS": "100000"})
    response = client.post(reverse("meeting_create"), data)
    assert response.status_code == 200
    assert len(response.context["attachments"].forms) <= 20
    assert not Meeting.objects.exists()


def test_concurrent_edit_is_refused_showing_what_changed_and_keeping_input(
    client, county_staff, town_staff, village
):
    meeting = MeetingFactory(area=village, title="原标题", place="村委会")
    client.force_login(county_staff)
    opened = client.get(reverse("meeting_edit", args=[meeting.pk])).context["form"]
    version = opened["version"].value()

    # Meanwhile the town's staff member saves a change.
    other = Client()
    other.force_login(town_staff)
    response = other.post(
        reverse("meeting_edit", args=[meeting.pk]),
        valid_post(village, title="镇里改过的标题", version=version),
    )
    assert response.status_code == 302

    # The county's save, from the stale form, is refused; nothing is overwritten.
    response = client.post(
        reverse("meeting_edit", args=[meeting.pk]),
        valid_post(village, title="县里输入的标题", version=version),
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved this record while you were editing it" in body
    assert "镇里改过的标题" in body  # what is stored now
    assert "县里输入的标题" in body  # what the user typed is kept
    meeting.refresh_from_db()
    assert meeting.title == "镇里改过的标题"

    # Saving again after review is a deliberate overwrite.
    again = response.context["form"].data["version"]
    response = client.post(
        reverse("meeting_edit", args=[meeting.pk]),
        valid_post(village, title="县里输入的标题", version=again),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "县里输入的标题"
    assert meeting.history.count() == 3
    assert meeting.history.first().history_user == county_staff


def test_superuser_recording_a_meeting_is_asked_for_the_county_first(
    client, admin_user, village, elsewhere
):
    client.force_login(admin_user)
    response = client.get(reverse("meeting_create"), {"from": "calendar"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="title"' not in body
    # Each county reopens the same page with its code, the other parameters kept.
    assert 'href="?from=calendar&amp;area=421221"' in body
    assert 'href="?from=calendar&amp;area=421281"' in body


def test_town_staff_editing_keeps_a_county_body_they_may_not_choose(
    client, town_staff, county, village
):
    # A county association branch hosted and moderated a village's meeting: the town's
    # staff cannot choose county bodies, but their edit keeps the meeting's own; any other
    # county body posted is still refused.
    branch = OrganizationFactory(area=county, name="县知联会第三支部")
    other = OrganizationFactory(area=county, name="县新联会")
    moderator = PersonFactory(area=county, name="县统战部李四")
    meeting = MeetingFactory(area=village, host_organization=branch, moderator=moderator)
    meeting.attending_organizations.add(branch)
    client.force_login(town_staff)
    url = reverse("meeting_edit", args=[meeting.pk])
    body = client.get(url).content.decode()
    assert "县知联会第三支部" in body and "县统战部李四" in body and "县新联会" not in body
    refused = valid_post(village, host_organization=other.pk, version=meeting.version)
    assert client.post(url, refused).status_code == 200
    _saves_keeping(client, url, meeting, branch, moderator)


def test_recording_from_a_villages_page_still_offers_town_and_county_bodies(
    client, county_staff, county, village
):
    # "Record a meeting here" chooses the village; the hosts and moderators offered are
    # still those of the county, as at /meetings/new/.
    OrganizationFactory(area=county, name="县知联会第三支部")
    PersonFactory(area=county, name="县统战部李四")
    client.force_login(county_staff)
    body = client.get(reverse("meeting_create"), {"area": village.code}).content.decode()
    assert offers_name(client, body, "host_organization", "县知联会第三支部")
    assert offers_name(client, body, "moderator", "县统战部李四")
    assert f'<option value="{village.pk}" selected>' in body


def test_with_a_single_county_there_is_nothing_to_choose(client, admin_user, village):
    # A county's own installation: straight to the form, on that county.
    client.force_login(admin_user)
    response = client.get(reverse("meeting_create"), {"from": "calendar"})
    assert response.status_code == 302
    assert response.url == reverse("meeting_create") + "?from=calendar&area=421221"
    assert 'name="title"' in client.get(response.url).content.decode()


def test_superuser_meeting_form_offers_only_the_chosen_countys_choices(
    client, admin_user, village, elsewhere
):
    OrganizationFactory(area=village, name="陆水村理事会")
    PersonFactory(area=village, name="陆水村张三")
    client.force_login(admin_user)
    body = client.get(reverse("meeting_create"), {"area": "421221"}).content.decode()
    assert 'name="title"' in body and "陆水村" in body
    assert offers_name(client, body, "host_organization", "陆水村理事会")
    assert offers_name(client, body, "moderator", "陆水村张三")
    assert "外县" not in body
    assert picker_offers(client, body, "attending_organizations", "外县") == []
    assert picker_offers(client, body, "moderator", "外县") == []


def test_superuser_records_a_meeting_in_the_chosen_county(client, admin_user, village, elsewhere):
    host = OrganizationFactory(area=village, name="陆水村理事会")
    client.force_login(admin_user)
    url = reverse("meeting_create") + "?area=421221"
    response = client.post(url, valid_post(village, host_organization=host.pk))
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert (meeting.area, meeting.host_organization) == (village, host)


def test_an_organization_of_another_county_is_refused_by_its_field(
    client, admin_user, village, elsewhere
):
    outsider = elsewhere.organizations.get()
    client.force_login(admin_user)
    url = reverse("meeting_create") + "?area=421221"
    response = client.post(
        url,
        valid_post(village, host_organization=outsider.pk, attending_organizations=[outsider.pk]),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "Select a valid choice" in form.errors["host_organization"][0]
    assert "Select a valid choice" in form.errors["attending_organizations"][0]
    assert "孙家湾屋场会：通湾公路硬化" in response.content.decode()  # what was typed stays
    assert not Meeting.objects.exists()


def test_an_area_of_another_county_is_refused_even_with_its_code_in_the_address(
    client, admin_user, village, elsewhere
):
    client.force_login(admin_user)
    response = client.post(reverse("meeting_create") + "?area=421221", valid_post(elsewhere))
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["area"][0]
    assert not Meeting.objects.exists()


def test_superuser_editing_a_meeting_sees_its_countys_choices_and_saves(
    client, admin_user, village, elsewhere
):
    meeting = MeetingFactory(area=village, title="旧标题")
    client.force_login(admin_user)
    url = reverse("meeting_edit", args=[meeting.pk])
    body = client.get(url).content.decode()
    assert f'<option value="{village.pk}" selected>' in body
    assert "外县" not in body
    response = client.post(url, valid_post(village, title="新标题"))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "新标题"


def _saves_keeping(client, url, meeting, host, moderator):
    """Posts the meeting's edit with a new title and its host, moderator and attendee as
    they were, and checks that all are saved."""
    post = valid_post(
        meeting.area,
        title="新标题",
        host_organization=host.pk,
        moderator=moderator.pk,
        attending_organizations=[host.pk],
        version=meeting.version,
    )
    assert client.post(url, post).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.title, meeting.host_organization, meeting.moderator) == (
        "新标题",
        host,
        moderator,
    )
    assert list(meeting.attending_organizations.all()) == [host]


def test_editing_keeps_values_from_outside_the_working_area(
    client, admin_user, county_staff, village, elsewhere
):
    # A meeting hosted and attended by organizations of another county: the edit form
    # offers the meeting's county, and still the record's own values, chosen, so that a
    # save does not drop them.
    outside = Organization.objects.get(name="外县理事会")
    moderator = Person.objects.get(name="外县王五")
    meeting = MeetingFactory(area=village, host_organization=outside, moderator=moderator)
    meeting.attending_organizations.add(outside)
    client.force_login(admin_user)
    url = reverse("meeting_edit", args=[meeting.pk])
    body = client.get(url).content.decode()

    def chosen(name):
        select = re.search(rf'<select[^>]* name="{name}".*?</select>', body, re.S).group(0)
        return re.findall(r'<option value="(\d+)" selected>', select)

    assert chosen("host_organization") == chosen("attending_organizations") == [str(outside.pk)]
    assert chosen("moderator") == [str(moderator.pk)]
    _saves_keeping(client, url, meeting, outside, moderator)


def test_a_village_in_the_address_is_the_meetings_area_to_start_with(
    client, county_staff, village, other_village
):
    client.force_login(county_staff)
    body = client.get(reverse("meeting_create"), {"area": village.code}).content.decode()
    assert f'<option value="{village.pk}" selected>' in body
    # The county's choices all the same (a meeting may be held next door); a village outside
    # the user's scope is ignored.
    assert other_village.name in body
    body = client.get(reverse("meeting_create"), {"area": "421281100201"}).content.decode()
    assert other_village.name in body and not re.search(r'value="\d+" selected>', body)


def test_form_queries_do_not_grow_with_records_outside_the_working_area(
    client, admin_user, village, elsewhere
):
    host, moderator = OrganizationFactory(area=village), PersonFactory(area=village)
    meeting = MeetingFactory(area=village, host_organization=host, moderator=moderator)
    meeting.attending_organizations.add(host)
    client.force_login(admin_user)
    urls = [reverse("meeting_create") + "?area=421221", reverse("meeting_edit", args=[meeting.pk])]
    small = [count_queries(client, url) for url in urls]
    for n in range(5):
        village_elsewhere = VillageFactory(parent=elsewhere.parent)
        OrganizationFactory.create_batch(3, area=village_elsewhere)
        PersonFactory.create_batch(3, area=village_elsewhere)
        OrganizationFactory(area=village, name=f"陆水村队{n}")
        PersonFactory(area=village, name=f"陆水村人{n}")
    # Create: session, user, the working area by its code, its areas (the pickers read no
    # organization or person: nothing is chosen). Edit: session, user, the meeting, its
    # county, the areas, the attending organizations (the form's initial), then each picker's
    # chosen options with their areas (host, moderator, attendees), the attachments.
    assert [count_queries(client, url) for url in urls] == small == [4, 10]


def test_a_value_outside_the_working_area_stays_a_choice_of_its_own_field(
    client, admin_user, village, elsewhere
):
    outside = Organization.objects.get(name="外县理事会")
    inside = OrganizationFactory(area=village, name="陆水村理事会")
    meeting = MeetingFactory(area=village, host_organization=outside)
    meeting.attending_organizations.add(inside)
    client.force_login(admin_user)
    url = reverse("meeting_edit", args=[meeting.pk])
    body = client.get(url).content.decode()

    def offered(name):
        select = re.search(rf'<select[^>]* name="{name}".*?</select>', body, re.S).group(0)
        return re.findall(r'<option value="(\d+)"', select)

    # Each picker holds only its own chosen values.
    assert offered("host_organization") == [str(outside.pk)]
    assert offered("attending_organizations") == [str(inside.pk)]
    # The host from another county stays valid for the host; not for the attendees.
    post = valid_post(
        village,
        host_organization=outside.pk,
        attending_organizations=[outside.pk],
        version=meeting.version,
    )
    response = client.post(url, post)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"attending_organizations"}
