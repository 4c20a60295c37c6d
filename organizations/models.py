"""Territory, organizations, people and the users who keep the records."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .scoping import COUNTY_CODE_LENGTH, ScopedQuerySet


class AreaLevel(models.IntegerChoices):
    COUNTY = 1, _("County")
    TOWN = 2, _("Town")
    VILLAGE = 3, _("Village")
    HAMLET = 4, _("Hamlet")


# Official division codes nest by prefix: county 6 digits, town 9, village 12.
# Hamlets have no official code; we extend their village's code by 3 digits.
CODE_LENGTH = {
    AreaLevel.COUNTY: COUNTY_CODE_LENGTH,
    AreaLevel.TOWN: 9,
    AreaLevel.VILLAGE: 12,
    AreaLevel.HAMLET: 15,
}

# The level of an area from the length of its code.
LEVEL_OF_CODE_LENGTH = {length: level for level, length in CODE_LENGTH.items()}

division_code_validator = RegexValidator(r"^\d+$", _("A division code consists of digits only."))


class AreaQuerySet(ScopedQuerySet):
    area_code_lookup = "code"

    def subtree(self, area):
        """This area and everything under it, in one query on the indexed code prefix."""
        return self.filter(code__startswith=area.code)

    def descendants(self, area):
        """Everything under this area, without the area itself."""
        return self.subtree(area).exclude(pk=area.pk)

    def ancestors(self, area):
        """The areas above this one, county first (codes are prefixes of area.code)."""
        prefixes = [area.code[:n] for n in sorted(set(CODE_LENGTH.values())) if n < len(area.code)]
        return self.filter(code__in=prefixes).order_by("level")

    def of_level(self, level):
        return self.filter(level=level)


class Area(models.Model):
    """A node of the territory tree: county → town → village → hamlet (县/镇/村/湾·组)."""

    code = models.CharField(
        _("division code"),
        max_length=15,
        unique=True,
        validators=[division_code_validator],
        help_text=_(
            "Official statistical division code: county 6 digits, town 9, village 12; "
            "a hamlet extends its village's code by 3 digits."
        ),
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="area_code_length_matches_level",
                condition=(
                    (Q(level=AreaLevel.COUNTY) & Exact(Length("code"), 6))
                    | (Q(level=AreaLevel.TOWN) & Exact(Length("code"), 9))
                    | (Q(level=AreaLevel.VILLAGE) & Exact(Length("code"), 12))
                    | (Q(level=AreaLevel.HAMLET) & Exact(Length("code"), 15))
                ),
            ),
            models.CheckConstraint(
                name="area_only_county_has_no_parent",
                condition=Q(level=AreaLevel.COUNTY) | Q(parent__isnull=False),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.level and self.code and len(self.code) != CODE_LENGTH[self.level]:
            raise ValidationError(
                {
                    "code": _("A %(level)s code has %(n)d digits.")
                    % {"level": self.get_level_display(), "n": CODE_LENGTH[self.level]}
                }
            )
        if self.parent_id:
            parent = self.parent
            if self.level and parent.level != self.level - 1:
                raise ValidationError({"parent": _("The parent must be one level above.")})
            if self.code and not self.code.startswith(parent.code):
                raise ValidationError(
                    {
                        "code": _("The code must begin with the parent's code %(code)s.")
                        % {"code": parent.code}
                    }
                )

    @property
    def full_name(self):
        """Names from the town down, the way staff write an address: 高铁岭镇陆水村孙家."""
        names = [a.name for a in Area.objects.ancestors(self) if a.level > AreaLevel.COUNTY]
        return "".join([*names, self.name])


class Versioned(models.Model):
    """An edit version that goes up by one on every save.

    An edit form carries the version it was opened at; a save over a newer version is
    refused (core.concurrency), so nobody's change is silently lost.
    """

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)


class OrganizationKind(models.TextChoices):
    LEADING_GROUP = "leading_group", _("Leading group")
    INTELLECTUALS_BRANCH = "intellectuals_branch", _("Non-party intellectuals association branch")
    NEW_CLASS_BRANCH = "new_class_branch", _("New social class association branch")
    PARTY_BRANCH = "party_branch", _("Party branch")
    VILLAGE_COMMITTEE = "village_committee", _("Village committee")
    VILLAGER_COUNCIL = "villager_council", _("Villager council")
    VOLUNTEER_TEAM = "volunteer_team", _("Volunteer service team")
    INNOVATION_BASE = "innovation_base", _("Practice and innovation base")
    OTHER = "other", _("Other")


class OrganizationQuerySet(ScopedQuerySet):
    def handling_units_for(self, user, area):
        """Units a matter raised in ``area`` can be referred to by this user: those in the
        user's scope, and those of the town and county above the area (镇交通办, 县水利局)."""
        above = [area.code[:n] for n in CODE_LENGTH.values() if n < len(area.code)]
        return self.visible_to(user) | self.filter(area__code__in=above)


