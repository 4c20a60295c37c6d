"""Random but plausible numbers for the demo: attendance, votes, ballots, money.

Every function takes the ``random.Random`` to draw from, so the seeder stays deterministic.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from consultations.models import ATTENDANCE_FIELDS, FundingSource, MeetingFormat

from . import texts

F = MeetingFormat
CAT = {category.value: name for category, name in ATTENDANCE_FIELDS.items()}

FORMAT_WEIGHTS = {
    F.COURTYARD: 34,
    F.EVENING_TALK: 24,
    F.AFFAIRS_HALL: 24,
    F.JOINT_TALK: 14,
    F.OTHER: 4,
}

# How often each kind of matter comes up: roads, water and the living environment most.
MATTER_WEIGHTS = {
    "road": 10,
    "lights": 6,
    "pond": 6,
    "canal": 5,
    "water_pressure": 3,
    "environment": 8,
    "sewage": 4,
    "vegetables": 4,
    "livestream": 3,
    "canteen": 4,
    "alarm": 2,
    "square": 5,
    "summer_class": 3,
    "history_hall": 2,
    "fitness": 3,
    "clinic": 3,
    "railing": 4,
    "cameras": 3,
    "compact": 3,
    "accounts": 3,
    "boundary": 3,
}
MATTERS_BY_KEY = {t.key: t for t in texts.MATTERS}

# (total low, total high, {category: (low, high)}); villagers fill the rest.
ATTENDANCE = {
    F.COURTYARD: (15, 45, {"party_member": (2, 5), "village_worthy": (1, 3)}),
    F.EVENING_TALK: (12, 35, {"party_member": (2, 4), "village_worthy": (0, 2)}),
    F.AFFAIRS_HALL: (8, 25, {"party_member": (2, 4), "non_partisan": (0, 1)}),
    F.JOINT_TALK: (
        12,
        30,
        {"party_member": (4, 8), "new_social_class": (2, 5), "non_party_intellectual": (2, 5)},
    ),
    F.OTHER: (20, 50, {"party_member": (3, 8), "village_worthy": (0, 3)}),
}
OCCASIONAL = {"non_party_intellectual": 2, "new_social_class": 2, "democratic_party": 1}

# Relative weight of each money source in a project's budget.
MONEY_WEIGHT = {
    "reward_subsidy": 4,
    "department_funds": 5,
    "town_village_subsidy": 2,
    "village_collective": 2,
    "villagers_raised": 2,
    "donations": 1.5,
    "materials": 1,
}


def at(day, hour=9, minute=0):
    """An aware datetime on ``day`` in the project's time zone."""
    naive = dt.datetime.combine(day, dt.time(hour, minute))
    return timezone.make_aware(naive, timezone.get_current_timezone())


# What a meeting decides about a proposal once it has been deliberated (shares of 1).
DECISIONS = (("parked", 0.06), ("adopted", 0.56), ("rejected", 0.15), ("referred", 0.23))


def decide(rng):
    """parked (left for the next meeting), adopted, rejected or referred."""
    return rng.choices([d for d, _ in DECISIONS], [w for _, w in DECISIONS])[0]


HISTORY_DAYS = 540


def meeting_day(rng, today, *, upcoming):
    """A day in the next three weeks, or in the last year and a half with recent months
    more likely, since the method has spread over time."""
    if upcoming:
        return today + dt.timedelta(days=rng.randint(1, 21))
    return today - dt.timedelta(days=1 + int((HISTORY_DAYS - 1) * rng.random() ** 1.4))


def meeting_hour(rng, fmt):
    return 19 if fmt == F.EVENING_TALK else rng.choice((9, 10, 14, 15))


def pick_format(rng):
    return rng.choices(list(FORMAT_WEIGHTS), list(FORMAT_WEIGHTS.values()))[0]


def pick_matters(rng):
    """One to three different matters for a meeting."""
    how_many = rng.choices((1, 2, 3), (35, 40, 25))[0]
    keys = list(MATTER_WEIGHTS)
    chosen = []
    while len(chosen) < how_many:
        key = rng.choices(keys, list(MATTER_WEIGHTS.values()))[0]
        if key not in chosen:
            chosen.append(key)
    return [MATTERS_BY_KEY[k] for k in chosen]


