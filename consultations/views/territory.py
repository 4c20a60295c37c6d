"""Territory pages (county → town → village → hamlet) and the pages of organizations and
people: each with its people and the recent work of the five stages it took part in."""

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q
from django.db.models.functions import Substr
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from consultations.models import Meeting, Proposal
from core import cache as figures
from core.pagination import deferred_slice
from organizations.choices import working_area
from organizations.forms import MembershipForm
from organizations.models import (
    Area,
    AreaLevel,
    Membership,
    Organization,
    OrganizationKind,
    Person,
    PersonCategory,
)
from organizations.scoping import get_object_for_user_or_404, sees_everything, user_area
from organizations.views.common import RECENT_ROWS, in_scope_people
from organizations.views.organizations import organization_for
from organizations.views.people import memberships_of, person_for

CHILDREN_HEADING = {
    AreaLevel.COUNTY: _("Towns"),
    AreaLevel.TOWN: _("Villages"),
    AreaLevel.VILLAGE: _("Hamlets"),
}


def _counts_by_child(queryset, code_lookup, length, parent):
    """Rows of ``queryset`` per area code cut to ``length`` digits: one GROUP BY query gives
    every child's subtree count at once. Bounded to ``parent`` by the code it groups by, not
    by the rows' county code (``within``): through the areas, the indexes on each area's
    meetings and each meeting's proposals answer it without reading a row; by the county
    code, each proposal would be read with its meeting."""
    if parent is not None:
        queryset = queryset.filter(**{f"{code_lookup}__startswith": parent.code})
    return dict(
        queryset.order_by()
        .annotate(prefix=Substr(code_lookup, 1, length))
        .values_list("prefix")
        .annotate(n=Count("pk"))
        .values_list("prefix", "n")
    )


def with_counts(areas, *, parent=None):
    """The areas (all of one level, under ``parent`` or the top level) with the meetings and
    proposals held anywhere in their subtrees, as ``meeting_count`` and ``proposal_count``.

    Counting a province's meetings takes seconds, so the counts are kept per parent area
    until the data change (core.cache); they are the same for every user who
    may open the parent, whose scope covers its whole subtree.
    """
    areas = list(areas.select_related("highlight"))
    if not areas:
        return areas
    length = len(areas[0].code)
    counts = figures.cached(
        "area-children",
        parent.code if parent is not None else "top",
        lambda: (
            _counts_by_child(Meeting.objects.all(), "area__code", length, parent),
            _counts_by_child(Proposal.objects.all(), "meeting__area__code", length, parent),
        ),
        area=parent,
    ).value
    for area in areas:
        area.meeting_count = counts[0].get(area.code, 0)
        area.proposal_count = counts[1].get(area.code, 0)
    return areas


def area_home(request):
    """The user's own area; superusers without one choose a county."""
    area = user_area(request.user)
    if area is not None:
        return redirect("area_detail", code=area.code)
    counties = (
        with_counts(Area.objects.of_level(AreaLevel.COUNTY).order_by("code"))
        if sees_everything(request.user)
        else []
    )
    return render(request, "organizations/area_home.html", {"counties": counties})


def _newest(rows):
    """The first RECENT_ROWS of ``rows`` (their ids from the indexes on area or meeting and
    date alone)."""
    return list(deferred_slice(rows, 0, RECENT_ROWS))


def _member_rows(counted):
    """People per member category, in PersonCategory's order, zeros included, and the total."""
    rows = [(category.label, counted.get(category.value, 0)) for category in PersonCategory]
    return rows, sum(counted.values())


def _organization_kinds(counted):
    """Organizations below the area (not in it) per kind, the most numerous first."""
    labels = dict(OrganizationKind.choices)
    return sorted(
        ((str(labels.get(kind, kind)), n) for kind, n in counted), key=lambda row: (-row[1], row[0])
    )


