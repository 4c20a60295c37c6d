"""``manage.py import_backup FILE [--force] [--no-media] [--noinput]``: see
``organizations.backup`` and README.md, "Backup and restore"."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import cache as figures
from organizations import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by export_backup. A portable archive (.tar) loads into an "
        "empty, migrated database in one transaction; a PostgreSQL dump (.dump) replaces the "
        "database's contents with pg_restore --clean --if-exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .tar or .dump file made by export_backup.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Portable archive: load even into a database holding data, overwriting rows "
            "with the same ids, and skip the row-count check.",
        )
        parser.add_argument(
            "--no-media", action="store_true", help="Leave the uploaded files as they are."
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask before replacing a PostgreSQL database.",
        )

    def handle(self, *args, file, force, no_media, interactive, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path} does not exist.")
        started = time.monotonic()
        try:
            if path.suffix == ".dump":
                name = settings.DATABASES["default"]["NAME"]
                if interactive and not self._confirm(name):
                    raise CommandError("Restore cancelled; nothing changed.")
                restored = backup.pg_restore(path, media=not no_media)
                summary = f"database {name} replaced, {restored:,} uploaded files restored"
            else:
                manifest, restored = backup.import_archive(path, force=force, media=not no_media)
                summary = (
                    f"{sum(manifest.counts.values()):,} rows and {restored:,} uploaded files "
                    f"restored from the backup of {manifest.created_at}"
                )
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        # The data were replaced wholesale: every kept figure is stale.
        figures.changed()
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"{path}: {summary}, in {elapsed:.1f} s."))

    def _confirm(self, name):
        answer = input(
            f"This replaces everything in the database {name!r} with the backup. "
            "Type 'yes' to continue: "
        )
        return answer == "yes"
