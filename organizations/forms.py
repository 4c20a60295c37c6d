"""Forms of the people and organization pages: a person, an organization, a membership, and
the filters of their lists."""

import unicodedata

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.concurrency import VersionedFormMixin
from core.search import containing
from core.widgets import DateInput
from organizations.choices import (
    AreaChoiceField,
    NamedChoiceField,
    scope_area_filter,
    scope_choices,
)
from organizations.models import (
    AreaLevel,
    Membership,
    Organization,
    OrganizationKind,
    Person,
    PersonCategory,
)


class PersonForm(VersionedFormMixin, forms.ModelForm):
    area = AreaChoiceField(
        queryset=None,
        label=_("area"),
        help_text=_("The village or hamlet where the person lives."),
    )

    class Meta:
        model = Person
        fields = ["name", "category", "area", "phone"]
        widgets = {
            "phone": forms.TextInput(
                attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}
            ),
        }
        # A person's name is 姓名, an organization's 名称: one English word, two Chinese ones.
        labels = {"name": pgettext_lazy("of a person", "name")}
        help_texts = {
            "phone": _(
                "Optional. Lists show it masked (138****5678); the full number appears only "
                "on this person's page, to staff whose area covers them."
            ),
        }

    def __init__(self, *args, user, within=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope_choices(self, user, within=within, areas=["area"])

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_phone(self):
        # Numbers typed with a Chinese input method come as full-width digits (１３８…) and
        # often with spaces (138 0013 8000); store the plain form the validator expects.
        phone = unicodedata.normalize("NFKC", self.cleaned_data.get("phone") or "")
        return "".join(phone.split())


class OrganizationForm(VersionedFormMixin, forms.ModelForm):
    area = AreaChoiceField(queryset=None, label=_("area"))

    class Meta:
        model = Organization
        fields = ["kind", "name", "area", "founded_on"]
        widgets = {"founded_on": DateInput()}

    def __init__(self, *args, user, within=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope_choices(self, user, within=within, areas=["area"])

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_founded_on(self):
        founded_on = self.cleaned_data.get("founded_on")
        if founded_on and founded_on > timezone.localdate():
            raise forms.ValidationError(_("The founding date cannot be in the future."))
        return founded_on

    def clean(self):
        cleaned = super().clean()
        name, area = cleaned.get("name"), cleaned.get("area")
        # The database holds the rule too (organization_unique_name_in_area); this says it
        # next to the field, in words, instead of Django's generic sentence.
        if (
            name
            and area
            and Organization.objects.filter(area=area, name=name)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error(
                "name",
                _("%(area)s already has an organization called %(name)s.")
                % {"area": area.name, "name": name},
            )
        return cleaned


class MembershipForm(forms.ModelForm):
    """Adds a person to an organization; the person is fixed by the page."""

    class Meta:
        model = Membership
        fields = ["organization", "role", "started_on", "ended_on"]
        widgets = {"started_on": DateInput(), "ended_on": DateInput()}
        field_classes = {"organization": NamedChoiceField}
        help_texts = {"role": _("For example: secretary, member, team leader.")}

    def __init__(self, *args, user, person, within=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.person = person
        scope_choices(self, user, within=within, organizations=["organization"])

    def clean(self):
        cleaned = super().clean()
        started_on, ended_on = cleaned.get("started_on"), cleaned.get("ended_on")
        if started_on and ended_on and ended_on < started_on:
            self.add_error("ended_on", _("The end date cannot be before the start date."))
        organization = cleaned.get("organization")
        # The person is not a field of this form, so Django's own unique check skips the
        # (person, organization, start) constraint; say it here rather than fail on save.
        if (
            organization
            and started_on
            and Membership.objects.filter(
                person=self.instance.person, organization=organization, started_on=started_on
            )
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise forms.ValidationError(
                _("%(person)s already has a membership of %(organization)s starting on that day.")
                % {"person": self.instance.person.name, "organization": organization.name},
                code="duplicate",
            )
        return cleaned


class MembershipEndForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["ended_on"]
        widgets = {"ended_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].required = True

    def clean_ended_on(self):
        ended_on = self.cleaned_data["ended_on"]
        if ended_on < self.instance.started_on:
            raise forms.ValidationError(
                _("The end date cannot be before the start date (%(start)s).")
                % {"start": self.instance.started_on.isoformat()}
            )
        return ended_on


class _ListFilterForm(forms.Form):
    """Filters of a list page. Invalid values are dropped rather than failing the page."""

    q = forms.CharField(label=_("Name contains"), required=False, max_length=100)
    area = AreaChoiceField(
        queryset=None, label=_("area"), required=False, empty_label=_("All areas")
    )
    # Choice fields matched exactly, named as the model's fields.
    exact_fields = ()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Filtering a village includes its hamlets, so the choices stop at villages; a
        # hamlet's own page links here with its id, and the chosen hamlet stays a choice.
        scope_area_filter(self, user, deepest=AreaLevel.VILLAGE)

    def filter(self, queryset):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("area"):
            queryset = queryset.within(data["area"])
        if data.get("q", "").strip():
            queryset = queryset.filter(containing(data["q"].strip(), "name"))
        for name in self.exact_fields:
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        return queryset.order_by("area__code", "name", "pk")


class PersonFilterForm(_ListFilterForm):
    category = forms.ChoiceField(
        label=_("category"),
        required=False,
        choices=[("", _("All categories")), *PersonCategory.choices],
    )
    exact_fields = ("category",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = pgettext_lazy("of a person", "Name contains")


class OrganizationFilterForm(_ListFilterForm):
    kind = forms.ChoiceField(
        label=_("kind"), required=False, choices=[("", _("All kinds")), *OrganizationKind.choices]
    )
    exact_fields = ("kind",)
