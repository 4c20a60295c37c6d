"""Organization pages: host units, handling units, stewards and the bodies people belong to."""

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.pagination import ListPaginator, count_cap_for
from organizations.choices import working_area
from organizations.forms import OrganizationFilterForm, OrganizationForm
from organizations.models import Membership, Organization
from organizations.scoping import get_object_for_user_or_404

from .common import create_in_area, posted_data

PAGE_SIZE = 25


def organization_list(request):
    filters = OrganizationFilterForm(request.GET or None, user=request.user)
    organizations = filters.filter(
        Organization.objects.visible_to(request.user)
        .select_related("area__parent")
        # A correlated subquery rather than a join and GROUP BY: PostgreSQL then counts the
        # members of the page's rows only, after the sort and the limit.
        .annotate(
            member_count=Coalesce(
                Subquery(
                    Membership.objects.filter(organization=OuterRef("pk"), ended_on__isnull=True)
                    .order_by()
                    .values("organization")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            )
        )
    )
    page = ListPaginator(
        organizations,
        PAGE_SIZE,
        count_cap=count_cap_for(filters),
    ).get_page(request.GET.get("page"))
    chosen_area = filters.cleaned_data.get("area") if filters.is_valid() else None
    return render(
        request,
        "organizations/organization_list.html",
        {
            "filters": filters,
            "page_obj": page,
            "organizations": page.object_list,
            "chosen_area": chosen_area,
        },
    )


def organization_for(request, pk):
    return get_object_for_user_or_404(
        Organization.objects.select_related("area__parent"), request.user, pk=pk
    )


def _save_organization(request, organization, area, initial=None):
    # The heading keeps the stored name while the form shows what was typed.
    stored_name = organization.name
    form = OrganizationForm(
        posted_data(request),
        instance=organization,
        user=request.user,
        within=area,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        is_new = organization.pk is None
        try:
            with transaction.atomic():
                if not form.version_is_current():
                    return _organization_form_page(
                        request, form, organization, stored_name, status=409
                    )
                saved = form.save()
        except IntegrityError:
            # Another request took the same name in the same area after the form's check.
            form.add_error("name", _("This area already has an organization with this name."))
        else:
            messages.success(
                request,
                _("%(name)s was added.") % {"name": saved.name}
                if is_new
                else _("%(name)s was updated.") % {"name": saved.name},
            )
            return redirect("organization_detail", pk=saved.pk)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    return _organization_form_page(request, form, organization, stored_name)


def _organization_form_page(request, form, organization, stored_name, status=200):
    return render(
        request,
        "organizations/organization_form.html",
        {"form": form, "organization": organization, "stored_name": stored_name},
        status=status,
    )


def organization_create(request):
    return create_in_area(request, _("Add an organization"), _save_organization, Organization())


def organization_edit(request, pk):
    organization = organization_for(request, pk)
    return _save_organization(request, organization, working_area(request, organization.area))
