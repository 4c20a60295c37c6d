"""共谋 decide together: meetings, the proposals raised at them, and each proposal's decision."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organizations.models import Area, Organization, Person, PersonCategory
from organizations.scoping import ScopedQuerySet

from .base import InAreaQuerySet, InCounty, Timestamped, attachment_upload_path


class MeetingFormat(models.TextChoices):
    COURTYARD = "courtyard", _("Courtyard meeting")
    EVENING_TALK = "evening_talk", _("Village evening talk")
    AFFAIRS_HALL = "affairs_hall", _("People's affairs hall")
    JOINT_TALK = "joint_talk", _("Party members, new social class and non-party intellectuals talk")
    OTHER = "other", _("Other")


# One attendance column per member category; the mapping is the single source for
# forms, constraints and reports.
ATTENDANCE_FIELDS = {
    PersonCategory.PARTY_MEMBER: "attendance_party_member",
    PersonCategory.NON_PARTY_INTELLECTUAL: "attendance_non_party_intellectual",
    PersonCategory.NEW_SOCIAL_CLASS: "attendance_new_social_class",
    PersonCategory.DEMOCRATIC_PARTY: "attendance_democratic_party",
    PersonCategory.NON_PARTISAN: "attendance_non_partisan",
    PersonCategory.VILLAGE_WORTHY: "attendance_village_worthy",
    PersonCategory.VILLAGER: "attendance_villager",
}


class MeetingQuerySet(InAreaQuerySet):
    county_code_lookup = "county_code"

    def held_between(self, start, end):
        """Meetings whose start time falls in [start, end)."""
        return self.filter(starts_at__gte=start, starts_at__lt=end)

    def upcoming(self, now):
        return self.filter(starts_at__gte=now).order_by("starts_at", "id")


class Meeting(InCounty, Timestamped):
    format = models.CharField(_("format"), max_length=20, choices=MeetingFormat.choices)
    title = models.CharField(_("title"), max_length=200)
    # Indexed by meeting_area_start_idx, whose first column serves the foreign key too.
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="meetings",
        db_index=False,
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("start time"))
    host_organization = models.ForeignKey(
        Organization,
        verbose_name=_("host organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_meetings",
    )
    moderator = models.ForeignKey(
        Person,
        verbose_name=_("moderator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moderated_meetings",
    )
    attending_organizations = models.ManyToManyField(
        Organization,
        verbose_name=_("attending organizations"),
        blank=True,
        related_name="attended_meetings",
    )
    attendance_total = models.PositiveIntegerField(_("total attendance"), default=0)
    attendance_party_member = models.PositiveIntegerField(_("CPC members"), default=0)
    attendance_non_party_intellectual = models.PositiveIntegerField(
        _("non-party intellectuals"), default=0
    )
    attendance_new_social_class = models.PositiveIntegerField(_("new social class"), default=0)
    attendance_democratic_party = models.PositiveIntegerField(
        _("democratic party members"), default=0
    )
    attendance_non_partisan = models.PositiveIntegerField(_("non-partisans"), default=0)
    attendance_village_worthy = models.PositiveIntegerField(_("village worthies"), default=0)
    attendance_villager = models.PositiveIntegerField(_("villagers"), default=0)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    summary_is_public = models.BooleanField(
        _("summary is public"),
        default=False,
        help_text=_("Show the title, date and agenda on the village's public board."),
    )

    objects = MeetingQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["updated_at", "county_code"])

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="meeting_attendance_categories_within_total",
                condition=Q(
                    attendance_total__gte=sum(
                        (F(name) for name in ATTENDANCE_FIELDS.values()), start=models.Value(0)
                    )
                ),
                violation_error_message=_(
                    "The attendance by category adds up to more than the total."
                ),
            ),
            InCounty.county_code_is_set("meeting_county_code_set"),
        ]
        indexes = [
            # A county's meetings in the list's order, id breaking ties: county staff's list,
            # its count and its deep pages from the index alone.
            models.Index(
                fields=["county_code", "starts_at", "id"], name="meeting_county_start_idx"
            ),
            # An area's meetings in the list's order; with the id, a subtree's newest page is
            # found from the index alone (ListPaginator's deferred join).
            models.Index(fields=["area", "starts_at", "id"], name="meeting_area_start_idx"),
            # The list's default order; with the id, deep pages are read from the index alone.
            models.Index(fields=["starts_at", "id"], name="meeting_start_idx"),
            models.Index(fields=["format", "starts_at"], name="meeting_format_start_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def attendance_by_category(self):
        """[(category label, count)] in the order of PersonCategory."""
        return [
            (category.label, getattr(self, name)) for category, name in ATTENDANCE_FIELDS.items()
        ]


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    SIGN_IN_SHEET = "sign_in_sheet", _("Sign-in sheet")
    DOCUMENT = "document", _("Document (PDF)")


class AttachmentQuerySet(ScopedQuerySet):
    area_code_lookup = "meeting__area__code"
    county_code_lookup = "meeting__county_code"


class Attachment(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to=attachment_upload_path, max_length=200)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    is_public = models.BooleanField(
        _("show on the public board"),
        default=False,
        help_text=_("Only photos can be shown publicly; sign-in sheets carry names and never are."),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["meeting_id", "uploaded_at"]
        constraints = [
            models.CheckConstraint(
                name="attachment_only_photos_public",
                condition=Q(is_public=False) | Q(kind="photo"),
                violation_error_message=_("Only photos can be shown on the public board."),
            ),
        ]

    def __str__(self):
        return self.caption or self.get_kind_display()


class ProposalCategory(models.TextChoices):
    ROADS = "roads", _("Roads and transport")
    WATER = "water", _("Water supply and irrigation")
    ENVIRONMENT = "environment", _("Living environment")
    INDUSTRY = "industry", _("Industry and income")
    ELDERLY_CARE = "elderly_care", _("Elderly care")
    EDUCATION_CULTURE = "education_culture", _("Education and culture")
    HEALTH = "health", _("Health")
    SAFETY = "safety", _("Public safety")
    GOVERNANCE = "governance", _("Village governance")
    OTHER = "other", _("Other")


class ProposalStatus(models.TextChoices):
    RAISED = "raised", _("Raised")
    DELIBERATING = "deliberating", _("Under deliberation")
    ADOPTED = "adopted", _("Adopted")
    REJECTED = "rejected", _("Not adopted")
    REFERRED = "referred", _("Referred to a handling unit")


class ProposalQuerySet(ScopedQuerySet):
    area_code_lookup = "meeting__area__code"
    county_code_lookup = "county_code"

    def with_status(self, *statuses):
        return self.filter(status__in=statuses)

    def awaiting_decision(self):
        return self.with_status(ProposalStatus.RAISED, ProposalStatus.DELIBERATING)

    def referral_overdue(self, today):
        """Referred proposals past their due date whose handling unit has not replied."""
        return self.filter(
            status=ProposalStatus.REFERRED, referral_due_on__lt=today, replied_at__isnull=True
        )

    def adopted_without_project(self):
        return self.filter(status=ProposalStatus.ADOPTED, project__isnull=True)


class Proposal(InCounty, Timestamped):
    """An issue raised at a meeting, and what was decided about it."""

    # Indexed by proposal_meeting_created_idx, whose first column serves the foreign key too.
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.PROTECT,
        related_name="proposals",
        db_index=False,
    )
    raised_by = models.ForeignKey(
        Person,
        verbose_name=_("raised by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
    )
    category = models.CharField(_("category"), max_length=20, choices=ProposalCategory.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.RAISED
    )
    # The decision (adopted / not adopted), and the vote that made it.
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    votes_present = models.PositiveIntegerField(
        _("voters present"),
        null=True,
        blank=True,
        help_text=_("How many people were present for the vote."),
    )
    votes_for = models.PositiveIntegerField(_("votes for"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("votes against"), null=True, blank=True)
    votes_abstain = models.PositiveIntegerField(_("abstentions"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for not adopting"), blank=True)
    # Referral to a handling unit, its reply and the proposer's feedback on the reply.
    referred_to = models.ForeignKey(
        Organization,
        verbose_name=_("handling unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referred_proposals",
    )
    referral_due_on = models.DateField(_("reply due on"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    feedback = models.TextField(_("proposer's feedback"), blank=True)
    feedback_at = models.DateTimeField(_("feedback at"), null=True, blank=True)
    # The project that carries it out (共建); several proposals may share one project.
    project = models.ForeignKey(
        "consultations.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
    )

    objects = ProposalQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["updated_at", "county_code"])

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="proposal_votes_within_present",
                condition=Q(votes_present__isnull=True)
                | Q(
                    votes_present__gte=models.functions.Coalesce(F("votes_for"), 0)
                    + models.functions.Coalesce(F("votes_against"), 0)
                    + models.functions.Coalesce(F("votes_abstain"), 0)
                ),
                violation_error_message=_("More votes than people present."),
            ),
            models.CheckConstraint(
                name="proposal_rejection_has_reason",
                condition=~Q(status=ProposalStatus.REJECTED) | ~Q(rejection_reason=""),
                violation_error_message=_("A proposal that is not adopted needs a reason."),
            ),
            models.CheckConstraint(
                name="proposal_decision_has_date",
                condition=~Q(status__in=[ProposalStatus.ADOPTED, ProposalStatus.REJECTED])
                | Q(decided_on__isnull=False),
                violation_error_message=_("A decision needs its date."),
            ),
            models.CheckConstraint(
                name="proposal_referral_has_unit_and_due_date",
                condition=~Q(status=ProposalStatus.REFERRED)
                | Q(referred_to__isnull=False, referral_due_on__isnull=False),
                violation_error_message=_("A referral needs a handling unit and a due date."),
            ),
            models.CheckConstraint(
                name="proposal_project_only_when_adopted",
                condition=Q(project__isnull=True) | Q(status=ProposalStatus.ADOPTED),
                violation_error_message=_("Only an adopted proposal can be carried out."),
            ),
            InCounty.county_code_is_set("proposal_county_code_set"),
        ]
        indexes = [
            # A status's newest first (list filter, board columns), id breaking ties.
            models.Index(fields=["status", "created_at", "id"], name="proposal_status_created_idx"),
            # The proposal list's default order, newest first.
            models.Index(fields=["-created_at", "-id"], name="proposal_created_idx"),
            # A county's proposals newest first and counted from the index alone: county
            # staff's list without walking the province's newest. With the status, so that
            # a county's counts by status read this range alone (the dashboard), rather than
            # AND it with the province's 255,000 undecided proposals of the status index.
            models.Index(
                fields=["county_code", "created_at", "id"],
                name="proposal_county_created_idx",
                include=["status"],
            ),
            # An area's proposals (through their meetings) counted and newest first from the
            # index alone: a county's 20,000 without reading one of them.
            models.Index(
                fields=["meeting", "created_at", "id"], name="proposal_meeting_created_idx"
            ),
            models.Index(fields=["category"], name="proposal_category_idx"),
            # A county's adopted proposals that no project carries out yet, latest decision
            # first: the new project form's choices.
            models.Index(
                fields=["county_code", "-decided_on", "-id"],
                name="proposal_awaiting_project_idx",
                condition=Q(status=ProposalStatus.ADOPTED, project__isnull=True),
            ),
            models.Index(
                fields=["referral_due_on"],
                name="proposal_referral_due_idx",
                condition=Q(status=ProposalStatus.REFERRED, replied_at__isnull=True),
            ),
            # The same, a county's: its overdue referrals counted without ANDing the county's
            # 20,000 proposals with the province's 150,000 referrals awaiting a reply.
            models.Index(
                fields=["county_code", "referral_due_on"],
                name="proposal_county_referral_idx",
                condition=Q(status=ProposalStatus.REFERRED, replied_at__isnull=True),
            ),
        ]

    def __str__(self):
        return self.title


class ProposalStatusChangeQuerySet(ScopedQuerySet):
    area_code_lookup = "proposal__meeting__area__code"
    county_code_lookup = "proposal__county_code"


class ProposalStatusChange(models.Model):
    """One step of a proposal's lifecycle: who moved it, when, from what to what."""

    proposal = models.ForeignKey(
        Proposal,
        verbose_name=_("proposal"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    from_status = models.CharField(
        _("from status"), max_length=20, choices=ProposalStatus.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=20, choices=ProposalStatus.choices)
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    objects = ProposalStatusChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["proposal_id", "changed_at", "id"]

    def __str__(self):
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"
