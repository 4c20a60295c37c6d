"""Small helpers shared by the organizations app's pages."""

from organizations.models import Area, Person

RECENT_ROWS = 10


def area_from_query(request):
    """The area named by ``?area=<id>`` when the user may see it, for prefilling a form
    opened from an area's page; None for anything else (missing, forged, out of scope)."""
    value = request.GET.get("area", "")
    if not (value.isdigit() and len(value) <= 18):
        return None
    return Area.objects.visible_to(request.user).filter(pk=int(value)).first()


def in_scope_people(user):
    """People the user may see, as a subquery for records that name a person."""
    return Person.objects.visible_to(user).values("pk")


def posted_data(request):
    """The POST data to bind a form to, even when empty (an empty POST is still a submission
    and must show 'required' errors); None on GET."""
    return request.POST if request.method == "POST" else None
