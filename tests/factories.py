"""factory_boy factories for every model, one module for the whole suite."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from consultations.models import (
    Attachment,
    AttachmentKind,
    Evaluation,
    EvaluatorKind,
    FundingLine,
    FundingSource,
    Meeting,
    MeetingFormat,
    Outcome,
    Project,
    ProjectUpdate,
    Proposal,
    ProposalCategory,
    ProposalStatus,
    ProposalStatusChange,
    Stewardship,
    StewardshipLog,
)
from organizations.models import (
    Area,
    AreaLevel,
    Highlight,
    Membership,
    Organization,
    OrganizationKind,
    Person,
    PersonCategory,
    User,
)


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    code = "421221"
    name = "嘉鱼县"
    level = AreaLevel.COUNTY
    parent = None


class TownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    parent = factory.SubFactory(CountyFactory)
    # Wraps around, like the village and hamlet codes, so long test runs reuse towns.
    code = factory.Sequence(lambda n: f"421221{300 + n % 700:03d}")
    name = factory.Sequence(lambda n: f"测试镇{n}")
    level = AreaLevel.TOWN


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    parent = factory.SubFactory(TownFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code}{200 + n % 800:03d}")
    name = factory.Sequence(lambda n: f"测试村{n}")
    level = AreaLevel.VILLAGE


class HamletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    parent = factory.SubFactory(VillageFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code}{1 + n % 999:03d}")
    name = factory.Sequence(lambda n: f"测试湾{n}")
    level = AreaLevel.HAMLET


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.VILLAGER_COUNCIL
    name = factory.Sequence(lambda n: f"村民理事会{n}")
    area = factory.SubFactory(VillageFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"村民{n}")
    category = PersonCategory.VILLAGER
    area = factory.SubFactory(VillageFactory)
    phone = ""


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = "成员"
    started_on = dt.date(2024, 1, 1)


class HighlightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Highlight

    area = factory.SubFactory(VillageFactory)
    title = factory.Sequence(lambda n: f"特色{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("wuhgong-test")
    area = factory.SubFactory(CountyFactory)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    format = MeetingFormat.COURTYARD
    title = factory.Sequence(lambda n: f"屋场会第{n}次")
    area = factory.SubFactory(VillageFactory)
    place = "村委会院坝"
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))
    attendance_total = 30
    attendance_party_member = 5
    attendance_villager = 20
    # Set by services.save_meeting on every path of the product; factories save directly.
    county_code = factory.LazyAttribute(lambda meeting: meeting.area.code[:6])


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    meeting = factory.SubFactory(MeetingFactory)
    category = ProposalCategory.ROADS
    title = factory.Sequence(lambda n: f"硬化通湾公路{n}")
    description = "雨天道路泥泞，出行不便。"
    county_code = factory.LazyAttribute(lambda proposal: proposal.meeting.county_code)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    title = factory.Sequence(lambda n: f"通湾公路硬化工程{n}")
    area = factory.SubFactory(VillageFactory)
    budget = Decimal("120000.00")
    planned_start = dt.date(2024, 3, 1)
    planned_end = dt.date(2024, 6, 30)


class FundingLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingLine

    project = factory.SubFactory(ProjectFactory)
    source = FundingSource.REWARD_SUBSIDY
    planned = Decimal("50000.00")
    received = Decimal("30000.00")


class StewardshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stewardship

    project = factory.SubFactory(ProjectFactory)
    organization = factory.SubFactory(OrganizationFactory)
    duties = "每周巡查路面，及时清扫。"
    started_on = dt.date(2024, 7, 1)


class StewardshipLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StewardshipLog

    stewardship = factory.SubFactory(StewardshipFactory)
    kind = "inspection"
    logged_on = dt.date(2024, 8, 1)
    note = "路面完好。"


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evaluation

    project = factory.SubFactory(ProjectFactory)
    evaluator = EvaluatorKind.VILLAGERS_ASSEMBLY
    evaluated_on = dt.date(2024, 9, 1)
    satisfied = 40
    basically_satisfied = 8
    dissatisfied = 2


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"通湾公路通车{n}")
    summary = "硬化道路1.2公里。"
    beneficiary_households = 86
    beneficiary_people = 310


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    meeting = factory.SubFactory(MeetingFactory)
    kind = AttachmentKind.PHOTO
    file = factory.django.FileField(
        filename="photo.jpg", data=b"\xff\xd8\xff\xe0 not really a jpeg"
    )
    caption = factory.Sequence(lambda n: f"会场照片{n}")


class ProposalStatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProposalStatusChange

    proposal = factory.SubFactory(ProposalFactory)
    from_status = ProposalStatus.RAISED
    to_status = ProposalStatus.DELIBERATING
    changed_at = factory.LazyFunction(timezone.now)
    note = "提交村民代表会议讨论。"


class ProjectUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectUpdate

    project = factory.SubFactory(ProjectFactory)
    reported_on = dt.date(2024, 4, 15)
    progress = 40
    description = "路基已平整。"
