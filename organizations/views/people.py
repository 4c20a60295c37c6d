"""People pages: the list (phones masked), a person with their memberships, the person form.

Names and phone numbers are personal information (PIPL): every query is scoped to the user's
area, lists show phones masked, and the full number appears only on the person's own page.
"""

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import F
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.pagination import ListPaginator, count_cap_for
from organizations.choices import working_area
from organizations.forms import MembershipEndForm, MembershipForm, PersonFilterForm, PersonForm
from organizations.models import Membership, Person
from organizations.scoping import get_object_for_user_or_404

from .common import create_in_area, in_scope_people, posted_data

PAGE_SIZE = 25


def person_list(request):
    filters = PersonFilterForm(request.GET or None, user=request.user)
    people = filters.filter(Person.objects.visible_to(request.user).select_related("area__parent"))
    page = ListPaginator(
        people,
        PAGE_SIZE,
        count_cap=count_cap_for(filters),
    ).get_page(request.GET.get("page"))
    chosen_area = filters.cleaned_data.get("area") if filters.is_valid() else None
    return render(
        request,
        "organizations/person_list.html",
        {
            "filters": filters,
            "page_obj": page,
            "people": page.object_list,
            "chosen_area": chosen_area,
        },
    )


def person_for(request, pk):
    return get_object_for_user_or_404(
        Person.objects.select_related("area__parent"), request.user, pk=pk
    )


def memberships_of(person, user):
    """The person's memberships of organizations the user may see, current ones first."""
    return (
        Membership.objects.visible_to(user)
        .filter(person=person)
        .select_related("organization__area")
        .order_by(F("ended_on").desc(nulls_first=True), "-started_on", "-pk")
    )


def _save_person(request, person, area, initial=None):
    # The heading keeps the stored name while the form shows what was typed.
    stored_name = person.name
    form = PersonForm(
        posted_data(request), instance=person, user=request.user, within=area, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        is_new = person.pk is None
        with transaction.atomic():
            if not form.version_is_current():
                return _person_form_page(request, form, person, stored_name, status=409)
            saved = form.save()
        messages.success(
            request,
            _("%(name)s was added.") % {"name": saved.name}
            if is_new
            else _("%(name)s was updated.") % {"name": saved.name},
        )
        return redirect("person_detail", pk=saved.pk)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    return _person_form_page(request, form, person, stored_name)


def _person_form_page(request, form, person, stored_name, status=200):
    return render(
        request,
        "organizations/person_form.html",
        {"form": form, "person": person, "stored_name": stored_name},
        status=status,
    )


def person_create(request):
    return create_in_area(request, _("Add a person"), _save_person, Person())


@never_cache
def person_edit(request, pk):
    person = person_for(request, pk)
    return _save_person(request, person, working_area(request, person.area))


def membership_create(request, pk):
    """Add a membership. The detail page carries the form; errors come back on this page."""
    person = person_for(request, pk)
    form = MembershipForm(
        posted_data(request),
        user=request.user,
        person=person,
        within=working_area(request, person.area),
        initial={"started_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                membership = form.save()
        except IntegrityError:
            # Another request saved the same membership between the check and the insert.
            form.add_error(None, _("This membership was recorded already."))
        else:
            messages.success(
                request,
                _("%(name)s is now recorded as a member of %(organization)s.")
                % {"name": person.name, "organization": membership.organization.name},
            )
            return redirect("person_detail", pk=person.pk)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    return render(
        request, "organizations/person_membership_form.html", {"form": form, "person": person}
    )


def membership_end(request, pk):
    """Record that a membership ended (the record stays: who was a member when matters)."""
    membership = get_object_for_user_or_404(
        Membership.objects.filter(person__in=in_scope_people(request.user)).select_related(
            "person", "organization"
        ),
        request.user,
        pk=pk,
    )
    person = membership.person
    if membership.ended_on is not None:
        messages.info(
            request,
            _("This membership already ended on %(date)s.")
            % {"date": membership.ended_on.isoformat()},
        )
        return redirect("person_detail", pk=person.pk)
    form = MembershipEndForm(
        posted_data(request), instance=membership, initial={"ended_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request,
            _("%(name)s's membership of %(organization)s was ended.")
            % {"name": person.name, "organization": membership.organization.name},
        )
        return redirect("person_detail", pk=person.pk)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    return render(
        request,
        "organizations/person_membership_end.html",
        {"form": form, "membership": membership, "person": person},
    )
