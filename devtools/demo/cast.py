"""Build the demo's territory, organizations, people and accounts (see ``seed_demo``).

Every row is found by its natural key before it is inserted (area code; organization name
within its area; person name within their area; membership person + organization + start;
username), so running the seeder again inserts nothing and leaves edits made since alone.
Names and numbers are drawn from ``random.Random`` seeded per village, so every run draws the
same ones and one village's data does not shift when another's changes.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth.models import Group

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
from organizations.roles import COUNTY_STAFF, TOWN_STAFF, VILLAGE_COMMITTEE

from . import cast_data as data

K = OrganizationKind
C = PersonCategory

DEMO_PASSWORD = "wuhgong-demo"  # noqa: S105 - published in the README, demo databases only  # nosec B105

# (username, role group, area code, superuser, display name)
DEMO_ACCOUNTS = [
    ("admin", None, None, True, "系统管理员"),
    ("county", COUNTY_STAFF, "421221", False, "县委统战部"),
    ("town", TOWN_STAFF, "421221101", False, "高铁岭镇统战委员"),
    ("village", VILLAGE_COMMITTEE, "421221101201", False, "陆水村村委会"),
    ("village2", VILLAGE_COMMITTEE, "421221101202", False, "白湖村村委会"),
]

# How many people of each category a village has: (fewest, most).
VILLAGE_PEOPLE = [
    (C.PARTY_MEMBER, 4, 6),
    (C.NON_PARTY_INTELLECTUAL, 1, 2),
    (C.NEW_SOCIAL_CLASS, 1, 2),
    (C.DEMOCRATIC_PARTY, 0, 1),
    (C.NON_PARTISAN, 0, 1),
    (C.VILLAGE_WORTHY, 1, 3),
    (C.VILLAGER, 5, 8),
]
PHONE_SHARE = 0.25  # most records carry no phone number: collect the minimum


@dataclass
class VillageCast:
    """One village with what the matters need: its hamlets, bodies and people."""

    area: Area
    town: Area
    hamlets: list[Area]
    party_branch: Organization
    committee: Organization
    council: Organization
    volunteers: Organization | None
    people: dict[str, list[Person]] = field(default_factory=dict)
    branches: list[Organization] = field(default_factory=list)  # the town's 知联会, 新联会
    bases: list[Organization] = field(default_factory=list)  # 实践创新基地 in the village

    def anyone(self, rng, *categories):
        pool = [p for c in categories or self.people for p in self.people.get(c, [])]
        return rng.choice(pool) if pool else None


@dataclass
class Cast:
    county: Area
    towns: dict[str, Area]
    villages: list[VillageCast]
    town_governments: dict[str, Organization]
    departments: dict[str, Organization]
    county_volunteers: Organization
    users: dict[str, User]

    def actor_for(self, area):
        """The demo account that would record a matter in this area (the most local one)."""
        accounts = sorted(DEMO_ACCOUNTS, key=lambda a: -len(a[2] or ""))
        for username, _group, code, _superuser, _display in accounts:
            if code and area.code.startswith(code):
                return self.users[username]
        return self.users["admin"]


def rng_for(label):
    """A generator of its own per part of the demo, so parts do not shift one another."""
    return random.Random(f"wuhgong-demo:{label}")  # noqa: S311 - demo data, not security  # nosec B311


def ensure_rows(model, rows, key, existing):
    """Insert the rows whose natural key is not among ``existing``; return all rows by key."""
    have = {key(obj): obj for obj in existing}
    missing = []
    for row in rows:
        if key(row) not in have:
            have[key(row)] = row
            missing.append(row)
    model.objects.bulk_create(missing, batch_size=1000)
    return have


def _ensure_areas():
    specs = [(data.COUNTY[0], data.COUNTY[1], AreaLevel.COUNTY, None)]
    for code, name, *_ in data.TOWNS:
        specs.append((code, name, AreaLevel.TOWN, data.COUNTY[0]))
    for town_code, villages in data.VILLAGES.items():
        for suffix, name, hamlets in villages:
            code = town_code + suffix
            specs.append((code, name, AreaLevel.VILLAGE, town_code))
            for n, hamlet in enumerate(hamlets.split(), start=1):
                specs.append((f"{code}{n:03d}", hamlet, AreaLevel.HAMLET, code))
    areas = {a.code: a for a in Area.objects.filter(code__in=[s[0] for s in specs])}
    for level in AreaLevel:
        rows = [
            Area(code=code, name=name, level=lvl, parent=areas.get(parent))
            for code, name, lvl, parent in specs
            if lvl == level and code not in areas
        ]
        Area.objects.bulk_create(rows)
        areas.update((a.code, a) for a in rows)
    return areas


def _ensure_highlights(areas):
    rows = [Highlight(area=areas[code], title=t, description=d) for code, _, t, d in data.TOWNS]
    rows += [
        Highlight(area=areas[code], title=t, description=d)
        for code, (t, d) in data.FEATURES.items()
    ]
    existing = Highlight.objects.filter(area__in=areas.values())
    ensure_rows(Highlight, rows, lambda h: h.area_id, existing)


def _village_bodies(village, hamlets, rng):
    """Party branch, committee and council for every village; volunteers for most."""
    community = village.name.endswith("社区")
    founded = dt.date(rng.randint(2005, 2021), rng.randint(1, 12), 1)
    bodies = [
        (K.PARTY_BRANCH, f"{village.name}{'党委' if community else '党支部'}", village),
        (K.VILLAGE_COMMITTEE, f"{village.name}{'居' if community else '村'}民委员会", village),
        (K.VILLAGER_COUNCIL, f"{village.name}{'居' if community else '村'}民理事会", village),
    ]
    if rng.random() < 0.7:
        bodies.append((K.VOLUNTEER_TEAM, f"{village.name}志愿服务队", village))
    # Hamlet councils are where 屋场会 are usually called (湾子理事会).
    for hamlet in [] if community else hamlets[:2]:
        if rng.random() < 0.4:
            bodies.append((K.VILLAGER_COUNCIL, f"{hamlet_label(hamlet.name)}村民理事会", hamlet))
    return [
        Organization(kind=kind, name=name, area=area, founded_on=founded)
        for kind, name, area in bodies
    ]


def _ensure_organizations(areas):
    county = areas[data.COUNTY[0]]
    rows = [
        Organization(
            kind=K.LEADING_GROUP,
            name=data.LEADING_GROUP,
            area=county,
            founded_on=dt.date(2023, 3, 15),
        ),
        Organization(kind=K.OTHER, name=data.UNITED_FRONT_DEPARTMENT, area=county),
        Organization(
            kind=K.VOLUNTEER_TEAM,
            name=data.COUNTY_VOLUNTEERS,
            area=county,
            founded_on=dt.date(2023, 5, 4),
        ),
    ]
    rows += [
        Organization(kind=K.OTHER, name=n, area=county) for n in data.COUNTY_DEPARTMENTS.values()
    ]
    rows += [
        Organization(kind=kind, name=name, area=county, founded_on=dt.date(2023, 9, 20))
        for kind, name in data.COUNTY_WIDE_BRANCHES
    ]
    for month, (code, name, *_) in enumerate(data.TOWNS, start=3):
        town = areas[code]
        short = name.removesuffix("镇")
        founded = dt.date(2023, month, 18)
        rows += [
            Organization(kind=K.OTHER, name=f"{name}人民政府", area=town),
            Organization(
                kind=K.INTELLECTUALS_BRANCH,
                name=f"嘉鱼县知联会{short}分会",
                area=town,
                founded_on=founded,
            ),
            Organization(
                kind=K.NEW_CLASS_BRANCH,
                name=f"嘉鱼县新联会{short}分会",
                area=town,
                founded_on=founded,
            ),
        ]
    for village in _villages(areas):
        hamlets = _hamlets(areas, village)
        rows += _village_bodies(village, hamlets, rng_for(f"bodies:{village.code}"))
    for village_code, hamlet_name, name in data.INNOVATION_BASES:
        hamlet = next(h for h in _hamlets(areas, areas[village_code]) if h.name == hamlet_name)
        rows.append(
            Organization(
                kind=K.INNOVATION_BASE, name=name, area=hamlet, founded_on=dt.date(2023, 9, 1)
            )
        )
    # Only the demo's own areas: scale mode puts many more rows in the county.
    existing = Organization.objects.filter(area__in=areas.values())
    return ensure_rows(Organization, rows, lambda o: (o.area_id, o.name), existing)


def hamlet_label(name):
    """孙家 → 孙家湾: how a hamlet named after a family is spoken of; other names stay."""
    return f"{name}湾" if name.endswith("家") else name


def _villages(areas):
    return [a for a in areas.values() if a.level == AreaLevel.VILLAGE]


def _hamlets(areas, village):
    return sorted(
        (a for a in areas.values() if a.level == AreaLevel.HAMLET and a.parent_id == village.pk),
        key=lambda a: a.code,
    )


def person_name(rng, surname=None):
    """A common-looking Chinese name; surnames near the front of the pool come up more often."""
    if surname is None:
        weights = [1 / (i + 4) for i in range(len(data.SURNAMES))]
        surname = rng.choices(data.SURNAMES, weights)[0]
    given = rng.choice(data.GIVEN_FIRST) + rng.choice(data.GIVEN_SECOND)
    if rng.random() < 0.15:
        given = given[1]
    return surname + given


def phone_number(rng):
    return rng.choice(data.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _people_for(village, hamlets, rng):
    """Villagers mostly live in a hamlet named after a family (孙家), and often carry its name."""
    people, taken = [], set()
    for category, low, high in VILLAGE_PEOPLE:
        for _ in range(rng.randint(low, high)):
            area = village
            surname = None
            if category in (C.VILLAGER, C.VILLAGE_WORTHY) and hamlets and rng.random() < 0.7:
                area = rng.choice(hamlets)
                if area.name[0] in data.SURNAMES and rng.random() < 0.6:
                    surname = area.name[0]
            name = person_name(rng, surname)
            while (area.code, name) in taken:
                name = person_name(rng, surname)
            taken.add((area.code, name))
            phone = phone_number(rng) if rng.random() < PHONE_SHARE else ""
            people.append(Person(name=name, category=category, area=area, phone=phone))
    return people


def _distinct_people(area, categories, rng, with_phone):
    people, taken = [], set()
    for category in categories:
        name = person_name(rng)
        while name in taken:
            name = person_name(rng)
        taken.add(name)
        phone = phone_number(rng) if with_phone else ""
        people.append(Person(name=name, category=category, area=area, phone=phone))
    return people


def _town_leaders(town, rng):
    """会长 and 副会长 of the town's 知联会 and 新联会 branches; they publish their numbers."""
    categories = [C.NON_PARTY_INTELLECTUAL, C.NON_PARTY_INTELLECTUAL]
    return _distinct_people(town, [*categories, C.NEW_SOCIAL_CLASS, C.NEW_SOCIAL_CLASS], rng, True)


