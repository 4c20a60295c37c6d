"""Small helpers shared by the organizations app's pages."""

from django.shortcuts import redirect, render

from organizations.choices import working_area
from organizations.models import Area, AreaLevel, Person
from organizations.scoping import sees_everything

RECENT_ROWS = 10


def in_scope_people(user):
    """People the user may see, as a subquery for records that name a person."""
    return Person.objects.visible_to(user).values("pk")


def posted_data(request):
    """The POST data to bind a form to, even when empty (an empty POST is still a submission
    and must show 'required' errors); None on GET."""
    return request.POST if request.method == "POST" else None


def area_links(request, areas):
    """(name, link) for each (value, name) of ``areas``: the same page, its query kept,
    reopened with ``?area=<value>``."""
    links = []
    for value, name in areas:
        query = request.GET.copy()
        query["area"] = value
        links.append((name, f"?{query.urlencode()}"))
    return links


def create_in_area(request, title, save, record):
    """A person's or an organization's create page: ``save(request, record, area,
    initial)`` in the working area (``?area=<id>`` or the user's own), the county choice
    first for a user who sees everything. An area's page links here with its id: the
    record most likely sits there, so that area is chosen to start with."""
    area = working_area(request, key="pk")
    if area is None and sees_everything(request.user):
        return county_choice(request, title, key="pk")
    named = area is not None and request.GET.get("area") == str(area.pk)
    return save(request, record, area, initial={"area": area} if named else None)


def county_choice(request, title, *, key="code"):
    """For a user who sees everything, creating without ``?area=``: which county first.

    A form offering a whole province's areas, organizations and people would weigh
    megabytes; each link reopens the same address (query kept) with ``?area=<code>``
    (or ``<id>``, ``key="pk"``).
    """
    in_order = Area.objects.of_level(AreaLevel.COUNTY).order_by("code")
    counties = area_links(request, in_order.values_list(key, "name"))
    if len(counties) == 1:
        # A county's own installation: nothing to choose.
        return redirect(request.path + counties[0][1])
    return render(
        request, "organizations/county_choice.html", {"title": title, "counties": counties}
    )
