"""Province scale for load tests: ``manage.py seed_scale``, written with PostgreSQL's COPY.

A made-up province (code prefix 99, which no real province uses, so it never meets 嘉鱼县's
421221 or any real code) of counties that each hold ``VILLAGES_PER_COUNTY`` villages in
``TOWNS_PER_COUNTY`` towns, ``MEETINGS_PER_VILLAGE`` meetings per village and, in proportion
to the meetings, the rest of the five stages:

==================  ======================  =============================================
per meeting         at 1,000,000 meetings   how
==================  ======================  =============================================
2 proposals         2,000,000               raised, deliberating, adopted, rejected, referred
0.3 projects        300,000                 on adopted proposals only, with 3 funding lines
1 evaluation        1,000,000               completed projects, replies, then meetings
0.3 outcomes        300,000                 one per project; published once completed
==================  ======================  =============================================

plus the attending village committee of each meeting, one status change per proposal, one
progress update per started project and a stewardship per completed project. The texts are
the demo's (``texts.MATTERS``), so pages look like the demo's pages.

Why it is fast: each county is planned in memory (its shape first: statuses, dates and
which proposals get projects; a county is about 60,000 rows, so memory stays bounded
whatever the province's size), then its rows are streamed table by table with
``cursor.copy()``, one transaction per county, two counties at a time on two cores
(``--jobs``). Primary keys are drawn from the tables' identity sequences before the rows
are written, so child rows can point at their parents without a round trip. Every CHECK and
foreign key stays in force; the foreign keys are
DEFERRABLE INITIALLY DEFERRED and checked at each county's commit. Only the commit does not
wait for the disk (``synchronous_commit`` off for these transactions): a crash loses at
most the last counties, never consistency, and a re-run adds them again.

A county exists exactly when its transaction committed, so a second run adds only the
counties that are missing (``--meetings`` larger than before grows the province). Rows get
no change history, as with ``seed_demo --scale``.
"""

import datetime as dt
import math
import multiprocessing
import random
import time
from dataclasses import dataclass

from django.db import connection, connections, transaction
from psycopg import sql

from consultations.models import (
    ATTENDANCE_FIELDS,
    Evaluation,
    EvaluatorKind,
    FundingLine,
    FundingSource,
    Meeting,
    Outcome,
    Project,
    ProjectStatus,
    ProjectUpdate,
    Proposal,
    ProposalStatus,
    ProposalStatusChange,
    Stewardship,
)
from organizations.models import Area, AreaLevel, Organization, OrganizationKind, Person

from . import texts
from .cast_data import COUNTY_DEPARTMENTS, GIVEN_FIRST, GIVEN_SECOND, SURNAMES
from .numbers import ATTENDANCE, FORMAT_WEIGHTS, MATTER_WEIGHTS, OCCASIONAL, fill_values

S = ProposalStatus
PROVINCE = "99"
VILLAGES_PER_COUNTY = 250
TOWNS_PER_COUNTY = 12
MEETINGS_PER_VILLAGE = 40
PROPOSALS_PER_MEETING = 2
PROJECTS_PER_MEETING = 0.3
EVALUATIONS_PER_MEETING = 1.0
FUNDING_LINES_PER_PROJECT = 3
HISTORY_DAYS = 5 * 365
UPCOMING_SHARE = 0.02
COUNTIES_PER_PREFECTURE = 50
MAX_COUNTIES = 99 * COUNTIES_PER_PREFECTURE
# Asia/Shanghai has had no daylight saving since 1991: a fixed offset is exact and cheaper
# per row than a zoneinfo lookup.
CST = dt.timezone(dt.timedelta(hours=8))
# Proposal statuses of held meetings, in per cent.
STATUS_WEIGHTS = {
    S.RAISED: 5,
    S.DELIBERATING: 6,
    S.ADOPTED: 46,
    S.REJECTED: 15,
    S.REFERRED: 28,
}
COUNTY_FIRST = "东西南北新永长太宁广安兴华丰清平昌宜"
COUNTY_SECOND = "阳山江川河源州城乐林溪陵泉水宁"
TOWN_NAMES = (
    "城关",
    "河口",
    "新店",
    "马桥",
    "石门",
    "白沙",
    "青山",
    "柳林",
    "黄土",
    "双港",
    "桃源",
    "龙潭",
)
VILLAGE_ENDINGS = "湾岭畈桥港湖洲垸咀堤岗冲店铺坪山庙塘墩"
FUNDING_SOURCES = [
    FundingSource.REWARD_SUBSIDY,
    FundingSource.VILLAGERS_RAISED,
    FundingSource.LABOUR,
    FundingSource.VILLAGE_COLLECTIVE,
    FundingSource.DONATIONS,
    FundingSource.DEPARTMENT_FUNDS,
    FundingSource.TOWN_VILLAGE_SUBSIDY,
]
# The tables a county writes.
MODELS = [
    Area,
    Organization,
    Person,
    Meeting,
    Meeting.attending_organizations.through,
    Proposal,
    ProposalStatusChange,
    Project,
    FundingLine,
    ProjectUpdate,
    Stewardship,
    Evaluation,
    Outcome,
]