def _county_people(county, rng):
    """The leading group (head, two deputies, members) and the county-wide branches' heads."""
    categories = [C.PARTY_MEMBER, C.PARTY_MEMBER, C.PARTY_MEMBER, C.DEMOCRATIC_PARTY]
    categories += [C.NON_PARTISAN, C.NON_PARTY_INTELLECTUAL, C.NEW_SOCIAL_CLASS]
    return _distinct_people(county, categories, rng, False)


def _member(person, org, role, start):
    return Membership(person=person, organization=org, role=role, started_on=start)


def _memberships(village_cast, bases, rng):
    vc = village_cast
    start = max(vc.party_branch.founded_on or dt.date(2021, 1, 1), dt.date(2021, 1, 1))
    rows = []
    party = vc.people.get(C.PARTY_MEMBER, [])
    for i, person in enumerate(party):
        rows.append(_member(person, vc.party_branch, "书记" if i == 0 else "党员", start))
    if party:
        # 书记、主任一肩挑: the branch secretary usually also chairs the committee.
        rows.append(_member(party[0], vc.committee, "主任", start))
        rows += [_member(p, vc.committee, "委员", start) for p in party[1:3]]
    council = vc.people.get(C.VILLAGE_WORTHY, []) + vc.people.get(C.VILLAGER, [])[:4]
    council += vc.people.get(C.NON_PARTISAN, [])
    for i, person in enumerate(council):
        rows.append(_member(person, vc.council, "理事长" if i == 0 else "理事", start))
    if vc.volunteers:
        team = vc.people.get(C.NEW_SOCIAL_CLASS, [])[:1] + vc.people.get(C.VILLAGER, [])[2:6]
        for i, person in enumerate(team):
            role = "队长" if i == 0 else "队员"
            rows.append(_member(person, vc.volunteers, role, dt.date(2023, 5, 4)))
    for base in bases:
        experts = vc.people.get(C.NON_PARTY_INTELLECTUAL, []) + vc.people.get(C.VILLAGER, [])[:3]
        for i, person in enumerate(experts):
            rows.append(_member(person, base, "负责人" if i == 0 else "成员", dt.date(2023, 9, 1)))
    # A former council member who stepped down: memberships end as well as begin.
    villagers = vc.people.get(C.VILLAGER, [])
    if len(villagers) > 4 and rng.random() < 0.3:
        rows.append(
            Membership(
                person=villagers[-1],
                organization=vc.council,
                role="理事",
                started_on=dt.date(2018, 3, 1),
                ended_on=dt.date(2020, 12, 31),
            )
        )
    return rows


