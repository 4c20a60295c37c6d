"""``manage.py seed_scale [--meetings N]``: a province of generated matters on PostgreSQL.

See ``devtools.demo.scale``. ``--meetings 1000000`` is the province of issue 6 (25,000
villages in 100 counties); the default is the fraction ``make bench`` uses.
"""

import os
import resource
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from devtools.demo import scale

DEFAULT_MEETINGS = 50_000


class Command(BaseCommand):
    help = (
        "Fill PostgreSQL with a generated province (COPY): meetings, proposals, projects, "
        "evaluations and outcomes in counties under code prefix 99. Adds only missing counties."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--meetings",
            type=int,
            default=DEFAULT_MEETINGS,
            help=f"Meetings in the province (default {DEFAULT_MEETINGS:,}; the issue's province "
            "is 1000000). Proposals, projects, evaluations and outcomes follow in proportion.",
        )
        parser.add_argument("--villages-per-county", type=int, default=scale.VILLAGES_PER_COUNTY)
        parser.add_argument("--meetings-per-village", type=int, default=scale.MEETINGS_PER_VILLAGE)
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--jobs",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="Counties written at the same time, each by its own process (default: 2, "
            "or 1 on a single core).",
        )
        parser.add_argument(
            "--no-vacuum",
            action="store_true",
            help="Skip the final VACUUM (ANALYZE) of the written tables.",
        )

    def handle(self, *args, meetings, villages_per_county, meetings_per_village, **options):
        if meetings < 1 or villages_per_county < 1 or meetings_per_village < 1:
            raise CommandError(
                "--meetings, --villages-per-county and --meetings-per-village are ≥ 1."
            )
        spec = scale.Spec(
            meetings=meetings,
            villages_per_county=villages_per_county,
            meetings_per_village=meetings_per_village,
        )
        self.stdout.write(
            f"Province of {spec.meetings:,} meetings in {spec.villages:,} villages, "
            f"{spec.counties:,} counties."
        )
        started = time.monotonic()
        try:
            result = scale.seed_province(
                spec,
                today=timezone.localdate(),
                seed=options["seed"],
                jobs=options["jobs"],
                vacuum=not options["no_vacuum"],
                progress=self._progress if options["verbosity"] > 1 else None,
            )
        except scale.ScaleError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        if not result.counties_added:
            self.stdout.write("Every county was already present; nothing added.")
        else:
            rate = result.rows / result.seconds if result.seconds else 0
            self.stdout.write(
                f"Counties added: {result.counties_added:,} — {result.rows:,} rows in "
                f"{result.seconds:.1f} s ({rate:,.0f} rows/s); VACUUM ANALYZE "
                f"{result.vacuum_seconds:.1f} s."
            )
        self.stdout.write("Rows now in the database (planner estimates):")
        for label, count in result.counts.items():
            self.stdout.write(f"  {label:<48} {count:>12,}")
        # Linux reports ru_maxrss in kilobytes; the children are the --jobs processes.
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        memory = f"peak memory {own:.0f} MB in this process"
        if child:
            memory += f", {child:.0f} MB in the largest county process"
        self.stdout.write(self.style.SUCCESS(f"Done in {elapsed:.1f} s; {memory}."))

    def _progress(self, message):
        self.stdout.write(message)
