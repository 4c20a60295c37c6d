"""Admin for territory, organizations, people and staff accounts."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from wuhgong.admin import ModelAdmin, TabularInline, WuhgongAdminMixin

from .models import Area, AreaLevel, Highlight, Membership, Organization, Person, User


class TownFilter(admin.SimpleListFilter):
    """Rows in one town and everything under it.

    A county has a handful of towns but thousands of villages and hamlets: towns are the
    finest level a sidebar list can hold. Finer places are found with the search box.
    """

    title = _("town")
    parameter_name = "town"

    def lookups(self, request, model_admin):
        towns = Area.objects.of_level(AreaLevel.TOWN).visible_to(request.user).only("code", "name")
        self.towns = {town.code: town for town in towns}
        return [(code, town.name) for code, town in self.towns.items()]

    def queryset(self, request, queryset):
        town = self.towns.get(self.value())
        if town is None:
            return queryset
        if hasattr(queryset, "within"):
            return queryset.within(town)
        return queryset.filter(area__code__startswith=town.code)


@admin.register(Area)
class AreaAdmin(ModelAdmin):
    list_display = ("name", "code", "level", "parent")
    list_select_related = ("parent",)
    list_filter = ("level", TownFilter)
    search_fields = ("name", "^code")
    autocomplete_fields = ("parent",)
    fields = ("code", "name", "level", "parent", "full_name")
    readonly_fields = ("full_name",)

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
    list_filter = ("kind", "area__level", TownFilter)
    search_fields = ("name", "area__name")
    autocomplete_fields = ("area",)
    date_hierarchy = "founded_on"
    inlines = [OrganizationMembershipInline]


@admin.register(Person)
class PersonAdmin(ModelAdmin):
    # Personal data (PIPL): the list shows a masked phone; the full number only on the form.
    list_display = ("name", "category", "area", "phone_masked")
    list_select_related = ("area",)
    list_filter = ("category", "area__level", TownFilter)
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
    list_filter = ("organization__kind", "person__category", "started_on", TownFilter)
    search_fields = ("person__name", "organization__name", "role")
    autocomplete_fields = ("person", "organization")
    date_hierarchy = "started_on"

    def get_queryset(self, request):
        # Membership.__str__ names the person and the organization (form title, messages).
        return super().get_queryset(request).select_related(*self.list_select_related)


@admin.register(Highlight)
class HighlightAdmin(ModelAdmin):
    list_display = ("title", "area", "area_level")
    list_select_related = ("area",)
    list_filter = ("area__level", TownFilter)
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
    list_filter = (*DjangoUserAdmin.list_filter, "area__level", TownFilter)
    search_fields = (*DjangoUserAdmin.search_fields, "area__name")
    autocomplete_fields = ("area",)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "user_permissions":
            # Permission.__str__ reads its content type: one query per permission otherwise.
            kwargs["queryset"] = db_field.related_model.objects.select_related("content_type")
        return super().formfield_for_manytomany(db_field, request, **kwargs)
