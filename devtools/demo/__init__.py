"""The demo data set behind ``manage.py seed_demo``: 嘉鱼县 and a year and a half of matters.

What a run does, and why running it again changes nothing:

1. Territory, organizations, people, memberships, brands and the demo accounts
   (``cast.build_cast``): each row is looked up by its natural key and inserted
   only when missing.
2. The normal-scale matters (``chains.ChainBuilder``): about 160 meetings and the proposals,
   projects, stewardship, evaluations and outcomes that followed, driven through the
   lifecycle services. They are built only when none of the county's eight towns has a
   meeting yet. A second run therefore adds nothing, and never overwrites or deletes what
   people have done with the demo since; to start afresh, use a fresh database.
3. ``--scale N`` (N > 1) adds N − 1 bulk rounds (``bulk``), each with its own generated
   villages in load-test towns. A round is recognised by its villages' codes, so the command
   adds only the rounds that are missing: ``--scale 2`` twice inserts round 1 once, and
   ``--scale 3`` afterwards adds round 2. A smaller scale never deletes rounds.

All draws come from ``random.Random`` generators with fixed seeds, and all dates are offsets
from the day of the run, so some referrals and projects are overdue and some meetings are
still to come, whenever the demo is loaded.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consultations.models import Meeting, MeetingFormat

from . import bulk
from .cast import build_cast, rng_for
from .cast_data import TOWNS
from .chains import ChainBuilder

# Chains that every demo shows in full, whatever the random draws: meeting → adopted proposal
# → completed project → stewardship → evaluation → published outcome. The first is the one
# the source article names: 高铁岭镇陆水村孙家.
# (village code, hamlet, format, days ago, matter, fate)
SHOWCASE = [
    ("421221101201", "孙家", MeetingFormat.COURTYARD, 430, "road", "published"),
    ("421221101201", "孙家", MeetingFormat.EVENING_TALK, 330, "vegetables", "published"),
    ("421221101202", "白湖", MeetingFormat.AFFAIRS_HALL, 260, "lights", "published"),
]


@dataclass
class SeedResult:
    built_matters: bool
    rounds_added: int
    rows_added: int
    bulk_seconds: float


def normal_matters_exist():
    towns = Q()
    for code, *_ in TOWNS:
        towns |= Q(area__code__startswith=code)
    return Meeting.objects.filter(towns).exists()


def seed(*, scale=1, today=None, progress=None):
    """Build the demo (see the module docstring); return what this run added."""
    today = today or timezone.localdate()
    with transaction.atomic():
        cast = build_cast()
        built = not normal_matters_exist()
        if built:
            ChainBuilder(cast, today=today, rng=rng_for("matters")).build(SHOWCASE)
    rounds, rows, seconds = bulk.extend_to(scale, cast, today=today, progress=progress)
    return SeedResult(built, rounds, rows, seconds)