class ScaleError(Exception):
    """The database cannot take the COPY path."""


@dataclass(frozen=True)
class Spec:
    """How big a province: counties of villages of meetings."""

    meetings: int
    villages_per_county: int = VILLAGES_PER_COUNTY
    meetings_per_village: int = MEETINGS_PER_VILLAGE

    @property
    def villages(self):
        return math.ceil(self.meetings / self.meetings_per_village)

    @property
    def counties(self):
        return math.ceil(self.villages / self.villages_per_county)

    def villages_in(self, index):
        """How many villages county ``index`` (0, 1, …) has: full ones, the last the rest."""
        return min(self.villages_per_county, self.villages - index * self.villages_per_county)

    def meetings_in(self, index):
        first_village = index * self.villages_per_county
        first = first_village * self.meetings_per_village
        return min(self.meetings, first + self.villages_in(index) * self.meetings_per_village) - (
            first
        )


def county_code(index):
    """99PPCC: prefecture PP (01–99), county CC (01–50) within it."""
    prefecture, county = divmod(index, COUNTIES_PER_PREFECTURE)
    return f"{PROVINCE}{prefecture + 1:02d}{county + 1:02d}"


@dataclass
class Result:
    counties_added: int
    rows: int
    seconds: float
    vacuum_seconds: float
    counts: dict


def check_database():
    """COPY and identity sequences are PostgreSQL's; refuse anything else clearly."""
    if connection.vendor != "postgresql":
        raise ScaleError(
            "seed_scale writes with PostgreSQL's COPY; the configured database is "
            f"{connection.vendor}. Set DATABASE_URL=postgres://… (seed_demo --scale works on "
            "any database, slowly)."
        )


def seed_province(spec, *, today, seed=1, jobs=1, vacuum=True, progress=None):
    """Add the counties of ``spec`` that are missing, ``jobs`` counties at a time; then
    VACUUM ANALYZE what was written."""
    check_database()
    if spec.counties > MAX_COUNTIES:
        raise ScaleError(f"At most {MAX_COUNTIES:,} counties fit in the province's codes.")
    codes = [county_code(i) for i in range(spec.counties)]
    present = set(
        Area.objects.filter(code__in=codes, level=AreaLevel.COUNTY).values_list("code", flat=True)
    )
    missing = [(spec, i, today, seed) for i, code in enumerate(codes) if code not in present]
    started = time.monotonic()
    rows = added = 0
    for code, county_rows in _run(missing, jobs):
        rows += county_rows
        added += 1
        if progress:
            elapsed = time.monotonic() - started
            progress(
                f"county {code} ({added}/{len(missing)}): "
                f"{rows:,} rows in {elapsed:.0f} s ({rows / elapsed:,.0f} rows/s)"
            )
    seconds = time.monotonic() - started
    vacuum_started = time.monotonic()
    if added and vacuum:
        analyze()
    vacuum_seconds = time.monotonic() - vacuum_started
    counts = {model._meta.label: estimated_count(model) for model in MODELS}
    return Result(added, rows, seconds, vacuum_seconds, counts)


def _run(tasks, jobs):
    """(county code, rows) for each task, in this process or in ``jobs`` forked ones.

    Python makes the rows and PostgreSQL takes them on another core, so one process keeps
    about one core busy; a second process, with its own connection and transactions, puts
    the second core to work.
    """
    if jobs <= 1 or len(tasks) <= 1:
        yield from map(write_county, tasks)
        return
    # A forked child must not share the parent's connection: it opens its own.
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        yield from pool.imap_unordered(write_county, tasks)


def write_county(task):
    """Write one county in its own transaction; return (code, rows written)."""
    spec, index, today, seed = task
    with transaction.atomic():
        rows = CountyWriter(spec, index, today=today, seed=seed).write()
    return county_code(index), rows


def analyze():
    """VACUUM (ANALYZE) the written tables: planner statistics for the new sizes, and a
    visibility map so that index-only scans need not visit the heap, as autovacuum would
    leave them on a live database."""
    with connection.cursor() as cursor:
        for model in MODELS:
            cursor.execute(
                sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(model._meta.db_table))
            )