def _area_page(area):
    """What the area's page lists and counts; labels are added in the reader's language."""
    organizations = Organization.objects.within(area)
    return {
        "ancestors": list(Area.objects.ancestors(area)),
        "member_counts": dict(
            Person.objects.within(area)
            .order_by()
            .values_list("category")
            .annotate(n=Count("pk"))
            .values_list("category", "n")
        ),
        "kind_counts": list(
            organizations.exclude(area=area)
            .order_by()
            .values_list("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        ),
        "organizations": list(organizations.filter(area=area).order_by("kind", "name")),
        "children": with_counts(Area.objects.filter(parent=area).order_by("code"), parent=area),
        "meetings": _newest(Meeting.objects.within(area).select_related("area")),
        # The matters of the latest meetings: the indexes on (area, starts_at) and (meeting,
        # created_at) find them within the area. By the proposals' own dates, the area's
        # newest would be searched for among the province's newest.
        "proposals": _newest(
            Proposal.objects.within(area)
            .select_related("meeting__area")
            .order_by("-meeting__starts_at", "-created_at", "-id")
        ),
    }


def area_detail(request, code):
    area = get_object_for_user_or_404(
        Area.objects.select_related("highlight", "parent"), request.user, code=code
    )
    own = user_area(request.user)
    everywhere = sees_everything(request.user)
    page = _area_page(area)
    # Areas above the user's own cannot be opened, so they are named without a link.
    breadcrumbs = [
        (ancestor, everywhere or (own is not None and ancestor.code.startswith(own.code)))
        for ancestor in page["ancestors"]
    ]
    members, member_total = _member_rows(page["member_counts"])
    return render(
        request,
        "organizations/area_detail.html",
        {
            "area": area,
            "highlight": getattr(area, "highlight", None),
            "highlight_label": _("Town brand")
            if area.level == AreaLevel.TOWN
            else _("Village feature"),
            "children_heading": CHILDREN_HEADING.get(area.level, ""),
            # Brands belong to towns and features to villages; hamlets have neither.
            "children_highlight_label": {
                AreaLevel.COUNTY: _("Town brand"),
                AreaLevel.TOWN: _("Village feature"),
            }.get(area.level),
            "breadcrumbs": breadcrumbs,
            "children": page["children"],
            "organizations": page["organizations"],
            "organization_kinds": _organization_kinds(page["kind_counts"]),
            "members": members,
            "member_total": member_total,
            "meetings": page["meetings"],
            "proposals": page["proposals"],
        },
    )


def organization_detail(request, pk):
    organization = organization_for(request, pk)
    user = request.user
    attended = Meeting.attending_organizations.through.objects.filter(
        organization=organization
    ).values("meeting_id")
    return render(
        request,
        "organizations/organization_detail.html",
        {
            "organization": organization,
            # Members the user may see; current ones first. Phones are shown masked.
            "memberships": Membership.objects.visible_to(user)
            .filter(organization=organization, person__in=in_scope_people(user))
            .select_related("person")
            .order_by(F("ended_on").desc(nulls_first=True), "person__name", "pk"),
            "meetings": Meeting.objects.visible_to(user)
            .filter(Q(host_organization=organization) | Q(pk__in=attended))
            .annotate(
                hosted=ExpressionWrapper(
                    Q(host_organization=organization), output_field=BooleanField()
                )
            )
            .select_related("area")[:RECENT_ROWS],
            "proposals": Proposal.objects.visible_to(user)
            .filter(referred_to=organization)
            .select_related("meeting__area")[:RECENT_ROWS],
        },
    )


@never_cache
def person_detail(request, pk):
    """The one page that shows the full phone number; not kept in any cache."""
    person = person_for(request, pk)
    user = request.user
    return render(
        request,
        "organizations/person_detail.html",
        {
            "person": person,
            "memberships": memberships_of(person, user),
            "membership_form": MembershipForm(
                user=user,
                person=person,
                within=working_area(request, person.area),
                initial={"started_on": timezone.localdate()},
            ),
            "today": timezone.localdate(),
            "meetings": Meeting.objects.visible_to(user)
            .filter(moderator=person)
            .select_related("area")[:RECENT_ROWS],
            "proposals": Proposal.objects.visible_to(user)
            .filter(raised_by=person)
            .select_related("meeting__area")[:RECENT_ROWS],
        },
    )
