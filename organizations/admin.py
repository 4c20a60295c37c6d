"""Admin for territory, organizations, people and staff accounts."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.admin import ModelAdmin, TabularInline, WuhgongAdminMixin

from .models import (
    LEVEL_OF_CODE_LENGTH,
    Area,
    AreaLevel,
    Highlight,
    Membership,
    Organization,
    Person,
    User,
)
from .scoping import user_area


class AreaFilter(admin.SimpleListFilter):
    """Rows in one area and everything under it, chosen one level at a time.

    A province has about 100 counties, 1,200 towns and 25,000 villages: no sidebar can list
    them. The filter lists the children of the chosen area, under the areas above it (to
    climb back up), indented by level: the counties, or the towns when there is one county
    or the user works in one; then a town's villages, a village's hamlets. At most a few
    dozen links, in one or two small queries; a place is also found with the search box.
    """

    title = _("area")
    parameter_name = "area"

    def lookups(self, request, model_admin):
        self.chosen = None
        areas = Area.objects.visible_to(request.user).only("code", "name", "level", "parent_id")
        code = self.value()
        shown = []
        if code:
            # The chosen area, the areas above it and the areas right under it, in one query.
            lengths = sorted(LEVEL_OF_CODE_LENGTH)
            prefixes = [code[:n] for n in lengths if n <= len(code)]
            below = [LEVEL_OF_CODE_LENGTH[n] for n in lengths if n > len(code)][:1]
            children = Q(code__startswith=code, level__in=below)
            shown = list(areas.filter(Q(code__in=prefixes) | children))
            self.chosen = next((area for area in shown if area.code == code), None)
        if self.chosen is None:
            shown = self._top(request, areas)
        top = min((area.level for area in shown), default=0)
        return [(area.code, "\u3000" * (area.level - top) + area.name) for area in shown]

    def _top(self, request, areas):
        """What to choose from when nothing (or nothing visible) is chosen: the areas right
        under the user's own, or the counties (a single county's towns)."""
        own = user_area(request.user)
        if own is None:
            counties = list(areas.of_level(AreaLevel.COUNTY))
            if len(counties) != 1:
                return counties
            own = counties[0]
            return [own, *areas.filter(parent=own)]
        return list(areas.filter(parent=own))

    def queryset(self, request, queryset):
        if self.chosen is None:
            return queryset
        if hasattr(queryset, "within"):
            return queryset.within(self.chosen)
        return queryset.filter(area__code__startswith=self.chosen.code)


@admin.register(Area)
class AreaAdmin(ModelAdmin):
    list_display = ("name", "code", "level", "parent")
    list_select_related = ("parent",)
    list_filter = ("level", AreaFilter)
    search_fields = ("name", "^code")
    autocomplete_fields = ("parent",)
    fields = ("code", "name", "level", "parent", "full_name")
    readonly_fields = ("full_name",)

    def get_readonly_fields(self, request, obj=None):
        # A division code is the area's identity: everything under it, and the county codes
        # its meetings and proposals carry, are derived from it. Fixed once recorded.
        return self.readonly_fields if obj is None else ("code", *self.readonly_fields)

    @admin.display(description=_("full name"))
    def full_name(self, obj):
        return obj.full_name


class PersonMembershipInline(TabularInline):
    model = Membership
    fields = ("organization", "role", "started_on", "ended_on")
    autocomplete_fields = ("organization",)

    def get_queryset(self, request):
        # Each row's title (Membership.__str__) names both the person and the organization.
        return super().get_queryset(request).select_related("person", "organization")


class OrganizationMembershipInline(PersonMembershipInline):
    fields = ("person", "role", "started_on", "ended_on")
    autocomplete_fields = ("person",)


@admin.register(Organization)
class OrganizationAdmin(ModelAdmin):
    list_display = ("name", "kind", "area", "founded_on")
    list_select_related = ("area",)
    list_filter = ("kind", "founded_on", "area__level", AreaFilter)
    search_fields = ("name", "area__name")
    autocomplete_fields = ("area",)
    inlines = [OrganizationMembershipInline]


@admin.register(Person)
class PersonAdmin(ModelAdmin):
    # Personal data (PIPL): the list shows a masked phone; the full number only on the form.
    list_display = ("name", "category", "area", "phone_masked")
    list_select_related = ("area",)
    list_filter = ("category", "area__level", AreaFilter)
    search_fields = ("name", "area__name")
    autocomplete_fields = ("area",)
    inlines = [PersonMembershipInline]

    @admin.display(description=_("phone"))
    def phone_masked(self, obj):
        return obj.masked_phone


@admin.register(Membership)
class MembershipAdmin(ModelAdmin):
    list_display = ("person", "organization", "role", "started_on", "ended_on")
    list_select_related = ("person", "organization")
    list_filter = ("organization__kind", "person__category", "started_on", AreaFilter)
    search_fields = ("person__name", "organization__name", "role")
    autocomplete_fields = ("person", "organization")

    def get_queryset(self, request):
        # Membership.__str__ names the person and the organization (form title, messages).
        return super().get_queryset(request).select_related(*self.list_select_related)


@admin.register(Highlight)
class HighlightAdmin(ModelAdmin):
    list_display = ("title", "area", "area_level")
    list_select_related = ("area",)
    list_filter = ("area__level", AreaFilter)
    search_fields = ("title", "area__name", "description")
    autocomplete_fields = ("area",)

    @admin.display(description=_("level"), ordering="area__level")
    def area_level(self, obj):
        return obj.area.get_level_display()


@admin.register(User)
class UserAdmin(WuhgongAdminMixin, DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:2],
        (
            _("Area of work"),
            {
                "fields": ("area",),
                "description": _("The user sees this area and everything under it."),
            },
        ),
        *DjangoUserAdmin.fieldsets[2:],
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Area of work"), {"classes": ("wide",), "fields": ("area",)}),
    )
    list_display = (*DjangoUserAdmin.list_display, "area")
    list_select_related = ("area",)
    list_filter = (*DjangoUserAdmin.list_filter, "area__level", AreaFilter)
    search_fields = (*DjangoUserAdmin.search_fields, "area__name")
    autocomplete_fields = ("area",)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "user_permissions":
            # Permission.__str__ reads its content type: one query per permission otherwise.
            kwargs["queryset"] = db_field.related_model.objects.select_related("content_type")
        return super().formfield_for_manytomany(db_field, request, **kwargs)