def estimated_count(model):
    """The planner's row estimate (exact right after ANALYZE), without a COUNT(*)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        return max(0, cursor.fetchone()[0])


class Copier:
    """COPY rows into a model's table; fields the rows leave out get their model default."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.rows = 0

    def reserve(self, model, n):
        """``n`` primary keys drawn from the table's identity sequence, for rows that others
        point at before they are written. Consecutive unless another session inserts into
        the same table meanwhile, which does no harm: each key is drawn once."""
        if not n:
            return []
        self.cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, n],
        )
        return [row[0] for row in self.cursor.fetchall()]

    def copy(self, model, fields, rows):
        meta = model._meta
        given = set(fields)
        columns = [meta.get_field(name).column for name in fields]
        constants = []
        for field in meta.concrete_fields:
            if field.name in given or field.attname in given:
                continue
            if field.null and not field.has_default():
                continue
            # The model's default, or "" for a text field left blank, as Model() would.
            default = field.get_default()
            if default is None:
                raise ScaleError(f"{meta.label}.{field.name} needs a value in seed_scale.")
            columns.append(field.column)
            constants.append(field.get_db_prep_save(default, connection))
        extra = tuple(constants)
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        n = 0
        with self.cursor.copy(statement) as copy:
            write = copy.write_row
            if extra:
                for row in rows:
                    write(row + extra)
                    n += 1
            else:
                for row in rows:
                    write(row)
                    n += 1
        self.rows += n
        return n


def _weighted(weights, size=1000):
    """A list to draw from with ``list[int(random() * len)]``: rng.choices is slow per row."""
    total = sum(weights.values())
    table = []
    for key, weight in weights.items():
        table += [key] * round(size * weight / total)
    return table


FORMATS = _weighted(FORMAT_WEIGHTS)
MATTERS_BY_KEY = {m.key: m for m in texts.MATTERS}
MATTERS = _weighted({MATTERS_BY_KEY[k]: w for k, w in MATTER_WEIGHTS.items()})
STATUSES = _weighted(STATUS_WEIGHTS, 100)
DEPARTMENT_SUFFIX = {key: name.removeprefix("嘉鱼县") for key, name in COUNTY_DEPARTMENTS.items()}
DEPARTMENT_SUFFIX["power"] = "供电公司"
CATEGORY_COLUMN = {category.value: name for category, name in ATTENDANCE_FIELDS.items()}
ATTENDANCE_ORDER = list(ATTENDANCE_FIELDS.values())


def _date_time(day, hour, minute=0):
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST)


class VillageTexts:
    """A village's matters told once (the demo's templates with its place and numbers)."""

    def __init__(self, rng, name, today):
        self.name = name
        self.told = {}
        self.rng = rng
        self.today = today

    def say(self, matter, template):
        key = (matter.key, template)
        text = self.told.get(key)
        if text is None:
            values = self.told.get(matter.key)
            if values is None:
                values = self.told[matter.key] = fill_values(
                    self.rng, self.name, self.name, self.today
                )
            text = self.told[key] = template.format(**values)
        return text


