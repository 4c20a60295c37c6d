"""``manage.py seed_demo [--scale N]``: load the 嘉鱼县 demo; see ``devtools.demo``."""

import time

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from devtools.demo import seed
from devtools.demo.bulk import MAX_SCALE
from devtools.demo.cast import DEMO_ACCOUNTS, DEMO_PASSWORD

COUNTED = [
    "organizations.Area",
    "organizations.Highlight",
    "organizations.Organization",
    "organizations.Person",
    "organizations.Membership",
    "organizations.User",
    "consultations.Meeting",
    "consultations.Proposal",
    "consultations.ProposalStatusChange",
    "consultations.Project",
    "consultations.FundingLine",
    "consultations.ProjectUpdate",
    "consultations.Stewardship",
    "consultations.StewardshipLog",
    "consultations.Evaluation",
    "consultations.Outcome",
]


class Command(BaseCommand):
    help = "Load the 嘉鱼县 demo: territory, organizations, people, accounts and matters."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="Multiply the matters N times for load tests (bulk inserts beyond the first).",
        )

    def handle(self, *args, scale, **options):
        if not 1 <= scale <= MAX_SCALE:
            raise CommandError(f"--scale is between 1 and {MAX_SCALE:,}.")
        started = time.monotonic()
        result = seed(scale=scale, progress=self._progress if options["verbosity"] > 1 else None)
        elapsed = time.monotonic() - started
        if result.built_matters:
            self.stdout.write("Demo matters created.")
        else:
            self.stdout.write("Demo matters already present; left as they are.")
        if result.rounds_added:
            rate = result.rows_added / result.bulk_seconds if result.bulk_seconds else 0
            self.stdout.write(
                f"Scale rounds added: {result.rounds_added} "
                f"({result.rows_added} rows in {result.bulk_seconds:.1f} s, {rate:,.0f} rows/s)."
            )
        self.stdout.write("")
        for label in COUNTED:
            model = apps.get_model(label)
            self.stdout.write(f"  {model.__name__:<22} {model.objects.count():>12,}")
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for username, group, area_code, superuser, display in DEMO_ACCOUNTS:
            role = "superuser" if superuser else group
            self.stdout.write(f"  {username:<9} {role:<18} {area_code or '—':<13} {display}")
        self.stdout.write(self.style.SUCCESS(f"Done in {elapsed:.1f} s."))

    def _progress(self, message):
        self.stdout.write(message)
