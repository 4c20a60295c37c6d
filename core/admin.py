"""Admin plumbing shared by every app's admin module, and the admin site's titles.

Four promises hold for every admin page built on ``WuhgongAdminMixin``:
- it shows and offers only what the user may see (``organizations.scoping``);
- it runs a fixed number of queries however many rows it shows;
- a changelist never counts millions of rows (``core.pagination.ListPaginator``);
- only administrators (superusers) may delete.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.views.main import SEARCH_VAR
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext_lazy as _

from core import cache as figures
from core.pagination import TEXT_COUNT_CAP, ListPaginator

admin.site.site_header = _("Wuhgong: village consultation records")
admin.site.site_title = _("Wuhgong administration")
admin.site.index_title = _("Records and reference data")

# Who recorded a row comes from the request: choosing it from a list of every user would
# be both a lie waiting to happen and a query over all users on every form.
RECORDER_FIELDS = ("created_by", "uploaded_by", "recorded_by", "changed_by")


def stamp_recorder(obj, user):
    """Name ``user`` as the recorder of a new, unsaved row, whichever recorder field it has."""
    if obj.pk is not None:
        return
    for name in RECORDER_FIELDS:
        if hasattr(obj, f"{name}_id") and getattr(obj, f"{name}_id") is None:
            setattr(obj, name, user)


class PreloadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that labels its current choice from an object already in memory.

    Django's widget fetches the chosen object with one query per widget: one per row in an
    inline, so thirty rows cost thirty queries. Inline rows are read with ``select_related``,
    and ``PreloadedRelationsForm`` hands each widget the object it already has.
    """

    preloaded = None

    def optgroups(self, name, value, attr=None):
        obj = self.preloaded
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if obj is None or selected != {str(obj.pk)}:
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        label = self.choices.field.label_from_instance(obj)
        options.append(self.create_option(name, obj.pk, label, True, len(options)))
        return [(None, options, 0)]


class PreloadedRelationsForm(forms.ModelForm):
    """Gives each autocomplete widget the related object its row already loaded."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = getattr(field.widget, "widget", field.widget)  # unwrap the +/✎ wrapper
            if not isinstance(widget, PreloadedAutocompleteSelect):
                continue
            model_field = self.instance._meta.get_field(name)
            if model_field.is_cached(self.instance):
                widget.preloaded = getattr(self.instance, name)


class WuhgongAdminMixin:
    """Scoping and query-frugal choices, for model admins and inlines."""

    # Lists of millions of rows: no COUNT(*) of the whole table, no counts per filter choice.
    paginator = ListPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    # Every cell of a row goes through lookup, formatting and escaping: 50 rows a page rather
    # than Django's 100 halves most of a changelist's time (docs/benchmarks.md).
    list_per_page = 50

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(request.user)
        return queryset

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # A search (the changelist's box, an autocomplete's term) reads every candidate row's
        # text, unindexed: count at most TEXT_COUNT_CAP matches, then estimate.
        searching = request.GET.get(SEARCH_VAR) or request.GET.get("term")
        return self.paginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            count_cap=TEXT_COUNT_CAP if searching else None,
        )

    def _choices(self, db_field, request, kwargs):
        """Offer what the related model's admin would list: scoped to the user, and with the
        relations its ``__str__`` needs already joined."""
        if "queryset" in kwargs:
            return
        try:
            related_admin = self.admin_site.get_model_admin(db_field.related_model)
        except NotRegistered:
            return
        queryset = related_admin.get_queryset(request)
        if kwargs.get("using"):
            queryset = queryset.using(kwargs["using"])
        kwargs["queryset"] = queryset

    def has_delete_permission(self, request, obj=None):
        # Deleting is for administrators only, whatever model permissions a staff member
        # holds; even then on_delete=PROTECT keeps anything another record depends on.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = PreloadedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        self._choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ModelAdmin(WuhgongAdminMixin, admin.ModelAdmin):
    """A model admin that fills in who recorded new rows, in its form and in its inlines.

    Where ``get_queryset`` joins relations (because ``__str__`` names them), it joins
    ``list_select_related`` too: Django's changelist skips that setting once the queryset
    already joins anything.
    """

    form = PreloadedRelationsForm

    def save_model(self, request, obj, form, change):
        stamp_recorder(obj, request.user)
        super().save_model(request, obj, form, change)
        # Admin writes are rare, and a record may move between counties: every figure.
        figures.changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        figures.changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        figures.changed()

    def save_formset(self, request, form, formset, change):
        for row in formset.extra_forms:
            if row.has_changed():
                stamp_recorder(row.instance, request.user)
        super().save_formset(request, form, formset, change)
        figures.changed()


class TabularInline(WuhgongAdminMixin, admin.TabularInline):
    form = PreloadedRelationsForm
    extra = 0


class StackedInline(WuhgongAdminMixin, admin.StackedInline):
    form = PreloadedRelationsForm
    extra = 0


class ReadOnlyTabularInline(TabularInline):
    """Rows shown for context, each a link to its own page; changed there or by services."""

    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
