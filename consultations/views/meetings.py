"""共谋 pages: the meeting list, a meeting, its form, its printed minutes, the calendar."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from consultations import services
from consultations.forms.meetings import AttachmentFormSet, MeetingFilterForm, MeetingForm
from consultations.models import Attachment, Meeting
from consultations.views.history import history_page
from core import ical
from core.history import recent_changes
from core.pagination import ListPaginator, count_cap_for
from core.uploads import file_response
from organizations.choices import working_area
from organizations.models import AreaLevel, User
from organizations.scoping import get_object_for_user_or_404, sees_everything
from organizations.views.common import county_choice

PAGE_SIZE = 25
CALENDAR_DAYS = 60
# A phone-sized calendar; the rest of the days in the list (a province holds thousands).
CALENDAR_LIMIT = 100
LIST_FIELDS = ("starts_at", "title", "format", "area", "attendance_total")
FEED_SALT = "wuhgong.meeting-feed"


def meeting_list(request):
    filters = MeetingFilterForm(request.GET or None, user=request.user)
    # Only what the table shows: not each meeting's agenda and minutes, kilobytes of text.
    meetings = filters.filter(
        Meeting.objects.visible_to(request.user)
        .select_related("area")
        .only(*LIST_FIELDS, "area__name")
    )
    page = ListPaginator(
        meetings,
        PAGE_SIZE,
        count_cap=count_cap_for(filters),
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "consultations/meeting_list.html",
        {"filters": filters, "page_obj": page, "meetings": page.object_list},
    )


def _meeting_for(request, pk):
    return get_object_for_user_or_404(
        Meeting.objects.select_related("area", "host_organization", "moderator"),
        request.user,
        pk=pk,
    )


def meeting_detail(request, pk):
    meeting = _meeting_for(request, pk)
    return render(
        request,
        "consultations/meeting_detail.html",
        {
            "meeting": meeting,
            "attending_organizations": meeting.attending_organizations.all(),
            "attachments": meeting.attachments.all(),
            "proposals": meeting.proposals.select_related("raised_by"),
        },
    )


def meeting_history(request, pk):
    """The meeting's changes on a page of their own: the detail page stays cheap."""
    meeting = _meeting_for(request, pk)
    return history_page(
        request,
        record_name=meeting.title,
        trail=[
            (reverse("meeting_list"), _("Meetings")),
            (reverse("meeting_detail", args=[meeting.pk]), meeting.title),
        ],
        history=recent_changes(meeting, user=request.user),
    )


def meeting_minutes(request, pk):
    """The minutes (会议纪要) laid out as the paper record, with space for signatures."""
    meeting = _meeting_for(request, pk)
    return render(
        request,
        "consultations/meeting_minutes.html",
        {
            "meeting": meeting,
            "attending_organizations": meeting.attending_organizations.all(),
            "proposals": meeting.proposals.select_related("raised_by"),
            "printed_on": timezone.localdate(),
        },
    )


def _save_meeting(request, meeting, area, initial=None):
    form = MeetingForm(
        request.POST or None, instance=meeting, user=request.user, within=area, initial=initial
    )
    attachments = AttachmentFormSet(
        request.POST or None, request.FILES or None, instance=meeting, prefix="attachments"
    )
    if request.method != "POST":
        return _meeting_form_page(request, form, attachments, meeting)
    valid = all([form.is_valid(), attachments.is_valid()])
    is_new = meeting.pk is None
    with transaction.atomic():
        # Checked even when the input is invalid: the errors may come from what someone else
        # saved meanwhile, and only the conflict tells the user so.
        if not form.version_is_current():
            return _meeting_form_page(request, form, attachments, meeting, status=409)
        if valid:
            saved = form.save(commit=False)
            if is_new:
                saved.created_by = request.user
            services.save_meeting(meeting=saved, actor=request.user)
            form.save_m2m()
            attachments.instance = saved
            for attachment in attachments.save(commit=False):
                attachment.uploaded_by = attachment.uploaded_by or request.user
                attachment.save()
            for attachment in attachments.deleted_objects:
                attachment.delete()
    if valid:
        messages.success(
            request, _("The meeting was recorded.") if is_new else _("The meeting was updated.")
        )
        return redirect("meeting_detail", pk=saved.pk)
    messages.error(request, _("Please correct the errors below; nothing was saved."))
    return _meeting_form_page(request, form, attachments, meeting)


