"""共谋 decide together: meetings, their attachments, proposals and each proposal's history."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consultations import services
from consultations.models import (
    ATTENDANCE_FIELDS,
    Attachment,
    Meeting,
    Proposal,
    ProposalStatusChange,
)
from consultations.resources import MEETING_COLUMNS, PROPOSAL_COLUMNS
from core.admin import (
    ModelAdmin,
    PreloadedRelationsForm,
    ReadOnlyTabularInline,
    TabularInline,
    stamp_recorder,
)
from organizations.admin import AreaFilter

from .base import RECORD_FIELDS, RECORD_FIELDSET, UPLOAD_CHECKS, run_service_on_each
from .exports import SpreadsheetExportAdmin
from .history import HistoryAdmin


class AttachmentInline(TabularInline):
    model = Attachment
    fields = ("kind", "file", "caption", "uploaded_by", "uploaded_at")
    readonly_fields = ("uploaded_by", "uploaded_at")
    formfield_overrides = UPLOAD_CHECKS

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


class MeetingProposalInline(ReadOnlyTabularInline):
    model = Proposal
    fields = ("title", "category", "status", "raised_by", "project")
    readonly_fields = fields
    verbose_name_plural = _("proposals raised at this meeting")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("raised_by", "project")


@admin.register(Meeting)
class MeetingAdmin(HistoryAdmin, SpreadsheetExportAdmin, ModelAdmin):
    export_columns = MEETING_COLUMNS
    list_display = (
        "title",
        "format",
        "area",
        "starts_at",
        "host_organization",
        "attendance_total",
        "summary_is_public",
    )
    list_select_related = ("area", "host_organization")
    list_filter = ("format", "starts_at", "summary_is_public", "area__level", AreaFilter)
    search_fields = ("title", "place", "area__name", "agenda")
    autocomplete_fields = ("area", "host_organization", "moderator", "attending_organizations")
    readonly_fields = RECORD_FIELDS
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "format",
                    "title",
                    "area",
                    "place",
                    "starts_at",
                    "host_organization",
                    "moderator",
                    "attending_organizations",
                )
            },
        ),
        (_("Attendance"), {"fields": ("attendance_total", *ATTENDANCE_FIELDS.values())}),
        (_("Agenda and minutes"), {"fields": ("agenda", "minutes", "summary_is_public")}),
        RECORD_FIELDSET,
    )
    inlines = [AttachmentInline, MeetingProposalInline]

    def save_model(self, request, obj, form, change):
        # Through the service, which keeps the county's code of the meeting and its proposals.
        stamp_recorder(obj, request.user)
        services.save_meeting(meeting=obj, actor=request.user)


@admin.register(Attachment)
class AttachmentAdmin(ModelAdmin):
    list_display = ("__str__", "kind", "meeting", "uploaded_at", "uploaded_by")
    list_select_related = ("meeting", "uploaded_by")
    list_filter = ("kind", "uploaded_at", AreaFilter)
    search_fields = ("caption", "meeting__title")
    autocomplete_fields = ("meeting",)
    readonly_fields = ("uploaded_by", "uploaded_at")
    formfield_overrides = UPLOAD_CHECKS


class StatusChangeInline(ReadOnlyTabularInline):
    model = ProposalStatusChange
    fields = ("changed_at", "from_status", "to_status", "changed_by", "note")
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class ProposalForm(PreloadedRelationsForm):
    def _get_validation_exclusions(self):
        # Status is read-only here, so Django would skip every constraint that mentions it
        # (a project for a proposal that is not adopted, a decision without its date) and the
        # database would refuse the save with an error page instead of a message on the form.
        return super()._get_validation_exclusions() - {"status"}


@admin.register(Proposal)
class ProposalAdmin(HistoryAdmin, SpreadsheetExportAdmin, ModelAdmin):
    """Proposals are edited here, but their status moves only through consultations.services,
    which keeps the lifecycle's rules and writes its history."""

    export_columns = PROPOSAL_COLUMNS

    form = ProposalForm
    list_display = (
        "title",
        "meeting",
        "meeting_area",
        "category",
        "status",
        "created_at",
        "project",
    )
    list_select_related = ("meeting", "meeting__area", "project")
    list_filter = (
        "status",
        "category",
        "meeting__format",
        "created_at",
        ("project", admin.EmptyFieldListFilter),
        AreaFilter,
    )
    search_fields = ("title", "description", "meeting__title", "meeting__area__name")
    autocomplete_fields = ("meeting", "raised_by", "referred_to", "project")
    readonly_fields = ("status", *RECORD_FIELDS)
    actions = ["start_deliberation", *SpreadsheetExportAdmin.actions]
    add_fieldsets = (
        (None, {"fields": ("meeting", "raised_by", "category", "title", "description")}),
    )
    fieldsets = (
        (
            None,
            {"fields": ("meeting", "raised_by", "category", "title", "description", "status")},
        ),
        (
            _("Decision"),
            {
                "fields": (
                    "decided_on",
                    "votes_present",
                    "votes_for",
                    "votes_against",
                    "votes_abstain",
                    "rejection_reason",
                )
            },
        ),
        (
            _("Referral to a handling unit"),
            {
                "fields": (
                    "referred_to",
                    "referral_due_on",
                    "reply",
                    "replied_at",
                    "feedback",
                    "feedback_at",
                )
            },
        ),
        (_("Carried out by"), {"fields": ("project",)}),
        RECORD_FIELDSET,
    )

    @admin.display(description=_("area"), ordering="meeting__area__code")
    def meeting_area(self, obj):
        return obj.meeting.area

    def get_fieldsets(self, request, obj=None):
        # A new proposal is only raised; what follows belongs to later lifecycle steps.
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_inlines(self, request, obj):
        return [StatusChangeInline] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            # Through the service, which keeps its county's code (it may have moved).
            services.save_proposal(proposal=obj, actor=request.user)
            return
        # Raising goes through the service so that the history starts with this step.
        raised = services.raise_proposal(
            meeting=obj.meeting,
            title=obj.title,
            category=obj.category,
            description=obj.description,
            raised_by=obj.raised_by,
            actor=request.user,
        )
        for field in Proposal._meta.concrete_fields:
            setattr(obj, field.attname, getattr(raised, field.attname))
        obj._state.adding = False
        obj._state.db = raised._state.db

    @admin.action(
        description=_("Start deliberation on the selected proposals"), permissions=["change"]
    )
    def start_deliberation(self, request, queryset):
        run_service_on_each(
            self,
            request,
            queryset,
            lambda proposal: services.start_deliberation(proposal=proposal, actor=request.user),
            lambda n: (
                ngettext(
                    "%(count)d proposal is now under deliberation.",
                    "%(count)d proposals are now under deliberation.",
                    n,
                )
                % {"count": n}
            ),
        )


@admin.register(ProposalStatusChange)
class ProposalStatusChangeAdmin(ModelAdmin):
    """The lifecycle's history, written only by consultations.services: read, never edited."""

    list_display = ("proposal", "from_status", "to_status", "changed_at", "changed_by")
    list_select_related = ("proposal", "changed_by")
    list_filter = ("to_status", "changed_at", AreaFilter)
    search_fields = ("proposal__title", "note")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