def build_cast(*, stdout=None):
    """Territory, organizations, people, memberships, brands and demo accounts; idempotent."""
    areas = _ensure_areas()
    _ensure_highlights(areas)
    orgs = _ensure_organizations(areas)
    county = areas[data.COUNTY[0]]
    towns = {code: areas[code] for code, *_ in data.TOWNS}

    def org(area, name):
        return orgs[(area.pk, name)]

    people_rows, casts = [], []
    for village in sorted(_villages(areas), key=lambda a: a.code):
        hamlets = _hamlets(areas, village)
        bodies = [o for (area_id, _), o in orgs.items() if area_id == village.pk]
        by_kind = {o.kind: o for o in bodies}
        cast = VillageCast(
            area=village,
            town=areas[village.code[:9]],
            hamlets=hamlets,
            party_branch=by_kind[K.PARTY_BRANCH],
            committee=by_kind[K.VILLAGE_COMMITTEE],
            council=by_kind[K.VILLAGER_COUNCIL],
            volunteers=by_kind.get(K.VOLUNTEER_TEAM),
        )
        for person in _people_for(village, hamlets, rng_for(f"people:{village.code}")):
            cast.people.setdefault(person.category, []).append(person)
            people_rows.append(person)
        casts.append(cast)
    town_people = {
        code: _town_leaders(town, rng_for(f"leaders:{code}")) for code, town in towns.items()
    }
    county_people = _county_people(county, rng_for("county-people"))
    people_rows += [p for group in town_people.values() for p in group] + county_people
    people = ensure_rows(
        Person,
        people_rows,
        lambda p: (p.area_id, p.name),
        Person.objects.filter(area__in=areas.values()),
    )
    # Rows drawn this run stand in for the stored ones with the same key.
    for cast in casts:
        for category, group in cast.people.items():
            cast.people[category] = [people[(p.area_id, p.name)] for p in group]
    for code in town_people:
        town_people[code] = [people[(p.area_id, p.name)] for p in town_people[code]]
    county_people = [people[(p.area_id, p.name)] for p in county_people]

    memberships = []
    bases_by_village = {}
    for village_code, _hamlet_name, name in data.INNOVATION_BASES:
        base = next(o for o in orgs.values() if o.name == name)
        bases_by_village.setdefault(village_code, []).append(base)
    for cast in casts:
        cast.bases = bases_by_village.get(cast.area.code, [])
        rng = rng_for(f"memberships:{cast.area.code}")
        memberships += _memberships(cast, cast.bases, rng)
    for code, name, *_ in data.TOWNS:
        town = towns[code]
        short = name.removesuffix("镇")
        intellectuals = org(town, f"嘉鱼县知联会{short}分会")
        new_class = org(town, f"嘉鱼县新联会{short}分会")
        leaders = town_people[code]
        for cast in casts:
            if cast.town.pk == town.pk:
                cast.branches = [intellectuals, new_class]
        start = intellectuals.founded_on
        memberships += [
            _member(leaders[0], intellectuals, "会长", start),
            _member(leaders[1], intellectuals, "副会长", start),
            _member(leaders[2], new_class, "会长", start),
            _member(leaders[3], new_class, "副会长", start),
        ]
        for cast in casts:
            if cast.town.pk != town.pk:
                continue
            for person in cast.people.get(C.NON_PARTY_INTELLECTUAL, []) + cast.people.get(
                C.DEMOCRATIC_PARTY, []
            ):
                memberships.append(_member(person, intellectuals, "会员", start))
            for person in cast.people.get(C.NEW_SOCIAL_CLASS, []):
                memberships.append(_member(person, new_class, "会员", start))
    leading_group = org(county, data.LEADING_GROUP)
    group_start = leading_group.founded_on
    memberships.append(_member(county_people[0], leading_group, "组长", group_start))
    memberships += [_member(p, leading_group, "副组长", group_start) for p in county_people[1:3]]
    memberships += [_member(p, leading_group, "成员", group_start) for p in county_people[3:]]
    for (_kind, name), person in zip(data.COUNTY_WIDE_BRANCHES, county_people[5:], strict=True):
        branch = org(county, name)
        memberships.append(_member(person, branch, "会长", branch.founded_on))
    ensure_rows(
        Membership,
        memberships,
        lambda m: (m.person_id, m.organization_id, m.started_on),
        Membership.objects.filter(organization__in=orgs.values()),
    )

    return Cast(
        county=county,
        towns=towns,
        villages=casts,
        town_governments={code: org(town, f"{town.name}人民政府") for code, town in towns.items()},
        departments={key: org(county, name) for key, name in data.COUNTY_DEPARTMENTS.items()},
        county_volunteers=org(county, data.COUNTY_VOLUNTEERS),
        users=ensure_demo_accounts(areas),
    )


def ensure_demo_accounts(areas):
    """The five demo accounts; an account that already exists is left as it is."""
    users = {}
    for username, group, area_code, superuser, display in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "area": areas.get(area_code),
                "is_staff": superuser,
                "is_superuser": superuser,
                "first_name": display,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            if group:
                user.groups.add(Group.objects.get(name=group))
        users[username] = user
    return users