class CountyWriter:
    """One county's territory, bodies, people and matters, in one transaction."""

    def __init__(self, spec, index, *, today, seed):
        self.spec = spec
        self.code = county_code(index)
        self.rng = random.Random(f"{seed}:{self.code}")  # noqa: S311 - test data  # nosec B311
        self.today = today
        self.n_villages = spec.villages_in(index)
        self.n_meetings = spec.meetings_in(index)
        self.now = dt.datetime.now(CST)

    def write(self):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            self.db = Copier(cursor)
            self._territory()
            self._plan_meetings()
            self._plan_proposals()
            self._plan_projects()
            self._plan_evaluations()
            self._write_meetings()
            self._write_proposals()
            self._write_projects()
            self._write_evaluations()
            # The deferred foreign keys are checked here rather than at COMMIT, so that a
            # broken row names its constraint inside this county's work.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Back to the declared INITIALLY DEFERRED, should this run inside an outer
            # transaction that writes another county next (tests do).
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        return self.db.rows

    # -- territory, bodies, people ---------------------------------------------------------

    def _territory(self):
        rng, db = self.rng, self.db
        n_towns = min(TOWNS_PER_COUNTY, self.n_villages)
        index = int(self.code[2:])
        county_name = (
            COUNTY_FIRST[index % len(COUNTY_FIRST)]
            + COUNTY_SECOND[(index // len(COUNTY_FIRST)) % len(COUNTY_SECOND)]
            + f"{self.code[2:]}县"
        )
        area_ids = db.reserve(Area, 1 + n_towns + self.n_villages)
        towns = [
            (area_ids[1 + t], f"{self.code}{100 + t:03d}", TOWN_NAMES[t % len(TOWN_NAMES)] + "镇")
            for t in range(n_towns)
        ]
        villages = []
        for v in range(self.n_villages):
            town_id, town_code, _ = towns[v % n_towns]
            name = (
                rng.choice(SURNAMES) + rng.choice(("家", "")) + rng.choice(VILLAGE_ENDINGS) + "村"
            )
            code = f"{town_code}{200 + v // n_towns:03d}"
            villages.append((area_ids[1 + n_towns + v], code, name, town_id))
        db.copy(
            Area,
            ["id", "code", "name", "level", "parent_id"],
            [
                (area_ids[0], self.code, county_name, AreaLevel.COUNTY.value, None),
                *((i, c, n, AreaLevel.TOWN.value, area_ids[0]) for i, c, n in towns),
                *((i, c, n, AreaLevel.VILLAGE.value, t) for i, c, n, t in villages),
            ],
        )
        self.county_name = county_name
        self.village_rows = villages

        # Bodies: each town's government, the county departments that take referrals, and
        # each village's party branch, committee and villager council.
        departments = list(DEPARTMENT_SUFFIX)
        org_ids = db.reserve(Organization, n_towns + len(departments) + 3 * self.n_villages)
        self.town_government = {town_id: org_ids[t] for t, (town_id, _c, _n) in enumerate(towns)}
        self.department = {key: org_ids[n_towns + d] for d, key in enumerate(departments)}
        self.village_orgs = village_orgs = org_ids[n_towns + len(departments) :]
        K = OrganizationKind
        orgs = [
            (org_ids[t], K.OTHER.value, f"{n}人民政府", i) for t, (i, _c, n) in enumerate(towns)
        ]
        orgs += [
            (self.department[key], K.OTHER.value, county_name + DEPARTMENT_SUFFIX[key], area_ids[0])
            for key in departments
        ]
        for v, (area_id, _code, name, _town) in enumerate(villages):
            branch, committee, council = village_orgs[3 * v : 3 * v + 3]
            orgs += [
                (branch, K.PARTY_BRANCH.value, f"{name}党支部", area_id),
                (committee, K.VILLAGE_COMMITTEE.value, f"{name}村民委员会", area_id),
                (council, K.VILLAGER_COUNCIL.value, f"{name}村民理事会", area_id),
            ]
        db.copy(Organization, ["id", "kind", "name", "area_id"], orgs)

        # People: a party member who moderates, a village worthy and a villager per village.
        person_ids = db.reserve(Person, 3 * self.n_villages)
        people = []
        self.names = []
        for v, (area_id, *_rest) in enumerate(villages):
            trio = []
            for k, category in enumerate(("party_member", "village_worthy", "villager")):
                name = (
                    rng.choice(SURNAMES[:40]) + rng.choice(GIVEN_FIRST) + rng.choice(GIVEN_SECOND)
                )
                people.append((person_ids[3 * v + k], name, category, "", area_id))
                trio.append(name)
            self.names.append(trio)
        db.copy(Person, ["id", "name", "category", "phone", "area_id"], people)
        self.person_ids = person_ids
        self.texts = [VillageTexts(rng, name, self.today) for _i, _c, name, _t in villages]

    # -- the shape: what happens, decided before anything is written ------------------------

    def _plan_meetings(self):
        """Per meeting: village, format, start, attendance, two matters, upcoming or not."""
        rng = self.rng
        rnd = rng.random
        today = self.today
        per_village = self.spec.meetings_per_village
        midnight = dt.datetime(today.year, today.month, today.day, tzinfo=CST)
        self.meetings = meetings = []
        for m in range(self.n_meetings):
            village = m // per_village
            fmt = FORMATS[int(rnd() * len(FORMATS))]
            upcoming = rnd() < UPCOMING_SHARE
            if upcoming:
                days_back = -1 - int(rnd() * 30)
            else:
                # More meetings in recent years, as the method spread.
                days_back = 1 + int((HISTORY_DAYS - 1) * rnd() ** 1.3)
            hour = 19 if fmt == "evening_talk" else (9, 10, 14, 15)[int(rnd() * 4)]
            starts_at = midnight + dt.timedelta(
                days=-days_back, hours=hour, minutes=15 * int(rnd() * 4)
            )
            matters = (MATTERS[int(rnd() * len(MATTERS))], MATTERS[int(rnd() * len(MATTERS))])
            meetings.append(
                [village, fmt, starts_at, upcoming, self._attendance(rng, fmt, upcoming), matters]
            )

    @staticmethod
    def _attendance(rng, fmt, upcoming):
        counts = [0] * len(ATTENDANCE_ORDER)
        if upcoming:
            return 0, counts
        randint = rng.randint
        low, high, ranges = ATTENDANCE[fmt]
        total = randint(low, high)
        for category, (a, b) in ranges.items():
            counts[ATTENDANCE_ORDER.index(CATEGORY_COLUMN[category])] = randint(a, b)
        for category, most in OCCASIONAL.items():
            slot = ATTENDANCE_ORDER.index(CATEGORY_COLUMN[category])
            if not counts[slot] and rng.random() < 0.4:
                counts[slot] = randint(0, most)
        counted = sum(counts)
        total = max(total, counted)
        counts[-1] = max(0, total - counted - randint(0, 3))  # villagers fill the rest
        return total, counts

    def _plan_proposals(self):
        """Per proposal (two per meeting): status and decision date."""
        rnd = self.rng.random
        today = self.today
        self.proposals = proposals = []
        for meeting in self.meetings:
            starts_at, upcoming = meeting[2], meeting[3]
            day = starts_at.date()
            for _ in range(PROPOSALS_PER_MEETING):
                if upcoming:
                    # Matters collected before the meeting (议题征集), not yet discussed.
                    proposals.append([S.RAISED, None])
                    continue
                status = STATUSES[int(rnd() * len(STATUSES))]
                decided_on = None
                if status in (S.ADOPTED, S.REJECTED, S.REFERRED):
                    later = 0 if rnd() < 0.65 else 3 + int(rnd() * 18)
                    decided_on = min(day + dt.timedelta(days=later), today)
                proposals.append([status, decided_on])

    def _plan_projects(self):
        """Projects for a share of adopted proposals whose matter builds something."""
        rng = self.rng
        rnd = rng.random
        today = self.today
        candidates = [
            p
            for p, (status, decided_on) in enumerate(self.proposals)
            if status == S.ADOPTED
            and self.meetings[p // PROPOSALS_PER_MEETING][5][p % PROPOSALS_PER_MEETING].project
        ]
        wanted = min(len(candidates), round(self.n_meetings * PROJECTS_PER_MEETING))
        chosen = sorted(rng.sample(candidates, wanted))
        self.projects = projects = []
        for p in chosen:
            decided_on = self.proposals[p][1]
            matter = self.meetings[p // PROPOSALS_PER_MEETING][5][p % PROPOSALS_PER_MEETING]
            budget = round(rng.uniform(*matter.budget), -3)
            created_on = min(decided_on + dt.timedelta(days=1 + int(rnd() * 5)), today)
            planned_start = decided_on + dt.timedelta(days=7 + int(rnd() * 24))
            length = 25 + int(rnd() * 36) + budget // 5000
            planned_end = planned_start + dt.timedelta(days=length)
            actual_start = actual_end = None
            progress = 0
            status = ProjectStatus.PLANNED
            if planned_start <= today:
                actual_start = planned_start
                natural_end = actual_start + dt.timedelta(days=round(length * (0.8 + 0.6 * rnd())))
                if rnd() < 0.05:
                    status = ProjectStatus.SUSPENDED
                    progress = 20 + int(rnd() * 50)
                elif natural_end < today:
                    status, progress, actual_end = ProjectStatus.COMPLETED, 100, natural_end
                else:
                    status = ProjectStatus.IN_PROGRESS
                    done = (today - actual_start).days / max(1, (natural_end - actual_start).days)
                    progress = max(1, min(99, round(100 * done)))
            projects.append(
                [
                    p,
                    matter,
                    budget,
                    created_on,
                    planned_start,
                    planned_end,
                    actual_start,
                    actual_end,
                    progress,
                    status,
                ]
            )
            self.proposals[p].append(len(projects) - 1)

    def _plan_evaluations(self):
        """Completed projects first (villagers and the town), then replies, then meetings,
        until the county has EVALUATIONS_PER_MEETING per meeting."""
        rng = self.rng
        rnd = rng.random
        today = self.today
        wanted = round(self.n_meetings * EVALUATIONS_PER_MEETING)
        # (kind of subject, local index, evaluator, date)
        evaluations = []
        for q, project in enumerate(self.projects):
            actual_end = project[7]
            if actual_end is None:
                continue
            for evaluator, after in (
                (EvaluatorKind.VILLAGERS_ASSEMBLY, 7),
                (EvaluatorKind.TOWN_STAFF, 20),
            ):
                on = actual_end + dt.timedelta(days=after + int(rnd() * 10))
                if on <= today:
                    evaluations.append(("project", q, evaluator, on))
        # Replies: referred proposals are evaluated by the proposers once answered.
        self.replies = {}
        for p, (status, decided_on, *_rest) in enumerate(self.proposals):
            if status != S.REFERRED:
                continue
            replied_on = decided_on + dt.timedelta(days=5 + int(rnd() * 36))
            if replied_on < today and rnd() < 0.75:
                self.replies[p] = replied_on
                if rnd() < 0.3 and len(evaluations) < wanted:
                    on = min(replied_on + dt.timedelta(days=2 + int(rnd() * 8)), today)
                    evaluations.append(("proposal", p, EvaluatorKind.VILLAGER_REPRESENTATIVES, on))
        held = [m for m, meeting in enumerate(self.meetings) if not meeting[3]]
        room = max(0, min(len(held), wanted - len(evaluations)))
        for m in sorted(rng.sample(held, room)):
            on = min(self.meetings[m][2].date() + dt.timedelta(days=int(rnd() * 3)), today)
            evaluations.append(("meeting", m, EvaluatorKind.VILLAGER_REPRESENTATIVES, on))
        self.evaluations = evaluations[:wanted]

    # -- the rows -----------------------------------------------------------------------------

    def _write_meetings(self):
        db = self.db
        self.meeting_ids = ids = db.reserve(Meeting, len(self.meetings))
        orgs = self.village_orgs
        names = self.names
        village_rows = self.village_rows
        rnd = self.rng.random

        def rows():
            for m, (v, fmt, starts_at, upcoming, (total, counts), matters) in enumerate(
                self.meetings
            ):
                area_id, _code, village, _town = village_rows[v]
                topic = matters[0].topic
                title = texts.MEETING_TITLES[fmt].format(
                    place=village, village=village, topic=topic, month=starts_at.month
                )
                place = texts.MEETING_PLACES[fmt][0].format(
                    place=village, village=village, surname=names[v][2][0]
                )
                agenda = (
                    f"{texts.AGENDA_OPENING}\n二、议{matters[0].topic}\n三、议{matters[1].topic}\n"
                    f"四、{texts.AGENDA_CLOSING}"
                )
                if upcoming:
                    minutes = ""
                    created_at = starts_at - dt.timedelta(days=7)
                else:
                    items = [texts.MINUTES_OPENING.format(moderator=names[v][0], total=total)]
                    for k in range(PROPOSALS_PER_MEETING):
                        items.append(
                            self._minutes_item(m * PROPOSALS_PER_MEETING + k, matters[k], v)
                        )
                    items.append(texts.MINUTES_CLOSING)
                    minutes = "\n".join(items)
                    created_at = starts_at + dt.timedelta(hours=2)
                yield (
                    ids[m],
                    created_at,
                    created_at,
                    fmt,
                    title,
                    area_id,
                    place,
                    starts_at,
                    orgs[3 * v + 1],  # the village committee hosts
                    self.person_ids[3 * v],  # the party member moderates
                    total,
                    *counts,
                    agenda,
                    minutes,
                    rnd() < 0.5,
                    self.code,
                )

        db.copy(
            Meeting,
            [
                "id",
                "created_at",
                "updated_at",
                "format",
                "title",
                "area_id",
                "place",
                "starts_at",
                "host_organization_id",
                "moderator_id",
                "attendance_total",
                *ATTENDANCE_ORDER,
                "agenda",
                "minutes",
                "summary_is_public",
                "county_code",
            ],
            rows(),
        )
        through = Meeting.attending_organizations.through
        through_ids = db.reserve(through, len(self.meetings))
        db.copy(
            through,
            ["id", "meeting_id", "organization_id"],
            (
                (through_ids[m], ids[m], orgs[3 * meeting[0] + 1])
                for m, meeting in enumerate(self.meetings)
            ),
        )

    def _minutes_item(self, p, matter, v):
        status = self.proposals[p][0]
        title = self.texts[v].say(matter, matter.proposal)
        if status == S.ADOPTED:
            return texts.MINUTES_ITEM["adopted"].format(title=title)
        if status == S.REJECTED:
            reason = self.texts[v].say(matter, matter.rejections[0])
            return texts.MINUTES_ITEM["rejected"].format(title=title, reason=reason)
        if status == S.REFERRED:
            return texts.MINUTES_ITEM["referred"].format(
                title=title, unit=self._unit_name(matter, v)
            )
        return texts.MINUTES_ITEM["pending"].format(title=title)

    def _unit(self, matter, v):
        if matter.referral in self.department:
            return self.department[matter.referral]
        return self.town_government[self.village_rows[v][3]]

    def _unit_name(self, matter, v):
        if matter.referral in DEPARTMENT_SUFFIX:
            return self.county_name + DEPARTMENT_SUFFIX[matter.referral]
        return "镇人民政府"

    def _write_proposals(self):
        db = self.db
        rng = self.rng
        rnd = rng.random
        self.proposal_ids = ids = db.reserve(Proposal, len(self.proposals))
        self.project_ids = project_ids = db.reserve(Project, len(self.projects))
        meeting_ids = self.meeting_ids
        person_ids = self.person_ids
        now = self.now

        def rows():
            for p, (status, decided_on, *project) in enumerate(self.proposals):
                m = p // PROPOSALS_PER_MEETING
                v, _fmt, starts_at, _up, (total, _c), matters = self.meetings[m]
                matter = matters[p % PROPOSALS_PER_MEETING]
                say = self.texts[v].say
                created_at = starts_at + dt.timedelta(minutes=10 + int(rnd() * 30))
                if starts_at > now:
                    # Entered over the past week, not all at the moment of seeding: a burst
                    # per county at its own "now" would put each county's newest rows in a
                    # block of the index, which no real county's recording makes.
                    entered = now - dt.timedelta(minutes=(p * 7919) % (7 * 24 * 60))
                    created_at = min(starts_at - dt.timedelta(days=3), entered)
                present = votes_for = against = abstain = None
                reason = reply = feedback = ""
                referred_to = due_on = replied_at = feedback_at = None
                if status == S.ADOPTED or status == S.REJECTED:
                    if total and rnd() < 0.65:
                        present = max(1, total - int(rnd() * (total // 6 + 1)))
                        share = 0.62 + 0.35 * rnd() if status == S.ADOPTED else 0.1 + 0.3 * rnd()
                        votes_for = min(present, round(present * share))
                        against = int((present - votes_for) * rnd())
                        abstain = present - votes_for - against
                    if status == S.REJECTED:
                        reason = say(matter, matter.rejections[int(rnd() * len(matter.rejections))])
                elif status == S.REFERRED:
                    referred_to = self._unit(matter, v)
                    due_on = decided_on + dt.timedelta(days=(15, 20, 30)[int(rnd() * 3)])
                    replied_on = self.replies.get(p)
                    if replied_on is not None:
                        reply = say(matter, matter.reply)
                        replied_at = _date_time(replied_on, 16, int(rnd() * 60))
                        if rnd() < 0.6:
                            feedback = texts.REPLY_FEEDBACK[int(rnd() * len(texts.REPLY_FEEDBACK))]
                            feedback_at = replied_at + dt.timedelta(days=1 + int(rnd() * 9))
                yield (
                    ids[p],
                    created_at,
                    created_at,
                    meeting_ids[m],
                    person_ids[3 * v + int(rnd() * 3)],
                    matter.category,
                    say(matter, matter.proposal),
                    say(matter, matter.description),
                    status,
                    decided_on,
                    present,
                    votes_for,
                    against,
                    abstain,
                    reason,
                    referred_to,
                    due_on,
                    reply,
                    replied_at,
                    feedback,
                    feedback_at,
                    project_ids[project[0]] if project else None,
                    self.code,
                )

        db.copy(
            Proposal,
            [
                "id",
                "created_at",
                "updated_at",
                "meeting_id",
                "raised_by_id",
                "category",
                "title",
                "description",
                "status",
                "decided_on",
                "votes_present",
                "votes_for",
                "votes_against",
                "votes_abstain",
                "rejection_reason",
                "referred_to_id",
                "referral_due_on",
                "reply",
                "replied_at",
                "feedback",
                "feedback_at",
                "project_id",
                "county_code",
            ],
            rows(),
        )
        # One status change per proposal: how it reached where it stands.
        change_ids = db.reserve(ProposalStatusChange, len(self.proposals))

        def changes():
            for p, (status, decided_on, *_rest) in enumerate(self.proposals):
                starts_at = self.meetings[p // PROPOSALS_PER_MEETING][2]
                if status == S.RAISED:
                    before, when = "", min(starts_at + dt.timedelta(minutes=10), self.now)
                else:
                    before = S.RAISED if status == S.DELIBERATING else S.DELIBERATING
                    when = _date_time(decided_on, 20) if decided_on else starts_at
                yield (change_ids[p], before, status, when, ids[p])

        db.copy(
            ProposalStatusChange,
            ["id", "from_status", "to_status", "changed_at", "proposal_id"],
            changes(),
        )

    def _write_projects(self):
        db = self.db
        rng = self.rng
        rnd = rng.random
        today = self.today
        ids = self.project_ids
        orgs = self.village_orgs

        def village_of(p):
            return self.meetings[p // PROPOSALS_PER_MEETING][0]

        def rows():
            for q, (p, matter, budget, created_on, ps, pe, as_, ae, progress, status) in enumerate(
                self.projects
            ):
                v = village_of(p)
                say = self.texts[v].say
                created_at = _date_time(created_on, 10, int(rnd() * 60))
                yield (
                    ids[q],
                    created_at,
                    created_at,
                    say(matter, matter.project),
                    self.village_rows[v][0],
                    say(matter, matter.project_description),
                    orgs[3 * v + (2 if rnd() < 0.3 else 1)],
                    budget,
                    ps,
                    pe,
                    as_,
                    ae,
                    progress,
                    status,
                    status != ProjectStatus.SUSPENDED,
                )

        db.copy(
            Project,
            [
                "id",
                "created_at",
                "updated_at",
                "title",
                "area_id",
                "description",
                "lead_organization_id",
                "budget",
                "planned_start",
                "planned_end",
                "actual_start",
                "actual_end",
                "progress",
                "status",
                "is_public",
            ],
            rows(),
        )

        n_lines = len(self.projects) * FUNDING_LINES_PER_PROJECT
        line_ids = db.reserve(FundingLine, n_lines)

        def lines():
            n = 0
            for q, (_p, _m, budget, *_dates, progress, status) in enumerate(self.projects):
                first = int(rnd() * len(FUNDING_SOURCES))
                done = progress / 100
                for k in range(FUNDING_LINES_PER_PROJECT):
                    source = FUNDING_SOURCES[(first + k) % len(FUNDING_SOURCES)]
                    if source == FundingSource.LABOUR:
                        planned = max(20, round(budget / 1000 * (0.4 + 0.8 * rnd())))
                    else:
                        planned = round(budget * (0.2 + 0.3 * rnd()), -2)
                    received = (
                        planned if status == ProjectStatus.COMPLETED else round(planned * done)
                    )
                    note = texts.FUNDING_NOTES[source].format(households=40, donors=5)
                    yield (line_ids[n], ids[q], source, planned, received, note)
                    n += 1

        db.copy(FundingLine, ["id", "project_id", "source", "planned", "received", "note"], lines())

        started = [q for q, project in enumerate(self.projects) if project[6] is not None]
        update_ids = db.reserve(ProjectUpdate, len(started))
        db.copy(
            ProjectUpdate,
            ["id", "project_id", "reported_on", "progress", "description", "photo", "recorded_at"],
            (
                (
                    update_ids[k],
                    ids[q],
                    min(self.projects[q][6] + dt.timedelta(days=10), today),
                    min(self.projects[q][8], 30),
                    (self.projects[q][1].updates or (texts.MINUTES_CLOSING,))[0],
                    "",
                    _date_time(min(self.projects[q][6] + dt.timedelta(days=10), today), 18),
                )
                for k, q in enumerate(started)
            ),
        )

        completed = [q for q, project in enumerate(self.projects) if project[7] is not None]
        steward_ids = db.reserve(Stewardship, len(completed))
        db.copy(
            Stewardship,
            [
                "id",
                "created_at",
                "updated_at",
                "project_id",
                "organization_id",
                "duties",
                "rules_kind",
                "rules",
                "started_on",
            ],
            (
                (
                    steward_ids[k],
                    _date_time(self.projects[q][7], 11),
                    _date_time(self.projects[q][7], 11),
                    ids[q],
                    orgs[3 * village_of(self.projects[q][0]) + 2],  # the villager council
                    self.projects[q][1].duties or texts.STEWARD_PERSON_DUTY,
                    self.projects[q][1].rules_kind,
                    self.projects[q][1].rules,
                    self.projects[q][7],
                )
                for k, q in enumerate(completed)
            ),
        )

        outcome_ids = db.reserve(Outcome, len(self.projects))

        def outcomes():
            for q, (p, matter, *_rest) in enumerate(self.projects):
                actual_end = self.projects[q][7]
                say = self.texts[village_of(p)].say
                disclosed_on = None
                if actual_end is not None:
                    on = actual_end + dt.timedelta(days=3 + int(rnd() * 12))
                    disclosed_on = on if on <= today else None
                households = 18 + int(rnd() * 110)
                created = _date_time(actual_end or self.projects[q][3], 15)
                yield (
                    outcome_ids[q],
                    created,
                    created,
                    ids[q],
                    say(matter, matter.outcome) if matter.outcome else say(matter, matter.project),
                    say(matter, matter.summary) if matter.summary else "",
                    households,
                    households * 3 + int(rnd() * households),
                    disclosed_on,
                    disclosed_on is not None,
                )

        db.copy(
            Outcome,
            [
                "id",
                "created_at",
                "updated_at",
                "project_id",
                "title",
                "summary",
                "beneficiary_households",
                "beneficiary_people",
                "disclosed_on",
                "is_published",
            ],
            outcomes(),
        )

    def _write_evaluations(self):
        db = self.db
        rnd = self.rng.random
        ids = db.reserve(Evaluation, len(self.evaluations))
        subjects = {
            "project": self.project_ids,
            "meeting": self.meeting_ids,
            "proposal": self.proposal_ids,
        }

        def rows():
            for e, (kind, local, evaluator, on) in enumerate(self.evaluations):
                voters = 8 + int(rnd() * 50)
                satisfied = max(1, round(voters * (0.62 + 0.3 * rnd())))
                dissatisfied = min(voters - satisfied, round(voters * 0.08 * rnd()))
                subject = subjects[kind][local]
                created = _date_time(on, 17)
                yield (
                    ids[e],
                    created,
                    created,
                    subject if kind == "project" else None,
                    subject if kind == "meeting" else None,
                    subject if kind == "proposal" else None,
                    evaluator,
                    on,
                    satisfied,
                    voters - satisfied - dissatisfied,
                    dissatisfied,
                    texts.MEETING_EVALUATION_COMMENTS[e % len(texts.MEETING_EVALUATION_COMMENTS)],
                )

        db.copy(
            Evaluation,
            [
                "id",
                "created_at",
                "updated_at",
                "project_id",
                "meeting_id",
                "proposal_id",
                "evaluator",
                "evaluated_on",
                "satisfied",
                "basically_satisfied",
                "dissatisfied",
                "comments",
            ],
            rows(),
        )
