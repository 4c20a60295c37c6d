"""共建 project pages: list, start from adopted proposals with funding lines, edit, detail,
progress with photos, completion; and the scope of every project page."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consultations import services
from consultations.models import (
    FundingLine,
    FundingSource,
    Outcome,
    Project,
    ProjectStatus,
    ProjectUpdate,
    Proposal,
    ProposalStatus,
    Stewardship,
    StewardshipLog,
)
from core.uploads import MAX_UPLOAD_BYTES
from tests.factories import (
    EvaluationFactory,
    FundingLineFactory,
    MeetingFactory,
    OrganizationFactory,
    OutcomeFactory,
    PersonFactory,
    ProjectFactory,
    ProjectUpdateFactory,
    ProposalFactory,
    StewardshipFactory,
    StewardshipLogFactory,
    UserFactory,
)
from tests.upload_files import image_bytes

from .projects_support import (  # noqa: F401 (fixtures)
    HUGE,
    LONG,
    TODAY,
    _english,
    _frozen_now,
    adopted,
    count_queries,
    management,
    text,
)

pytestmark = pytest.mark.django_db

F = FundingSource


@pytest.fixture
def vc_client(client, village_committee):
    client.force_login(village_committee)
    return client


@pytest.fixture
def outsider(other_village):
    """A user of the neighbouring village: sees nothing of 陆水村."""
    return UserFactory(username="outsider", area=other_village)


@pytest.fixture
def project(village):
    return ProjectFactory(area=village, title="孙家湾通湾公路硬化")


def titles_listed(response):
    """Project titles in the order the list shows them."""
    return re.findall(r'<a href="/projects/\d+/">([^<]+)</a>', response.content.decode())


def funding_data(lines, *, initial=0, extra=1):
    """POST data for the funding formset: ``lines`` are (source, planned, received[, id])."""
    data = management("funding", len(lines) + extra, initial=initial)
    for i, line in enumerate(lines):
        source, planned, received, *pk = line
        data |= {
            f"funding-{i}-source": source,
            f"funding-{i}-planned": planned,
            f"funding-{i}-received": received,
            f"funding-{i}-note": "",
        }
        if pk:
            data[f"funding-{i}-id"] = str(pk[0])
    for i in range(len(lines), len(lines) + extra):
        # An untouched empty line, as the browser sends it.
        data |= {
            f"funding-{i}-source": "",
            f"funding-{i}-planned": "0.00",
            f"funding-{i}-received": "0.00",
            f"funding-{i}-note": "",
        }
    return data


def start_data(chosen, lines=(), **overrides):
    data = {
        "proposals": [proposal.pk for proposal in chosen],
        "title": "孙家湾通湾公路硬化",
        "area": "",
        "description": "硬化道路1.2公里，宽4.5米。",
        "lead_organization": "",
        "budget": "120000",
        "planned_start": "2024-11-01",
        "planned_end": "2025-03-31",
        **funding_data(lines),
    }
    data.update(overrides)
    return data


# -- the list ------------------------------------------------------------------------------


def test_pages_require_sign_in(client, project):
    response = client.get(reverse("project_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_list_shows_projects_in_scope_with_status_progress_and_budget(
    vc_client, village, other_village
):
    ProjectFactory(
        area=village,
        title="陆水村通湾公路",
        budget=Decimal("1234567.50"),
        progress=40,
        status=ProjectStatus.IN_PROGRESS,
    )
    ProjectFactory(area=other_village, title="白湖村路灯")
    response = vc_client.get(reverse("project_list"))
    page = text(response)
    assert response.status_code == 200
    assert titles_listed(response) == ["陆水村通湾公路"]
    assert "1,234,567.50" in page
    assert '<progress class="progress" max="100" value="40"' in page
    assert '<span class="badge in_progress">In progress</span>' in page


def test_list_filters_by_status_area_title_and_overdue(
    client, town_staff, village, hamlet, other_village
):
    client.force_login(town_staff)
    ProjectFactory(
        area=hamlet,
        title="孙家湾当家塘清淤",
        status=ProjectStatus.IN_PROGRESS,
        progress=50,
        planned_end=dt.date(2024, 10, 1),
    )
    ProjectFactory(area=other_village, title="白湖村路灯", planned_end=dt.date(2025, 1, 1))
    ProjectFactory(
        area=village,
        title="陆水村文化广场",
        status=ProjectStatus.COMPLETED,
        progress=100,
        actual_start=dt.date(2024, 3, 1),
        actual_end=dt.date(2024, 5, 1),
        planned_end=dt.date(2024, 5, 1),
    )
    url = reverse("project_list")

    def listed(**params):
        return set(titles_listed(client.get(url, params)))

    assert listed() == {"孙家湾当家塘清淤", "白湖村路灯", "陆水村文化广场"}
    # The village includes its hamlet.
    assert listed(area=village.pk) == {"孙家湾当家塘清淤", "陆水村文化广场"}
    assert listed(status="completed") == {"陆水村文化广场"}
    assert listed(q="路灯") == {"白湖村路灯"}
    # Past its planned end and not completed, on the frozen 31 October 2024.
    assert listed(overdue="on") == {"孙家湾当家塘清淤"}
    assert "Overdue" in text(client.get(url, {"overdue": "on"}))


def test_list_sorts_by_planned_end_and_progress(vc_client, village):
    ProjectFactory(area=village, title="甲", planned_end=dt.date(2025, 3, 1), progress=10)
    ProjectFactory(area=village, title="乙", planned_end=None, progress=90)
    ProjectFactory(area=village, title="丙", planned_end=dt.date(2024, 12, 1), progress=50)
    url = reverse("project_list")
    assert titles_listed(vc_client.get(url, {"sort": "planned_end"})) == ["丙", "甲", "乙"]
    assert titles_listed(vc_client.get(url, {"sort": "-progress"})) == ["乙", "丙", "甲"]


def test_list_pages_by_25(vc_client, village):
    ProjectFactory.create_batch(30, area=village)
    url = reverse("project_list")
    assert len(titles_listed(vc_client.get(url))) == 25
    second = vc_client.get(url, {"page": 2})
    assert len(titles_listed(second)) == 5
    assert "30 projects" in text(second)


def test_list_ignores_forged_filter_values(vc_client, project):
    response = vc_client.get(
        reverse("project_list"),
        {"status": "bogus", "area": "x" * 500, "sort": "DROP", "page": "zz", "overdue": "?"},
    )
    assert response.status_code == 200
    assert titles_listed(response) == [project.title]
    response = vc_client.get(
        reverse("project_list"), {"area": HUGE, "page": HUGE, "q": "长" * 5000}
    )
    assert response.status_code == 200


def test_list_queries_do_not_grow_with_projects(vc_client, village):
    ProjectFactory.create_batch(2, area=village)
    url = reverse("project_list")
    small = count_queries(vc_client, url)
    ProjectFactory.create_batch(20, area=village)
    # session, user with their area, count for the paginator, the page of projects with
    # their areas, the area choices of the filter.
    assert count_queries(vc_client, url) == small == 5


# -- starting a project ----------------------------------------------------------------------


def _proposal_options(response):
    """The proposals the start form's picker holds: only the chosen ones (the rest are
    searched as the user types, at proposal_choices)."""
    body = response.content.decode()
    select = re.search(r'<select[^>]* name="proposals".*?</select>', body, re.S).group(0)
    return re.findall(r'<option value="(\d+)"( selected)?>', select)


def test_start_page_offers_only_visible_adopted_proposals_without_project(
    vc_client, village, hamlet, other_village, project
):
    adopted(hamlet, title="孙家湾修路")
    adopted(other_village, title="白湖村装路灯")
    adopted(village, title="已立项的提案", project=project)
    response = vc_client.get(reverse("project_create"))
    page = text(response)
    # The page lists none of them; its picker searches those the user may start from.
    assert "孙家湾修路" not in page and _proposal_options(response) == []
    assert f'data-search-url="/projects/new/proposals/?within={village.code}"' in page
    found = vc_client.get(reverse("proposal_choices"), {"within": village.code}).json()
    assert [row["text"] for row in found["results"]] == ["孙家湾修路 · 孙家"]
    assert "Amounts are in yuan, except “Labour given”, which is counted in labour days" in page


def test_start_page_preselects_the_proposal_from_the_query_string(vc_client, village):
    proposal = adopted(village, title="硬化通湾公路")
    response = vc_client.get(reverse("project_create"), {"proposal": proposal.pk})
    page = response.content.decode()
    assert _proposal_options(response) == [(str(proposal.pk), " selected")]
    assert f'<option value="{proposal.pk}" selected>硬化通湾公路 · 陆水村</option>' in page
    assert 'value="硬化通湾公路"' in page


@pytest.mark.parametrize("junk", ["abc", "-1", "99999999999999999999999", "", "²", "١٢"])
def test_start_page_ignores_a_junk_proposal_parameter(vc_client, village, junk):
    adopted(village)
    response = vc_client.get(reverse("project_create"), {"proposal": junk})
    assert response.status_code == 200
    assert _proposal_options(response) == []


def test_start_project_from_adopted_proposals_with_funding_lines(
    vc_client, village_committee, village
):
    first, second = adopted(village), adopted(village)
    response = vc_client.post(
        reverse("project_create"),
        start_data(
            [first, second],
            [(F.REWARD_SUBSIDY, "50000", "30000"), (F.LABOUR, "300", "120")],
        ),
    )
    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("project_detail", args=[project.pk])
    # The area comes from the proposals' meetings when they share one.
    assert project.area == village
    assert project.created_by == village_committee
    assert project.budget == Decimal("120000")
    assert set(project.proposals.all()) == {first, second}
    assert {(line.source, line.planned, line.received) for line in project.funding_lines.all()} == {
        (F.REWARD_SUBSIDY, Decimal("50000"), Decimal("30000")),
        (F.LABOUR, Decimal("300"), Decimal("120")),
    }


def test_start_project_with_proposals_from_two_areas_asks_for_the_area(vc_client, village, hamlet):
    proposals = [adopted(village), adopted(hamlet)]
    response = vc_client.post(reverse("project_create"), start_data(proposals))
    assert response.status_code == 200
    assert "The proposals come from different areas; choose the project" in text(response)
    assert not Project.objects.exists()

    response = vc_client.post(reverse("project_create"), start_data(proposals, area=village.pk))
    assert response.status_code == 302
    assert Project.objects.get().area == village


def test_duplicate_funding_sources_are_refused_and_nothing_is_saved(vc_client, village):
    proposal = adopted(village)
    response = vc_client.post(
        reverse("project_create"),
        start_data(
            [proposal],
            [(F.REWARD_SUBSIDY, "50000", "0"), (F.REWARD_SUBSIDY, "20000", "0")],
        ),
    )
    page = text(response)
    assert response.status_code == 200
    assert "Each source of funding may appear only once; add its amounts together." in page
    assert "“Reward instead of subsidy” is already on another line" in page
    # What was typed is still there.
    assert 'value="20000"' in page
    assert not Project.objects.exists()
    assert not FundingLine.objects.exists()
    proposal.refresh_from_db()
    assert proposal.project is None


def test_one_invalid_funding_line_saves_neither_project_nor_lines(vc_client, village):
    proposal = adopted(village)
    response = vc_client.post(
        reverse("project_create"),
        start_data(
            [proposal],
            [(F.REWARD_SUBSIDY, "50000", "0"), (F.VILLAGERS_RAISED, "-5", "0")],
        ),
    )
    assert response.status_code == 200
    assert "Amounts cannot be negative." in text(response)
    assert not Project.objects.exists()
    assert not FundingLine.objects.exists()
    assert Proposal.objects.get().project is None


@pytest.mark.parametrize(
    ("overrides", "lines", "message"),
    [
        ({"budget": HUGE}, (), "Ensure that there are no more than 14 digits in total."),
        ({"budget": "-1"}, (), "The budget cannot be negative."),
        ({"budget": "一万"}, (), "Enter a number."),
        ({}, [(F.LABOUR, HUGE, "0")], "Ensure that there are no more than 14 digits in total."),
        ({}, [(F.LABOUR, "1e400", "0")], "Ensure that there are no more than"),
        ({}, [("bribes", "1", "0")], "Select a valid choice."),
        ({"title": LONG}, (), "Ensure this value has at most 200 characters"),
        ({"title": ""}, (), "This field is required."),
        ({"planned_end": "2024-10-01"}, (), "The planned end cannot be before the planned start."),
        ({"planned_start": "2024-13-45"}, (), "Enter a valid date."),
        ({"lead_organization": HUGE}, (), "Select a valid choice."),
        ({"area": "abc"}, (), "Select a valid choice."),
        ({"proposals": []}, (), "Choose at least one adopted proposal."),
        ({"proposals": ["abc"]}, (), "is not a valid value."),
        ({"proposals": [HUGE]}, (), "Select a valid choice."),
    ],
)
def test_bad_input_to_start_a_project_is_refused_without_saving(
    vc_client, village, overrides, lines, message
):
    proposal = adopted(village)
    response = vc_client.post(reverse("project_create"), start_data([proposal], lines, **overrides))
    assert response.status_code == 200
    assert message in text(response)
    assert "Please correct the errors below; nothing was saved." in text(response)
    assert not Project.objects.exists()
    assert not FundingLine.objects.exists()


@pytest.mark.parametrize(
    ("management_overrides", "message"),
    [
        ({"funding-TOTAL_FORMS": HUGE}, "Please submit at most 8 forms."),
        ({"funding-TOTAL_FORMS": "abc"}, "ManagementForm data is missing or has been tampered"),
        ({"funding-TOTAL_FORMS": None, "funding-INITIAL_FORMS": None}, "ManagementForm data"),
    ],
)
def test_forged_funding_management_data_is_refused_without_error(
    vc_client, village, management_overrides, message
):
    data = start_data([adopted(village)])
    for key, value in management_overrides.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    response = vc_client.post(reverse("project_create"), data)
    assert response.status_code == 200
    assert message in text(response)
    assert not Project.objects.exists()


def test_start_project_refuses_a_proposal_of_another_village(vc_client, village, other_village):
    theirs = adopted(other_village)
    response = vc_client.post(reverse("project_create"), start_data([theirs]))
    assert response.status_code == 200
    assert "Select a valid choice." in text(response)
    assert not Project.objects.exists()


def test_start_project_refuses_an_organization_of_another_village(
    vc_client, village, other_village
):
    theirs = OrganizationFactory(area=other_village)
    response = vc_client.post(
        reverse("project_create"), start_data([adopted(village)], lead_organization=theirs.pk)
    )
    assert "Select a valid choice." in text(response)
    assert not Project.objects.exists()


def test_a_lifecycle_refusal_is_shown_on_the_form_and_undoes_everything(
    vc_client, village, monkeypatch
):
    """Another clerk may link the proposal between the page and the save: the service says no."""
    proposal = adopted(village)
    real_start = services.start_project

    def start_then_refuse(**kwargs):
        real_start(**kwargs)
        raise services.LifecycleError("“硬化通湾公路” is already carried out by a project.")

    monkeypatch.setattr(services, "start_project", start_then_refuse)
    response = vc_client.post(
        reverse("project_create"), start_data([proposal], [(F.LABOUR, "10", "0")])
    )
    assert response.status_code == 200
    assert "is already carried out by a project." in text(response)
    assert 'value="孙家湾通湾公路硬化"' in text(response)
    assert not Project.objects.exists()
    assert not FundingLine.objects.exists()


@pytest.fixture
def many_waiting(village):
    """More adopted proposals than the picker shows at once, decided a day apart: the first
    is the oldest."""
    meeting = MeetingFactory(area=village)
    return [
        ProposalFactory(
            meeting=meeting,
            status=ProposalStatus.ADOPTED,
            decided_on=dt.date(2024, 1, 1) + dt.timedelta(days=n),
            title=f"待立项提案{n:03d}",
        )
        for n in range(30)
    ]


def test_the_proposal_picker_offers_the_newest_first_and_finds_older_ones_by_title(
    client, county_staff, many_waiting
):
    client.force_login(county_staff)
    url = reverse("proposal_choices")
    newest = client.get(url).json()["results"]
    assert len(newest) == 20
    assert newest[0]["value"] == many_waiting[-1].pk  # newest decision first
    assert many_waiting[0].pk not in {row["value"] for row in newest}
    found = client.get(url, {"q": "提案000"}).json()["results"]
    assert [row["value"] for row in found] == [many_waiting[0].pk]


def test_start_page_keeps_the_proposal_named_in_the_address_among_many(
    client, county_staff, many_waiting
):
    oldest = many_waiting[0]
    client.force_login(county_staff)
    response = client.get(reverse("project_create"), {"proposal": oldest.pk})
    assert _proposal_options(response) == [(str(oldest.pk), " selected")]
    # Submitted, it stays a valid choice.
    response = client.post(
        reverse("project_create") + f"?proposal={oldest.pk}", start_data([oldest])
    )
    assert response.status_code == 302
    assert list(Project.objects.get().proposals.all()) == [oldest]


def test_start_page_refuses_a_proposal_outside_the_working_area(vc_client, village, other_village):
    theirs = adopted(other_village, title="白湖村装路灯")
    response = vc_client.post(reverse("project_create"), start_data([theirs]))
    assert response.status_code == 200
    assert "proposals" in response.context["form"].errors
    assert not Project.objects.exists()


def test_superuser_starting_a_project_chooses_the_county_or_comes_from_a_proposal(
    client, admin_user, village, elsewhere
):
    proposal = adopted(village, title="硬化通湾公路")
    client.force_login(admin_user)
    body = client.get(reverse("project_create")).content.decode()
    assert 'name="title"' not in body
    assert 'href="?area=421221"' in body and 'href="?area=421281"' in body
    # From the proposal's page: its county is the working area.
    response = client.get(reverse("project_create"), {"proposal": proposal.pk})
    assert _proposal_options(response) == [(str(proposal.pk), " selected")]
    response = client.post(reverse("project_create") + "?area=421221", start_data([proposal]))
    assert response.status_code == 302


def test_start_page_escapes_proposal_titles(vc_client, village):
    proposal = adopted(village, title="<b>修路</b>")
    body = vc_client.get(reverse("project_create"), {"proposal": proposal.pk}).content.decode()
    assert "&lt;b&gt;修路&lt;/b&gt; · 陆水村" in body and "<b>修路" not in body


def test_start_page_queries_do_not_grow_with_choices(vc_client, village):
    named = adopted(village)
    OrganizationFactory(area=village)
    url = reverse("project_create") + f"?proposal={named.pk}"
    small = count_queries(vc_client, url)
    for _ in range(10):
        adopted(village)
        OrganizationFactory(area=village)
    # session, user with their area, the proposal named in the address, the area choices,
    # the chosen proposal with its meeting's area (the pickers read nothing else).
    assert count_queries(vc_client, url) == small == 5


# -- editing ---------------------------------------------------------------------------------


def test_edit_changes_the_project_and_adds_changes_and_removes_funding_lines(vc_client, project):
    kept = FundingLineFactory(project=project, source=F.REWARD_SUBSIDY, planned=Decimal("1"))
    dropped = FundingLineFactory(project=project, source=F.DONATIONS)
    data = {
        "title": "通湾公路硬化（二期）",
        "area": project.area.pk,
        "description": "",
        "lead_organization": "",
        "budget": "150000",
        "planned_start": "2024-03-01",
        "planned_end": "2024-08-31",
        **funding_data(
            [
                (F.REWARD_SUBSIDY, "60000", "60000", kept.pk),
                (F.DONATIONS, "1000", "0", dropped.pk),
                (F.LABOUR, "200", "150"),
            ],
            initial=2,
        ),
        "funding-1-DELETE": "on",
    }
    response = vc_client.post(reverse("project_edit", args=[project.pk]), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "通湾公路硬化（二期）"
    assert project.budget == Decimal("150000")
    assert {(line.source, line.planned) for line in project.funding_lines.all()} == {
        (F.REWARD_SUBSIDY, Decimal("60000")),
        (F.LABOUR, Decimal("200")),
    }


def test_edit_refuses_a_second_line_with_an_existing_source(vc_client, project):
    line = FundingLineFactory(project=project, source=F.LABOUR)
    data = {
        "title": "改了名字",
        "area": project.area.pk,
        "budget": "1",
        **funding_data([(F.LABOUR, "1", "0", line.pk), (F.LABOUR, "2", "0")], initial=1),
    }
    response = vc_client.post(reverse("project_edit", args=[project.pk]), data)
    assert "Each source of funding may appear only once" in text(response)
    project.refresh_from_db()
    assert project.title != "改了名字"
    assert project.funding_lines.count() == 1


def test_edit_swapping_two_sources_at_once_saves_nothing(vc_client, project):
    """The database checks one row at a time, so a swap collides midway: undo all of it."""
    a = FundingLineFactory(project=project, source=F.REWARD_SUBSIDY)
    b = FundingLineFactory(project=project, source=F.LABOUR)
    data = {
        "title": "改了名字",
        "area": project.area.pk,
        "budget": "1",
        **funding_data([(F.LABOUR, "1", "0", a.pk), (F.REWARD_SUBSIDY, "2", "0", b.pk)], initial=2),
    }
    response = vc_client.post(reverse("project_edit", args=[project.pk]), data)
    assert response.status_code == 200
    assert "two lines would have the same source at once" in text(response)
    project.refresh_from_db()
    assert project.title != "改了名字"
    a.refresh_from_db()
    assert a.source == F.REWARD_SUBSIDY


def test_edit_page_queries_do_not_grow_with_funding_lines(vc_client, project):
    FundingLineFactory(project=project, source=F.LABOUR)
    project.lead_organization = OrganizationFactory(area=project.area)
    project.save()
    url = reverse("project_edit", args=[project.pk])
    small = count_queries(vc_client, url)
    for source in [F.REWARD_SUBSIDY, F.DONATIONS, F.MATERIALS, F.VILLAGE_COLLECTIVE]:
        FundingLineFactory(project=project, source=source)
    OrganizationFactory.create_batch(10, area=project.area)
    # session, user with their area, the project, the area choices, the lead organization
    # chosen with its area (its picker reads no other), the funding lines.
    assert count_queries(vc_client, url) == small == 6


# -- the detail page -------------------------------------------------------------------------


@pytest.fixture
def full_project(village, village_committee):
    project = ProjectFactory(
        area=village,
        title="孙家湾通湾公路硬化",
        status=ProjectStatus.IN_PROGRESS,
        progress=60,
        actual_start=dt.date(2024, 3, 5),
    )
    adopted(village, title="硬化通湾公路", project=project)
    FundingLineFactory(project=project, source=F.REWARD_SUBSIDY, planned=50000, received=30000)
    FundingLineFactory(project=project, source=F.VILLAGERS_RAISED, planned=20000, received=20000)
    FundingLineFactory(project=project, source=F.LABOUR, planned=300, received=120)
    ProjectUpdateFactory(
        project=project,
        progress=60,
        description="路基已平整，开始浇筑。",
        photo=ContentFile(b"\xff\xd8\xff\xe0 jpeg", name="site.jpg"),
        recorded_by=village_committee,
    )
    stewardship = StewardshipFactory(
        project=project, organization=OrganizationFactory(area=village, name="孙家湾理事会")
    )
    StewardshipLogFactory(
        stewardship=stewardship, note="路肩有塌陷。", issue_found=True, action_taken="已回填。"
    )
    EvaluationFactory(project=project, satisfied=40, basically_satisfied=8, dissatisfied=2)
    OutcomeFactory(project=project, title="通湾公路通车", disclosed_on=None)
    return project


def test_detail_shows_the_whole_project(vc_client, full_project):
    response = vc_client.get(reverse("project_detail", args=[full_project.pk]))
    page = text(response)
    proposal = full_project.proposals.get()
    update = full_project.updates.get()
    assert response.status_code == 200
    assert f'href="{reverse("matter_detail", args=[proposal.pk])}"' in page
    # Yuan totals leave the labour days out; the days are shown on their own.
    assert "70,000.00" in page and "50,000.00" in page
    assert "300 days" in page and "120 days" in page
    assert "60.0%" in page  # 30,000 of 50,000 received
    assert "路基已平整，开始浇筑。" in page
    assert f'src="{reverse("progress_photo", args=[update.pk])}"' in page
    assert "/media/" not in page
    assert "孙家湾理事会" in page and "路肩有塌陷。" in page and "已回填。" in page
    assert "96.0%" in page  # (40 + 8) of 50 ballots
    assert "通湾公路通车" in page and "Not published" in page
    assert f'action="{reverse("outcome_publish", args=[full_project.pk])}"' in page
    # Not at 100% yet: progress is offered, completion is not.
    assert reverse("progress_create", args=[full_project.pk]) in page
    assert reverse("project_complete", args=[full_project.pk]) not in page


def test_detail_shares_received_are_not_truncated_and_a_zero_plan_shows_a_dash(vc_client, project):
    FundingLineFactory(project=project, source=F.DONATIONS, planned=3, received=1)
    FundingLineFactory(project=project, source=F.MATERIALS, planned=0, received=500)
    page = text(vc_client.get(reverse("project_detail", args=[project.pk])))
    assert "33.3%" in page
    assert re.search(r"500\.00</td>\s*<td class=\"num\">—</td>", page)


def test_detail_offers_completion_at_100_percent(vc_client, project):
    project.progress = 100
    project.status = ProjectStatus.IN_PROGRESS
    project.save()
    page = text(vc_client.get(reverse("project_detail", args=[project.pk])))
    assert f'action="{reverse("project_complete", args=[project.pk])}"' in page
    assert "Mark completed" in page


def test_detail_of_a_completed_project_offers_no_more_progress(vc_client, project):
    project.progress = 100
    project.status = ProjectStatus.COMPLETED
    project.actual_start = project.actual_end = dt.date(2024, 6, 1)
    project.save()
    page = text(vc_client.get(reverse("project_detail", args=[project.pk])))
    assert reverse("progress_create", args=[project.pk]) not in page
    assert reverse("project_complete", args=[project.pk]) not in page


def test_detail_queries_do_not_grow_with_the_chain(vc_client, full_project, village):
    url = reverse("project_detail", args=[full_project.pk])
    small = count_queries(vc_client, url)
    for source in [F.DONATIONS, F.MATERIALS, F.VILLAGE_COLLECTIVE, F.DEPARTMENT_FUNDS]:
        FundingLineFactory(project=full_project, source=source)
    for _ in range(10):
        adopted(village, project=full_project)
        ProjectUpdateFactory(project=full_project)
        stewardship = StewardshipFactory(project=full_project, person=PersonFactory(area=village))
        StewardshipLogFactory.create_batch(3, stewardship=stewardship)
        EvaluationFactory(project=full_project)
    # session, user with their area, the project with its area, lead organization and outcome,
    # the funding lines (their totals are added up from them), the proposals with their
    # meetings' areas, the updates with who recorded them, the stewardships with organization
    # and person, their log entries, the evaluations. (The change history has a page of its
    # own.)
    assert count_queries(vc_client, url) == small == 9


# -- progress and completion -----------------------------------------------------------------


def progress_data(**overrides):
    data = {"reported_on": "2024-10-30", "progress": "40", "description": "路基已平整。"}
    data.update(overrides)
    return data


def test_progress_is_recorded_and_moves_the_project(vc_client, village_committee, project):
    response = vc_client.post(reverse("progress_create", args=[project.pk]), progress_data())
    assert response.status_code == 302
    update = project.updates.get()
    assert (update.progress, update.recorded_by) == (40, village_committee)
    project.refresh_from_db()
    assert project.progress == 40
    assert project.status == ProjectStatus.IN_PROGRESS
    assert project.actual_start == dt.date(2024, 10, 30)


def test_progress_page_shows_the_current_progress(vc_client, project):
    project.progress = 35
    project.save()
    response = vc_client.get(reverse("progress_create", args=[project.pk]))
    assert response.status_code == 200
    assert "now at 35%" in text(response)
    assert 'value="35"' in text(response)
    assert 'value="2024-10-31"' in text(response)


def test_progress_photo_is_saved_and_served_only_within_scope(
    client, village_committee, outsider, project
):
    client.force_login(village_committee)
    jpeg = image_bytes()
    photo = SimpleUploadedFile("现场.JPG", jpeg, content_type="image/jpeg")
    client.post(reverse("progress_create", args=[project.pk]), progress_data(photo=photo))
    update = project.updates.get()
    # The stored name tells nothing about the uploader's file name.
    assert "现场" not in update.photo.name and update.photo.name.endswith(".jpg")
    url = reverse("progress_photo", args=[update.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == jpeg
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/jpeg"
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_progress_photo_of_an_update_without_photo_is_404(vc_client, project):
    update = ProjectUpdateFactory(project=project)
    assert vc_client.get(reverse("progress_photo", args=[update.pk])).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"progress": "101"}, "Ensure this value is less than or equal to 100."),
        ({"progress": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"progress": HUGE}, "Ensure this value is less than or equal to 100."),
        ({"progress": "四十"}, "Enter a whole number."),
        ({"reported_on": "2024年13月1日"}, "Enter a valid date."),
        ({"description": ""}, "This field is required."),
        ({"description": LONG}, "Ensure this value has at most 5000 characters"),
        (
            {"photo": SimpleUploadedFile("photo.exe", b"MZ\x90\x00", "image/jpeg")},
            "A progress photo must be an image (JPG, PNG, GIF or WebP).",
        ),
        (
            {"photo": SimpleUploadedFile("plan.pdf", b"%PDF-1.4", "application/pdf")},
            "A progress photo must be an image (JPG, PNG, GIF or WebP).",
        ),
        (
            {"photo": SimpleUploadedFile("big.jpg", b"\0" * (MAX_UPLOAD_BYTES + 1), "image/jpeg")},
            "the limit is 10.0\xa0MB.",
        ),
        (
            {"progress": "80", "complete": "on"},
            "A project is completed only at 100% progress.",
        ),
    ],
)
def test_bad_progress_input_is_refused_without_saving(vc_client, project, overrides, message):
    response = vc_client.post(
        reverse("progress_create", args=[project.pk]), progress_data(**overrides)
    )
    assert response.status_code == 200
    assert message in text(response)
    assert not ProjectUpdate.objects.exists()
    project.refresh_from_db()
    assert project.progress == 0 and project.status == ProjectStatus.PLANNED


def test_progress_at_100_can_mark_the_project_completed(vc_client, project):
    response = vc_client.post(
        reverse("progress_create", args=[project.pk]),
        progress_data(progress="100", complete="on", reported_on="2024-10-30"),
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.COMPLETED
    assert project.actual_end == dt.date(2024, 10, 30)


def test_progress_on_a_completed_project_shows_the_lifecycle_refusal(vc_client, project):
    project.progress = 100
    project.status = ProjectStatus.COMPLETED
    project.actual_start = project.actual_end = dt.date(2024, 6, 1)
    project.save()
    response = vc_client.post(
        reverse("progress_create", args=[project.pk]), progress_data(description="补记一条")
    )
    assert response.status_code == 200
    assert "The project is already completed." in text(response)
    assert "补记一条" in text(response)
    assert not ProjectUpdate.objects.exists()


def test_progress_page_of_a_completed_project_offers_no_form(vc_client, project):
    project.progress = 100
    project.status = ProjectStatus.COMPLETED
    project.actual_start = project.actual_end = dt.date(2024, 6, 1)
    project.save()
    response = vc_client.get(reverse("progress_create", args=[project.pk]))
    assert response.status_code == 200
    assert "The project is already completed." in text(response)
    assert 'name="progress"' not in text(response)


def test_complete_marks_a_project_at_100_completed(vc_client, project):
    project.progress = 100
    project.status = ProjectStatus.IN_PROGRESS
    project.actual_start = dt.date(2024, 3, 1)
    project.save()
    response = vc_client.post(
        reverse("project_complete", args=[project.pk]), {"actual_end": "2024年10月20日"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.status, project.actual_end) == (ProjectStatus.COMPLETED, dt.date(2024, 10, 20))


@pytest.mark.parametrize(
    ("progress", "actual_end", "message"),
    [
        (60, "2024-10-20", "A project is completed only at 100% progress (now 60%)."),
        (100, "2024-02-01", "The end date cannot be before the actual start."),
        (100, "", "This field is required."),
        (100, "明天", "Enter a valid date."),
    ],
)
def test_complete_refusals_are_shown_on_the_form(vc_client, project, progress, actual_end, message):
    project.progress = progress
    project.actual_start = dt.date(2024, 3, 1)
    project.status = ProjectStatus.IN_PROGRESS
    project.save()
    response = vc_client.post(
        reverse("project_complete", args=[project.pk]), {"actual_end": actual_end}
    )
    assert response.status_code == 200
    assert message in text(response)
    project.refresh_from_db()
    assert project.status == ProjectStatus.IN_PROGRESS and project.actual_end is None


def test_complete_refuses_a_project_already_completed(vc_client, project):
    project.progress = 100
    project.status = ProjectStatus.COMPLETED
    project.actual_start = project.actual_end = dt.date(2024, 6, 1)
    project.save()
    response = vc_client.post(
        reverse("project_complete", args=[project.pk]), {"actual_end": "2024-10-01"}
    )
    assert "The project is already completed." in text(response)
    project.refresh_from_db()
    assert project.actual_end == dt.date(2024, 6, 1)


@pytest.mark.parametrize("name", ["progress_create", "project_complete"])
def test_progress_and_complete_pages_have_constant_queries(vc_client, project, name):
    url = reverse(name, args=[project.pk])
    small = count_queries(vc_client, url)
    ProjectUpdateFactory.create_batch(10, project=project)
    # session, user with their area, the project with its area.
    assert count_queries(vc_client, url) == small == 3


# -- scope: every project page answers 404 outside the user's area ---------------------------

PROJECT_PAGES = [
    "project_detail",
    "project_edit",
    "progress_create",
    "project_complete",
    "stewardship_create",
    "project_evaluation_create",
    "outcome_edit",
]
POST_ONLY_PAGES = ["outcome_publish", "outcome_unpublish"]


@pytest.fixture
def their_project(other_village):
    """白湖村's project with something at every stage, at 100% so that every step is open."""
    project = ProjectFactory(
        area=other_village, progress=100, status=ProjectStatus.IN_PROGRESS, title="白湖村路灯"
    )
    stewardship = StewardshipFactory(project=project)
    StewardshipLogFactory(stewardship=stewardship)
    EvaluationFactory(project=project)
    OutcomeFactory(project=project, disclosed_on=dt.date(2024, 10, 1))
    ProjectUpdateFactory(project=project, photo=ContentFile(b"jpeg", name="x.jpg"))
    return project