class Organization(Versioned):
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="organizations"
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)

    objects = OrganizationQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["area__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "name"], name="organization_unique_name_in_area"
            ),
        ]
        indexes = [models.Index(fields=["kind"], name="organization_kind_idx")]

    def __str__(self):
        return self.name


class PersonCategory(models.TextChoices):
    """United-front member categories (统战成员), as meetings count attendance."""

    PARTY_MEMBER = "party_member", _("CPC member")
    NON_PARTY_INTELLECTUAL = "non_party_intellectual", _("Non-party intellectual")
    NEW_SOCIAL_CLASS = "new_social_class", _("New social class")
    DEMOCRATIC_PARTY = "democratic_party", _("Democratic party member")
    NON_PARTISAN = "non_partisan", _("Non-partisan")
    VILLAGE_WORTHY = "village_worthy", _("Village worthy")
    VILLAGER = "villager", _("Villager")


phone_validator = RegexValidator(
    r"^(1\d{10}|0\d{2,3}-?\d{7,8})$",
    _("Enter an 11-digit mobile number or a landline such as 0715-1234567."),
)


class PersonQuerySet(ScopedQuerySet):
    pass


class Person(Versioned):
    """A united-front member or villager. Personal data: keep it minimal, show it in scope only."""

    name = models.CharField(_("name"), max_length=50)
    category = models.CharField(_("category"), max_length=32, choices=PersonCategory.choices)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="people"
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])

    objects = PersonQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["area__code", "name"]
        indexes = [models.Index(fields=["category"], name="person_category_idx")]

    def __str__(self):
        return self.name

    @property
    def masked_phone(self):
        """138****5678: enough to tell numbers apart in a list, not enough to call."""
        if len(self.phone) < 7:
            return self.phone and "****"
        return f"{self.phone[:3]}****{self.phone[-4:]}"


class MembershipQuerySet(ScopedQuerySet):
    area_code_lookup = "organization__area__code"


class Membership(models.Model):
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=50, blank=True)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization_id", "person_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organization", "started_on"],
                name="membership_unique_person_organization_start",
            ),
            models.CheckConstraint(
                name="membership_ends_after_start",
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.organization}"


class HighlightQuerySet(ScopedQuerySet):
    area_code_lookup = "area__code"


class Highlight(models.Model):
    """The brand of a town or the feature of a village (一镇一品牌、一村一特色)."""

    area = models.OneToOneField(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="highlight"
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)

    objects = HighlightQuerySet.as_manager()

    class Meta:
        verbose_name = _("brand or feature")
        verbose_name_plural = _("brands and features")
        ordering = ["area__code"]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.area_id and self.area.level not in (AreaLevel.TOWN, AreaLevel.VILLAGE):
            raise ValidationError({"area": _("Brands belong to towns and features to villages.")})


class User(AbstractUser):
    """A staff account; its area bounds what the user may see (enforced by the roles layer)."""

    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