def attendance(rng, fmt):
    """Attendance fields for a held meeting; the categories never add up to more than the total
    (a few attendees, such as town cadres, are counted in the total only)."""
    low, high, ranges = ATTENDANCE[fmt]
    total = rng.randint(low, high)
    counts = {CAT[c]: rng.randint(*bounds) for c, bounds in ranges.items()}
    for category, most in OCCASIONAL.items():
        if CAT[category] not in counts and rng.random() < 0.4:
            counts[CAT[category]] = rng.randint(0, most)
    counted = sum(counts.values())
    if counted > total:
        total = counted
    counts[CAT["villager"]] = max(0, total - counted - rng.randint(0, 3))
    return {"attendance_total": total, **counts}


def split_votes(rng, present_at_meeting, carried):
    """A show of hands among those present; carried means more for than against."""
    present = max(1, present_at_meeting - rng.randint(0, max(0, present_at_meeting // 6)))
    if carried:
        votes_for = max(1, round(present * rng.uniform(0.62, 0.97)))
        against = rng.randint(0, min(present - votes_for, max(0, votes_for - 1)))
    else:
        against = max(1, round(present * rng.uniform(0.45, 0.7)))
        votes_for = rng.randint(0, min(present - against, against - 1))
    abstain = rng.randint(0, present - votes_for - against)
    return {
        "votes_present": present,
        "votes_for": votes_for,
        "votes_against": against,
        "votes_abstain": abstain,
    }


def ballots(rng, voters):
    """(satisfied, basically satisfied, dissatisfied) from ``voters`` paper ballots."""
    voters = max(1, voters)
    satisfied = max(1, round(voters * rng.uniform(0.62, 0.92)))
    dissatisfied = min(voters - satisfied, round(voters * rng.uniform(0, 0.08)))
    return satisfied, voters - satisfied - dissatisfied, dissatisfied


def fill_values(rng, village, place, today):
    """The numbers a matter's texts mention, drawn once so every stage tells the same story."""
    month = (today + dt.timedelta(days=rng.randint(20, 120))).month
    return {
        "place": place,
        "village": village,
        "km": f"{rng.uniform(0.6, 3.5):.1f}",
        "households": rng.randint(18, 130),
        "mu": rng.randint(60, 480),
        "cubic": rng.randint(800, 6000),
        "meters": rng.randint(150, 1600),
        "lamps": rng.randint(12, 48),
        "toilets": rng.randint(4, 22),
        "sheds": rng.randint(10, 40),
        "elders": rng.randint(12, 45),
        "children": rng.randint(15, 48),
        "weeks": rng.randint(4, 6),
        "sqm": rng.randint(300, 1500),
        "items": rng.randint(80, 320),
        "cams": rng.randint(6, 16),
        "hours": rng.randint(4, 12),
        "n": rng.randint(3, 15),
        "year": today.year + (1 if today.month > 9 else 0),
        "month": month,
    }


def money(value):
    return Decimal(round(value, -2)).quantize(Decimal("0.01"))


def funding_amounts(rng, sources, budget, households, *, share_done, completed):
    """[(source, planned, received, note)] for a project.

    Money sources split the budget by weight; labour is counted in days. 以奖代补 is paid
    only after acceptance, so it is received in full once the project is completed and not
    before; what villagers give arrives as the work goes on.
    """
    money_sources = [s for s in sources if s != FundingSource.LABOUR]
    weights = [MONEY_WEIGHT[s] * rng.uniform(0.7, 1.3) for s in money_sources]
    scale = budget / sum(weights) if weights else 0
    lines = []
    for source, weight in zip(money_sources, weights, strict=True):
        planned = money(weight * scale)
        if source == FundingSource.REWARD_SUBSIDY:
            received = planned if completed else Decimal("0.00")
        elif completed:
            received = planned if rng.random() < 0.8 else money(float(planned) * 0.9)
        else:
            received = money(float(planned) * min(1.0, share_done + rng.uniform(0, 0.3)))
        lines.append((source, planned, received, _note(source, households, rng)))
    if FundingSource.LABOUR in sources:
        days = Decimal(max(20, round(budget / 1000 * rng.uniform(0.4, 1.2))))
        given = days if completed else Decimal(round(float(days) * share_done))
        lines.append((FundingSource.LABOUR, days, given, texts.FUNDING_NOTES["labour"]))
    return lines


def _note(source, households, rng):
    return texts.FUNDING_NOTES[source].format(households=households, donors=rng.randint(2, 9))