def assert_untouched(project):
    project.refresh_from_db()
    assert project.title == "白湖村路灯" and project.status == ProjectStatus.IN_PROGRESS
    assert project.updates.count() == 1
    assert Stewardship.objects.filter(project=project).count() == 1
    assert StewardshipLog.objects.count() == 1
    assert project.evaluations.count() == 1
    assert not Outcome.objects.get(project=project).is_published


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", PROJECT_PAGES + POST_ONLY_PAGES)
def test_village_committee_cannot_reach_another_villages_project(
    vc_client, their_project, name, method
):
    data = {"title": "改了名字", "progress": "50", "actual_end": "2024-10-01"}
    url = reverse(name, args=[their_project.pk])
    response = vc_client.get(url) if method == "get" else vc_client.post(url, data)
    expected = 405 if (method == "get" and name in POST_ONLY_PAGES) else 404
    assert response.status_code == expected
    assert_untouched(their_project)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    ("name", "related"),
    [
        ("stewardship_edit", "stewardships"),
        ("stewardship_log_create", "stewardships"),
        ("project_evaluation_edit", "evaluations"),
        ("progress_photo", "updates"),
    ],
)
def test_village_committee_cannot_reach_another_villages_project_records(
    vc_client, their_project, name, related, method
):
    obj = getattr(their_project, related).get()
    url = reverse(name, args=[obj.pk])
    data = {"duties": "x", "started_on": "2024-10-01", "kind": "duty", "note": "x"}
    response = vc_client.get(url) if method == "get" else vc_client.post(url, data)
    assert response.status_code == 404
    assert_untouched(their_project)


def test_town_staff_reach_the_projects_of_their_villages(client, town_staff, their_project):
    client.force_login(town_staff)
    for name in PROJECT_PAGES:
        assert client.get(reverse(name, args=[their_project.pk])).status_code == 200


def test_an_id_too_large_for_the_database_is_404(vc_client):
    assert vc_client.get(f"/projects/{HUGE}/").status_code == 404
