"""The list filters' area select: a tree opened along one path, never the whole province;
and the selects of the forms, written as Django writes them."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.forms import Select, SelectMultiple
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils.http import urlencode

from consultations.forms.fields import DateInput, DateTimeInput, FastInput, TextInput
from consultations.forms.meetings import MeetingFilterForm, MeetingForm
from organizations.models import Area, AreaLevel

from ..factories import CountyFactory, OrganizationFactory, PersonFactory


@pytest.fixture
def tree(county, town, village, hamlet, other_village, other_town):
    far_village = Area.objects.create(
        code="421221102201", name="远方村", level=AreaLevel.VILLAGE, parent=other_town
    )
    return {"far_village": far_village}


def _names(form):
    return [area.name for area in form.fields["area"].queryset]


def test_unfiltered_county_staff_see_their_county_and_its_towns(county_staff, tree):
    form = MeetingFilterForm(None, user=county_staff)
    assert _names(form) == ["嘉鱼县", "高铁岭镇", "官桥镇"]


def test_choosing_a_village_opens_its_town_and_keeps_the_other_towns(county_staff, village, tree):
    form = MeetingFilterForm({"area": str(village.pk)}, user=county_staff)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["area"] == village
    # Villages beside the chosen one, not those of other towns; no hamlets (a village's
    # filter includes them).
    assert _names(form) == ["嘉鱼县", "高铁岭镇", "陆水村", "白湖村", "官桥镇"]


def test_users_who_see_everything_start_from_the_counties(admin_user, tree):
    CountyFactory(code="421222", name="通城县")
    assert _names(MeetingFilterForm(None, user=admin_user)) == ["嘉鱼县", "通城县"]


def test_an_area_out_of_scope_is_refused_and_not_offered(town_staff, tree, other_town):
    form = MeetingFilterForm({"area": str(tree["far_village"].pk)}, user=town_staff)
    assert not form.is_valid() and "area" in form.errors
    assert _names(form) == ["高铁岭镇", "陆水村", "白湖村"]
    # Forged values never reach the database as an overflowing integer.
    assert not MeetingFilterForm({"area": "9" * 40}, user=town_staff).is_valid()


def test_the_number_of_queries_does_not_depend_on_the_tree(county_staff, village, tree):
    def queries():
        form = MeetingFilterForm({"area": str(village.pk)}, user=county_staff)
        with CaptureQueriesContext(connection) as captured:
            form.is_valid()
            list(form.fields["area"].queryset)
        return len(captured)

    before = queries()
    town = Area.objects.get(code="421221101")
    for n in range(20):
        Area.objects.create(
            code=f"421221101{300 + n}", name=f"新村{n}", level=AreaLevel.VILLAGE, parent=town
        )
    assert queries() == before


class _Markup(HTMLParser):
    """Tags with their attributes (in any order) and the text between them."""

    def __init__(self, html):
        super().__init__()
        self.parts = []
        self.feed(str(html))

    def handle_starttag(self, tag, attrs):
        self.parts.append((tag, sorted(attrs)))

    def handle_endtag(self, tag):
        self.parts.append(("/" + tag, None))

    def handle_data(self, data):
        if data.strip():
            self.parts.append(("text", data.strip()))


@pytest.mark.parametrize("chosen", ["", "village", "bogus"])
def test_the_area_select_is_written_as_django_writes_it(county_staff, village, tree, chosen):
    Area.objects.create(
        code="421221101299",
        name="<script>x</script>村",
        level=AreaLevel.VILLAGE,
        parent=village.parent,
    )
    data = {"area": {"": "", "village": str(village.pk), "bogus": "x"}[chosen]} if chosen else None
    form = MeetingFilterForm(data, user=county_staff)
    form.is_valid()
    field = form.fields["area"]
    ours = form["area"].as_widget()
    theirs = form["area"].as_widget(widget=Select(choices=field.choices))
    assert _Markup(ours).parts == _Markup(theirs).parts
    assert "<script>" not in ours
    if chosen == "village":
        assert "&lt;script&gt;x&lt;/script&gt;村" in ours


@pytest.mark.parametrize("chosen", ["", "joint_talk", "nonsense"])
def test_the_other_filter_selects_are_written_as_django_writes_them(county_staff, chosen):
    # Choice labels are lazy translations, one of them with characters to escape.
    form = MeetingFilterForm({"format": chosen} if chosen else None, user=county_staff)
    form.is_valid()
    field = form.fields["sort"]
    field.choices = [*field.choices, ("x", "A & <b>B</b>")]
    for name in ("format", "sort"):
        ours = form[name].as_widget()
        theirs = form[name].as_widget(widget=Select(choices=form.fields[name].choices))
        assert _Markup(ours).parts == _Markup(theirs).parts
    assert "A &amp; &lt;b&gt;B&lt;/b&gt;" in form["sort"].as_widget()
    if chosen == "joint_talk":
        assert 'value="joint_talk" selected' in form["format"].as_widget()


@pytest.mark.parametrize("bound", [False, True])
def test_the_form_selects_are_written_as_django_writes_them(county_staff, village, bound):
    # Labels with characters to escape; several chosen in the multiple select.
    first = OrganizationFactory(area=village, name="<b>甲&乙</b>理事会")
    second = OrganizationFactory(area=village, name='志愿队 "一"')
    OrganizationFactory(area=village, name="党支部")
    person = PersonFactory(area=village, name="<i>张三</i>")
    data = {
        "host_organization": first.pk,
        "attending_organizations": [first.pk, second.pk],
        "moderator": person.pk,
        "area": village.pk,
    }
    form = MeetingForm(
        QueryDict(urlencode(data, doseq=True)) if bound else None,
        initial=None if bound else data,
        user=county_staff,
        within=village.parent.parent,
    )
    for name, django_widget in (
        ("host_organization", Select),
        ("moderator", Select),
        ("area", Select),
        ("attending_organizations", SelectMultiple),
    ):
        field = form.fields[name]
        ours = form[name].as_widget()
        theirs = form[name].as_widget(widget=django_widget(choices=field.choices))
        assert _Markup(ours).parts == _Markup(theirs).parts, name
        assert "<b>" not in ours and "<i>" not in ours
    attending = form["attending_organizations"].as_widget()
    assert attending.count(" selected>") == 2 and " multiple" in attending
    assert "&lt;b&gt;甲&amp;乙&lt;/b&gt;理事会" in attending


@pytest.mark.parametrize(
    "value",
    [None, "", '路灯 & <b>"修"</b>', dt.date(2024, 10, 31), dt.datetime(2024, 10, 31, 19, 30)],
)
@pytest.mark.parametrize("widget_class", [TextInput, DateInput, DateTimeInput])
def test_the_inputs_are_written_as_django_writes_them(widget_class, value):
    widget = widget_class(attrs={"class": "wide", "placeholder": "<名称>"})
    attrs = {"id": "id_x", "required": True, "disabled": False, "maxlength": 100}
    ours = widget.render("x", value, attrs)
    # Django's own rendering of the same widget, through its input.html template.
    theirs = super(FastInput, widget).render("x", value, attrs)
    assert ours == theirs
    assert "<b>" not in ours and "<名称>" not in ours


def test_the_list_filters_search_box_is_a_fast_input(county_staff):
    form = MeetingFilterForm({"q": "<路灯>"}, user=county_staff)
    assert isinstance(form.fields["q"].widget, FastInput)
    assert form["q"].as_widget() == super(FastInput, form.fields["q"].widget).render(
        "q", "<路灯>", {"id": "id_q", "maxlength": "100"}
    )
