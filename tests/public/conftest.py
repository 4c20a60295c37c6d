"""A village with one of everything the public board may or may not show.

Every record that must stay off the board carries a title starting with 秘密 ("secret"), and
every personal detail is distinctive (a four-character name, a phone and an ID number that
appear nowhere else), so a leak cannot hide behind a place name.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from consultations.models import AttachmentKind, FundingSource, ProjectStatus, ProposalStatus
from tests.factories import (
    AttachmentFactory,
    EvaluationFactory,
    FundingLineFactory,
    HighlightFactory,
    MeetingFactory,
    OrganizationFactory,
    OutcomeFactory,
    PersonFactory,
    ProjectFactory,
    ProjectUpdateFactory,
    ProposalFactory,
    ProposalStatusChangeFactory,
    StewardshipFactory,
    StewardshipLogFactory,
)
from tests.upload_files import image_bytes, pdf_bytes

PERSON_NAME = "欧阳明远"
PHONE = "13912345678"
ID_NUMBER = "42122119800101123X"
PERSONAL = f"{PERSON_NAME}（电话{PHONE}，身份证{ID_NUMBER}）"


def photo(name="p.jpg"):
    return ContentFile(image_bytes(), name=name)


def build_board(village, hamlet, county_staff):
    """The world described in the module docstring; returns its records by role."""
    person = PersonFactory(area=village, name=PERSON_NAME, phone=PHONE)
    council = OrganizationFactory(area=village, name="陆水村村民理事会")
    HighlightFactory(area=village, title="孙家实践创新基地", description="协商共治有了平台。")
    now = timezone.now()
    meeting = MeetingFactory(
        area=hamlet,
        title="孙家屋场会：议通湾公路",
        agenda="一、议通湾公路",
        minutes=f"{PERSONAL}发言。",
        moderator=person,
        summary_is_public=True,
        starts_at=now - dt.timedelta(days=200),
    )
    secret_meeting = MeetingFactory(
        area=village, title="秘密会议", agenda="秘密议程", starts_at=now - dt.timedelta(days=100)
    )
    upcoming = MeetingFactory(
        area=village,
        title="陆水村群众说事厅：议路灯",
        agenda="一、议路灯",
        summary_is_public=True,
        starts_at=now + dt.timedelta(days=5),
    )

    def adopted(title, project=None, meeting=meeting):
        proposal = ProposalFactory(
            meeting=meeting,
            title=title,
            description=f"{PERSONAL}反映。",
            raised_by=person,
            status=ProposalStatus.ADOPTED,
            decided_on=dt.date(2024, 2, 1),
            votes_for=25,
            votes_against=2,
            votes_abstain=1,
            votes_present=28,
            project=project,
        )
        ProposalStatusChangeFactory(
            proposal=proposal,
            to_status=ProposalStatus.ADOPTED,
            changed_by=county_staff,
            note=f"{PERSONAL}同意。",
        )
        return proposal

    # 1. A public project with a published outcome: the whole chain shows.
    road = ProjectFactory(
        area=hamlet,
        title="孙家通湾公路硬化工程",
        description="硬化道路1.2公里。",
        lead_organization=council,
        is_public=True,
        status=ProjectStatus.COMPLETED,
        progress=100,
        actual_start=dt.date(2024, 3, 5),
        actual_end=dt.date(2024, 6, 20),
    )
    road_matter = adopted("硬化孙家通湾公路", road)
    road_second_matter = adopted("修孙家错车道", road)
    for source, planned, received in [
        (FundingSource.REWARD_SUBSIDY, "60000", "60000"),
        (FundingSource.VILLAGE_COLLECTIVE, "20000", "20000"),
        (FundingSource.VILLAGERS_RAISED, "30000", "28000"),
        (FundingSource.DONATIONS, "10000", "12000"),
        (FundingSource.LABOUR, "300", "320"),
    ]:
        FundingLineFactory(
            project=road, source=source, planned=planned, received=received, note=PERSONAL
        )
    public_photo_update = ProjectUpdateFactory(
        project=road, progress=60, description="路基完成。", photo=photo(), photo_is_public=True
    )
    private_photo_update = ProjectUpdateFactory(
        project=road, progress=80, description="铺设路面。", photo=photo(), photo_is_public=False
    )
    stewardship = StewardshipFactory(
        project=road, organization=council, person=person, duties=PERSONAL, rules=PERSONAL
    )
    StewardshipLogFactory(stewardship=stewardship, note=PERSONAL, action_taken=PERSONAL)
    EvaluationFactory(
        project=road, satisfied=40, basically_satisfied=8, dissatisfied=2, comments=PERSONAL
    )
    road_outcome = OutcomeFactory(
        project=road,
        title="孙家通湾公路建成通车",
        summary="86户村民出行方便了。",
        is_published=True,
        disclosed_on=dt.date(2024, 7, 1),
    )

    # 2. A project kept off the board whose outcome is published: the matter shows, the
    #    project's own title, money and photos do not.
    pond = ProjectFactory(area=village, title="秘密当家塘清淤工程", is_public=False)
    pond_matter = adopted("清淤当家塘", pond)
    FundingLineFactory(project=pond, source=FundingSource.VILLAGERS_RAISED, note=PERSONAL)
    pond_update = ProjectUpdateFactory(project=pond, photo=photo(), photo_is_public=True)
    EvaluationFactory(project=pond, satisfied=9, basically_satisfied=0, dissatisfied=1)
    OutcomeFactory(
        project=pond,
        title="当家塘蓄水恢复",
        is_published=True,
        disclosed_on=dt.date(2024, 9, 1),
    )

    # 3. A project off the board with a draft outcome: nothing of it shows.
    lights = ProjectFactory(area=village, title="秘密路灯工程", is_public=False)
    lights_matter = adopted("秘密安装路灯", lights, meeting=secret_meeting)
    OutcomeFactory(project=lights, title="秘密路灯亮了", is_published=False)

    # 4. A public project still in progress, its outcome a draft.
    canal = ProjectFactory(
        area=village,
        title="陆水村灌溉渠维修",
        is_public=True,
        status=ProjectStatus.IN_PROGRESS,
        progress=40,
    )
    canal_matter = adopted("维修灌溉渠", canal)
    OutcomeFactory(project=canal, title="秘密灌溉渠通水", is_published=False)

    # 5. A proposal still being discussed.
    raised = ProposalFactory(meeting=meeting, title="秘密建议", raised_by=person)

    public_photo = AttachmentFactory(
        meeting=meeting, kind=AttachmentKind.PHOTO, file=photo(), caption=PERSONAL, is_public=True
    )
    private_photo = AttachmentFactory(
        meeting=meeting, kind=AttachmentKind.PHOTO, file=photo(), caption=PERSONAL
    )
    sign_in_sheet = AttachmentFactory(
        meeting=meeting,
        kind=AttachmentKind.SIGN_IN_SHEET,
        file=ContentFile(pdf_bytes(), name="s.pdf"),
        caption=PERSONAL,
    )
    secret_meeting_photo = AttachmentFactory(
        meeting=secret_meeting, kind=AttachmentKind.PHOTO, file=photo(), is_public=True
    )
    return SimpleNamespace(
        village=village,
        hamlet=hamlet,
        person=person,
        meeting=meeting,
        secret_meeting=secret_meeting,
        upcoming=upcoming,
        road=road,
        road_matter=road_matter,
        road_second_matter=road_second_matter,
        road_outcome=road_outcome,
        public_photo_update=public_photo_update,
        private_photo_update=private_photo_update,
        pond=pond,
        pond_matter=pond_matter,
        pond_update=pond_update,
        lights=lights,
        lights_matter=lights_matter,
        canal=canal,
        canal_matter=canal_matter,
        raised=raised,
        public_photo=public_photo,
        private_photo=private_photo,
        sign_in_sheet=sign_in_sheet,
        secret_meeting_photo=secret_meeting_photo,
    )


@pytest.fixture
def board(village, hamlet, county_staff):
    return build_board(village, hamlet, county_staff)