def _meeting_form_page(request, form, attachments, meeting, status=200):
    return render(
        request,
        "consultations/meeting_form.html",
        {"form": form, "attachments": attachments, "meeting": meeting},
        status=status,
    )


def meeting_create(request):
    named = working_area(request)
    if named is None:
        if sees_everything(request.user):
            return county_choice(request, _("Record a meeting"))
        return _save_meeting(request, Meeting(), None)
    # The choices are those of a meeting held in the named area (its county, or the user's
    # own area inside it), so that a village's meeting can still be hosted by a town or
    # county body; a village's or hamlet's page links here, and the meeting is most likely
    # held there, so that area is chosen to start with.
    area = named if named.level == AreaLevel.COUNTY else working_area(request, named)
    chosen = request.GET.get("area") == named.code and named.level >= AreaLevel.VILLAGE
    return _save_meeting(request, Meeting(), area, initial={"area": named} if chosen else None)


def meeting_edit(request, pk):
    meeting = _meeting_for(request, pk)
    return _save_meeting(request, meeting, working_area(request, meeting.area))


def meeting_calendar(request):
    """Meetings of the coming weeks, by day, and the address of the calendar feed."""
    now = timezone.now()
    upcoming = (
        Meeting.objects.visible_to(request.user)
        .upcoming(now)
        .filter(starts_at__lt=now + timedelta(days=CALENDAR_DAYS))
        .select_related("area")
    )
    # A county plans a few hundred meetings in two months, a province tens of thousands: the
    # page shows the first CALENDAR_LIMIT and sends the rest to the list, filtered to the days.
    shown = list(upcoming[: CALENDAR_LIMIT + 1])
    more = len(shown) > CALENDAR_LIMIT
    shown = shown[:CALENDAR_LIMIT]
    days = {}
    for meeting in shown:
        days.setdefault(timezone.localdate(meeting.starts_at), []).append(meeting)
    today = timezone.localdate(now)
    more_url = None
    if more:
        more_url = "?".join(
            [
                reverse("meeting_list"),
                urlencode(
                    {
                        "start": timezone.localdate(shown[-1].starts_at).isoformat(),
                        "end": (today + timedelta(days=CALENDAR_DAYS)).isoformat(),
                        "sort": "starts_at",
                    }
                ),
            ]
        )
    token = signing.dumps(request.user.pk, salt=FEED_SALT)
    return render(
        request,
        "consultations/meeting_calendar.html",
        {
            "days": sorted(days.items()),
            "calendar_days": CALENDAR_DAYS,
            "calendar_limit": CALENDAR_LIMIT,
            "more_url": more_url,
            "feed_url": request.build_absolute_uri(reverse("meeting_feed", args=[token])),
        },
    )


@login_not_required
@require_GET
def meeting_feed(request, token):
    """The upcoming meetings as iCalendar, for a phone's calendar app.

    Calendar apps cannot sign in, so the address carries a signed user id instead; it shows
    exactly what that user may see, and stops working when the user is deactivated.
    """
    try:
        user_id = signing.loads(token, salt=FEED_SALT)
        user = User.objects.select_related("area").get(pk=user_id, is_active=True)
    except (signing.BadSignature, User.DoesNotExist) as exc:
        raise Http404 from exc
    meetings = (
        Meeting.objects.visible_to(user)
        .filter(starts_at__gte=timezone.now() - timedelta(days=30))
        .select_related("area")
        .order_by("starts_at")[:500]
    )
    body = ical.calendar(
        meetings, name=_("Village consultation meetings"), url_for=request.build_absolute_uri
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="meetings.ics"'
    return response


def attachment_file(request, pk):
    """Attachments are served only to users whose scope covers the meeting, never publicly."""
    attachment = get_object_for_user_or_404(Attachment.objects.all(), request.user, pk=pk)
    return file_response(attachment.file)
