"""What a picker (``organizations.choices.Picker``) offers as the user types, as JSON."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from core.search import containing
from organizations.choices import choice_label
from organizations.models import LEVEL_OF_CODE_LENGTH, Area, Organization, Person

MODELS = {"people": Person, "organizations": Organization}
# Enough to find someone by a name's first characters; typing more narrows it.
RESULTS = 20


def visible_area(user, code):
    """The area with this code if the user may see it; None otherwise."""
    known = code.isascii() and code.isdigit() and len(code) in LEVEL_OF_CODE_LENGTH
    return Area.objects.visible_to(user).filter(code=code).first() if known else None


def picker_results(request, found, lookup, label, order):
    """At most RESULTS of ``found`` whose ``lookup`` contains ``?q=``, inside the area named
    by ``?within=<code>``: nothing, not the user's whole scope, if they may not see it."""
    if code := request.GET.get("within", "").strip():
        area = visible_area(request.user, code)
        found = found.within(area) if area else found.none()
    if term := request.GET.get("q", "").replace("\x00", "").strip()[:50]:
        found = found.filter(containing(term, lookup))
    rows = found.order_by(*order)[:RESULTS]
    return JsonResponse({"results": [{"value": obj.pk, "text": label(obj)} for obj in rows]})


@never_cache
def choices(request, kind):
    """People or organizations whose name contains ``?q=``, in the user's scope and the
    form's working area, or a referral's handling units (``?units_for=<code>``)."""
    found = MODELS[kind].objects.visible_to(request.user)
    if kind == "organizations" and "units_for" in request.GET:
        area = visible_area(request.user, request.GET["units_for"].strip())
        # A referral's handling units: the user's own and those of the town and county above.
        found = (
            Organization.objects.handling_units_for(request.user, area) if area else found.none()
        )
    found = found.select_related("area")
    return picker_results(request, found, "name", choice_label, ("name", "area__code", "pk"))
